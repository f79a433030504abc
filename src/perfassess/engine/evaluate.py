"""Run a planned pack over validated returns: the frame in, ratings and trace out."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from perfassess.core.problems import Problem, Problems, ProblemsFound
from perfassess.core.returns import Returns
from perfassess.engine.dataflow import dead_after, outputs, reads
from perfassess.engine.expr import ZeroDivisor
from perfassess.engine.fields import STATUSES, FieldType, read_only, repeated, spell
from perfassess.engine.frame import Frame, Trace, TraceChunk, TraceMode
from perfassess.engine.plan import Counterfactual, Plan, Runner
from perfassess.engine.steps.registry import kind_of
from perfassess.engine.unrated import missing_inputs
from perfassess.spec.pack import StepBase


@dataclass
class Evaluation:
    frame: Frame
    ratings: pd.DataFrame
    # The trace is spelt out when it is first asked for (and not at all with --trace none).
    _table: pa.Table | None = field(default=None, init=False, repr=False)
    _trace: pd.DataFrame | None = field(default=None, init=False, repr=False)

    @property
    def trace_table(self) -> pa.Table:
        if self._table is None:
            self._table = self.frame.trace.to_table(self.frame.keys)
        return self._table

    @property
    def trace(self) -> pd.DataFrame:
        if self._trace is None:
            self._trace = self.trace_table.to_pandas()
        return self._trace

    def trace_batches(self, rows: int) -> Iterator[pa.Table]:
        """The trace a batch of rows at a time, without holding it all (once made, whole)."""
        if self._table is not None:
            return iter([self._table])
        return self.frame.trace.batches(self.frame.keys, rows)


def evaluate(plan: Plan, returns: Returns, names: dict[str, str] | None = None,
             trace_mode: TraceMode = "full", history: pd.DataFrame | None = None,
             keep_fields: bool = True) -> Evaluation:
    """Every step in order over whole columns; one ratings row per authority and period.

    ``keep_fields=False`` frees each field once no later step reads it and the pack does
    not output it, so the frame ends with the outputs only (memory: the live fields, not
    every field the pack defines).
    """
    frame = _frame(plan, returns, trace_mode, history)
    others = [_Beside(cf, _frame(cf.plan, returns, "none", history))
              for cf in plan.counterfactuals]
    step_reads = [reads(step, plan.schema) for step in plan.pack.steps] if others else []
    for beside in others:
        beside.frame.borrow_indexes(frame)
    _trace_inputs(frame, returns)
    dead = dead_after(plan) if not keep_fields else [[] for _ in plan.runners]
    offset = len(plan.runners) - len(plan.pack.steps)  # the implicit required-inputs check
    marks: dict[str, np.ndarray] = {}  # by field: the status code counterfactuals give it
    for j, (runner, done_with) in enumerate(zip(plan.runners, dead, strict=True)):
        step = plan.pack.steps[j - offset] if j >= offset else None
        run_step(runner, frame, step.id if step is not None else "required-inputs")
        for beside in others:
            beside.follow(j, step, step_reads[j - offset] if step else set(), frame, marks)
        for name in done_with:
            frame.drop(name)
            for beside in others:
                beside.frame.drop(name)
    if marks:
        _mark(frame, marks)
    ratings = _ratings(plan, frame, returns, {**(names or {}), **returns.names})
    return Evaluation(frame, ratings)


@dataclass
class _Beside:
    """A counterfactual plan run in step with the plan, over a frame of its own."""

    cf: Counterfactual
    frame: Frame
    diverged: set[str] = field(default_factory=set)  # fields whose values differ here
    rows_diverged: bool = False  # whether rows dropped from rating differ here

    def follow(self, j: int, step: StepBase | None, read: set[str], base: Frame,
               marks: dict[str, np.ndarray]) -> None:
        """Run the counterfactual's j-th runner, or, where it would do just what the plan's
        did (the same step over the same values and rows), share what the plan's wrote."""
        other = self.frame
        written = outputs(step) if step is not None else []
        if (step is not None and step.id not in self.cf.undone and not self.rows_diverged
                and not read & self.diverged):
            for name in written:
                other.values[name] = base.values[name]
                other.types[name] = base.types[name]
                other.status[name] = base.status[name]
            other.active = base.active.copy()
            return
        run_step(self.cf.plan.runners[j], other, step.id if step else "required-inputs")
        self.rows_diverged = self.rows_diverged or not np.array_equal(other.active,
                                                                      base.active)
        for name in written:
            differs = different(base.values[name], other.values[name])
            if differs.any():
                self.diverged.add(name)
                mark = marks.setdefault(name, np.zeros(base.n, dtype=np.int8))
                np.maximum(mark, self.cf.level, out=mark, where=differs)


def run_step(runner: Runner, frame: Frame, step_id: str) -> None:
    """Run one step; a division by zero it refuses is a located problem, not a traceback."""
    try:
        runner(frame)
    except ZeroDivisor as exc:
        raise ProblemsFound(zero_divisor_problems(exc, frame, step_id)) from None


def zero_divisor_problems(exc: ZeroDivisor, frame: Frame, step_id: str) -> Problems:
    """E-DIVISION-BY-ZERO for each row (up to the problems' limit) a step divided by zero."""
    problems = Problems()
    rows = exc.rows[:problems.limit]
    codes = frame.keys["authority_code"].to_numpy(dtype=object)[rows]
    periods = frame.keys["period"].to_numpy(dtype=object)[rows]
    for code, period in zip(codes, periods, strict=True):  # bounded by the problems' limit
        problems.add(Problem(
            "E-DIVISION-BY-ZERO", f"step {step_id}: {code} {period} divides by zero at "
            f"position {exc.position + 1} of {exc.text!r}", column=step_id, value=str(code)))
    if len(exc.rows) > len(rows):
        problems.counts["E-DIVISION-BY-ZERO"] += len(exc.rows) - len(rows)
    return problems


def _frame(plan: Plan, returns: Returns, trace_mode: TraceMode,
           history: pd.DataFrame | None) -> Frame:
    n = len(returns.keys)
    parameters, parameter_status = plan.parameter_columns(n)
    return Frame(
        keys=returns.keys,
        # The returns' own arrays: steps write new ones, never into these.
        values={k: read_only(v) for k, v in returns.values.items()} | parameters,
        types=plan.base_types(),
        status={k: np.zeros(n, dtype=np.int8) for k in plan.input_types} | parameter_status,
        na=dict(returns.na),
        trace=Trace(trace_mode, summary_steps=summary_steps(plan)),
        history=history,
    )


def different(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row by row, whether two columns of a field differ (missing equals only missing)."""
    same: np.ndarray
    if a.dtype == object or b.dtype == object:
        equal = pd.Series(a, dtype=object).eq(pd.Series(b, dtype=object)).to_numpy(dtype=bool)
        same = equal | (pd.isna(a) & pd.isna(b))
    else:
        same = (a == b) | (np.isnan(a) & np.isnan(b))
    return ~same


def _mark(frame: Frame, marks: dict[str, np.ndarray]) -> None:
    """Give values the status their counterfactuals found, in the frame and in the trace."""
    for name, mark in marks.items():
        if name in frame.status:
            frame.status[name] = np.maximum(frame.status[name], mark)
    for chunk in frame.trace.chunks:
        found = None if chunk.verdict else marks.get(chunk.field)
        if found is not None:
            chunk.status = np.maximum(chunk.status, found[chunk.rows])


def summary_steps(plan: Plan) -> frozenset[str]:
    """Steps kept by a summary trace: those whose kind explains ratings (decisions, caps,
    requirements), and the step that produces the rating."""
    rating_step = plan.schema.producer.get(plan.pack.rating.field)
    keep = {step.id for step in plan.pack.steps
            if kind_of(step).explains_rating or step.id == rating_step}
    return frozenset(keep | {"required-inputs"})


def _trace_inputs(frame: Frame, returns: Returns) -> None:
    """Where every input value came from: file and row, or the pack that fed it."""
    origin = returns.origin
    if not frame.trace.wants("input") or origin is None or origin.empty:
        return
    parts = (pa.array(origin["file"]), pa.array(origin["line"].to_numpy(dtype=np.int64)),
             pa.array(origin["column"]))
    place = pc.binary_join_element_wise(*(part.cast(pa.large_string()) for part in parts),
                                        pa.scalar(":", pa.large_string()))
    row = origin["row"].to_numpy()
    for indicator, index in origin.groupby("indicator", sort=True).indices.items():
        rows = row[index]
        name = str(indicator)
        spelt = spell(frame.values[name][rows], frame.types[name])
        if name in frame.na:
            spelt = spelt.where(frame.na[name][rows], "n/a")
        frame.trace.add(TraceChunk(rows, "input", name, spelt, "input",
                                   frame.status[name][rows], place.take(pa.array(index)),
                                   "input"))


def _names(frame: Frame, names: dict[str, str]) -> pd.Series:
    """Each row's authority name (empty where unknown), looked up once per authority: its
    rows are together (no hashing of every row's code to find them)."""
    if not names:
        return pd.Series(repeated("", frame.n), dtype=object, copy=False)
    first = ~frame.same_authority_above()
    codes = frame.keys["authority_code"].to_numpy()[first]
    found = pd.Series(codes, dtype=object).map(names).fillna("").to_numpy(dtype=object)
    return pd.Series(found[np.cumsum(first) - 1], dtype=object, copy=False)


def column(values: np.ndarray, ftype: FieldType) -> pd.Series:
    """A frame column as a typed pandas column (labels spelt, integers nullable)."""
    if ftype.kind == "label":
        assert ftype.vocabulary is not None
        codes = np.where(np.isnan(values), -1, values).astype(np.int64)
        cat = pd.Categorical.from_codes(codes, categories=pd.Index(list(ftype.vocabulary)),
                                        ordered=True)
        return pd.Series(cat)  # ordered categorical: the vocabulary order travels with it
    if ftype.kind == "text":
        return pd.Series(values, dtype=object, copy=False)
    if ftype.kind == "integer":
        return pd.Series(np.round(values), copy=False).astype("Int64")
    if ftype.kind == "boolean":
        return pd.Series(np.where(np.isnan(values), np.nan, values > 0)).astype("boolean")
    # The frame's arrays are never written into: the column can share it.
    return pd.Series(values, dtype=np.float64, copy=False)


def _attributes(frame: Frame, attributes: pd.DataFrame | None) -> dict[str, pd.Series]:
    """Each declared attribute's value for each authority-period ('' where none given)."""
    if attributes is None:
        return {}
    names = [c for c in attributes.columns if c not in ("authority_code", "period")]
    wanted = pd.MultiIndex.from_arrays([np.asarray(frame.keys["authority_code"], dtype=object),
                                        np.asarray(frame.keys["period"], dtype=object)])
    given = pd.MultiIndex.from_frame(attributes[["authority_code", "period"]].astype(object))
    at = given.get_indexer(wanted)
    out = {}
    for name in names:
        values = np.append(attributes[name].to_numpy(dtype=object), "")
        out[name] = pd.Series(values[at], dtype=object, copy=False)
    return out


def _ratings(plan: Plan, frame: Frame, returns: Returns, names: dict[str, str]
             ) -> pd.DataFrame:
    pack = plan.pack
    rating_field = pack.rating.field
    rating = frame.values[rating_field]
    rated = ~pd.isna(rating) if frame.types[rating_field].kind == "text" else ~np.isnan(rating)
    codes = frame.keys["authority_code"]
    data: dict[str, pd.Series] = {
        "authority_code": pd.Series(codes.to_numpy(), dtype=object, copy=False),
        "authority_name": _names(frame, names),
        **_attributes(frame, returns.attributes),
        "period": pd.Series(frame.keys["period"].to_numpy(), dtype=object, copy=False),
        "rating": column(rating, frame.types[rating_field]),
    }
    for name in pack.outputs:
        if name != rating_field:
            data[name] = column(frame.values[name], frame.types[name])
    status = np.array((*STATUSES, ""), dtype=object)
    data["rating_status"] = pd.Series(status[np.where(rated, frame.status[rating_field],
                                                      len(STATUSES))], dtype=object, copy=False)
    note = repeated("", len(rated))
    unrated = np.flatnonzero(~rated)
    note[unrated] = frame.note[unrated]
    blank = unrated[note[unrated] == ""]  # no step said why: name the inputs it lacks
    # From the returns: a run that frees inputs after their last use still names them.
    lacking = missing_inputs(plan, returns.values, returns.na, rated, blank)
    every = f", which every rated {pack.authority.singular} has"
    note[blank] = np.where(lacking == "", "", "; no value for " + lacking.astype(object) + every)
    note[blank] = f"no rating: {rating_field} could not be determined" + note[blank]
    data["rating_note"] = pd.Series(note, dtype=object, copy=False)
    # Side by side, not pd.DataFrame(data), which copies the columns into one 2-D block
    # per type.
    return pd.concat(data.values(), axis=1, keys=list(data))
