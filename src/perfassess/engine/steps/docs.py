"""The reference for pack authors (docs/steps.md), generated from each step kind's KindDoc."""

from __future__ import annotations

import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

import perfassess.engine.steps  # noqa: F401  (registers every built-in kind)
from perfassess.engine.expr import FUNCTION_DOCS
from perfassess.engine.steps.registry import KINDS, KindDoc, StepKind
from perfassess.spec.pack import RuleMeta, StepBase

# The keys every step takes (StepBase's fields, and for_each, which the loader expands).
SHARED_KEYS: dict[str, str] = {
    "kind": "The step's kind: one of the kinds on this page.",
    "id": "The step's id, unique in the pack (letters, digits, `_`, `.` and `-`); a rule "
          "inside a step (a decision row, a cap) is named `step/rule`.",
    "title": "What the step does, in a line, for people (`rules show`, reports).",
    "status": "How sure we are of the rule: `documented`, `reconstructed` or `illustrative`. "
              "Every rule needs one, its own or its step's (E-PACK-STATUS); a decision row, "
              "default or cap without one inherits the step's.",
    "source": "Where the rule comes from: the id of one of the pack's `sources`.",
    "note": "Free text: why the rule reads so, what is uncertain about it.",
    "for_each": "Repeat the step (or an input): a list of bindings (`- {block: housing}`), "
                "or a mapping of names to lists of text, for every combination (a list may "
                "be given by its name in the pack's top-level `lists`). Each copy has "
                "`{name}` replaced in every text, keys included; its id must hold a "
                "placeholder so that the copies differ. A placeholder may stand in any "
                "slot, numbers included (`min: \"{low}\"`); the pack schema expects "
                "`kind` written out.",
}
# Decision rows, defaults and caps carry these as steps do (status, source, note).
RULE_KEYS = frozenset(RuleMeta.model_fields)


def nested_model(annotation: Any) -> type[BaseModel] | None:
    """The model a key holds (itself, in a list, or optional), if it holds one."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = nested_model(arg)
        if found is not None:
            return found
    return None


def model_keys(model: type[StepBase]) -> dict[str, FieldInfo]:
    """A kind's own keys, as its KindDoc names them: a key of a nested rule or table as
    ``caps.when`` (a nested rule's status, source and note are the shared ones)."""
    out: dict[str, FieldInfo] = {}
    for name, info in model.model_fields.items():
        if name in StepBase.model_fields:
            continue
        out[name] = info
        inner = nested_model(info.annotation)
        if inner is not None:
            for sub, sub_info in inner.model_fields.items():
                if not (issubclass(inner, RuleMeta) and sub in RULE_KEYS):
                    out[f"{name}.{sub}"] = sub_info
    return out


def undocumented(kind: StepKind) -> list[str]:
    """What a kind's KindDoc lacks or names wrongly: its keys without a meaning, and
    meanings of keys it does not have (empty when the two agree)."""
    keys = model_keys(kind.model)
    if kind.doc is None:
        return ["(no KindDoc)", *keys]
    return ([key for key in keys if not kind.doc.keys.get(key)]
            + [f"{key} (no such key)" for key in kind.doc.keys if key not in keys])


def type_text(annotation: Any) -> str:
    """A key's type in words: ``list of number or text``."""
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Annotated:
        return type_text(args[0])
    if origin is Literal:
        named = [f"`{a}`" for a in args]
        return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " or " + named[-1]
    if origin in (Union, types.UnionType):
        kept = [a for a in args if a is not type(None)]
        if {str, int, float} <= set(kept):
            kept = [a for a in kept if a is not int]
        return " or ".join(type_text(a) for a in kept)
    if origin is list:
        return f"list of {type_text(args[0])}"
    if origin is dict:
        return f"mapping of {type_text(args[0])} to {type_text(args[1])}"
    simple = {str: "text", int: "integer", float: "number", bool: "true or false"}
    if annotation in simple:
        return simple[annotation]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "mapping (keys below)"
    return "any"


def default_text(info: FieldInfo) -> str:
    """A key's default as the docs show it, or ``required``."""
    if info.is_required():
        return "required"
    value = info.get_default(call_default_factory=True)
    if value is PydanticUndefined or value is None or value in ([], {}):
        return "—"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def kind_markdown(name: str, kind: StepKind) -> list[str]:
    """One kind's section of docs/steps.md."""
    doc = kind.doc or KindDoc("(not documented)", {}, (), "")
    lines = [f"## `{name}`", "", doc.summary, "", "| key | type | default | meaning |",
             "|---|---|---|---|"]
    for key, info in model_keys(kind.model).items():
        lines.append("| " + " | ".join(_cell(c) for c in (
            f"`{key}`", type_text(info.annotation), default_text(info),
            doc.keys.get(key, ""))) + " |")
    if doc.semantics:
        lines += ["", "What it does:", ""]
        lines += [f"- {line}" for line in doc.semantics]
    if doc.example:
        lines += ["", "```yaml", doc.example.rstrip("\n"), "```"]
    return lines


def steps_markdown() -> str:
    """``docs/steps.md``: every step kind, the shared keys and the expression functions (a
    test keeps the file in step with the code)."""
    lines = [
        "# Step kinds",
        "",
        "The reference for pack authors: every kind of step a `pack.yaml` may use, its keys",
        "(type and default from the pack models, meaning from each kind's module), what it",
        "does exactly, and an example; then the keys every step takes and the functions of",
        "the expression language. `perfassess rules schema` prints the same keys as a JSON",
        "Schema for editors ([pack.schema.json](pack.schema.json)).",
        "",
        "This page is generated from `src/perfassess/engine/steps/` and",
        "`src/perfassess/engine/expr.py`; regenerate it, and the schema, with",
        "",
        "```sh",
        ".venv/bin/python -c \"from perfassess.engine.steps.docs import steps_markdown; "
        "open('docs/steps.md', 'w').write(steps_markdown())\"",
        ".venv/bin/perfassess rules schema --output docs/pack.schema.json",
        "```",
        "",
        "Steps run in order, each over whole columns: one row per authority and period,",
        "missing values as gaps. A row that has lost its rating (`require`) gets no value",
        "from any later step. A field's status is the least certain (`illustrative` over",
        "`reconstructed` over `documented`) of the rules that decided it.",
        "",
        "| kind | what it does |",
        "|---|---|",
    ]
    for name, kind in KINDS.items():
        summary = kind.doc.summary if kind.doc is not None else ""
        lines.append(f"| [`{name}`](#{name}) | {_cell(summary)} |")
    for name, kind in KINDS.items():
        lines += ["", *kind_markdown(name, kind)]
    lines += ["", "## Keys every step takes", "", "| key | type | default | meaning |",
              "|---|---|---|---|"]
    for key, text in SHARED_KEYS.items():
        info = StepBase.model_fields.get(key)
        if info is None:
            type_, default = "list or mapping", "—"
        elif key == "kind":
            type_, default = "text", "required"
        else:
            type_, default = type_text(info.annotation), default_text(info)
        lines.append(f"| `{key}` | {_cell(type_)} | {default} | {_cell(text)} |")
    lines += [
        "",
        "## Expressions",
        "",
        "Conditions (`when`, `exempt_when`) and `compute` expressions share one small",
        "language: numbers, quoted labels, `true`/`false`, field and group names,",
        "`+ - * /`, comparisons (`== != < <= > >=`), `in [...]` and `not in [...]`,",
        "`and`, `or`, `not`, brackets and the functions below. Logic has three values: a",
        "comparison with a missing value is unknown, and a row or cap applies only where its",
        "condition is definitely true. A quoted label compares with a label field by its",
        "position in the vocabulary (worst first; case is ignored); labels are not numbers",
        "(`ordinal(x)` gives the position). `period` compares with quoted periods",
        "(`period >= '2003'`). A division by zero is missing.",
        "",
        "| function | what it gives | missing values |",
        "|---|---|---|",
    ]
    for fn in sorted(FUNCTION_DOCS):
        f = FUNCTION_DOCS[fn]
        lines.append(f"| `{f.signature}` | {_cell(f.meaning)} | {_cell(f.missing)} |")
    return "\n".join(lines) + "\n"
