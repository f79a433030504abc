"""Provenance by counterfactual: a value depends on an uncertain rule only where it mattered."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from perfassess.engine.fields import STATUSES
from perfassess.engine.plan import Counterfactual, Plan, build_plan, status_code
from perfassess.engine.steps.registry import kind_of
from perfassess.spec.pack import STEP_MODELS, Pack, StepBase

# The levels a value can be marked at, least sure last (codes of STATUSES): reconstructed,
# then illustrative.
LEVELS = tuple(range(1, len(STATUSES)))


def with_provenance(plan: Plan, folder: Path | None) -> Plan:
    """The plan that marks values by counterfactual (docs/provenance.md).

    Every step that can be read without its uncertain rules (a rounding, the caps of a
    limit, a step the pack declares an alternative for) is *settled*: it runs as if
    documented, so its status does not flow on by itself. Beside the plan run counterfactual
    plans, one per level (and per declared alternative), in which the settled rules of that
    level or less sure are undone; a value is marked at that level exactly where it comes
    out different. Other uncertain rules (a decision row, a band) mark what they produce,
    and it flows on, as before.
    """
    pack = plan.pack
    alternatives = _alternatives(pack)
    undo: list[dict[int, list[StepBase]]] = []  # per step: by level, its readings without
    for step in pack.steps:
        readings: dict[int, list[StepBase]] = {}
        for level in LEVELS:
            without = kind_of(step).undone(step, level)
            found = [without] if without is not None else []
            if status_code(step.status) >= level:
                found += alternatives.get(step.id, [])
            if found:
                readings[level] = found
        undo.append(readings)
    if not any(undo):
        return plan
    settled = _settled(pack, [bool(r) for r in undo])
    counterfactuals: list[Counterfactual] = []
    for level in LEVELS:
        width = max((len(r.get(level, [])) for r in undo), default=0)
        for k in range(width):
            steps = [r[level][min(k, len(r[level]) - 1)] if level in r else step
                     for step, r in zip(settled.steps, undo, strict=True)]
            variant = _pack_with(settled, steps)
            undone = frozenset(step.id for step, r in zip(pack.steps, undo, strict=True)
                               if level in r)
            counterfactuals.append(Counterfactual(level, build_plan(variant, folder), undone))
    base = build_plan(settled, folder)
    return dataclasses.replace(base, pack=pack, counterfactuals=tuple(counterfactuals))


def _alternatives(pack: Pack) -> dict[str, list[StepBase]]:
    """The steps as the pack's declared alternatives read them, by step id."""
    out: dict[str, list[StepBase]] = {}
    if pack.uncertainty is None:
        return out
    by_id = {step.id: step for step in pack.steps}
    for alt in pack.uncertainty.alternatives:
        step = by_id.get(alt.step)
        if step is None:
            continue
        data = {**step.model_dump(mode="json", exclude_defaults=True), **alt.replace}
        out.setdefault(alt.step, []).append(_step(data))
    return out


def _settled(pack: Pack, settle: list[bool]) -> Pack:
    """The pack with the rules of these steps marked documented, their own and their rows'."""
    steps = [_step(_documented(step.model_dump(mode="json", exclude_defaults=True)))
             if on else step for step, on in zip(pack.steps, settle, strict=True)]
    return _pack_with(pack, steps)


def _documented(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: "documented" if k == "status" else _documented(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_documented(v) for v in data]
    return data


def _step(data: dict[str, Any]) -> StepBase:
    return STEP_MODELS[data["kind"]].model_validate(data)


def _pack_with(pack: Pack, steps: list[StepBase]) -> Pack:
    return pack.model_copy(update={"steps": steps})
