"""Oflog-format data of any year: convert it with the shipped script, score it from the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

from tests.conftest import ROOT

CONVERTER = ROOT / "data" / "sample" / "convert_oflog.py"
# Oflog's columns, a year the shipped data does not hold, a BOM and CRLF line endings; the
# MEDIAN column is deliberately wrong: the pack must compute its own.
OFLOG_2023 = (
    "\ufeffFinancial year,Local authority code,Local authority name,Grouping,Entity_Name,"
    "Region,Measure,Code,Value,MEDIAN,MADs_from_median,rank_order\r\n"
    "2023-24,E06000001,Hartlepool,LA_Raw,Unitary Authorities,North East,m,ASC3,60,1,1,DESC\r\n"
    "2023-24,E06000002,Middlesbrough,LA_Raw,Unitary Authorities,North East,m,ASC3,70,1,1,DESC\r\n"
    "2023-24,E06000003,Redcar and Cleveland,LA_Raw,Unitary Authorities,North East,m,ASC3,90,"
    "1,1,DESC\r\n"
    "2023-24,E06000004,Stockton-on-Tees,LA_Raw,Unitary Authorities,North East,m,ASC3,,1,,\r\n"
)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True,
                          check=False)


def test_a_new_year_converts_and_scores(tmp_path: Path) -> None:
    source = tmp_path / "oflog_2023.csv"
    source.write_text(OFLOG_2023, encoding="utf-8", newline="")
    long = tmp_path / "long.csv"
    converted = run(str(CONVERTER), str(source), str(long))
    assert converted.returncode == 0, converted.stderr
    assert long.read_text(encoding="utf-8").splitlines()[:2] == [
        "authority_code,authority_name,period,indicator,value",
        "E06000001,Hartlepool,2023-24,ASC3,60"]
    scored = run("-m", "perfassess", "score", "--pack", "oflog-asc", "--input", str(long),
                 "--out", str(tmp_path / "out"))
    assert scored.returncode == 0, scored.stderr
    ratings = pd.read_csv(tmp_path / "out" / "oflog-asc" / "ratings.csv", dtype=str,
                          keep_default_na=False).set_index("authority_code")
    # 60, 70, 90 -> median 70; |dev| 10, 0, 20 -> MAD 10; Stockton returned nothing.
    assert list(ratings["ASC3_median"]) == ["70"] * 4
    assert list(ratings["ASC3_mad"]) == ["10"] * 4
    assert list(ratings["ASC3_mads_from_median"]) == ["-1", "0", "2", ""]
    assert list(ratings["ASC3_comparison"]) == ["slightly worse than", "broadly similar to",
                                                "better than", ""]
    assert ratings.loc["E06000004", "rating_note"] != ""


def test_a_file_not_in_oflog_format_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "other.csv"
    source.write_text("authority_code,period,indicator,value\nA,2023-24,ASC3,1\n",
                      encoding="utf-8")
    converted = run(str(CONVERTER), str(source), str(tmp_path / "out.csv"))
    assert converted.returncode == 1
    assert "not in Oflog's format" in converted.stderr and "'Financial year'" in converted.stderr
    assert not (tmp_path / "out.csv").exists()
