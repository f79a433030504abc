"""aggregate: combine several fields into one (mean, weighted mean, sum, min, max, median)."""

from __future__ import annotations

import numpy as np

from perfassess.engine.fields import INTEGER, NUMBER, FieldType, repeated
from perfassess.engine.frame import Frame
from perfassess.engine.plan import PlanError, Runner, Schema, YamlPath
from perfassess.engine.steps.common import numeric_input, rule_status
from perfassess.spec.pack import AggregateStep


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
        stack = np.vstack([frame.values[n] for n in names])
        present = ~np.isnan(stack)
        na = np.vstack([frame.na.get(n, np.zeros(frame.n, dtype=bool)) for n in names])
        n_present = present.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            if step.method == "n_present":
                out = n_present.astype(np.float64)
            elif step.method == "weighted_mean":
                # Weights named by a parameter take each row's value of it.
                by_row = (np.vstack([frame.values[named[n]] if n in named
                                     else np.full(frame.n, weights[i])
                                     for i, n in enumerate(names)])
                          if named else weights[:, None])
                w = by_row * present
                out = np.nansum(stack * by_row, axis=0) / w.sum(axis=0)
            elif step.method == "mean":
                out = np.nansum(stack, axis=0) / n_present
            elif step.method == "sum":
                out = np.nansum(stack, axis=0)
            elif step.method == "min":
                out = np.where(present, stack, np.inf).min(axis=0)
            elif step.method == "max":
                out = np.where(present, stack, -np.inf).max(axis=0)
            else:
                out = np.nanmedian(np.where(present, stack, np.nan), axis=0) if len(stack) else (
                    np.full(frame.n, np.nan))
        reason = repeated(f"{step.method} of {n_present_text(n_inputs)}", frame.n)
        if step.method != "n_present":
            none = n_present == 0
            out = np.where(none, np.nan, out)
            reason[none] = "no input present"
        if step.missing == "propagate":
            gap = (~present & ~na).any(axis=0)
            out = np.where(gap, np.nan, out)
            reason[gap] = "an input is missing"
        if step.min_present is not None:
            short = n_present < step.min_present
            out = np.where(short, np.nan, out)
            reason[short] = f"fewer than {step.min_present} inputs present"
        st = np.maximum(frame.max_status(names), status)
        frame.set(step.output, out, out_type, st)
        frame.record(step.id, step.output, step.id, reason, keep_missing=True)
    return run


def _declared(weight: float | str, schema: Schema) -> float:
    return schema.parameters[weight][0] if isinstance(weight, str) else weight


def n_present_text(n: int) -> str:
    return f"{n} inputs (present ones)"
