"""docs/steps.md is generated from each step kind's KindDoc, which must describe every key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import pytest
from pydantic import Field

from perfassess.engine.expr import FUNCTION_DOCS, FUNCTIONS
from perfassess.engine.steps.docs import (
    SHARED_KEYS,
    model_keys,
    steps_markdown,
    undocumented,
)
from perfassess.engine.steps.registry import KINDS, KindDoc, StepKind, register, unregister
from perfassess.io.yaml_source import parse_yaml
from perfassess.spec.pack import Model, StepBase, _validate_steps
from tests.conftest import ROOT, column, run_long, tiny_pack

REGENERATE = ('.venv/bin/python -c "from perfassess.engine.steps.docs import steps_markdown; '
              "open('docs/steps.md', 'w').write(steps_markdown())\"")


def test_docs_steps_md_is_the_generated_reference() -> None:
    docs = (ROOT / "docs" / "steps.md").read_text(encoding="utf-8")
    assert docs == steps_markdown(), f"docs/steps.md is out of date: {REGENERATE}"


def test_every_key_of_every_kind_is_described_and_nothing_else() -> None:
    assert len(KINDS) >= 11
    assert {name: undocumented(kind) for name, kind in KINDS.items()
            if undocumented(kind)} == {}


def test_nested_rules_and_tables_have_their_keys_described() -> None:
    assert {"caps.when", "caps.at_most", "caps.exempt_when"} <= set(model_keys(
        KINDS["limit"].model))
    assert {"rules.when", "rules.then", "default.then"} <= set(model_keys(KINDS["decide"].model))
    assert "comparators.sha256" in model_keys(KINDS["compare_neighbours"].model)
    assert "caps.status" not in model_keys(KINDS["limit"].model)  # a shared key


class Part(Model):
    size: int


class Tripled(StepBase):
    kind: Literal["tripled"]
    input: str
    output: str
    scale: float = 3.0
    parts: list[Part] = Field(default_factory=list)


@pytest.fixture
def tripled() -> Iterator[StepKind]:
    doc = KindDoc("Three times a number.", {"input": "in", "output": "out", "parts": "p",
                                            "stale": "a key it does not have"}, (), "")
    kind = StepKind(Tripled, lambda step, schema, path: lambda frame: None,
                    reads=lambda s, schema: {s.input}, writes=lambda s: [s.output], doc=doc)
    register(kind)
    try:
        yield kind
    finally:
        unregister("tripled")


def test_a_new_key_without_a_meaning_is_caught(tripled: StepKind) -> None:
    # scale has no meaning, nor do the nested parts' keys; stale names no key.
    missing = undocumented(KINDS["tripled"])
    assert "scale" in missing and "parts.size" in missing
    assert "stale (no such key)" in missing
    assert "input" not in missing
    assert steps_markdown() != (ROOT / "docs" / "steps.md").read_text(encoding="utf-8")


def test_a_kind_without_a_kind_doc_is_caught() -> None:
    kind = StepKind(Tripled, lambda step, schema, path: lambda frame: None,
                    reads=lambda s, schema: {s.input}, writes=lambda s: [s.output])
    register(kind)
    try:
        assert undocumented(kind)[0] == "(no KindDoc)"
        assert "## `tripled`" in steps_markdown()  # the page still renders
    finally:
        unregister("tripled")


@pytest.mark.parametrize("name", sorted(KINDS))
def test_each_example_is_a_valid_step_of_its_kind(name: str) -> None:
    kind = KINDS[name]
    assert kind.doc is not None
    data = parse_yaml(kind.doc.example, f"{name} example").data
    assert data["kind"] == name
    step = kind.model.model_validate(data)
    assert isinstance(step, kind.model)
    # And as a pack's step list reads it, by its kind.
    assert type(_validate_steps([data])[0]) is kind.model


def test_the_semantics_and_summary_are_written_for_every_kind() -> None:
    for name, kind in KINDS.items():
        assert kind.doc is not None and kind.doc.summary and kind.doc.semantics, name
        assert all(line.strip() for line in kind.doc.semantics), name


def test_shared_keys_cover_the_step_base_and_for_each() -> None:
    assert set(StepBase.model_fields) | {"for_each"} == set(SHARED_KEYS)


def test_every_expression_function_is_described() -> None:
    assert set(FUNCTION_DOCS) == set(FUNCTIONS)
    for name, doc in FUNCTION_DOCS.items():
        assert doc.signature.startswith(f"{name}("), name
        assert doc.meaning and doc.missing, name
    page = steps_markdown()
    assert all(f"`{doc.signature}`" in page for doc in FUNCTION_DOCS.values())


# ---- the page states what the code does: the claims a pack author relies on, checked

SCORE = {"id": "x", "title": "X", "type": "number"}
GROUP = {"id": "g", "title": "G", "type": "label", "vocabulary": "region"}


def _standardise(method: str, outputs: dict[str, str], by: str | None = None) -> list[str]:
    step = {"id": "s", "kind": "standardise", "input": "x", "method": method,
            "outputs": outputs, "status": "documented", **({"by": by} if by else {})}
    pack = tiny_pack([SCORE, GROUP], [step], rating=outputs["score"],
                     vocabularies={"region": ["north", "south"]})
    rows = []
    for code, x, g in (("A", 1, "north"), ("B", 2, "north"), ("C", 2, "north"),
                       ("D", 4, "north"), ("E", None, "north"), ("F", 10, None)):
        rows.append((code, "2000", "x", x))
        rows.append((code, "2000", "g", g))
    result = run_long(pack, rows)
    return [*column(result, outputs["score"]), "|",
            *(column(result, outputs["center"]) if "center" in outputs else [])]


def test_rank_ties_take_the_lowest_rank_as_documented() -> None:
    ranks = _standardise("rank", {"score": "r"})
    assert ranks[:6] == ["1", "2", "2", "4", "", "5"]
    assert "`min` (1, 2, 2, 4; the default)" in steps_markdown()


def test_zscore_spread_is_the_population_standard_deviation_as_documented() -> None:
    step = {"id": "s", "kind": "standardise", "input": "x", "method": "zscore",
            "outputs": {"spread": "sd", "score": "z"}, "status": "documented"}
    pack = tiny_pack([SCORE], [step], rating="z")
    result = run_long(pack, [("A", "2000", "x", 1), ("B", "2000", "x", 3)])
    assert list(result.evaluation.frame.values["sd"]) == [1.0, 1.0]  # not √2 (ddof = 1)
    assert "with `ddof` (default 0, the population SD" in steps_markdown()


def test_a_missing_by_value_is_in_no_population_and_missing_inputs_get_a_centre(
        ) -> None:
    found = _standardise("percent_of_max", {"center": "m", "score": "p"}, by="g")
    scores, centres = found[:6], found[7:]
    # North's maximum is 4 (E, missing, still gets it); F, with no region, gets nothing.
    assert [float(c) for c in centres[:5]] == [4, 4, 4, 4, 4] and centres[5] == ""
    assert scores[4] == "" and scores[5] == ""
    assert "belongs to no population" in steps_markdown()


def test_travel_and_limit_do_what_their_pages_say() -> None:
    pack = tiny_pack([SCORE], [
        {"id": "t", "kind": "travel", "input": "x", "outputs": {"previous": "p",
                                                                 "direction": "d"},
         "status": "documented"},
        {"id": "c", "kind": "limit", "input": "x", "output": "y", "fired_output": "f",
         "status": "documented", "caps": [
             {"id": "hi", "when": "x > 0", "at_most": 3, "reason": "high"},
             {"id": "lo", "when": "x > 0", "at_least": 5, "reason": "low"}]},
    ], rating="d", outputs=["d", "p", "y", "f"])
    result = run_long(pack, [("A", "2001", "x", 1), ("A", "2002", "x", None),
                             ("A", "2003", "x", 4), ("B", "2001", "x", 9)])
    # 2003's previous period has no value: no previous value, not 2001's.
    assert column(result, "p") == ["", "1", "", ""]
    assert column(result, "d") == ["new", "", "new", "new"]
    # Caps apply in order, so the later floor decides; both are listed as applied.
    assert column(result, "y") == ["5", "", "5", "5"]
    assert column(result, "f") == ["hi; lo", "", "hi; lo", "hi; lo"]
    page = steps_markdown()
    assert "an earlier period's is not used" in page and "the later one decides" in page
