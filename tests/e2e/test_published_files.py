"""Foreign files scored as downloaded (issue 16, item 6): a CMS-shaped file keyed by
PROVIDER_ID with no period column, and an aged-care extract whose names are not unique,
each under a small test pack (tests/e2e/published/), from the command line and a run file."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from tests.conftest import ROOT
from tests.conftest import csv_rows as _ratings
from tests.conftest import run_cli as _perfassess

ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
HERE = Path(__file__).parent / "published"
HOSPITAL = HERE / "hospital"
HOMES = HERE / "homes"




def _bare_pack(tmp_path: Path) -> Path:
    """The hospital pack without its returns: and attributes: declarations."""
    folder = tmp_path / "bare"
    folder.mkdir()
    text = (HOSPITAL / "pack.yaml").read_text(encoding="utf-8")
    kept = [line for line in text.splitlines()
            if not line.startswith(("returns:", "attributes:"))]
    (folder / "pack.yaml").write_text("\n".join(kept) + "\n", encoding="utf-8")
    return folder


def test_a_cms_shaped_file_scores_as_downloaded_with_the_packs_declaration(
        tmp_path: Path) -> None:
    proc = _perfassess("score", "--pack", str(HOSPITAL), "--input",
                       str(HOSPITAL / "cms_shape.csv"), "--out", "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "W-UNKNOWN-INDICATOR" not in proc.stderr + proc.stdout
    folder = tmp_path / "out" / "test-hospital-stars"
    rows = _ratings(folder / "ratings.csv")
    assert [(r["authority_code"], r["period"], r["rating"]) for r in rows] == [
        ("010001", "2025-07", "2 stars"), ("010005", "2025-07", "3 stars"),
        ("450010", "2025-07", "1 star")]
    assert rows[0]["MORT_30_AMI_DEN"] == "291" and rows[0]["H_NUMB_COMP"] == "643"
    page = (folder / "2025-07" / "index.html").read_text(encoding="utf-8")
    assert "Number of hospitals with each rating" in page
    assert "<th>hospital</th>" in page and "<th>authority</th>" not in page
    assert "Every hospital with returns for 2025-07 was rated." in page
    summary = (folder / "summary.md").read_text(encoding="utf-8")
    assert "3 of 3 hospital-periods rated." in summary


def test_the_command_line_names_the_key_period_and_carried_columns(tmp_path: Path) -> None:
    pack = _bare_pack(tmp_path)
    data = str(HOSPITAL / "cms_shape.csv")
    proc = _perfassess("score", "--pack", str(pack), "--input", data, "--out", "out",
                       "--key", "PROVIDER_ID", "--period", "2025-07",
                       "--attribute", "*_DEN", "--attribute", "*_DEN_[VP]*",
                       "--attribute", "H_NUMB_COMP", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "W-UNKNOWN-INDICATOR" not in proc.stderr + proc.stdout
    folder = tmp_path / "out" / "test-hospital-stars"
    assert [r["authority_code"] for r in _ratings(folder / "ratings.csv")] == [
        "010001", "010005", "450010"]
    options = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["options"]
    assert options["key"] == ["PROVIDER_ID"] and options["period"] == "2025-07"
    # Without --key and --period the file has no authority_code or period column.
    proc = _perfassess("validate", "--pack", str(pack), "--input", data, cwd=tmp_path)
    assert proc.returncode == 1
    assert "E-COLUMN-MISSING" in proc.stdout + proc.stderr
    assert "--key COLUMN" in proc.stdout + proc.stderr


def test_a_period_not_in_the_packs_form_fails_the_run(tmp_path: Path) -> None:
    proc = _perfassess("validate", "--pack", str(_bare_pack(tmp_path)), "--input",
                       str(HOSPITAL / "cms_shape.csv"), "--key", "PROVIDER_ID",
                       "--period", "July 2025", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 1
    problems = json.loads(proc.stdout)["problems"]
    assert {"code": "E-PERIOD-FORM", "value": "July 2025"}.items() <= problems[0].items()


def test_a_period_given_for_a_file_with_one_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("PROVIDER_ID,period,MORT_30_AMI,HAI_1\n010001,2025-07,12,1\n",
                    encoding="utf-8")
    proc = _perfassess("validate", "--pack", str(HOSPITAL), "--input", "r.csv",
                       "--format", "json", cwd=tmp_path)
    assert proc.returncode == 1
    problems = json.loads(proc.stdout)["problems"]
    assert [(p["code"], p["column"]) for p in problems if p["severity"] == "error"] == [
        ("E-COLUMN-TWICE", "period")]


def test_an_aged_care_extract_is_keyed_by_row_and_named_by_its_service(
        tmp_path: Path) -> None:
    proc = _perfassess("score", "--pack", str(HOMES), "--input",
                       str(HOMES / "aged_care_shape.csv"), "--out", "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    folder = tmp_path / "out" / "test-aged-care"
    rows = _ratings(folder / "ratings.csv")
    assert [(r["authority_code"], r["authority_name"], r["period"], r["state"]) for r in rows] == [
        ("1", "ACDMA Aged Care Services | NSW", "2025-10", "NSW"),
        ("2", "Adria Village Ltd | ACT", "2025-10", "ACT"),
        ("3", "Bupa Aged Care | NSW", "2025-10", "NSW"),
        ("4", "Bupa Aged Care | NSW", "2025-10", "NSW")]
    assert "overall_star_rating" in rows[0]  # the published result, carried, not an input
    page = (folder / "2025-10" / "index.md").read_text(encoding="utf-8")
    assert "| rating | homes | share |" in page


def test_a_key_that_is_not_unique_is_an_error_naming_both_rows(tmp_path: Path) -> None:
    proc = _perfassess("score", "--pack", str(HOMES), "--input",
                       str(HOMES / "aged_care_shape.csv"), "--out", "out",
                       "--key", "facility_id", "--key", "state", "--format", "json",
                       cwd=tmp_path)
    assert proc.returncode == 1
    problems = json.loads(proc.stdout)["problems"]
    assert [(p["code"], p["row"], p["value"]) for p in problems] == [
        ("E-KEY-DUPLICATE", 5, "Bupa Aged Care | NSW|NSW")]
    assert "rows 4 and 5" in problems[0]["message"]
    assert not (tmp_path / "out").exists()


def test_a_row_key_with_columns_is_a_usage_error(tmp_path: Path) -> None:
    proc = _perfassess("validate", "--pack", str(HOMES), "--input",
                       str(HOMES / "aged_care_shape.csv"), "--key", "@row", "--key", "state",
                       cwd=tmp_path)
    assert proc.returncode == 2
    assert "@row" in proc.stderr


def test_a_run_file_names_the_key_period_and_carried_columns(tmp_path: Path) -> None:
    pack = _bare_pack(tmp_path)
    shutil.copy(HOSPITAL / "cms_shape.csv", tmp_path)
    (tmp_path / "run.yaml").write_text(
        "out: out\nruns:\n"
        f"  - pack: {pack.name}/pack.yaml\n"
        "    inputs: [cms_shape.csv]\n"
        "    key: PROVIDER_ID\n"
        "    period: 2025-07\n"
        "    attributes: ['*_DEN', '*_DEN_VOL', '*_DEN_PRED', H_NUMB_COMP]\n",
        encoding="utf-8")
    proc = _perfassess("score", "--config", "run.yaml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "W-UNKNOWN-INDICATOR" not in proc.stderr + proc.stdout
    rows = _ratings(tmp_path / "out" / "test-hospital-stars" / "ratings.csv")
    assert [r["authority_code"] for r in rows] == ["010001", "010005", "450010"]
    assert rows[2]["HAI_1_DEN_PRED"] == "8.5"
