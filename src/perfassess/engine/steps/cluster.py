"""cluster: one-dimensional k-means of a value into k ordered classes within each stratum."""

from __future__ import annotations

import numpy as np

from perfassess.engine.fields import INTEGER, NUMBER
from perfassess.engine.frame import Frame
from perfassess.engine.plan import PlanError, Runner, Schema, YamlPath
from perfassess.engine.steps import strata as st
from perfassess.engine.steps.common import numeric_input, rule_status
from perfassess.engine.steps.registry import KindDoc, StepKind
from perfassess.spec.pack import ClusterStep

MAX_ITER = 10_000  # each iteration is a pass over the rows of the strata still moving


def prepare(step: ClusterStep, schema: Schema, path: YamlPath) -> Runner:
    in_type = schema.require_field(step.input, (*path, "input"))
    numeric_input(step.input, in_type.kind, (*path, "input"))
    by = st.check_by(step.by, schema, path)
    st.check_groups(step.k, (*path, "k"))
    second = step.second_pass
    for at, max_iter in (((*path, "max_iter"), step.max_iter),
                         ((*path, "second_pass", "max_iter"),
                          second.max_iter if second is not None else None)):
        if max_iter is not None and max_iter > MAX_ITER:
            raise PlanError("E-PACK-LIMIT", f"max_iter is {max_iter:,}: at most "
                            f"{MAX_ITER:,} iterations", at)
    if "class" not in step.outputs:
        raise PlanError("E-PACK-SCHEMA", "cluster needs a 'class' output", (*path, "outputs"))
    status = rule_status(step, None, path)
    for role, name in step.outputs.items():
        schema.define(name, INTEGER if role == "class" else NUMBER, step.id,
                      (*path, "outputs", role))
    passes: list[tuple[int, float, float | None]] = [(step.max_iter, step.converge, None)]
    if second is not None:
        passes.append((second.max_iter or step.max_iter,
                       step.converge if second.converge is None else second.converge,
                       second.strict))
    where = st.population(by)

    def run(frame: Frame) -> None:
        k = step.k
        x = frame.values[step.input]
        groups = st.strata(frame, by)
        data = st.ordered(x, groups.of_row, groups.n)
        seeds = _seeds(data, k, step.seeds.definition, step.seeds.boundary)
        distinct = data.distinct
        live = (distinct >= k) & ~np.isnan(seeds).any(axis=1)
        keep = live[data.stratum]
        rows, xv, sv = data.rows[keep], data.values[keep], data.stratum[keep]
        centres = np.where(live[:, None], seeds, 0.0)
        runs: list[tuple[np.ndarray, np.ndarray]] = []  # per pass: iterations, converged
        for max_iter, converge, strict in passes:
            centres, iterations, converged = kmeans(xv, sv, centres, live, max_iter,
                                                    converge, strict, step.ties)
            runs.append((iterations, converged))
        nearest, _ = _nearest(xv, sv, centres, step.ties)
        order = np.argsort(centres, axis=1, kind="stable")
        rank = np.empty_like(order)
        np.put_along_axis(rank, order, np.arange(k)[None, :], axis=1)
        label = rank[sv, nearest]  # 0..k-1, by centre
        ordered = np.take_along_axis(centres, order, axis=1)
        mids = (ordered[:, 1:] + ordered[:, :-1]) / 2
        below = np.where(label > 0, xv - mids[sv, np.maximum(label - 1, 0)], np.nan)
        above = np.where(label < k - 1, mids[sv, np.minimum(label, k - 2)] - xv, np.nan)
        found = {"class": label + 1.0, "center": ordered[sv, label],
                 "to_boundary_below": below, "to_boundary_above": above,
                 "to_nearest_boundary": np.fmin(below, above)}
        out_status = np.maximum(frame.max_status([step.input, *by]), status).astype(np.int8)
        reason, outcome = _explain(frame, step, groups, data, distinct, seeds, live,
                                   ordered, runs, where)
        for role, name in step.outputs.items():
            column = np.full(frame.n, np.nan)
            column[rows] = found[role]
            frame.set(name, column, INTEGER if role == "class" else NUMBER, out_status)
            frame.record(step.id, name, step.id, reason, outcome, keep_missing=role == "class")
    return run


def _seeds(data: st.Ordered, k: int, definition: str, boundary: str) -> np.ndarray:
    """Each stratum's initial centres: the medians of its k quantile groups, (n_strata, k);
    NaN where a group is empty."""
    n_strata = len(data.counts)
    bounds = st.boundaries(data, k, definition)
    group = st.group_of(data.values, data.stratum, bounds, boundary)
    # Values are sorted by stratum then value, so stratum × k + group never falls.
    key = data.stratum * k + group
    counts = np.bincount(key, minlength=n_strata * k)
    starts = np.cumsum(counts) - counts
    top = max(len(data.values) - 1, 0)
    if not len(data.values):
        return np.full((n_strata, k), np.nan)
    low = data.values[np.minimum(starts + np.maximum(counts - 1, 0) // 2, top)]
    high = data.values[np.minimum(starts + counts // 2, top)]
    medians = np.where(counts > 0, np.where(low == high, low, (low + high) / 2), np.nan)
    seeds: np.ndarray = medians.reshape(n_strata, k)
    return seeds


def _nearest(x: np.ndarray, stratum: np.ndarray, centres: np.ndarray, ties: str
             ) -> tuple[np.ndarray, np.ndarray]:
    """Each value's nearest centre of its stratum (its number 0..k-1) and the distance;
    on a tie, the lower-numbered centre (ties: lower) or the higher (upper)."""
    best = np.zeros(len(x), dtype=np.int64)
    distance = np.abs(x - centres[stratum, 0])
    for j in range(1, centres.shape[1]):
        d = np.abs(x - centres[stratum, j])
        closer = d < distance if ties == "lower" else d <= distance
        best[closer] = j
        distance = np.where(closer, d, distance)
    return best, distance


def kmeans(x: np.ndarray, stratum: np.ndarray, seeds: np.ndarray, live: np.ndarray,
           max_iter: int, converge: float, strict: float | None, ties: str
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lloyd's k-means in every live stratum at once, from the given centres.

    An iteration assigns each value to its nearest centre and moves each centre to the
    mean of its values (with ``strict``, of those no farther than it from their centre);
    a centre left with no value stays where it was (as SAS FASTCLUS does). A stratum
    stops when no centre moved by more than ``converge`` times the smallest distance
    between its initial centres (0: when none moved), and then stays fixed. Returns the
    centres, each stratum's iterations and whether it converged within ``max_iter``."""
    n_strata, k = seeds.shape
    centres = seeds.copy()
    moving = live.copy()
    iterations = np.zeros(n_strata, dtype=np.int64)
    tolerance = np.zeros(n_strata)
    if converge > 0 and k > 1:
        gaps = np.diff(np.sort(seeds, axis=1), axis=1).min(axis=1)
        tolerance = converge * gaps  # coincident seeds: only no movement at all stops
    for _ in range(max_iter):
        if not moving.any():
            break
        rows = moving[stratum]
        xr, sr = x[rows], stratum[rows]
        nearest, distance = _nearest(xr, sr, centres, ties)
        used = distance <= strict if strict is not None else np.ones(len(xr), dtype=bool)
        key = sr[used] * k + nearest[used]
        sums = np.bincount(key, weights=xr[used], minlength=n_strata * k).reshape(n_strata, k)
        counts = np.bincount(key, minlength=n_strata * k).reshape(n_strata, k)
        with np.errstate(invalid="ignore", divide="ignore"):
            updated = np.where(counts > 0, sums / counts, centres)
        updated[~moving] = centres[~moving]
        change = np.abs(updated - centres).max(axis=1)
        iterations[moving] += 1
        centres = updated
        moving &= ~(change <= tolerance)
    return centres, iterations, live & ~moving


def _explain(frame: Frame, step: ClusterStep, groups: st.Strata, data: st.Ordered,
             distinct: np.ndarray, seeds: np.ndarray, live: np.ndarray, centres: np.ndarray,
             runs: list[tuple[np.ndarray, np.ndarray]], where: str
             ) -> tuple[np.ndarray | str, np.ndarray | str]:
    """The trace's reason and outcome for every row."""
    if not frame.trace.wants(step.id):
        return "", ""
    converged = np.logical_and.reduce([done for _, done in runs])
    code = np.where(~live, np.where(distinct < step.k, "too_few_values", "no_seed"),
                    np.where(converged, "value", "not_converged"))
    # Spelt once per stratum, not per row.
    texts = []
    for s in range(groups.n):
        if code[s] == "too_few_values":
            texts.append(f"{distinct[s]} distinct values of {step.input} within {where}: "
                         f"{step.k} classes need at least {step.k}")
        elif code[s] == "no_seed":
            empty = int(np.flatnonzero(np.isnan(seeds[s]))[0]) + 1
            texts.append(f"quantile group {empty} of {step.k} of {step.input} within "
                         f"{where} is empty: no initial centre")
        else:
            passes = " + ".join(str(int(i[s])) for i, _ in runs)
            late = "" if code[s] == "value" else ", stopped at max_iter before converging"
            texts.append(f"k-means within {where} (n = {data.counts[s]}, {passes} "
                         f"iterations{late}); centres "
                         + ", ".join(f"{c:.6g}" for c in centres[s]))
    spelt = np.array(texts, dtype=object)
    missing = np.isnan(frame.values[step.input])
    in_stratum = groups.of_row >= 0
    reason = np.where(~in_stratum, st.no_stratum(st.by_fields(step.by)),
                      np.where(missing, f"{step.input} missing",
                               st.on_rows(spelt, groups.of_row, "")))
    outcome = np.where(~in_stratum, "by_missing",
                       np.where(missing, "input_missing", st.on_rows(code, groups.of_row, "")))
    return reason.astype(object), outcome.astype(object)


DOC = KindDoc(
    summary="One-dimensional k-means of a value into k classes within its stratum (period, "
            "or period × `by`), seeded deterministically; classes are numbered by their "
            "final centre, lowest first (1..k).",
    keys={
        "input": "The numeric field to cluster.",
        "by": "A field, or a list of fields, splitting each period into strata (CMS: the "
              "peer group).",
        "k": "How many classes (at least 2).",
        "seeds": "How the initial centres are chosen.",
        "seeds.method": "`quantile_medians`: the medians of the k quantile groups of the "
                        "stratum's values (the only method).",
        "seeds.definition": "The percentile definition of the groups' boundaries, as for "
                            "`quantile` (`hf2` = SAS PCTLDEF=5, the default; `hf7`).",
        "seeds.boundary": "The group a value equal to a boundary falls in: `lower` (the "
                          "default, as CMS) or `upper`.",
        "max_iter": "The most iterations of a pass (at most 10,000; docs/limits.md).",
        "converge": "0 (the default): iterate until no centre moves. c > 0: stop once no "
                    "centre moved by more than c times the smallest distance between the "
                    "pass's initial centres (SAS FASTCLUS CONVERGE=).",
        "ties": "A value equidistant from two centres joins the `lower`-numbered (the "
                "default) or the `upper`-numbered one, numbered in the order of the seeds.",
        "second_pass": "A second k-means run seeded with the first run's final centres.",
        "second_pass.strict": "SAS FASTCLUS STRICT=: a value farther than this from its "
                              "nearest centre keeps that class but is left out when the "
                              "centres are recomputed (none: every value counts).",
        "second_pass.max_iter": "The second pass's `max_iter` (none: the first's).",
        "second_pass.converge": "The second pass's `converge` (none: the first's).",
        "outputs": "The fields to write, by role: `class` (1..k), `center` (the final "
                   "centre of the row's class), `to_boundary_below` / `to_boundary_above` "
                   "(the distance from the value to the midpoint between its class's "
                   "centre and the next one down / up; missing in class 1 / k) and "
                   "`to_nearest_boundary` (the smaller of the two).",
    },
    semantics=(
        "The population of a stratum is its rows with a value of the input; a row missing "
        "its input or a `by` value gets no class, centre or distance (outcomes "
        "`input_missing`, `by_missing`). A row excluded from rating before the input was "
        "computed has no value, so it is not clustered.",
        "Each iteration assigns every value to its nearest centre (ties by `ties`) and "
        "moves each centre to the mean of its values; a centre left without values stays "
        "where it was, as in SAS. Strata iterate together; a stratum that has converged "
        "stays fixed while others go on.",
        "A stratum with fewer distinct values than `k` gets no class (`too_few_values`); "
        "so does one whose seeding leaves a quantile group empty (`no_seed`). A pass "
        "stopped by `max_iter` keeps its classes, traced as `not_converged`.",
        "No random starts: the same values give the same classes whatever their order.",
        "Status: the least certain of the step's, the input's and the `by` fields'.",
    ),
    example="""\
id: stars
kind: cluster
title: "Stars: k-means of the summary scores into 5 clusters within the peer group"
input: summary_score
by: peer_group
k: 5
seeds: {method: quantile_medians, definition: hf2, boundary: lower}
max_iter: 1000
converge: 0
second_pass: {strict: 1.0}
outputs: {class: rating, to_nearest_boundary: to_next_star_boundary}
status: documented
""")

KIND = StepKind(
    ClusterStep, prepare,
    reads=lambda s, schema: {s.input, *st.by_fields(s.by)},
    writes=lambda s: list(s.outputs.values()), explains_rating=True,
    outcomes=lambda step, name, schema, inner: (
        [float(c) for c in range(1, step.k + 1)] if name == step.outputs.get("class")
        else None),
    doc=DOC)
