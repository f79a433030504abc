"""Declared uncertainty checked against its pack and turned into the factors of a run."""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from perfassess.engine.analysis import Finding, check_tables
from perfassess.engine.plan import Plan, PlanError, YamlPath, build_plan
from perfassess.sensitivity.factors import (
    AlternativeDraw,
    DataDraw,
    Factor,
    ParameterDraw,
    WeightGroup,
    spell,
)
from perfassess.spec.pack import (
    STEP_KINDS,
    AlternativeRule,
    Pack,
    ParameterUncertainty,
    Uncertainty,
    percent_of,
)

# An alternative reading changes how a step decides, never what it produces.
FIXED_STEP_KEYS = frozenset({"id", "kind", "output", "outputs", "fired_output"})
MAX_VARIANT_PLANS = 64


@dataclass
class Declared:
    """What a run varies, in the order each draw's random numbers are taken."""

    parameters: list[ParameterDraw] = field(default_factory=list)
    weights: list[WeightGroup] = field(default_factory=list)
    alternatives: list[AlternativeDraw] = field(default_factory=list)
    data: list[DataDraw] = field(default_factory=list)
    held: list[str] = field(default_factory=list)  # declared, but documented: held fixed

    def held_note(self) -> str:
        if not self.held:
            return ""
        return ("held fixed as documented: " + ", ".join(self.held) + " (--vary-documented, "
                "or allow_documented: true on an entry, varies them)")
    plans: dict[tuple[int, ...], Plan] = field(default_factory=dict)  # by variant choice

    @property
    def factors(self) -> list[Factor]:
        return ([p.factor for p in self.parameters]
                + [f for group in self.weights for f in group.factors]
                + [a.factor for a in self.alternatives] + [d.factor for d in self.data])

    @property
    def scalar_count(self) -> int:
        """Uniform numbers each draw takes before the data errors: one per parameter, weight
        and step with alternatives."""
        return (len(self.parameters) + sum(len(g.factors) for g in self.weights)
                + len(self.alternatives))


def spec_hash(spec: Uncertainty) -> str:
    text = json.dumps(spec.model_dump(mode="json", exclude_defaults=True), sort_keys=True,
                      separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def check_uncertainty(pack: Pack, plan: Plan, folder: Path | None,
                      base: YamlPath = ("uncertainty",)) -> list[Finding]:
    """Every reference of the pack's declared uncertainty (or ``pack.uncertainty`` given in
    a file, ``base`` being its path there), and every alternative reading built and
    checked as a pack of its own would be."""
    spec = pack.uncertainty
    if spec is None:
        return []
    findings: list[Finding] = []
    _resolve(pack, plan, folder, spec, base, bins=2, vary_documented=True, findings=findings,
             build_combinations=False)
    return findings


def declare(pack: Pack, plan: Plan, folder: Path | None, spec: Uncertainty, *, bins: int,
            vary_documented: bool, base: YamlPath = ("uncertainty",)
            ) -> tuple[Declared, list[Finding]]:
    """The factors of a run under ``spec``, and any problems found in it."""
    findings: list[Finding] = []
    declared = _resolve(pack, plan, folder, spec, base, bins=bins,
                        vary_documented=vary_documented, findings=findings,
                        build_combinations=True)
    return declared, findings


def _resolve(pack: Pack, plan: Plan, folder: Path | None, spec: Uncertainty, base: YamlPath,
             *, bins: int, vary_documented: bool, findings: list[Finding],
             build_combinations: bool) -> Declared:
    out = Declared()
    seen: set[str] = set()

    def problem(code: str, message: str, *path: str | int) -> None:
        findings.append(Finding(code, message, (*base, *path)))

    def held(status: str | None, allowed: bool, what: str) -> bool:
        if status == "documented" and not (allowed or vary_documented):
            out.held.append(what)
            return True
        return False

    for name, entry in spec.parameters.items():
        parameter = pack.parameters.get(name)
        if parameter is None:
            problem("E-PACK-REF", f"no parameter {name!r} in pack {pack.id} "
                    f"({_known(pack.parameters)})", "parameters", name)
            continue
        seen.add(name)
        if held(parameter.status, entry.allow_documented, f"parameter {name}"):
            continue
        out.parameters.append(_parameter_draw(name, parameter.value, parameter.status or "",
                                              entry, bins))

    for g, group in enumerate(spec.weights):
        members: list[Factor] = []
        bases: list[float] = []
        amounts: list[float] = []
        fixed = False
        for j, name in enumerate(group.parameters):
            parameter = pack.parameters.get(name)
            if parameter is None:
                problem("E-PACK-REF", f"no parameter {name!r} in pack {pack.id} "
                        f"({_known(pack.parameters)})", "weights", g, "parameters", j)
                continue
            if name in seen:
                problem("E-PACK-DUPLICATE", f"parameter {name!r} is varied twice",
                        "weights", g, "parameters", j)
                continue
            seen.add(name)
            fixed = held(parameter.status, group.allow_documented, f"weight {name}") or fixed
            amount = percent_of(group.plus_minus, parameter.value)
            bases.append(parameter.value)
            amounts.append(amount)
            members.append(Factor(name, "weight", name, parameter.status or "",
                                  f"{spell(parameter.value)} ± {spell(amount)}, uniform, then "
                                  "rescaled with its group to their total", bins))
        if members and not fixed and len(members) == len(group.parameters):
            out.weights.append(WeightGroup(tuple(members), tuple(bases), tuple(amounts)))

    step_index = {step.id: i for i, step in enumerate(pack.steps)}
    by_step: dict[str, list[tuple[int, AlternativeRule]]] = {}
    ids: set[str] = set()
    for k, alt in enumerate(spec.alternatives):
        if alt.id in ids:
            problem("E-PACK-DUPLICATE", f"alternative id {alt.id!r} is used twice",
                    "alternatives", k, "id")
            continue
        ids.add(alt.id)
        if alt.step not in step_index:
            problem("E-PACK-REF", f"no step {alt.step!r} in pack {pack.id}",
                    "alternatives", k, "step")
            continue
        fixed_keys = sorted(FIXED_STEP_KEYS & set(alt.replace))
        if fixed_keys:
            problem("E-PACK-SCHEMA", f"an alternative may not replace {fixed_keys[0]!r}: it "
                    "changes how the step decides, not what it reads or produces",
                    "alternatives", k, "replace", fixed_keys[0])
            continue
        before = len(findings)
        _variant_plan(pack, folder, {step_index[alt.step]: (k, alt)}, base, findings)
        if len(findings) > before:
            continue
        step = pack.steps[step_index[alt.step]]
        if held(step.status, alt.allow_documented, f"step {alt.step} (alternative {alt.id})"):
            continue
        by_step.setdefault(alt.step, []).append((k, alt))
    for step_id, alts in by_step.items():
        variants = ("as written", *(alt.id for _, alt in alts))
        status = max((alt.status for _, alt in alts), key=_uncertainty_rank)
        out.alternatives.append(AlternativeDraw(
            Factor(f"{step_id} (alternative)", "alternative", step_id, status,
                   f"{len(variants)} readings equally likely: " + ", ".join(variants),
                   len(variants)),
            step_id, variants))

    inputs = {spec_.id: spec_ for spec_ in pack.inputs}
    for name, error in spec.data.items():
        spec_in = inputs.get(name)
        if spec_in is None:
            problem("E-PACK-REF", f"no input {name!r} in pack {pack.id}", "data", name)
            continue
        if spec_in.type not in ("number", "integer"):
            problem("E-PACK-TYPE", f"input {name!r} is {spec_in.type}; only numbers carry a "
                    "data error", "data", name)
            continue
        sd: float | None = None
        cases: str | None = None
        per = 100.0
        if error.relative is not None:
            sd = percent_of(error.relative, 1.0)
            how = f"normal error, sd {error.relative} of the value"
        else:
            assert error.binomial is not None
            cases, per = error.binomial.cases, error.binomial.per
            cases_spec = inputs.get(cases)
            if cases_spec is None or cases_spec.type not in ("number", "integer"):
                problem("E-PACK-REF", f"binomial cases {cases!r} is not a number input of "
                        f"pack {pack.id}", "data", name, "binomial", "cases")
                continue
            how = f"binomial: count of {cases} drawn at the returned rate (per {spell(per)})"
        out.data.append(DataDraw(
            Factor(f"{name} (data)", "data", name, "data",
                   how + (", kept within the input's range" if spec_in.min is not None
                          or spec_in.max is not None else ""), bins),
            name, sd, cases, per, spec_in.min, spec_in.max, spec_in.type == "integer"))

    # Counted from the declaration, when the pack loads too: each combination is a plan.
    combinations = math.prod(len(a.variants) for a in out.alternatives)
    if combinations > MAX_VARIANT_PLANS:
        problem("E-PACK-LIMIT", f"{combinations} combinations of alternative readings (at "
                f"most {MAX_VARIANT_PLANS}: each is a plan of its own, evaluated for its "
                "draws; docs/limits.md)", "alternatives")
    elif build_combinations and not findings:
        out.plans = _variant_plans(pack, plan, folder, out.alternatives, spec, step_index,
                                   base, findings)
    return out


def _parameter_draw(name: str, value: float, status: str, entry: ParameterUncertainty,
                    bins: int) -> ParameterDraw:
    if entry.choices is not None:
        choices = tuple(entry.choices)
        factor = Factor(name, "parameter", name, status,
                        "one of " + ", ".join(spell(c) for c in choices) + ", equally likely",
                        len(choices))
        return ParameterDraw(factor, value, min(choices), max(choices), "uniform", choices)
    assert entry.plus_minus is not None
    amount = percent_of(entry.plus_minus, value)
    factor = Factor(name, "parameter", name, status,
                    f"{spell(value)} ± {spell(amount)}, {entry.distribution}", bins)
    return ParameterDraw(factor, value, value - amount, value + amount, entry.distribution)


def _variant_plans(pack: Pack, plan: Plan, folder: Path | None,
                   alternatives: list[AlternativeDraw], spec: Uncertainty,
                   step_index: dict[str, int], base: YamlPath,
                   findings: list[Finding]) -> dict[tuple[int, ...], Plan]:
    """A plan for every combination of readings (the pack's own plan for all-as-written)."""
    options = [range(len(a.variants)) for a in alternatives]
    by_id = {alt.id: (k, alt) for k, alt in enumerate(spec.alternatives)}
    plans: dict[tuple[int, ...], Plan] = {}
    for combo in itertools.product(*options):
        chosen = {step_index[a.step]: by_id[a.variants[c]]
                  for a, c in zip(alternatives, combo, strict=True) if c > 0}
        built = plan if not chosen else _variant_plan(pack, folder, chosen, base, findings)
        if built is not None:
            plans[tuple(combo)] = built
    return plans


def _variant_plan(pack: Pack, folder: Path | None,
                  chosen: dict[int, tuple[int, AlternativeRule]], base: YamlPath,
                  findings: list[Finding]) -> Plan | None:
    """The pack with the chosen steps replaced, planned and its replaced tables checked;
    problems point at the alternative that caused them."""
    data: dict[str, Any] = pack.model_dump(mode="json", exclude_defaults=True)
    data.pop("uncertainty", None)
    for index, (_, alt) in chosen.items():
        meta = {k: v for k, v in (("status", alt.status), ("source", alt.source),
                                  ("note", alt.note)) if v is not None}
        data["steps"][index] = {**data["steps"][index], **alt.replace, **meta}

    def locate(path: tuple[Any, ...]) -> YamlPath:
        parts = list(path)
        if len(parts) >= 3 and parts[0] == "steps" and parts[2] in STEP_KINDS:
            del parts[2]  # pydantic's union tag
        if len(parts) >= 2 and parts[0] == "steps" and parts[1] in chosen:
            k, alt = chosen[parts[1]]
            if len(parts) >= 3 and parts[2] in alt.replace:
                return (*base, "alternatives", k, "replace", *parts[2:])
            return (*base, "alternatives", k)
        k = next(iter(chosen.values()))[0]
        return (*base, "alternatives", k)

    def add(code: str, message: str, path: tuple[Any, ...]) -> None:
        where = ".".join(str(p) for p in path)
        findings.append(Finding(code, f"with this alternative, {where}: {message}",
                                locate(path)))

    try:
        variant = Pack.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            add("E-PACK-SCHEMA", _message(err), tuple(err["loc"]))
        return None
    try:
        built = build_plan(variant, folder)
    except PlanError as exc:
        add(exc.code, exc.message, exc.path)
        return None
    for finding in check_tables(built).findings:
        if len(finding.path) >= 2 and finding.path[1] in chosen \
                and not finding.code.startswith("W-"):
            add(finding.code, finding.message, finding.path)
    return built


def _message(err: Any) -> str:
    if err.get("type") == "extra_forbidden":
        return "unknown key (not part of the rule-pack schema)"
    if err.get("type") == "missing":
        return "required key is missing"
    return str(err.get("msg", "invalid")).removeprefix("Value error, ")


def _known(parameters: dict[str, Any]) -> str:
    return "its parameters: " + ", ".join(parameters) if parameters else "it has none"


def _uncertainty_rank(status: str) -> int:
    return ("documented", "reconstructed", "illustrative").index(status)
