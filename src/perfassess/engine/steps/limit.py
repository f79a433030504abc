"""limit: cap or floor an ordered field when a condition holds, recording every reason."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from perfassess.engine.fields import TEXT, FieldType, format_values, repeated
from perfassess.engine.frame import Frame, TraceChunk
from perfassess.engine.plan import PlanError, Runner, Schema, YamlPath, status_code
from perfassess.engine.steps.common import rule_status, spell_combinations
from perfassess.engine.steps.registry import (
    Enumeration,
    KindDoc,
    Rule,
    StepKind,
    codes,
    expression_fields,
)
from perfassess.spec.pack import Cap, LimitStep, StepBase

# What a cap did on a row, by outcome code, as the trace's reason names it.
CAP_OUTCOMES = {"cap_fired": "fired", "cap_exempt": "exempt", "not_evaluated": "not evaluated"}


def cap_words(cap: Cap, schema: Schema) -> dict[str, str]:
    """What the trace's reason says of each outcome of a cap, after the outcome's name."""
    # A condition "not evaluated" names the data it lacked, not the parameters it read.
    data = sorted(schema.compile(cap.when, ()).fields - set(schema.parameters))
    return {"cap_fired": cap.reason, "cap_exempt": str(cap.exempt_reason),
            "not_evaluated": f"{', '.join(data)} missing"}


def bound_field(cap: Cap, input_name: str, schema: Schema) -> str | None:
    """The field a cap's bound names (``at_most: compliance``), or None for a literal. A
    label of the capped field's vocabulary is a literal even if a field has its name."""
    bound = cap.at_most if cap.at_most is not None else cap.at_least
    if not isinstance(bound, str) or bound not in schema.fields:
        return None
    ftype = schema.fields.get(input_name)
    if ftype is not None and ftype.kind == "label" and ftype.vocabulary is not None and \
            bound.strip().lower() in {label.lower() for label in ftype.vocabulary}:
        return None
    return bound


def _check_bound(name: str, bound: FieldType, capped: str, in_type: FieldType,
                 path: YamlPath) -> None:
    """A field as a bound: numbers cap numbers, labels cap labels of the same vocabulary."""
    if in_type.kind == "label":
        if bound.kind != "label" or bound.vocabulary_name != in_type.vocabulary_name:
            what = f"labels of {bound.vocabulary_name!r}" if bound.kind == "label" \
                else bound.kind
            raise PlanError("E-PACK-TYPE", f"field {name!r} ({what}) cannot bound {capped!r}, "
                            f"which holds labels of {in_type.vocabulary_name!r}", path)
    elif bound.kind not in ("number", "integer"):
        raise PlanError("E-PACK-TYPE", f"field {name!r} is {bound.kind}; it cannot bound "
                        f"{capped!r}, which is a number", path)


def prepare(step: LimitStep, schema: Schema, path: YamlPath) -> Runner:
    in_type = schema.require_field(step.input, (*path, "input"))
    if not in_type.is_ordered:
        raise PlanError("E-PACK-TYPE", f"field {step.input!r} is {in_type.kind}; caps need "
                        "an ordered field", (*path, "input"))
    caps = []
    for i, cap in enumerate(step.caps):
        cpath = (*path, "caps", i)
        when = schema.compile(cap.when, (*cpath, "when"))
        exempt = schema.compile(cap.exempt_when, (*cpath, "exempt_when")) if cap.exempt_when \
            else None
        bound = cap.at_most if cap.at_most is not None else cap.at_least
        bpath = (*cpath, "at_most" if cap.at_most is not None else "at_least")
        field = bound_field(cap, step.input, schema)
        if field is not None:
            _check_bound(field, schema.fields[field], step.input, in_type, bpath)
            value: float | str = field
            spelt = ""
        else:
            value = schema.literal(bound, in_type, bpath)
            spelt = format_values(np.array([value]), in_type)[0]
        exempt_st = status_code(cap.exempt_status) if cap.exempt_status else rule_status(
            cap, step, cpath)
        caps.append((cap, when, exempt, value, rule_status(cap, step, cpath), exempt_st,
                     cap_words(cap, schema), spelt))
    schema.define(step.output, in_type, step.id, (*path, "output"))
    if step.fired_output:
        schema.define(step.fired_output, TEXT, step.id, (*path, "fired_output"))

    def run(frame: Frame) -> None:
        env = frame.env()
        n = frame.n
        traced = frame.trace.wants(step.id)
        x = frame.values[step.input]
        out = x.copy()
        status = frame.status[step.input].copy()
        fired: list[np.ndarray] = []  # per cap, the rows it fired on
        capable = ~np.isnan(x) & frame.active  # rows a cap can apply to
        for cap, when, exempt, literal, st, exempt_st, words, bound_spelt in caps:
            truth = when.truth(env, n)
            holds = truth.t & capable
            bound: float | np.ndarray = literal  # type: ignore[assignment]
            unbounded = None
            if isinstance(literal, str):  # another field's value: where it is missing,
                bound = frame.values[literal]  # the cap does not apply
                unbounded = holds & np.isnan(bound)
                holds &= ~unbounded
            excused = holds & exempt.truth(env, n).t if exempt is not None else (
                np.zeros(n, dtype=bool))
            effective = holds & ~excused
            # Judged against the value after earlier caps: a cap (or an exemption) counts
            # only where it makes a difference.
            would_bite = (out > bound) if cap.at_most is not None else (out < bound)
            bites = effective & would_bite
            np.copyto(out, bound, where=bites)
            read = when.fields | {literal} if isinstance(literal, str) else when.fields
            cond_status = np.maximum(frame.max_status(read), st)
            np.maximum(status, cond_status, out=status, where=bites)
            np.maximum(status, exempt_st, out=status, where=excused & would_bite)
            if step.fired_output:
                fired.append(effective)
            if not traced:
                continue
            unknown = ~truth.t & ~truth.f & frame.active
            rule_id = f"{step.id}/{cap.id}"
            chunks = [(effective, st, "cap_fired", words["cap_fired"]),
                      (excused, exempt_st, "cap_exempt", words["cap_exempt"]),
                      (unknown, st, "not_evaluated", words["not_evaluated"])]
            if unbounded is not None:
                chunks.append((unbounded & frame.active, st, "not_evaluated",
                               f"{literal} missing, so the cap does not apply"))
            for mask, code, outcome, said in chunks:
                rows = np.flatnonzero(mask)
                if isinstance(literal, str):  # "at most compliance (Good)"
                    values = format_values(np.asarray(bound)[rows], frame.types[literal])
                    to_value: np.ndarray | str = values.astype(object)
                    text: np.ndarray = (f"{_bound(cap)} (" + values.astype(object) + ")"
                                        ).astype(object)
                else:
                    to_value, text = bound_spelt, repeated(_bound(cap), len(rows))
                frame.trace.add(TraceChunk(rows, step.id, step.output, text, rule_id,
                                           np.full(len(rows), code, dtype=np.int8),
                                           f"{CAP_OUTCOMES[outcome]}: {said}",
                                           outcome, {"to_value": to_value}, verdict=True))
        frame.set(step.output, out, in_type, status)
        if frame.trace.mode != "none":
            changed = (out != x) & ~np.isnan(x)
            before = np.where(changed, format_values(x, in_type), "").astype(object)
            verdict = np.where(changed, "capped from " + before.astype(str), "no cap bites")
            after = np.where(changed, format_values(out, in_type), "").astype(object)
            frame.record(step.id, step.output, step.id, verdict.astype(object),
                         np.where(changed, "capped", "no_cap").astype(object),
                         details={"from_value": before, "to_value": after})
        if step.fired_output:
            ids = [cap.id for cap, *_ in caps]
            frame.set(step.fired_output,
                      spell_combinations(fired, lambda on: "; ".join(ids[i] for i in on)),
                      TEXT, frame.max_status([]))
    return run


def _bound(cap: Cap) -> str:
    return f"at most {cap.at_most}" if cap.at_most is not None else f"at least {cap.at_least}"


def _outcomes(step: LimitStep, name: str, schema: Schema,
              inner: Callable[[str], list[float] | None]) -> list[float] | None:
    values = inner(step.input) if name == step.output else None
    if values is None:
        return None
    found = set(values)
    literals = []
    for cap in step.caps:
        field = bound_field(cap, step.input, schema)
        if field is None:
            literals.append(cap.at_most if cap.at_most is not None else cap.at_least)
            continue
        bounds = inner(field)
        if bounds is None:
            return None
        found |= {v for v in bounds if not np.isnan(v)}
    return sorted(found | set(codes(literals, name, schema)))


def _bound_fields(step: LimitStep, schema: Schema) -> list[str]:
    """The fields the step's caps take their bounds from, in order, once each."""
    found = [bound_field(cap, step.input, schema) for cap in step.caps]
    return list(dict.fromkeys(name for name in found if name is not None))


def _reads(step: LimitStep, schema: Schema) -> set[str]:
    return {step.input, *_bound_fields(step, schema)} | expression_fields(
        [text for cap in step.caps for text in (cap.when, cap.exempt_when)], schema)


def undone(step: LimitStep, level: int) -> StepBase | None:
    """Without the caps of at least that status: they never hold."""
    caps = [cap.model_copy(update={"when": "false", "exempt_when": None})
            if status_code(cap.status or step.status) >= level else cap for cap in step.caps]
    if caps == step.caps:
        return None
    return step.model_copy(update={"caps": caps})


DOC = KindDoc(
    summary="Caps (at most) and floors (at least) on an ordered field, each applied where "
            "its condition holds, with its reason.",
    keys={
        "input": "The field to cap: a number, integer or label.",
        "output": "The field written, of the input's type.",
        "caps": "The caps and floors, in the order they apply.",
        "caps.id": "The cap's id in the step; the rule's id is `step/cap`.",
        "caps.when": "The condition under which the cap applies (the expression language "
                     "below).",
        "caps.at_most": "A cap: a value above this is lowered to it: a number, a label of "
                        "the input's vocabulary, or the name of another field (numbers "
                        "bound numbers, labels only labels of the same vocabulary; a "
                        "label of the vocabulary wins over a field of the same name). "
                        "Where the named field is missing the cap does not apply. Give "
                        "exactly one of `at_most` and `at_least`.",
        "caps.at_least": "A floor: a value below this is raised to it (as `at_most`, a "
                         "literal or another field).",
        "caps.exempt_when": "A condition under which the cap does not apply.",
        "caps.exempt_reason": "Why the exemption holds (required with `exempt_when`).",
        "caps.exempt_status": "The status of the exemption, where it differs from the "
                              "cap's.",
        "caps.reason": "Why the cap applies, as the trace and reports say it.",
        "fired_output": "A text field to write, per row, the ids of the caps that applied.",
    },
    semantics=(
        "Caps apply in the order written, each to the value the caps before it left: where "
        "an `at_most` and a later `at_least` both bite, the later one decides.",
        "For a label field, above and below follow the vocabulary's order (worst first): "
        "`at_most: Good` lowers a better label to Good.",
        "A cap applies only where its condition is definitely true, the input is present "
        "and the row is still rated; an unknown condition leaves the value alone (trace "
        "outcome `not_evaluated`, naming the missing fields).",
        "Where `exempt_when` holds the cap does not apply (trace outcome `cap_exempt`, with "
        "`exempt_reason`).",
        "A missing input stays missing.",
        "`fired_output` lists, joined by `; ` in cap order, the caps whose condition held "
        "and that were not exempt, whether or not they changed the value; it is empty "
        "where none applied.",
        "Status: where a cap changes the value, the output becomes at least as uncertain as "
        "the cap (its own status, or else the step's) and the fields its condition reads; "
        "where an exemption keeps a value a cap would have changed, at least as uncertain "
        "as `exempt_status` (by default the cap's).",
    ),
    example="""\
id: caps
kind: limit
title: No better than two stars while a key indicator is poor
input: stars_before_caps
output: stars
caps:
  - id: key_indicator
    when: "key_indicator < 2"
    at_most: two
    reason: a key indicator is below the threshold
    exempt_when: "improving"
    exempt_reason: improving for two years
fired_output: caps_applied
status: documented
""")

KIND = StepKind(
    LimitStep, prepare,
    reads=_reads,
    writes=lambda s: [s.output] + ([s.fired_output] if s.fired_output else []),
    explains_rating=True,
    rules=lambda s: [Rule(cap.id, cap, cap.note or cap.reason, f"{_bound(cap)} when {cap.when}")
                     for cap in s.caps],
    enumerate=lambda s, schema: Enumeration([s.input, *_bound_fields(s, schema)], tuple(
        (text, "bool") for cap in s.caps for text in (cap.when, cap.exempt_when) if text)),
    outcomes=_outcomes, complete=lambda s, guaranteed: guaranteed(s.input),
    undone=undone,
    doc=DOC)
