"""``perfassess rules schema`` in a subprocess: printed, or written atomically to a file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-m", "perfassess", "rules", "schema", *args],
                          cwd=cwd, env=env, capture_output=True, text=True, check=False)


def test_schema_prints_the_shipped_schema(tmp_path: Path) -> None:
    proc = run(cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (ROOT / "docs" / "pack.schema.json").read_text(encoding="utf-8")
    schema = json.loads(proc.stdout)
    assert schema["$schema"].startswith("http://json-schema.org/draft-07")
    assert "steps" in schema["properties"] and "Step" in schema["definitions"]


def test_schema_output_writes_the_file_and_prints_nothing_on_stdout(tmp_path: Path) -> None:
    target = tmp_path / "pack.schema.json"
    target.write_text("old", encoding="utf-8")
    proc = run("--output", "pack.schema.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert target.read_text(encoding="utf-8") == (
        ROOT / "docs" / "pack.schema.json").read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pack.schema.json"]  # no temp left


def test_schema_output_into_a_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    proc = run("--output", str(tmp_path / "nowhere" / "pack.schema.json"), cwd=tmp_path)
    assert proc.returncode == 2
    assert "cannot write" in proc.stderr and "Traceback" not in proc.stderr
