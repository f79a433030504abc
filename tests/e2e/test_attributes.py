"""Attribute columns (region, type): declared by a run or a pack, carried into the results
as text, never warned about as unknown indicators."""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

from perfassess.api import score
from tests.conftest import ROOT
from tests.conftest import csv_rows as _ratings
from tests.conftest import run_cli as _perfassess
from tests.e2e.reports_fixture import INPUT

ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}


def _returns(folder: Path, regions: list[str], name: str = "cqc.csv") -> Path:
    """The golden CQC returns with a region and a type column."""
    lines = (INPUT / "cqc.csv").read_text(encoding="utf-8").splitlines()
    rows = [lines[0] + ",region,type"] + [
        f"{line},{region},UA" for line, region in zip(lines[1:], regions, strict=True)]
    path = folder / name
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path




def test_attributes_are_carried_into_the_results_after_the_name(tmp_path: Path) -> None:
    _returns(tmp_path, ["London", "North", "=1+2", "North"])  # E09000001, X1, X2, ../evil<b>
    proc = _perfassess("score", "--pack", "cqc-la-2024", "--input", "cqc.csv", "--out", "out",
                       "--attribute", "region", "--attribute", "type", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "W-UNKNOWN-INDICATOR" not in proc.stderr
    ratings = tmp_path / "out" / "cqc-la-2024" / "ratings.csv"
    with ratings.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert header[:5] == ["authority_code", "authority_name", "region", "type", "period"]
    rows = {r["authority_code"]: r for r in _ratings(ratings)}
    assert rows["E09000001"]["region"] == "London" and rows["X1"]["type"] == "UA"
    assert rows["../evil<b>"]["region"] == "North"
    assert rows["X2"]["region"] == "'=1+2"  # a formula is neutralised in the CSV
    manifest = json.loads((tmp_path / "out" / "cqc-la-2024" / "manifest.json").read_text())
    assert manifest["options"]["attributes"] == ["region", "type"]


def test_without_the_declaration_they_are_unknown_indicators(tmp_path: Path) -> None:
    _returns(tmp_path, ["North"] * 4)
    proc = _perfassess("validate", "--pack", "cqc-la-2024", "--input", "cqc.csv", cwd=tmp_path)
    assert proc.returncode == 0
    assert "indicator 'region' is not an input" in proc.stdout + proc.stderr
    declared = _perfassess("validate", "--pack", "cqc-la-2024", "--input", "cqc.csv",
                           "--attribute", "region", "--attribute", "type", cwd=tmp_path)
    assert declared.returncode == 0
    assert "W-UNKNOWN-INDICATOR" not in declared.stdout + declared.stderr


def test_a_second_value_is_a_located_conflict_and_the_first_is_kept(tmp_path: Path) -> None:
    first = _returns(tmp_path, ["London", "North", "North", "North"], "a.csv")
    lines = (INPUT / "cqc.csv").read_text(encoding="utf-8").splitlines()
    second = tmp_path / "b.csv"
    second.write_text("authority_code,period,region\nE09000001,2024,South\n", encoding="utf-8")
    result = score("cqc-la-2024", [first, second], attributes=["region"])
    conflict = [p for p in result.problems if p.code == "W-ATTRIBUTE-CONFLICT"]
    assert len(conflict) == 1
    assert (conflict[0].file, conflict[0].row, conflict[0].value, conflict[0].expected) == (
        str(second), 2, "South", "London")
    kept = result.ratings.set_index("authority_code")["region"]
    assert kept["E09000001"] == "London" and len(lines) == 5


def test_an_attribute_named_like_an_input_is_an_error(tmp_path: Path) -> None:
    _returns(tmp_path, ["North"] * 4)
    proc = _perfassess("score", "--pack", "cqc-la-2024", "--input", "cqc.csv", "--out", "out",
                       "--attribute", "qs1_assessing_needs", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 1
    codes = [p["code"] for p in json.loads(proc.stdout)["problems"]]
    assert "E-ATTRIBUTE-CLASH" in codes
    assert not (tmp_path / "out").exists()


def test_an_attribute_no_file_has_is_a_warning_and_an_empty_column(tmp_path: Path) -> None:
    _returns(tmp_path, ["North"] * 4)
    result = score("cqc-la-2024", tmp_path / "cqc.csv", attributes=["region", "county"])
    assert [p.value for p in result.problems if p.code == "W-ATTRIBUTE-MISSING"] == ["county"]
    assert set(result.ratings["county"]) == {""}


def test_a_run_file_and_a_pack_declare_them_too(tmp_path: Path) -> None:
    _returns(tmp_path, ["London", "North", "North", "North"])
    (tmp_path / "run.yaml").write_text(
        "out: out\nruns:\n  - pack: cqc-la-2024\n    inputs: [cqc.csv]\n"
        "    attributes: [region]\n", encoding="utf-8")
    proc = _perfassess("score", "--config", "run.yaml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = _ratings(tmp_path / "out" / "cqc-la-2024" / "ratings.csv")
    assert [r["region"] for r in rows if r["authority_code"] == "E09000001"] == ["London"]
    # only region was declared
    assert "indicator 'type' is not an input" in proc.stdout + proc.stderr

    pack = tmp_path / "pack"
    shutil.copytree(ROOT / "rules" / "cqc-la-2024", pack)
    text = (pack / "pack.yaml").read_text(encoding="utf-8")
    (pack / "pack.yaml").write_text(text.replace("\nrating:\n", "\nattributes: [region, type]"
                                                 "\nrating:\n", 1), encoding="utf-8")
    result = score(str(pack), tmp_path / "cqc.csv")
    assert "W-UNKNOWN-INDICATOR" not in result.problems.counts
    assert list(result.ratings.columns[:4]) == ["authority_code", "authority_name", "region",
                                                "type"]


def test_declaring_attributes_leaves_the_inputs_hashes_as_they_are(tmp_path: Path) -> None:
    path = _returns(tmp_path, ["London", "North", "North", "North"])
    plain = score("cqc-la-2024", path)
    declared = score("cqc-la-2024", path, attributes=["region", "type"])
    assert declared.sources == plain.sources
    assert declared.inputs_logical_sha256 == plain.inputs_logical_sha256
