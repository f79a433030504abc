"""Which fields each step reads and writes: what pruning and freeing dead fields rely on."""

from __future__ import annotations

from perfassess.engine.plan import Plan, Schema
from perfassess.engine.steps.registry import kind_of
from perfassess.spec.pack import StepBase


def outputs(step: StepBase) -> list[str]:
    """Every field a step writes."""
    return kind_of(step).writes(step)


def reads(step: StepBase, schema: Schema) -> set[str]:
    """Every field a step reads, parameters included."""
    return kind_of(step).reads(step, schema)


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


def upstream(plan: Plan, name: str) -> set[str]:
    """The ids of the steps a field depends on, itself produced by the last of them."""
    producer = plan.schema.producer
    found: set[str] = set()
    wanted = [name]
    steps = {step.id: step for step in plan.pack.steps}
    while wanted:
        step = steps.get(producer.get(wanted.pop(), ""))
        if step is None or step.id in found:
            continue
        found.add(step.id)
        wanted.extend(reads(step, plan.schema))
    return found
