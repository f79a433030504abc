"""ratings.csv is safe to open in a spreadsheet; Parquet, --check and diff see the exact text."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from perfassess.cli import cli


def perfassess(*args: str) -> tuple[int, str]:
    """The command in this process (four runs in a subprocess each took 15 s)."""
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output

HEADER = ("authority_code,authority_name,period,qs1_assessing_needs,"
          "qs2_supporting_healthier_lives,qs3_equity_in_experience_and_outcomes,"
          "qs4_care_provision_integration_continuity,qs5_partnerships_and_communities,"
          "qs6_safe_pathways_systems_transitions,qs7_safeguarding,"
          "qs8_governance_management_sustainability,qs9_learning_improvement_innovation\n")
NAMES = {"E1": "=cmd|' /C calc'!A0", "E2": '+HYPERLINK("http://x")', "E3": "@SUM(A1)",
         "E4": "-2+3", "E5": "-2", "@E6": "Plain Council"}


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _returns(path: Path, changed: bool = False) -> Path:
    """Every council Outstanding in 2024; E1 lower in 2025 (lower still if ``changed``, when
    @E6 is lower in 2024 too)."""
    def row(code: str, period: str, score: int) -> str:
        return f"{code},{_quoted(NAMES[code])},{period},{','.join([str(score)] * 9)}\n"
    rows = [row(code, "2024", 3 if changed and code == "@E6" else 4) for code in NAMES]
    rows.append(row("E1", "2025", 1 if changed else 2))
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def _score(returns: Path, out: Path, *extra: str) -> tuple[int, str]:
    return perfassess("score", "--pack", "cqc-la-2024", "--input", str(returns), "--out",
                      str(out), "--no-report", *extra)


def test_formula_names_are_quoted_in_the_csv_only(tmp_path: Path) -> None:
    returns = _returns(tmp_path / "cqc.csv")
    assert _score(returns, tmp_path / "out")[0] == 0
    folder = tmp_path / "out" / "cqc-la-2024"
    with open(folder / "ratings.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    names = {(r["authority_code"], r["period"]): r["authority_name"] for r in rows}
    assert names == {
        ("E1", "2024"): "'=cmd|' /C calc'!A0", ("E1", "2025"): "'=cmd|' /C calc'!A0",
        ("E2", "2024"): "'+HYPERLINK(\"http://x\")", ("E3", "2024"): "'@SUM(A1)",
        ("E4", "2024"): "'-2+3", ("E5", "2024"): "-2",  # a number, not a formula
        ("'@E6", "2024"): "Plain Council"}
    # Number columns keep their negative numbers, unquoted.
    e1_2025 = next(r for r in rows if r["authority_code"] == "E1" and r["period"] == "2025")
    assert float(e1_2025["percent_score_change"]) < 0 and int(e1_2025["rating_change"]) < 0
    assert b",-" in (folder / "ratings.csv").read_bytes()
    parquet = pd.read_parquet(folder / "ratings.parquet")
    assert dict(zip(parquet["authority_code"], parquet["authority_name"], strict=True)) == NAMES

    # A rerun is byte for byte what was published, and diff sees no difference.
    code, output = _score(returns, tmp_path / "out", "--check")
    assert code == 0, output

    # diff names authorities by their codes as given, not as quoted for spreadsheets.
    assert _score(_returns(tmp_path / "cqc2.csv", changed=True), tmp_path / "again")[0] == 0
    code, output = perfassess("diff", str(tmp_path / "out"), str(tmp_path / "again"),
                              "--format", "json")
    assert code == 1, output
    (pack,) = json.loads(output)["packs"]
    assert sorted((c["authority_code"], c["period"]) for c in pack["changes"]) == [
        ("@E6", "2024"), ("E1", "2025")]
