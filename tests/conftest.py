"""Shared fixtures: tiny packs built in memory, files written to a temporary folder."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from perfassess.api import ScoreResult, score_table
from perfassess.packs import LoadedPack, pack_from_data

ROOT = Path(__file__).resolve().parents[1]


def tiny_pack(inputs: list[dict[str, Any]], steps: list[dict[str, Any]], *,
              rating: str, outputs: list[str] | None = None,
              vocabularies: dict[str, list[str]] | None = None,
              groups: dict[str, list[str]] | None = None) -> LoadedPack:
    """A minimal valid pack around the given inputs and steps."""
    return pack_from_data({
        "id": "tiny", "title": "Tiny", "version": "1.0.0", "assessor": "tests",
        "periods": {"first": "2000"},
        "vocabularies": vocabularies or {}, "groups": groups or {},
        "inputs": inputs, "rating": {"field": rating}, "outputs": outputs or [rating],
        "steps": steps,
    })


def run_long(pack: LoadedPack, rows: list[tuple[str, str, str, object]]) -> ScoreResult:
    table = pd.DataFrame(rows, columns=["authority_code", "period", "indicator", "value"])
    table["value"] = [("" if v is None or v != v else str(v)) for v in table["value"]]
    return score_table(pack, table)


def column(result: ScoreResult, name: str) -> list[object]:
    """A field's values in row order, spelt as strings ('' when missing)."""
    from perfassess.engine.fields import format_values

    frame = result.evaluation.frame
    return list(format_values(frame.values[name], frame.types[name]))


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path
    return _write


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command line in a process of its own (this checkout's code): exit code, stdout
    and stderr as a user sees them."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "perfassess", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def csv_rows(path: Path) -> list[dict[str, str]]:
    """A CSV file's rows as text, by column."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))
