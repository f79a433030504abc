"""CLI rough edges in a real process: pack-id suggestions, xlsx in help, colour, explain lookups."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "perfassess", *args], cwd=cwd, env=ENV,
                          capture_output=True, text=True, check=False)


@pytest.mark.parametrize("command", [["score", "--input", "x.csv", "--out", "o"], ["validate", "--input", "x.csv"],
                                     ["explain", "--input", "x.csv", "--authority", "E1"]])
def test_mistyped_pack_id_suggests_the_builtin(command: list[str], tmp_path: Path) -> None:
    proc = run(command[0], "--pack", "cqc-la-2042", *command[1:], cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "did you mean 'cqc-la-2024'?" in proc.stderr


@pytest.mark.parametrize("command", ["score", "validate", "explain", "sensitivity"])
def test_input_help_names_xlsx(command: str) -> None:
    proc = run(command, "--help")
    assert proc.returncode == 0, proc.stderr
    text = " ".join(proc.stdout.split())  # click wraps help text
    assert "Parquet or Excel .xlsx" in text or "Parquet or .xlsx" in text
