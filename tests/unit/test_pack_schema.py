"""The JSON Schema of pack.yaml: shipped as generated, and it agrees with the pack loader."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from perfassess.core.problems import ProblemsFound
from perfassess.engine.steps.docs import model_keys
from perfassess.engine.steps.registry import KINDS
from perfassess.engine.steps.schema import pack_schema, schema_json
from perfassess.io.yaml_source import load_yaml
from perfassess.spec.loader import source_from_data
from tests.conftest import ROOT

SCHEMA = pack_schema()
VALIDATOR = jsonschema.Draft7Validator(SCHEMA)
BUILT_IN = sorted((ROOT / "rules").glob("**/pack.yaml"))

PACK: dict[str, Any] = {
    "id": "tiny", "title": "Tiny", "version": "1.0.0", "assessor": "tests",
    "periods": {"first": "2000"},
    "inputs": [{"id": "score", "title": "Score", "type": "number"}],
    "rating": {"field": "whole"}, "outputs": ["whole"],
    "steps": [{"id": "whole", "kind": "round", "input": "score", "output": "whole",
               "digits": 0, "status": "documented"}],
}


def errors(data: dict[str, Any]) -> list[str]:
    return [e.message for e in VALIDATOR.iter_errors(data)]


def loads(data: dict[str, Any]) -> bool:
    try:
        source_from_data(copy.deepcopy(data))
    except ProblemsFound:
        return False
    return True


def with_step(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(PACK)
    data["steps"][0].update(changes)
    return data


def test_docs_pack_schema_json_is_the_generated_schema() -> None:
    shipped = (ROOT / "docs" / "pack.schema.json").read_text(encoding="utf-8")
    assert shipped == schema_json(), (
        "docs/pack.schema.json is out of date: "
        ".venv/bin/perfassess rules schema --output docs/pack.schema.json")


def test_the_output_is_deterministic_json_with_sorted_keys() -> None:
    text = schema_json()
    assert text == schema_json()
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True,
                              ensure_ascii=False) + "\n"
    jsonschema.Draft7Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", BUILT_IN, ids=lambda p: str(p.relative_to(ROOT / "rules")))
def test_every_built_in_pack_validates(path: Path) -> None:
    data = load_yaml(path).data
    assert errors(data) == []


def test_there_are_built_in_packs_to_validate() -> None:
    assert len(BUILT_IN) >= 7
    assert any("versions" in p.parts for p in BUILT_IN)


def test_each_kind_is_a_branch_with_its_keys_described() -> None:
    defs = SCHEMA["definitions"]
    branches = {}
    for ref in defs["Step"]["oneOf"]:
        schema = defs[ref["$ref"].rsplit("/", 1)[1]]
        branches[schema["properties"]["kind"]["const"]] = schema
    assert set(branches) == set(KINDS)
    for name, schema in branches.items():
        kind = KINDS[name]
        assert kind.doc is not None and schema["description"] == kind.doc.summary
        props = schema["properties"]
        for key in model_keys(kind.model):
            head, _, sub = key.partition(".")
            if sub:
                continue
            assert props[head]["description"] == kind.doc.keys[head], (name, key)
        assert schema["additionalProperties"] is False
        for shared in ("id", "title", "status", "source", "note"):
            assert props[shared]["description"], (name, shared)
    cap = defs["Cap"]["properties"]
    assert cap["when"]["description"] == KINDS["limit"].doc.keys["caps.when"]  # type: ignore[union-attr]
    assert cap["status"]["description"]


def test_the_minimal_pack_is_valid_to_both() -> None:
    assert errors(PACK) == [] and loads(PACK)


@pytest.mark.parametrize("changes", [
    {"rounding": 2},  # a key the kind does not have
    {"kind": "roundish"},  # a kind nobody registered
    {"digits": "two"},  # text in a number's slot
    {"method": "banker"},  # a word not among the choices
    {"digits": "{d}"},  # a placeholder outside a for_each item
])
def test_what_the_loader_refuses_the_schema_refuses(changes: dict[str, Any]) -> None:
    data = with_step(**changes)
    assert not loads(data)
    assert errors(data) != []


def test_a_missing_required_key_is_refused() -> None:
    data = copy.deepcopy(PACK)
    del data["steps"][0]["input"]
    assert not loads(data) and errors(data) != []


def test_a_for_each_step_may_hold_placeholders_in_numbers_and_patterned_texts() -> None:
    data = with_step(id="whole.{d}", output="whole_{d}", digits="{d}",
                     for_each=[{"d": "0"}, {"d": "1"}])
    data["outputs"] = ["whole_0", "whole_1"]
    data["rating"] = {"field": "whole_0"}
    assert loads(data)
    assert errors(data) == []


def test_a_for_each_step_needs_a_placeholder_in_its_id_and_a_fixed_kind() -> None:
    no_placeholder = with_step(for_each=[{"d": "0"}])
    assert not loads(no_placeholder) and errors(no_placeholder) != []
    templated_kind = with_step(id="whole.{k}", kind="{k}", for_each=[{"k": "round"}])
    assert errors(templated_kind) != []  # the loader would take it; the schema keeps kind fixed


def test_for_each_inputs_and_named_lists_validate() -> None:
    data = copy.deepcopy(PACK)
    data["lists"] = {"parts": ["a", "b"]}
    data["inputs"].append({"id": "part_{p}", "title": "Part {p}", "type": "integer",
                           "max": "{p_max}", "for_each": [{"p": "a", "p_max": "9"}]})
    data["inputs"].append({"id": "bit_{p}", "title": "Bit {p}", "type": "number",
                           "for_each": {"p": "parts"}})
    assert loads(data)
    assert errors(data) == []
    data["lists"] = {"parts": [1, 2]}
    assert not loads(data) and errors(data) != []


def test_every_key_of_the_pack_and_of_an_input_is_described() -> None:
    root = SCHEMA["properties"]
    assert [k for k in root if not root[k].get("description")] == []
    spec = SCHEMA["definitions"]["InputSpec"]["properties"]
    assert [k for k in spec if not spec[k].get("description")] == []
