"""The part of a plan a sensitivity run needs: the steps the rating depends on, no more."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from perfassess.engine.plan import Plan, Runner, Schema
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


@dataclass
class Program:
    """A plan cut down to the rating: its runners in order and the fields they start from."""

    plan: Plan
    runners: list[Runner]
    inputs: list[str]  # the inputs read (directly or through earlier steps)
    parameters: list[str]


def program(plan: Plan) -> Program:
    """Keep the steps whose outputs the rating needs, and every `require` before the
    rating's step (it decides which rows are rated). Steps after the rating's own step
    cannot change it (fields are never redefined), so direction of travel and the like
    are left out."""
    pack = plan.pack
    schema = plan.schema
    rating = pack.rating.field
    producer = schema.producer[rating]
    index = {step.id: i for i, step in enumerate(pack.steps)}
    last = index.get(producer, -1)
    needed = {rating}
    keep: list[int] = []
    for j in range(last, -1, -1):
        step = pack.steps[j]
        if needed & set(outputs(step)) or isinstance(step, RequireStep):
            keep.append(j)
            needed |= reads(step, schema)
    offset = len(plan.runners) - len(pack.steps)  # the implicit required-inputs check
    required = {spec.id for spec in pack.inputs if spec.required}
    needed |= required
    runners = plan.runners[:offset] + [plan.runners[offset + j] for j in sorted(keep)]
    return Program(plan, runners,
                   [spec.id for spec in pack.inputs if spec.id in needed],
                   [name for name in schema.parameters if name in needed])


def outputs(step: Any) -> list[str]:
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
