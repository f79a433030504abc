"""The JSON Schema of pack.yaml as written (``perfassess rules schema``), from the models."""

from __future__ import annotations

import copy
import json
from typing import Any

from pydantic.json_schema import models_json_schema

from perfassess.engine.steps.docs import SHARED_KEYS
from perfassess.engine.steps.registry import KINDS
from perfassess.spec.pack import InputSpec, Pack

DRAFT = "http://json-schema.org/draft-07/schema#"  # what YAML editors' language servers read
DEFS = "#/definitions/"
TEMPLATE = "Template"  # the suffix of a definition's for_each form
# A text for_each fills in: it may stand in any slot of a for_each item (numbers included,
# since the loader substitutes before the models read the item), except the kind.
PLACEHOLDER: dict[str, Any] = {"type": "string", "pattern": r"\{[^{}]+\}"}
FOR_EACH: dict[str, Any] = {
    "description": SHARED_KEYS["for_each"],
    "anyOf": [
        {"type": "array", "items": {"type": "object", "additionalProperties": {
            "type": "string"}}},
        {"type": "object", "additionalProperties": {"anyOf": [
            {"type": "array", "items": {"type": "string"}}, {"type": "string"}]}},
    ],
}
LISTS: dict[str, Any] = {
    "description": "Named lists of text that for_each items use by name.",
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
# What editors show of the pack's own keys and an input's (a step's come from its KindDoc).
PACK_KEYS: dict[str, str] = {
    "id": "The pack's id: lowercase letters, digits and `-` (`--pack ID`).",
    "title": "The pack's name, as reports show it.",
    "version": "The pack's version, `MAJOR.MINOR.PATCH`; older versions are kept in "
               "`versions/` and locked in rules/packs.lock.",
    "assessor": "Who made the assessment the pack reproduces.",
    "summary": "What the pack rates, in a few lines.",
    "periods": "The periods the pack applies to: `first` (and `last`), written `YYYY`, "
               "`YYYY-YY` or `YYYY-MM`.",
    "returns": "How the pack's returns are published when not with `authority_code` and "
               "`period` columns: `key` (the column(s) of an authority, or `[\"@row\"]`), "
               "`name`, `period` (of files without one) or `period_column`.",
    "authority": "What the pack rates, as its pages say it: `singular`, `plural` (default "
                 "authority, authorities).",
    "sources": "The documents the rules come from; a rule's `source` names one by id.",
    "vocabularies": "Ordered labels by name, worst first; matching ignores case.",
    "groups": "Named lists of fields, usable wherever fields are listed and inside "
              "count/any/all/none/min/max/sum/mean/n_present.",
    "inputs": "The values returns carry, one entry per indicator.",
    "parameters": "Named numbers rules use by name (expressions, band cuts, aggregate "
                  "weights), each with its status; a sensitivity run may vary them.",
    "rating": "The field that is the rating (`field`), the fields the national league "
              "table sorts by (`sort`), and what each rating means (`meaning`).",
    "outputs": "The fields written to the results besides the rating.",
    "digits": "Decimal places people are shown of an output (default 2); the data files "
              "keep every digit.",
    "attributes": "Columns that describe an authority (region, type), carried into the "
                  "results as text, never read as indicators.",
    "uncertainty": "What may vary in a sensitivity run, and how (docs/sensitivity.md).",
    "display": "Presentation only, outside the content hash (rewording is no new version): "
               "`fields` (an input's or output's `title` and `unit` on pages and in explain) "
               "and `scales` (named score scales: each whole-number score -> what it means, "
               "for inputs naming one as `scale`).",
}
INPUT_KEYS: dict[str, str] = {
    "id": "The indicator's id, as returns name it.",
    "title": "The indicator's name, as reports show it.",
    "type": "`number`, `integer`, `label` (of `vocabulary`) or `text`.",
    "vocabulary": "A label input's vocabulary (only label inputs take one).",
    "min": "The lowest value accepted; below it is an error (E-VALUE-RANGE).",
    "max": "The highest value accepted; above it is an error (E-VALUE-RANGE).",
    "unit": "The value's unit, as reports show it (`%` for a percentage).",
    "polarity": "Which values are better: `higher`, `lower`, `range` or `none`, as reports "
                "say it.",
    "domain": "The area of service the indicator belongs to, as reports group it.",
    "required": "Rows without a value get no rating (checked before the first step).",
    "na": "Whether `n/a` is accepted, and what it means.",
    "missing_means": "What a missing value means, for people reading the pack.",
    "accept": "Spellings of numbers accepted as given: `thousands_separator` (1,234), "
              "`percent_sign` (12%, with `unit: '%'`), `dash_as_missing`.",
    "column": "The name the indicator is published under, when not its id: the file's "
              "column (a long file's indicator), read as this input.",
    "note": "Free text about the indicator.",
    "scale": "A score scale of `display.scales`: pages show what the input's score means "
             "(presentation only, outside the content hash).",
}
# Keys whose values are data, not schemas: never templated.
_DATA_KEYS = frozenset({"default", "enum", "const", "required", "pattern", "description",
                        "title", "examples"})


def pack_schema() -> dict[str, Any]:
    """The schema: the Pack model, its steps a choice of every registered kind, and each
    step and input either as the model has it or as a for_each template."""
    kinds = list(KINDS.items())
    refs, top = models_json_schema(
        [(Pack, "validation"), (InputSpec, "validation"),
         *((kind.model, "validation") for _, kind in kinds)],
        ref_template=DEFS + "{model}")
    defs: dict[str, Any] = top["$defs"]
    for schema in defs.values():
        for prop in schema.get("properties", {}).values():
            prop.pop("title", None)  # pydantic's capitalised key names say nothing more

    def name_of(model: Any) -> str:
        ref: str = refs[(model, "validation")]["$ref"]
        return ref.removeprefix(DEFS)

    root = defs.pop(name_of(Pack))
    for props, texts in ((root["properties"], PACK_KEYS),
                         (defs[name_of(InputSpec)]["properties"], INPUT_KEYS)):
        for key, text in texts.items():
            props[key]["description"] = text
    step_names = []
    for kind_name, kind in kinds:
        name = name_of(kind.model)
        step_names.append(name)
        _describe(defs, name, kind_name)
    defs["Step"] = {"description": "A step: its `kind` says which keys it takes.",
                    "oneOf": [{"$ref": DEFS + name} for name in step_names]}
    templated = _reachable(defs, [*step_names, name_of(InputSpec)])
    for name in sorted(templated):
        defs[name + TEMPLATE] = _templated(copy.deepcopy(defs[name]), templated)
    for name in (*step_names, name_of(InputSpec)):
        _for_each_form(defs[name + TEMPLATE])
    defs["Step" + TEMPLATE] = {
        "description": "A step repeated by for_each.",
        "oneOf": [{"$ref": DEFS + name + TEMPLATE} for name in step_names]}

    props = root["properties"]
    props["steps"] = {"description": "The steps, run in order (docs/steps.md).",
                      "type": "array", "minItems": 1, "items": _either("Step")}
    props["inputs"]["items"] = _either(name_of(InputSpec))
    props["lists"] = LISTS
    return {"$schema": DRAFT, "title": "perfassess rule pack (pack.yaml)",
            "description": "A rule pack: metadata, vocabularies, inputs, parameters, the "
                           "rating and its ordered steps (docs/steps.md).",
            **root, "definitions": defs}


def schema_json() -> str:
    """The schema as text: sorted keys, so the same code always gives the same bytes."""
    return json.dumps(pack_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _either(name: str) -> dict[str, Any]:
    """An item as the model reads it, or (carrying for_each) as a template of it."""
    return {"if": {"type": "object", "required": ["for_each"]},
            "then": {"$ref": DEFS + name + TEMPLATE}, "else": {"$ref": DEFS + name}}


def _describe(defs: dict[str, Any], name: str, kind_name: str) -> None:
    """A step's definition described by its kind's KindDoc (and nested rules' keys)."""
    doc = KINDS[kind_name].doc
    schema = defs[name]
    if doc is not None:
        schema["description"] = doc.summary
    props = schema["properties"]
    for key, text in SHARED_KEYS.items():
        if key in props:
            props[key]["description"] = text
    for key, text in (doc.keys if doc is not None else {}).items():
        head, _, sub = key.partition(".")
        if not sub:
            props[head]["description"] = text
            continue
        inner = defs[_ref_in(props[head])]
        inner["properties"][sub]["description"] = text
        for shared in ("status", "source", "note"):
            if shared in inner["properties"]:
                inner["properties"][shared]["description"] = SHARED_KEYS[shared]


def _ref_in(node: Any) -> str:
    """The one definition a key's schema refers to (through a list or an optional)."""
    found = _refs(node)
    assert len(found) == 1, found
    return found.pop()


def _refs(node: Any) -> set[str]:
    if isinstance(node, list):
        return set().union(*(_refs(x) for x in node))
    if not isinstance(node, dict):
        return set()
    here = {node["$ref"].removeprefix(DEFS)} if "$ref" in node else set()
    return here.union(*(_refs(v) for k, v in node.items() if k not in _DATA_KEYS))


def _reachable(defs: dict[str, Any], names: list[str]) -> set[str]:
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(_refs(defs[name]))
    return seen


def _templated(node: Any, names: set[str]) -> Any:
    """A definition as a for_each item may write it: a placeholder may stand wherever a
    number, true/false, a patterned text or one of a set of words goes (except `kind`),
    and references lead to templates."""
    if isinstance(node, list):
        return [_templated(x, names) for x in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DATA_KEYS:
            out[key] = value
        elif key == "properties":
            out[key] = {p: s if p == "kind" else _templated(s, names) for p, s in value.items()}
        else:
            out[key] = _templated(value, names)
    ref = out.get("$ref")
    if isinstance(ref, str) and ref.removeprefix(DEFS) in names:
        out["$ref"] = ref + TEMPLATE
    if out.get("type") in ("number", "integer", "boolean") or {"pattern", "enum",
                                                                "const"} & set(out):
        meta = {k: out.pop(k) for k in ("description", "default") if k in out}
        return {"anyOf": [out, PLACEHOLDER], **meta}
    return out


def _for_each_form(schema: dict[str, Any]) -> None:
    """A template of a step or an input: it carries for_each, and its id a placeholder."""
    schema["properties"]["for_each"] = FOR_EACH
    schema["properties"]["id"] = {**PLACEHOLDER, "description": "The id of each copy: it "
                                  "must hold a {placeholder}, so that the copies differ."}
    schema["required"] = [*schema.get("required", []), "for_each"]
    schema["description"] = (schema.get("description", "") + " (repeated by for_each)"
                             ).strip()
