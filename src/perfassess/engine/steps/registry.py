"""The one registry of step kinds: what each reads, writes, runs, keeps in a trace, and shows."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

from perfassess.engine.plan import Runner, Schema, YamlPath
from perfassess.spec.pack import (
    Pack,
    RuleMeta,
    Scalar,
    StepBase,
    register_step_model,
    unregister_step_model,
)

if TYPE_CHECKING:
    from perfassess.engine.analysis import TableChecks
    from perfassess.engine.plan import Plan

T = TypeVar("T", bound=StepBase)


@dataclass(frozen=True)
class Rule:
    """A rule within a step (a decision row, a cap): its id there, what it declares, what
    reports note of it when it is uncertain, and how ``rules show`` lists it ('' if not)."""

    id: str
    meta: RuleMeta
    note: str = ""
    shown: str = ""


@dataclass(frozen=True)
class Enumeration:
    """How the static checks run a step over a grid of values: the fields it reads itself,
    the expressions it evaluates (text, and "bool" or "value"), and the group it reads only
    as a whole (then enumerated as multisets), if any."""

    fields: list[str]
    texts: tuple[tuple[str, str], ...] = ()
    whole_group: str | None = None


@dataclass(frozen=True)
class KindDoc:
    """What pack authors read of a step kind (docs/steps.md, ``perfassess rules schema``):
    a summary, each of its own keys' meaning (``caps.when`` for a key of a nested rule;
    type and default come from the model), what it does exactly, and a YAML example."""

    summary: str
    keys: dict[str, str]
    semantics: tuple[str, ...]
    example: str


@dataclass(frozen=True)
class StepKind:
    """A step kind as the rest of perfassess knows it (each kind's module declares one).

    ``prepare`` checks a step against the fields before it and compiles its runner;
    ``reads`` and ``writes`` are its fields (parameters included), for pruning and freeing.
    The static checks of decision tables use ``enumerate`` (None: the step depends on the
    whole population, so it cannot run over a grid), ``outcomes`` (the values an output
    can take, as frame codes, or None if not finite) and ``complete`` (whether every row
    has its outputs, given which fields every row has); ``check`` is the kind's own
    static check, if it has one; ``undone`` reads the step without its uncertain rules.
    """

    model: type[StepBase]
    prepare: Callable[[Any, Schema, YamlPath], Runner]
    reads: Callable[[Any, Schema], set[str]]
    writes: Callable[[Any], list[str]]
    explains_rating: bool = False  # a summary trace keeps its rows
    # The fields every row after the step has: it takes the rating from rows without them.
    requires: Callable[[Any, Schema], list[str]] | None = None
    rules: Callable[[Any], list[Rule]] = lambda step: []
    enumerate: Callable[[Any, Schema], Enumeration] | None = None
    outcomes: Callable[[Any, str, Schema, Callable[[str], list[float] | None]],
                       list[float] | None] = lambda step, name, schema, inner: None
    complete: Callable[[Any, Callable[[str], bool]], bool] = lambda step, guaranteed: False
    check: Callable[[Plan, int, int], TableChecks] | None = None
    # The step with its rules of at least a status (a code) undone, so that provenance can
    # see where they made a difference (docs/provenance.md); None: nothing to undo there,
    # or the kind has no reading without its rules (a decision table: declare an
    # alternative instead).
    undone: Callable[[Any, int], StepBase | None] = lambda step, level: None
    doc: KindDoc | None = None  # every registered kind has one (tests/unit/test_step_docs.py)


KINDS: dict[str, StepKind] = {}


def register(kind: StepKind) -> None:
    """Make a step kind known: packs may use it, and every part of perfassess finds it."""
    KINDS[register_step_model(kind.model)] = kind


def unregister(name: str) -> None:
    KINDS.pop(name, None)
    unregister_step_model(name)


def kind_of(step: StepBase) -> StepKind:
    return KINDS[step.kind]


def of_kind(steps: Iterable[StepBase], model: type[T]) -> list[T]:
    """The steps of one kind, in pack order."""
    return [cast(T, step) for step in steps if kind_of(step).model is model]


def codes(literals: Iterable[Scalar | None], name: str, schema: Schema) -> list[float]:
    """YAML literals of a field as the frame stores them, distinct and sorted."""
    ftype = schema.fields[name]
    found = {schema.literal(v, ftype, ()) for v in literals if v is not None}
    return sorted(c for c in found if not math.isnan(c))


def expression_fields(texts: Iterable[str | None], schema: Schema, want: str = "bool"
                      ) -> set[str]:
    """The fields some (compiled) expressions read."""
    return set().union(*(schema.compile(text, (), want).fields for text in texts if text))


def rule_statuses(pack: Pack) -> dict[str, str]:
    """Every rule id (``step`` or ``step/row``) with its effective status."""
    out: dict[str, str] = {}
    for step in pack.steps:
        rules = kind_of(step).rules(step)
        for rule in rules:
            out[f"{step.id}/{rule.id}"] = rule.meta.status or step.status or "illustrative"
        if not rules and step.status is not None:
            out[step.id] = step.status
    return out


def rule_count(pack: Pack) -> dict[str, int]:
    """How many rules of each status the pack holds (decision rows and caps count singly)."""
    counts = {"documented": 0, "reconstructed": 0, "illustrative": 0}
    for status in rule_statuses(pack).values():
        counts[status] += 1
    return counts
