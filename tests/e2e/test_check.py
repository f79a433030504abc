"""`perfassess score --check` on results published in a temporary folder (never the real
reports/, which CI checks with the same command). A small run file keeps it quick: the CQC
pack over the sample's 2024-2025 returns."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from perfassess.cli import cli
from perfassess.packs import load_pack
from tests.e2e.conftest import copy_project

WIDE = Path("data/sample/cqc_2024_2025_wide.csv")
CATEGORIES = Path("data/sample/cqc_2024_evidence_categories.csv")
RATINGS = Path("reports/cqc-la-2024/ratings.csv")
RUN_FILE = f"""out: reports
reference: data/reference/authorities.csv
runs:
  - pack: cqc-la-2024
    inputs: [{WIDE.as_posix()}, {CATEGORIES.as_posix()}]
"""
# Hartlepool 2025 in the sample: statement scores 3,3,3,2,3,3,3,3,3.
HARTLEPOOL_2025 = "E06000001,Hartlepool,2025,3,3,3,2,3,3,3,3,3"


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project whose run file has been run once: its reports/ are the published results."""
    root = copy_project(tmp_path_factory.mktemp("published") / "project")
    (root / "perfassess.yaml").write_text(RUN_FILE, encoding="utf-8")
    result = CliRunner().invoke(cli, ["score", "--config", str(root / "perfassess.yaml"),
                                      "--quiet"])
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def world(published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    shutil.copytree(published, root)
    monkeypatch.chdir(root)
    return root


def check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["score", "--check", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def rating(world: Path, code: str, period: str) -> str:
    ratings = pd.read_csv(world / RATINGS, dtype=str, keep_default_na=False)
    row = ratings[(ratings["authority_code"] == code) & (ratings["period"] == period)]
    return str(row["rating"].iloc[0])


def edit_rating(path: Path, code: str, period: str, new: str) -> None:
    """Change one rating in ratings.csv as a person would: that field only, as written."""
    lines = path.read_text(encoding="utf-8").split("\n")
    header = [h.strip('"') for h in lines[0].split(",")]
    at = header.index("rating")
    (i,) = [i for i, line in enumerate(lines) if line.split(",")[:3:2] in (
        [code, period], [f'"{code}"', f'"{period}"'])]
    fields = lines[i].split(",")
    fields[at] = f'"{new}"' if fields[at].startswith('"') else new
    lines[i] = ",".join(fields)
    path.write_text("\n".join(lines), encoding="utf-8")


def replace_line(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_published_results_pass_and_nothing_is_written(world: Path) -> None:
    before = snapshot(world)
    code, out = check()
    assert code == 0, out
    assert out.startswith("check: reports is up to date (1 pack(s)")
    assert snapshot(world) == before


def test_a_hand_edited_rating_fails_with_a_clear_report(world: Path) -> None:
    # By hand: 3*8 + 2 = 26 of 36 is 72%, in 63-87: Good.
    assert rating(world, "E06000001", "2025") == "Good"
    edit_rating(world / RATINGS, "E06000001", "2025", "Outstanding")
    before = snapshot(world)
    code, out = check()
    assert code == 1
    assert out.splitlines()[:3] == [
        "check FAILED: reports differs from a fresh run",
        "cqc-la-2024: differ: ratings.csv",
        "  why: edited by hand after publishing: ratings.csv (bytes no longer match the hashes "
        "in its manifest.json)"]
    assert "1 rating(s) differ" in out
    assert "  E06000001 2025: rating Outstanding -> Good" in out
    assert snapshot(world) == before, "--check must write nothing"


def test_an_input_edit_that_changes_a_rating_fails_and_says_why(world: Path) -> None:
    # By hand: nine scores of 1 total 9 of 36, 25%: Inadequate.
    replace_line(world / WIDE, HARTLEPOOL_2025, "E06000001,Hartlepool,2025,1,1,1,1,1,1,1,1,1")
    before = snapshot(world)
    code, out = check()
    assert code == 1
    assert f"why: inputs changed: content differs in {WIDE.as_posix()}" in out
    assert "  E06000001 2025: rating Good -> Inadequate; total_score 26 -> 9" in out
    assert ("      inputs: qs1_assessing_needs 3 -> 1; qs2_supporting_healthier_lives 3 -> 1;"
            in out)
    assert "qs4_care_provision_integration_continuity 2 -> 1" in out
    assert "      rating -> rating: Good" in out and "=>  Inadequate" in out
    assert "edited by hand" not in out and "perfassess changed" not in out
    assert snapshot(world) == before


def test_an_input_rewritten_with_the_same_content_is_told_apart(world: Path) -> None:
    """Same values written another way, rows in another order: no result changes, but the
    manifest's byte hash and the trace's line numbers no longer match, and the check says so."""
    path = world / WIDE
    header, *rows = path.read_text(encoding="utf-8").splitlines()
    rows = [r.replace(HARTLEPOOL_2025, HARTLEPOOL_2025.replace(",2,", ",2.0,")) for r in rows]
    path.write_text("\n".join([header, *reversed(rows)]) + "\n", encoding="utf-8")
    code, out = check()
    assert code == 1
    assert "cqc-la-2024: differ: manifest.json and trace.parquet\n" in out
    assert f"why: inputs rewritten with the same content: {WIDE.as_posix()}" in out
    assert "inputs changed" not in out and "rating(s) differ" not in out


def test_check_with_pack_input_and_out(world: Path) -> None:
    args = ["--pack", "cqc-la-2024", "--input", WIDE.as_posix(), "--input",
            CATEGORIES.as_posix(), "--out", "cli"]
    assert CliRunner().invoke(cli, ["score", *args, "--quiet"]).exit_code == 0
    code, out = check(*args)
    assert code == 0, out
    code, out = check(*args[:-1], "elsewhere")
    assert code == 1 and "not published yet" in out
    assert not (world / "elsewhere").exists()
    # Against the run file's results: the same, except the reference list it was given.
    code, out = check(*args[:-1], "reports")
    assert code == 1 and "why: reference data changed" in out


def test_a_pack_change_is_named(world: Path) -> None:
    """Results published with cqc-la-2024 1.0.0 (kept in the repository), checked now."""
    args = ["--input", WIDE.as_posix(), "--input", CATEGORIES.as_posix(), "--out", "old"]
    assert CliRunner().invoke(cli, ["score", "--pack", "cqc-la-2024@1.0.0", *args,
                                    "--quiet"]).exit_code == 0
    code, out = check("--pack", "cqc-la-2024", *args)
    assert code == 1
    current = load_pack("cqc-la-2024").pack.version
    assert "why: pack changed: cqc-la-2024 1.0.0 (" in out
    assert f") -> cqc-la-2024 {current} (" in out
    assert "0 rating(s) differ" in out
    assert "outputs only in recomputed: previous_rating" in out


def test_check_json_report(world: Path) -> None:
    edit_rating(world / RATINGS, "E06000001", "2025", "Inadequate")
    code, out = check("--format", "json")
    assert code == 1
    report = json.loads(out)
    assert report["ok"] is False and report["other_files_differing"] == []
    (pack,) = report["packs"]
    assert pack["edited"] == ["ratings.csv"] and pack["differing"] == ["ratings.csv"]
    (change,) = pack["ratings"]["changes"]
    assert (change["authority_code"], change["period"], change["columns"]["rating"]) == (
        "E06000001", "2025", {"a": "Inadequate", "b": "Good"})


def test_invalid_inputs_fail_with_the_problem_list(world: Path) -> None:
    replace_line(world / WIDE, HARTLEPOOL_2025, "E06000001,Hartlepool,2025,three,3,3,2,3,3,3,3,3")
    code, out = check()
    assert code == 1 and "E-VALUE-TYPE" in out and "three" in out


def test_a_change_of_perfassess_alone_is_named(world: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Same inputs, pack and options, different bytes: the code changed (here: how floats
    are written)."""
    from perfassess import runner

    real = runner.write_csv_and_parquet

    def rounded_csv(table: pd.DataFrame, csv: Path, parquet: Path) -> None:
        real(table, csv, parquet)
        table.to_csv(csv, index=False, lineterminator="\n", float_format="%.3g")

    monkeypatch.setattr(runner, "write_csv_and_parquet", rounded_csv)
    code, out = check()
    assert code == 1
    assert "cqc-la-2024: differ:" in out and "ratings.csv" in out
    assert "why: perfassess changed: same inputs, pack and options, different outputs" in out
    assert "inputs changed" not in out and "pack changed" not in out


def test_a_hand_edited_manifest_is_named(world: Path) -> None:
    manifest = world / "reports" / "cqc-la-2024" / "manifest.json"
    text = manifest.read_text(encoding="utf-8")
    assert '"warnings": 0' in text
    manifest.write_text(text.replace('"warnings": 0', '"warnings": 1'), encoding="utf-8")
    code, out = check()
    assert code == 1
    assert "cqc-la-2024: differ: manifest.json\n  why: manifest.json edited by hand" in out
