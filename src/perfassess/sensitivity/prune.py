"""The part of a plan a sensitivity run needs: the steps the rating depends on, no more."""

from __future__ import annotations

from dataclasses import dataclass

from perfassess.engine.dataflow import outputs, reads
from perfassess.engine.plan import Plan, Runner
from perfassess.engine.steps.registry import kind_of


@dataclass
class Program:
    """A plan cut down to the rating: its runners in order and the fields they start from."""

    plan: Plan
    runners: list[Runner]
    inputs: list[str]  # the inputs read (directly or through earlier steps)
    parameters: list[str]
    step_ids: list[str]  # each runner's step, as a problem it raises names it


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
        if needed & set(outputs(step)) or kind_of(step).requires is not None:
            keep.append(j)
            needed |= reads(step, schema)
    offset = len(plan.runners) - len(pack.steps)  # the implicit required-inputs check
    required = {spec.id for spec in pack.inputs if spec.required}
    needed |= required
    runners = plan.runners[:offset] + [plan.runners[offset + j] for j in sorted(keep)]
    return Program(plan, runners,
                   [spec.id for spec in pack.inputs if spec.id in needed],
                   [name for name in schema.parameters if name in needed],
                   ["required-inputs"] * offset + [pack.steps[j].id for j in sorted(keep)])
