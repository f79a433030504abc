"""Which fields each step reads and writes: what pruning and freeing dead fields rely on."""

from __future__ import annotations

from typing import Any

from perfassess.engine.plan import Plan, Schema
from perfassess.spec.pack import (
    AggregateStep,
    BandStep,
    CompareNeighboursStep,
    ComputeStep,
    DecideStep,
    LimitStep,
    MapStep,
    RequireStep,
    RoundStep,
    StandardiseStep,
    TravelStep,
)


def outputs(step: Any) -> list[str]:
    """Every field a step writes."""
    names = [getattr(step, "output", None), getattr(step, "fired_output", None)]
    names += list((getattr(step, "outputs", None) or {}).values())
    return [n for n in names if n]


def reads(step: Any, schema: Schema) -> set[str]:
    """Every field a step reads, parameters included."""
    def fields(text: str | None, want: str = "bool") -> set[str]:
        return set(schema.compile(text, (), want).fields) if text else set()

    if isinstance(step, BandStep):
        return {step.input} | {cut for cut in step.cuts if isinstance(cut, str)}
    if isinstance(step, MapStep | RoundStep):
        return {step.input}
    if isinstance(step, StandardiseStep):
        return {step.input} | ({step.by} if step.by else set())
    if isinstance(step, CompareNeighboursStep):
        return {step.input, step.unit}
    if isinstance(step, AggregateStep):
        weights = {w for w in (step.weights or {}).values() if isinstance(w, str)}
        return set(schema.expand(step.inputs, ())) | weights
    if isinstance(step, DecideStep):
        return set().union(*(fields(row.when) for row in step.rules))
    if isinstance(step, LimitStep):
        return {step.input}.union(*(fields(cap.when) | fields(cap.exempt_when)
                                    for cap in step.caps))
    if isinstance(step, ComputeStep):
        return fields(step.expr, "value")
    if isinstance(step, RequireStep):
        return set(schema.expand(step.fields, ()))
    if isinstance(step, TravelStep):
        return {step.input} | ({step.score} if step.score else set())
    raise TypeError(f"unknown step kind {step.kind!r}")  # pragma: no cover - every kind above


def dead_after(plan: Plan) -> list[list[str]]:
    """Per runner of ``plan.runners``, the fields no later runner reads and the pack does
    not output: a run that keeps only its outputs may free them once that runner is done.
    (A field nothing reads is freed after the first runner, the check of required inputs.)"""
    pack = plan.pack
    keep = set(pack.outputs) | {pack.rating.field}
    offset = len(plan.runners) - len(pack.steps)  # the implicit required-inputs check
    last: dict[str, int] = {name: 0 for name in plan.base_types()}
    for j, step in enumerate(pack.steps):
        for name in reads(step, plan.schema):
            last[name] = offset + j
        for name in outputs(step):
            last.setdefault(name, offset + j)
    dead: list[list[str]] = [[] for _ in plan.runners]
    for name, j in last.items():
        if name not in keep:
            dead[j].append(name)
    return [sorted(names) for names in dead]
