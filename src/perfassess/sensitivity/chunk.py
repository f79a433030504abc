"""One chunk of draws: sample them, run the pack over draws x rows at once, tally ratings.

A draw's random numbers come from a generator seeded by (run seed, draw index), so a draw
comes out the same in any chunk and on any worker, and tallies are sums of integers, so
adding chunks' tallies in any order gives the same totals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from perfassess.engine.evaluate import run_step
from perfassess.engine.fields import FieldType
from perfassess.engine.frame import Frame, Trace
from perfassess.sensitivity.declare import Declared
from perfassess.sensitivity.factors import choice_index
from perfassess.sensitivity.prune import Program

NO_RATING = np.int64(-(2**62))  # the outcome code of a draw that gives no rating


@dataclass
class Design:
    """Everything a chunk needs, and nothing that depends on the chunking (picklable, so
    it can be sent to Dask workers)."""

    seed: int
    draws: int
    bins: int
    rating: str
    rating_type: FieldType
    codes: np.ndarray  # authority_code of each row (n rows: the validated returns)
    period_codes: np.ndarray  # position of each row's period among ``periods``
    periods: list[str]
    values: dict[str, np.ndarray]  # input -> its returned values (n)
    na: dict[str, np.ndarray]
    declared: Declared
    programs: dict[tuple[int, ...], Program]  # by the reading chosen for each alternative
    computed: np.ndarray | None = None  # each row's rating with nothing varied (set once)

    @property
    def n(self) -> int:
        return len(self.codes)

    @property
    def bins_max(self) -> int:
        return max((f.bins for f in self.declared.factors), default=1)


@dataclass
class Sample:
    """The draws of one chunk: factor values and the class each fell into."""

    parameters: dict[str, np.ndarray]  # parameter -> value per draw (K)
    combos: np.ndarray  # (K, steps with alternatives): the reading chosen
    data: dict[str, np.ndarray]  # input -> perturbed values (K, n)
    bins: list[np.ndarray]  # per factor: class per draw (K) or per draw and row (K, n)


@dataclass
class Tally:
    """Counts over draws, per row: of each outcome, of keeping the computed rating, and per
    factor and class the number, sum and sum of squares of rated outcomes."""

    draws: int
    outcomes: dict[int, np.ndarray]  # outcome code -> draws giving it, per row
    kept: np.ndarray  # (n,) draws giving the computed rating
    count: np.ndarray  # (factors, bins, n)
    total: np.ndarray
    square: np.ndarray

    def merge(self, other: Tally) -> Tally:
        outcomes = dict(self.outcomes)
        for code, counts in other.outcomes.items():
            outcomes[code] = outcomes[code] + counts if code in outcomes else counts
        return Tally(self.draws + other.draws, outcomes, self.kept + other.kept,
                     self.count + other.count, self.total + other.total,
                     self.square + other.square)


def outcome_codes(values: np.ndarray) -> np.ndarray:
    """Ratings as whole-number codes (label positions or integer values); none for NaN."""
    return np.where(np.isnan(values), NO_RATING, np.round(np.nan_to_num(values))).astype(
        np.int64)


def sample(design: Design, first: int, count: int) -> Sample:
    declared = design.declared
    n = design.n
    scalars = declared.scalar_count
    u = np.empty((count, scalars))
    bases = [d.prepare(design.values[d.input],
                       design.values[d.cases] if d.cases is not None else None)
             for d in declared.data]
    raw = [np.empty((count, n)) for _ in declared.data]
    for i in range(count):  # one generator per draw: the draw is the same in any chunk
        rng = np.random.default_rng([design.seed, first + i])
        u[i] = rng.random(scalars)
        for j, (d, base) in enumerate(zip(declared.data, bases, strict=True)):
            raw[j][i] = d.variates(rng, base)
    data: dict[str, np.ndarray] = {}
    scores: dict[str, np.ndarray] = {}
    for d, base, variates in zip(declared.data, bases, raw, strict=True):
        data[d.input], scores[d.input] = d.apply(base, variates)
    parameters: dict[str, np.ndarray] = {}
    bins: list[np.ndarray] = []
    column = 0
    for p in declared.parameters:
        parameters[p.factor.target] = p.values(u[:, column])
        bins.append(p.bin_of(u[:, column]))
        column += 1
    for group in declared.weights:
        width = len(group.factors)
        block = u[:, column:column + width]
        weights = group.values(block)
        for j, f in enumerate(group.factors):
            parameters[f.target] = weights[:, j]
            bins.append(choice_index(block[:, j], f.bins))
        column += width
    choices = []
    for a in declared.alternatives:
        choice = a.choice(u[:, column])
        choices.append(choice)
        bins.append(choice)
        column += 1
    for d in declared.data:
        bins.append(d.bin_of(scores[d.input]))
    combos = (np.stack(choices, axis=1) if choices
              else np.zeros((count, 0), dtype=np.int64))
    return Sample(parameters, combos, data, bins)


def run_chunk(design: Design, first: int, count: int) -> Tally:
    """Draws first .. first + count - 1, as one evaluation per combination of readings."""
    drawn = sample(design, first, count)
    n = design.n
    ratings = np.full((count, n), np.nan)
    keys = [tuple(int(c) for c in row) for row in drawn.combos]
    for combo in sorted(set(keys)):
        chosen = np.array([i for i, key in enumerate(keys) if key == combo], dtype=np.int64)
        ratings[chosen] = evaluate_draws(design, design.programs[combo], chosen, drawn)
    computed = design.computed if design.computed is not None else base_ratings(design)
    return tally(design, ratings, drawn.bins, computed)


def base_ratings(design: Design) -> np.ndarray:
    """The computed rating of every row: no parameter varied, no value perturbed."""
    zero = tuple(0 for _ in design.declared.alternatives)
    base: np.ndarray = evaluate_draws(design, design.programs[zero],
                                      np.zeros(1, dtype=np.int64), None)[0]
    return base


def evaluate_draws(design: Design, program: Program, chosen: np.ndarray,
                   drawn: Sample | None) -> np.ndarray:
    """The rating of every row in each chosen draw (rows of the result), in one pass."""
    n = design.n
    m = len(chosen)
    rows = m * n
    values: dict[str, np.ndarray] = {}
    for name in program.inputs:
        if drawn is not None and name in drawn.data:
            values[name] = drawn.data[name][chosen].ravel()
        else:
            values[name] = np.tile(design.values[name], m)
    status = {name: np.zeros(rows, dtype=np.int8) for name in values}
    for name in program.parameters:
        value, code = program.plan.schema.parameters[name]
        if drawn is not None and name in drawn.parameters:
            values[name] = np.repeat(drawn.parameters[name][chosen], n)
        else:
            values[name] = np.full(rows, value)
        status[name] = np.full(rows, code, dtype=np.int8)
    periods = pd.Categorical.from_codes(np.tile(design.period_codes, m),
                                        categories=pd.Index(design.periods))
    keys = pd.DataFrame({"authority_code": np.tile(design.codes, m), "period": periods})
    frame = Frame(keys=keys, values=values, types=program.plan.base_types(), status=status,
                  na={k: np.tile(v, m) for k, v in design.na.items() if k in values},
                  trace=Trace("none"), draw=np.repeat(np.arange(m), n))
    for runner, step_id in zip(program.runners, program.step_ids, strict=True):
        run_step(runner, frame, step_id)
    return np.asarray(frame.values[design.rating], dtype=np.float64).reshape(m, n)


def tally(design: Design, ratings: np.ndarray, bins: list[np.ndarray],
          base: np.ndarray) -> Tally:
    count_draws, n = ratings.shape
    codes = outcome_codes(ratings)
    outcomes = {int(code): (codes == code).sum(axis=0).astype(np.int64)
                for code in np.unique(codes)}
    kept = (codes == outcome_codes(base)[None, :]).sum(axis=0).astype(np.int64)
    factors = len(bins)
    shape = (factors, design.bins_max, n)
    count = np.zeros(shape, dtype=np.int64)
    total = np.zeros(shape, dtype=np.int64)
    square = np.zeros(shape, dtype=np.int64)
    rated = codes != NO_RATING
    y = codes[rated]
    row = np.broadcast_to(np.arange(n), ratings.shape)[rated]
    for f, klass in enumerate(bins):
        cls = np.broadcast_to(klass[:, None] if klass.ndim == 1 else klass, ratings.shape)
        index = cls[rated] * n + row
        size = design.bins_max * n
        count[f] = np.bincount(index, minlength=size).reshape(design.bins_max, n)
        # Sums of whole numbers below 2**53 are exact in floating point: any order, any chunking.
        total[f] = np.rint(np.bincount(index, weights=y, minlength=size)).astype(
            np.int64).reshape(design.bins_max, n)
        square[f] = np.rint(np.bincount(index, weights=y * y, minlength=size)).astype(
            np.int64).reshape(design.bins_max, n)
    return Tally(count_draws, outcomes, kept, count, total, square)
