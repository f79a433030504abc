"""The command line end to end: CliRunner for the contract, a subprocess for the real thing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from perfassess.cli import cli
from tests.conftest import ROOT

WIDE = ("authority_code,authority_name,period,qs1_assessing_needs,qs2_supporting_healthier_lives,"
        "qs3_equity_in_experience_and_outcomes,qs4_care_provision_integration_continuity,"
        "qs5_partnerships_and_communities,qs6_safe_pathways_systems_transitions,"
        "qs7_safeguarding,qs8_governance_management_sustainability,"
        "qs9_learning_improvement_innovation\n"
        "E1,Alpha,2024,3,3,3,3,3,3,3,3,3\n"
        "E2,Beta,2024,4,4,4,4,4,4,4,4,\n")


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def test_score_writes_every_output(write: Callable[[str, str], Path], tmp_path: Path) -> None:
    returns = write("cqc.csv", WIDE)
    code, out = invoke("score", "--pack", "cqc-la-2024", "--input", str(returns), "--out",
                       str(tmp_path / "out"))
    assert code == 0, out
    folder = tmp_path / "out" / "cqc-la-2024"
    assert sorted(p.name for p in folder.iterdir()) == [
        "2024", "manifest.json", "ratings.csv", "ratings.parquet", "reports.sha256",
        "style.css", "summary.html", "summary.md", "trace.parquet"]
    assert sorted(p.name for p in (folder / "2024").rglob("*")) == [
        "E1.csv", "E1.html", "E1.md", "E2.csv", "E2.html", "E2.md", "areas", "index.html",
        "index.md"]
    ratings = pd.read_csv(folder / "ratings.csv", dtype=str, keep_default_na=False)
    assert list(ratings["rating"]) == ["Good", ""]
    assert "qs9_learning_improvement_innovation" in ratings["rating_note"].iloc[1]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["pack"]["id"] == "cqc-la-2024"
    assert manifest["counts"]["rated"] == 1 and manifest["counts"]["not_rated"] == 1
    parquet = pd.read_parquet(folder / "ratings.parquet")
    assert list(parquet["authority_code"]) == ["E1", "E2"]


def test_bad_data_exits_1_and_writes_nothing(write: Callable[[str, str], Path],
                                             tmp_path: Path) -> None:
    returns = write("cqc.csv", WIDE.replace("Alpha,2024,3,", "Alpha,2024,three,"))
    code, out = invoke("score", "--pack", "cqc-la-2024", "--input", str(returns), "--out",
                       str(tmp_path / "out"))
    assert code == 1
    assert "E-VALUE-TYPE" in out
    row = next(line for line in out.splitlines() if "three" in line).split()
    assert row[0].endswith("cqc.csv:2") and row[1:3] == ["qs1_assessing_needs", "three"]
    assert not (tmp_path / "out").exists()


def test_failed_run_leaves_previous_outputs_untouched(write: Callable[[str, str], Path],
                                                       tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert invoke("score", "--pack", "cqc-la-2024", "--input", str(write("g.csv", WIDE)),
                  "--out", str(out))[0] == 0
    before = (out / "cqc-la-2024" / "ratings.csv").read_bytes()
    bad = write("b.csv", WIDE.replace(",3,3,3,3,3,3,3,3,3", ",9,3,3,3,3,3,3,3,3"))
    assert invoke("score", "--pack", "cqc-la-2024", "--input", str(bad), "--out", str(out))[0] == 1
    assert (out / "cqc-la-2024" / "ratings.csv").read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["cqc-la-2024", "index.html", "index.md"]


def test_usage_errors_exit_2(write: Callable[[str, str], Path], tmp_path: Path) -> None:
    returns = str(write("cqc.csv", WIDE))
    assert invoke("score", "--pack", "no-such-pack", "--input", returns, "--out",
                  str(tmp_path))[0] == 2
    assert invoke("score", "--pack", "cqc-la-2024", "--out", str(tmp_path))[0] == 2
    assert invoke("score", "--pack", "cqc-la-2024", "--input", returns)[0] == 2
    assert invoke("score", "--config", str(tmp_path / "nope.yaml"))[0] == 2
    assert invoke("score", "--bogus")[0] == 2


def test_missing_input_file_exits_2_with_its_name(tmp_path: Path) -> None:
    code, out = invoke("validate", "--pack", "cqc-la-2024", "--input", str(tmp_path / "x.csv"))
    assert code == 2 and "E-FILE-NOT-FOUND" in out and "x.csv" in out


def test_validate_json_format(write: Callable[[str, str], Path]) -> None:
    returns = write("cqc.csv", WIDE.replace("Alpha,2024,3,", "Alpha,2024,7,"))
    code, out = invoke("validate", "--pack", "cqc-la-2024", "--input", str(returns),
                       "--format", "json")
    assert code == 1
    payload = json.loads(out)
    assert payload["errors"] == 1
    problem = payload["problems"][0]
    assert (problem["code"], problem["row"], problem["column"], problem["value"]) == (
        "E-VALUE-RANGE", 2, "qs1_assessing_needs", "7")


def test_rules_commands() -> None:
    code, out = invoke("rules", "list")
    assert code == 0 and "ss-stars-2002" in out and "cqc-la-2024" in out
    assert invoke("rules", "check")[0] == 0
    code, out = invoke("rules", "show", "cpa-2005")
    assert code == 0 and "ca3-a" in out


def test_broken_pack_fails_rules_check(write: Callable[[str, str], Path]) -> None:
    pack = write("bad/pack.yaml", "id: bad\ntitle: x\n")
    code, out = invoke("rules", "check", str(pack.parent))
    assert code == 1 and "E-PACK-SCHEMA" in out and "pack.yaml:" in out


def test_subprocess_from_another_directory(write: Callable[[str, str], Path],
                                           tmp_path: Path) -> None:
    returns = write("cqc.csv", WIDE)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run([sys.executable, "-m", "perfassess", "score", "--pack", "cqc-la-2024",
                           "--input", str(returns), "--out", "out"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "cqc-la-2024" / "ratings.csv").is_file()
    bad = subprocess.run([sys.executable, "-m", "perfassess", "score", "--pack", "cqc-la-2024",
                          "--input", "missing.csv", "--out", "out2"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, check=False)
    assert bad.returncode == 2  # a missing file is a usage error, still located
    assert "Traceback" not in bad.stderr and "E-FILE-NOT-FOUND" in bad.stderr
