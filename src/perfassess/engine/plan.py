"""Planning: check a pack's steps in order against the fields defined so far, compile them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from perfassess.engine.expr import Compiled, ExpressionError, compile_expression
from perfassess.engine.fields import (
    INTEGER,
    NUMBER,
    PERIOD,
    STATUS_CODE,
    TEXT,
    FieldType,
    label_type,
)
from perfassess.engine.frame import Frame
from perfassess.spec.errors import PackError, YamlPath
from perfassess.spec.pack import Pack, Scalar

PlanError = PackError  # what the step kinds raise; the loader reports it at its YAML path
__all__ = ["PlanError", "YamlPath"]


class Runner(Protocol):
    def __call__(self, frame: Frame) -> None: ...


@dataclass
class Schema:
    """The fields known at a point in the pack, with their types and who produced them."""

    vocabularies: dict[str, tuple[str, ...]]
    groups: dict[str, list[str]]
    fields: dict[str, FieldType] = field(default_factory=dict)
    producer: dict[str, str] = field(default_factory=dict)
    folder: Path | None = None  # the pack's folder, where its reference tables live
    # Named numbers of the pack: a field each (type number), with its value and status code.
    parameters: dict[str, tuple[float, int]] = field(default_factory=dict)
    # Each input's declared polarity (higher, lower, range, none), for steps that follow it.
    polarity: dict[str, str] = field(default_factory=dict)

    def parameter(self, name: str, path: YamlPath) -> tuple[float, int]:
        """A parameter named where a number may be given (a cut point, a weight)."""
        if name not in self.parameters:
            raise PlanError("E-PACK-REF", f"{name!r} is neither a number nor a parameter of "
                            "the pack", path)
        return self.parameters[name]

    def vocabulary(self, name: str, path: YamlPath) -> FieldType:
        if name not in self.vocabularies:
            raise PlanError("E-PACK-REF", f"unknown vocabulary {name!r}", path)
        return label_type(name, self.vocabularies[name])

    def require_field(self, name: str, path: YamlPath) -> FieldType:
        if name in self.groups:
            raise PlanError("E-PACK-REF", f"{name!r} is a group; name a single field here", path)
        if name not in self.fields:
            raise PlanError("E-PACK-REF", f"unknown field {name!r} (not an input and not "
                            "produced by an earlier step)", path)
        return self.fields[name]

    def expand(self, names: list[str], path: YamlPath) -> list[str]:
        """Field names with any group names replaced by their members."""
        out: list[str] = []
        for i, name in enumerate(names):
            if name in self.groups:
                for member in self.groups[name]:
                    self.require_field(member, (*path, i))
                out.extend(self.groups[name])
            else:
                self.require_field(name, (*path, i))
                out.append(name)
        return out

    def define(self, name: str, ftype: FieldType, step_id: str, path: YamlPath) -> None:
        if name in self.fields:
            raise PlanError("E-PACK-DUPLICATE", f"field {name!r} is already defined by "
                            f"{self.producer[name]!r}", path)
        if name in self.groups:
            raise PlanError("E-PACK-DUPLICATE", f"{name!r} is already a group name", path)
        self.fields[name] = ftype
        self.producer[name] = step_id

    def compile(self, text: str, path: YamlPath, want: str = "bool",
                zero_division: str = "error") -> Compiled:
        try:
            return compile_expression(text, self.fields, self.groups, want=want,
                                      zero_division=zero_division)
        except ExpressionError as exc:
            raise PlanError("E-PACK-EXPR", exc.message + f" (at position {exc.position + 1} "
                            f"of {text!r})", path, exc.position) from exc

    def literal(self, value: Scalar | None, ftype: FieldType, path: YamlPath) -> float:
        """A YAML literal as the frame stores it (labels as their position)."""
        if value is None:
            return np.nan
        if ftype.kind == "label":
            assert ftype.vocabulary is not None
            if not isinstance(value, str):
                raise PlanError("E-PACK-LABEL", f"{value!r} is not a label of vocabulary "
                                f"{ftype.vocabulary_name!r}", path)
            for i, label in enumerate(ftype.vocabulary):
                if label.lower() == value.strip().lower():
                    return float(i)
            raise PlanError("E-PACK-LABEL", f"{value!r} is not a label of vocabulary "
                            f"{ftype.vocabulary_name!r} ({', '.join(ftype.vocabulary)})", path)
        if isinstance(value, str):
            raise PlanError("E-PACK-LABEL", f"{value!r} is text but this field is a number; "
                            "name a vocabulary to produce labels", path)
        return float(value)


def status_code(status: str | None) -> int:
    return STATUS_CODE[status or "illustrative"]


def input_type(spec_type: str, vocabulary: str | None, schema: Schema,
               path: YamlPath) -> FieldType:
    if spec_type == "label":
        assert vocabulary is not None
        return schema.vocabulary(vocabulary, (*path, "vocabulary"))
    return {"number": NUMBER, "integer": INTEGER, "text": TEXT}[spec_type]


@dataclass(frozen=True)
class Counterfactual:
    """A plan with some uncertain rules undone: values that come out different there get
    the status ``level``; ``undone`` names the steps it reads otherwise."""

    level: int
    plan: Plan
    undone: frozenset[str]


@dataclass
class Plan:
    pack: Pack
    schema: Schema
    input_types: dict[str, FieldType]
    runners: list[Runner]
    # Plans run beside this one with some uncertain rules undone (engine/provenance.py).
    counterfactuals: tuple[Counterfactual, ...] = ()

    def parameter_columns(self, n: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Every parameter as a frame column of n rows at its declared value, and its status."""
        values = {name: np.full(n, value) for name, (value, _) in self.schema.parameters.items()}
        status = {name: np.full(n, code, dtype=np.int8)
                  for name, (_, code) in self.schema.parameters.items()}
        return values, status

    def base_types(self) -> dict[str, FieldType]:
        """The types of the fields a frame starts with: the inputs and the parameters."""
        return dict(self.input_types) | {name: NUMBER for name in self.schema.parameters}


def build_plan(pack: Pack, folder: Path | None = None) -> Plan:
    """Check every step against the fields defined before it and compile it; ``folder`` is
    where the pack's reference tables are found."""
    from perfassess.engine.steps.registry import kind_of
    from perfassess.engine.steps.require import prepare_inputs

    schema = Schema({k: tuple(v) for k, v in pack.vocabularies.items()},
                    {k: list(v) for k, v in pack.groups.items()}, folder=folder)
    input_types: dict[str, FieldType] = {}
    schema.fields["period"] = PERIOD
    schema.producer["period"] = "built-in"
    for i, spec in enumerate(pack.inputs):
        path: YamlPath = ("inputs", i)
        ftype = input_type(spec.type, spec.vocabulary, schema, path)
        schema.define(spec.id, ftype, "input", (*path, "id"))
        schema.polarity[spec.id] = spec.polarity
        input_types[spec.id] = ftype
    for name, parameter in pack.parameters.items():
        path = ("parameters", name)
        if parameter.status is None:
            raise PlanError("E-PACK-STATUS", "every parameter needs a status (documented, "
                            "reconstructed or illustrative)", path)
        schema.define(name, NUMBER, "parameter", path)
        schema.parameters[name] = (parameter.value, status_code(parameter.status))
    runners: list[Runner] = []
    required = [spec.id for spec in pack.inputs if spec.required]
    if required:
        runners.append(prepare_inputs(required))
    seen_ids: set[str] = set()
    for i, step in enumerate(pack.steps):
        path = ("steps", i)
        if step.id in seen_ids:
            raise PlanError("E-PACK-DUPLICATE", f"step id {step.id!r} is used twice",
                            (*path, "id"))
        seen_ids.add(step.id)
        runners.append(kind_of(step).prepare(step, schema, path))
    for name, members in pack.groups.items():
        for j, member in enumerate(members):
            if member not in schema.fields:
                raise PlanError("E-PACK-REF", f"group {name!r} names {member!r}, which is "
                                "neither an input nor produced by any step", ("groups", name, j))
    for j, name in enumerate(pack.outputs):
        if name not in schema.fields:
            raise PlanError("E-PACK-REF", f"output {name!r} is not a field of the pack",
                            ("outputs", j))
    if pack.rating.field not in schema.fields:
        raise PlanError("E-PACK-REF", f"rating field {pack.rating.field!r} is never produced",
                        ("rating", "field"))
    return Plan(pack, schema, input_types, runners)
