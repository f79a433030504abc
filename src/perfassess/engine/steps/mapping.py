"""map: look a value up in a table (e.g. stars to a score)."""

from __future__ import annotations

import numpy as np

from perfassess.engine.fields import INTEGER, NUMBER, FieldType
from perfassess.engine.frame import Frame
from perfassess.engine.plan import PlanError, Runner, Schema, YamlPath
from perfassess.engine.steps.common import rule_status
from perfassess.engine.steps.registry import Enumeration, KindDoc, StepKind, codes
from perfassess.spec.pack import MapStep


def prepare(step: MapStep, schema: Schema, path: YamlPath) -> Runner:
    in_type = schema.require_field(step.input, (*path, "input"))
    if in_type.kind == "text":
        raise PlanError("E-PACK-TYPE", "map needs a label or number input", (*path, "input"))
    out_type: FieldType
    targets = list(step.mapping.values()) + ([step.default] if step.default is not None else [])
    if step.vocabulary is not None:
        out_type = schema.vocabulary(step.vocabulary, (*path, "vocabulary"))
    elif any(isinstance(t, str) for t in targets):
        raise PlanError("E-PACK-LABEL", "text values need the step's vocabulary",
                        (*path, "vocabulary"))
    else:
        out_type = INTEGER if all(float(t).is_integer() for t in targets) else NUMBER  # type: ignore[arg-type]
    keys: list[float] = []
    values: list[float] = []
    for key, target in step.mapping.items():
        kpath = (*path, "mapping", key)
        if in_type.kind == "label":
            keys.append(schema.literal(key, in_type, kpath))
        else:
            try:
                keys.append(float(key))
            except ValueError:
                raise PlanError("E-PACK-LABEL", f"key {key!r} is not a number", kpath) from None
        values.append(schema.literal(target, out_type, kpath))
    default = schema.literal(step.default, out_type, (*path, "default"))
    status = rule_status(step, None, path)
    schema.define(step.output, out_type, step.id, (*path, "output"))
    order = np.argsort(keys)
    sorted_keys = np.asarray(keys)[order]
    sorted_values = np.asarray(values)[order]

    def run(frame: Frame) -> None:
        x = frame.values[step.input]
        pos = np.clip(np.searchsorted(sorted_keys, x), 0, max(len(sorted_keys) - 1, 0))
        found = sorted_keys[pos] == x
        out = np.where(found, sorted_values[pos], np.where(np.isnan(x), np.nan, default))
        st = np.maximum(frame.status[step.input], status)
        frame.set(step.output, out, out_type, st)
        reason = np.where(found, f"looked up {step.input}",
                          np.where(np.isnan(x), f"{step.input} missing", "not in table: default"))
        frame.record(step.id, step.output, step.id, reason.astype(object),
                     np.where(found, "value", "default").astype(object))
    return run


DOC = KindDoc(
    summary="A value looked up in a table (stars to a score, a score to its words).",
    keys={
        "input": "The field looked up: a label or a number (not text).",
        "output": "The field written.",
        "vocabulary": "The vocabulary of the output's labels; without one, every value must "
                      "be a number.",
        "mapping": "The table: each key a label of the input's vocabulary (case is "
                   "ignored) or a number written as quoted text (`\"1\"`), each value a "
                   "label of `vocabulary` or a number.",
        "default": "The value of a present input the table does not list; none: missing.",
    },
    semantics=(
        "Number keys match by value (`\"1\"` and `\"1.0\"` are the same key); label keys "
        "match the input's label.",
        "A missing input gives a missing output; `default` is only for present values "
        "that are not in the table.",
        "Output type: labels of `vocabulary`; otherwise integer when every value (the "
        "default's included) is a whole number, else a number.",
        "Status: the less certain of the input's and the step's.",
    ),
    example="""\
id: assessment.words
kind: map
title: The score's words
input: assessment_score
output: rating
vocabulary: performs
mapping: {"1": performs poorly, "2": performs adequately, "3": performs well}
status: documented
""")

KIND = StepKind(
    MapStep, prepare, reads=lambda s, schema: {s.input}, writes=lambda s: [s.output],
    enumerate=lambda s, schema: Enumeration([s.input]),
    outcomes=lambda s, name, schema, inner: codes([*s.mapping.values(), s.default], name,
                                                   schema),
    complete=lambda s, guaranteed: s.default is not None and guaranteed(s.input),
    doc=DOC)
