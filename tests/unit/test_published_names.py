"""Inputs published under another name (``column:``), and whole published populations as
pack cases (``populations:`` in cases.yaml)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
import yaml

from perfassess.api import score
from perfassess.cases import run_cases
from perfassess.core.problems import ProblemsFound
from perfassess.packs import LoadedPack, load_pack, pack_from_data

BASE: dict[str, Any] = {
    "id": "p", "title": "P", "version": "1.0.0", "assessor": "tests",
    "periods": {"first": "2025-10"},
    "rating": {"field": "rating"}, "outputs": ["rating"],
}


def pack(inputs: list[dict[str, Any]], steps: list[dict[str, Any]] | None = None
         ) -> LoadedPack:
    return pack_from_data({**BASE, "inputs": inputs, "steps": steps or [
        {"id": "r", "kind": "compute", "output": "rating", "expr": "compliance",
         "status": "illustrative"}]})


COMPLIANCE = {"id": "compliance", "title": "C", "type": "number",
              "column": "compliance_rating"}


def test_a_wide_column_published_under_another_name_is_read_as_the_input(
        tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("authority_code,period,compliance_rating\nA,2025-10,2\nB,2025-10,4\n",
                    encoding="utf-8")
    result = score(pack([COMPLIANCE]), path)
    assert result.ratings["rating"].tolist() == [2, 4]
    assert [p.code for p in result.problems] == []  # not an unknown indicator


def test_a_long_file_indicator_published_under_another_name_is_read_too(
        tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("authority_code,period,indicator,value\nA,2025-10,compliance_rating,3\n",
                    encoding="utf-8")
    assert score(pack([COMPLIANCE]), path).ratings["rating"].tolist() == [3]


def test_without_the_declaration_the_published_name_is_unknown(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("authority_code,period,compliance,compliance_rating\nA,2025-10,2,3\n",
                    encoding="utf-8")
    plain = dict(COMPLIANCE, column=None)
    result = score(pack([plain]), path)
    assert [p.code for p in result.problems] == ["W-UNKNOWN-INDICATOR"]


@pytest.mark.parametrize(("second", "message"), [
    ({"id": "staffing", "title": "S", "type": "number", "column": "compliance_rating"},
     "both published as 'compliance_rating'"),
    ({"id": "staffing", "title": "S", "type": "number", "column": "compliance"},
     "which is another input's id"),
])
def test_published_names_must_be_distinct(second: dict[str, Any], message: str) -> None:
    inputs = [COMPLIANCE, second] if second["column"] != "compliance" else [
        dict(COMPLIANCE, column=None), second]
    with pytest.raises(ProblemsFound, match=message) as raised:
        pack(inputs)
    assert [p.code for p in raised.value.problems] == ["E-PACK-SCHEMA"]


# --- populations ---------------------------------------------------------------------

def population_pack(tmp_path: Path, published: str, counts: dict[str, Any] | None = None,
                    digest: str | None = None) -> LoadedPack:
    """A pack whose rating depends on the whole population (rank within the period)."""
    folder = tmp_path / "pack"
    folder.mkdir()
    data = {**BASE, "returns": {"key": ["ID"], "period": "2025-10"},
            "inputs": [{"id": "x", "title": "X", "type": "number"}],
            "steps": [{"id": "r", "kind": "standardise", "input": "x", "method": "rank",
                       "descending": True, "outputs": {"score": "rating"},
                       "status": "illustrative"}]}
    (folder / "pack.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    population = b"ID,x\n001,5\n002,9\n003,7\n004,\n"
    (folder / "all.csv").write_bytes(population)
    (folder / "published.csv").write_text(published, encoding="utf-8")
    cases = {"populations": [{
        "id": "all", "inputs": [{"file": "all.csv",
                                 "sha256": digest or hashlib.sha256(population).hexdigest()}],
        "expect": {"file": "published.csv",
                   "sha256": hashlib.sha256(published.encode()).hexdigest(),
                   "key": "ID", "columns": {"place": "rating"},
                   "values": {"place": {"first": 1}}},
        "counts": counts or {}}]}
    (folder / "cases.yaml").write_text(yaml.safe_dump(cases), encoding="utf-8")
    return load_pack(str(folder))


def test_a_population_agrees_with_what_was_published(tmp_path: Path) -> None:
    loaded = population_pack(tmp_path, "ID,place\n002,first\n001,3\n004,\n",
                             counts={"rating": {"1": 1, "2": 1, "3": 1, "none": 1}})
    [outcome] = run_cases(loaded)
    assert outcome.passed, outcome.failures


def test_a_population_that_disagrees_names_the_line_and_the_values(tmp_path: Path) -> None:
    loaded = population_pack(tmp_path, "ID,place\n002,2\n001,3\n009,1\n",
                             counts={"rating": {"1": 2, "none": 2}})
    [outcome] = run_cases(loaded)
    assert "published.csv line 2: 002 rating: published '2', got '1'" in outcome.failures
    assert "published.csv line 4: 009 was not scored" in outcome.failures
    assert any(f.startswith("counts of rating: expected {'1': 2, 'none': 2}")
               for f in outcome.failures)


def test_a_population_file_not_the_one_pinned_fails_the_case(tmp_path: Path) -> None:
    loaded = population_pack(tmp_path, "ID,place\n002,first\n", digest="0" * 64)
    [outcome] = run_cases(loaded)
    assert len(outcome.failures) == 1 and "has sha256" in outcome.failures[0]


def test_a_file_without_key_columns_is_told_of_key_and_period(tmp_path: Path) -> None:
    """The hint stands whatever else is declared (attributes here), unless a key or a
    period was given: then the missing column is the user's to name."""
    from perfassess.api import validate

    path = tmp_path / "r.csv"
    path.write_text("PROVIDER_ID,compliance_rating,state\n010001,2,NSW\n", encoding="utf-8")
    problems = validate(pack([COMPLIANCE]), path, attributes=["state"]).problems
    [missing] = [p for p in problems if p.code == "E-COLUMN-MISSING"]
    assert "--key COLUMN, --period PERIOD" in missing.message
