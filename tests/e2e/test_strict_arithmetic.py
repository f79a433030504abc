"""A division by zero at run time is a located problem, not a traceback, unless the pack
says what a zero divisor gives."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from tests.conftest import ROOT

PACK = """\
id: ratio
title: Ratio
version: 1.0.0
assessor: tests
periods: {first: "2000"}
vocabularies: {level: [low, high]}
inputs:
  - {id: num, title: Numerator, type: number}
  - {id: den, title: Denominator, type: number}
rating: {field: level}
outputs: [level, share]
steps:
  - {id: share-of, kind: compute, output: share, expr: "num / den", status: documented%s}
  - {id: level, kind: band, input: share, output: level, cuts: [1], vocabulary: level,
     status: documented}
"""
RETURNS = "authority_code,period,num,den\nE1,2024,3,2\nE2,2024,1,0\nE3,2024,,0\n"


def score(write: Callable[[str, str], Path], tmp_path: Path, extra: str = ""
          ) -> subprocess.CompletedProcess[str]:
    pack = write("ratio/pack.yaml", PACK % extra)
    returns = write("returns.csv", RETURNS)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-m", "perfassess", "score", "--pack",
                           str(pack.parent), "--input", str(returns), "--out", "out"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, check=False)


def test_a_zero_divisor_stops_the_run_naming_step_authority_and_period(
        write: Callable[[str, str], Path], tmp_path: Path) -> None:
    proc = score(write, tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    said = proc.stdout + proc.stderr
    assert "E-DIVISION-BY-ZERO" in said
    assert "step share-of: E2 2024 divides by zero at position 5 of 'num / den'" in said
    assert "E3" not in said  # no dividend: a missing value, not an error
    assert not (tmp_path / "out").exists()


def test_zero_division_missing_gives_a_missing_value(
        write: Callable[[str, str], Path], tmp_path: Path) -> None:
    proc = score(write, tmp_path, ", zero_division: missing")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    ratings = pd.read_csv(tmp_path / "out" / "ratio" / "ratings.csv", dtype=str,
                          keep_default_na=False)
    assert list(ratings["rating"]) == ["high", "", ""]
