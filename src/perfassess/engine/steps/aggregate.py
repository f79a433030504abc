"""aggregate: combine several fields into one (mean, weighted mean, sum, min, max, median)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from perfassess.engine.expr import reduce_columns
from perfassess.engine.fields import INTEGER, NUMBER, FieldType, repeated
from perfassess.engine.frame import Frame
from perfassess.engine.plan import PlanError, Runner, Schema, YamlPath
from perfassess.engine.steps.common import numeric_input, rule_status
from perfassess.engine.steps.registry import Enumeration, KindDoc, StepKind
from perfassess.spec.pack import AggregateStep

# The methods whose result does not depend on the order of the inputs.
SYMMETRIC_METHODS = frozenset({"mean", "sum", "min", "max", "median", "n_present"})


def prepare(step: AggregateStep, schema: Schema, path: YamlPath) -> Runner:
    names = schema.expand(step.inputs, (*path, "inputs"))
    types = [schema.fields[n] for n in names]
    for name, ftype in zip(names, types, strict=True):
        numeric_input(name, ftype.kind, (*path, "inputs"))
    weights = np.ones(len(names))
    if step.weights is not None:
        unknown = set(step.weights) - set(names)
        if unknown:
            raise PlanError("E-PACK-REF", f"weight for {sorted(unknown)[0]!r}, which is not "
                            "among the inputs", (*path, "weights"))
        missing_w = [n for n in names if n not in step.weights]
        if missing_w:
            raise PlanError("E-PACK-REF", f"no weight for input {missing_w[0]!r}",
                            (*path, "weights"))
        for name, weight in step.weights.items():
            if isinstance(weight, str):
                schema.parameter(weight, (*path, "weights", name))
        weights = np.array([_declared(step.weights[n], schema) for n in names],
                           dtype=np.float64)
    named = {n: w for n, w in (step.weights or {}).items() if isinstance(w, str)}
    status = rule_status(step, None, path)
    if named:
        status = max(status, *(schema.parameters[w][1] for w in named.values()))
    integer_in = all(t == INTEGER for t in types)
    out_type: FieldType = (INTEGER if step.method == "n_present" or (
        integer_in and step.method in ("sum", "min", "max")) else NUMBER)
    schema.define(step.output, out_type, step.id, (*path, "output"))
    n_inputs = len(names)

    def run(frame: Frame) -> None:
        columns = [frame.values[n] for n in names]
        n_present, gap = _presence(frame, names, columns, step.missing == "propagate")
        if step.method in ("mean", "sum", "min", "max", "n_present"):
            out = reduce_columns(step.method, iter(columns), frame.n)
        else:
            out = _stacked(step.method, columns, weights, [frame.values.get(named.get(n, ""))
                                                           for n in names], frame.n)
            out[n_present == 0] = np.nan
        short = n_present < step.min_present if step.min_present is not None else None
        for mask in (gap, short):
            if mask is not None:
                out[mask] = np.nan
        st = np.maximum(frame.max_status(names), status)
        frame.set(step.output, out, out_type, st)
        if frame.trace.wants(step.id):
            reason = repeated(f"{step.method} of {n_present_text(n_inputs)}", frame.n)
            outcome = repeated("value", frame.n)
            for mask, why, code in (
                (n_present == 0 if step.method != "n_present" else None, "no input present",
                 "no_input"),
                (gap, "an input is missing", "input_missing"),
                (short, f"fewer than {step.min_present} inputs present", "too_few"),
            ):
                if mask is not None:
                    reason[mask], outcome[mask] = why, code
            frame.record(step.id, step.output, step.id, reason, outcome, keep_missing=True)
    return run


def _presence(frame: Frame, names: list[str], columns: list[np.ndarray], propagate: bool
              ) -> tuple[np.ndarray, np.ndarray | None]:
    """How many inputs each row has, and (when a missing input propagates) the rows with
    one missing that is not n/a."""
    n_present = np.zeros(frame.n, dtype=np.int64)
    gap = np.zeros(frame.n, dtype=bool) if propagate else None
    missing = np.empty(frame.n, dtype=bool)
    for name, column in zip(names, columns, strict=True):
        np.isnan(column, out=missing)
        n_present += ~missing
        if gap is not None:
            gap |= missing & ~frame.na[name] if name in frame.na else missing
    return n_present, gap


def _stacked(method: str, columns: list[np.ndarray], weights: np.ndarray,
             row_weights: list[np.ndarray | None], n: int) -> np.ndarray:
    """The weighted mean and the median, over the members stacked as rows."""
    stack = np.vstack(columns) if columns else np.empty((0, n))
    present = ~np.isnan(stack)
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "weighted_mean":
            # Weights named by a parameter take each row's value of it.
            by_row = (np.vstack([w if w is not None else np.full(n, weights[i])
                                 for i, w in enumerate(row_weights)])
                      if any(w is not None for w in row_weights) else weights[:, None])
            w = by_row * present
            out: np.ndarray = np.nansum(stack * by_row, axis=0) / w.sum(axis=0)
            return out
        if not len(stack):
            return np.full(n, np.nan)
        median: np.ndarray = np.nanmedian(stack, axis=0)
        return median


def _declared(weight: float | str, schema: Schema) -> float:
    return schema.parameters[weight][0] if isinstance(weight, str) else weight


def n_present_text(n: int) -> str:
    return f"{n} inputs (present ones)"


def _enumeration(step: AggregateStep, schema: Schema) -> Enumeration:
    whole = (len(step.inputs) == 1 and step.inputs[0] in schema.groups
             and step.method in SYMMETRIC_METHODS)
    return Enumeration(schema.expand(step.inputs, ()), whole_group=step.inputs[0] if whole
                       else None)


def _outcomes(step: AggregateStep, name: str, schema: Schema,
              inner: Callable[[str], list[float] | None]) -> list[float] | None:
    if step.method != "n_present":
        return None
    return [float(v) for v in range(len(schema.expand(step.inputs, ())) + 1)]


DOC = KindDoc(
    summary="Several fields combined into one, row by row: a mean, weighted mean, sum, "
            "minimum, maximum, median or count of those present.",
    keys={
        "inputs": "The numeric fields to combine; a group's name stands for its members.",
        "output": "The field written.",
        "method": "`mean`, `weighted_mean`, `sum`, `min`, `max`, `median`, or `n_present` "
                  "(how many inputs are present).",
        "weights": "`weighted_mean` only, and required there: each input's weight, a number "
                   "or a parameter's name. Every input needs one; only inputs may have one.",
        "missing": "`skip` combines the inputs that are present; `propagate` makes the "
                   "output missing where any input is missing (an input marked n/a is "
                   "still skipped).",
        "min_present": "Fewer inputs present than this makes the output missing.",
    },
    semantics=(
        "Missing inputs are left out: every method works over the present inputs, and a "
        "row with none present gets a missing output (trace outcome `no_input`), except "
        "`n_present`, which gives 0.",
        "`weighted_mean` = Σ wᵢ·xᵢ / Σ wᵢ over the present inputs: a missing input's "
        "weight leaves the divisor too (it does not count as a zero).",
        "`missing: propagate`: an input that is missing and not marked n/a makes the output "
        "missing (`input_missing`).",
        "`min_present`: a row with fewer inputs present gets a missing output (`too_few`); "
        "an input marked n/a is not present.",
        "Output type: integer for `n_present`, and for `sum`, `min` and `max` when every "
        "input is an integer; a number otherwise.",
        "A weight naming a parameter takes its declared value, and each draw's value in a "
        "sensitivity run.",
        "Status: the least certain of the present inputs', the step's and that of any "
        "parameter named in `weights`.",
    ),
    example="""\
id: overall.score
kind: aggregate
title: Weighted mean of the theme scores
inputs: [theme_people, theme_care, theme_safety]
output: overall_score
method: weighted_mean
weights: {theme_people: 2, theme_care: 1, theme_safety: safety_weight}
min_present: 2
status: reconstructed
""")

KIND = StepKind(
    AggregateStep, prepare,
    reads=lambda s, schema: set(schema.expand(s.inputs, ())) | {
        w for w in (s.weights or {}).values() if isinstance(w, str)},
    writes=lambda s: [s.output], enumerate=_enumeration, outcomes=_outcomes,
    complete=lambda s, guaranteed: s.method == "n_present",
    doc=DOC)
