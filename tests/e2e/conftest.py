"""End-to-end fixtures: a copy of the project's run file and data in a temporary folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT


def copy_project(root: Path) -> Path:
    """The run file and the data (not the published reports) copied to ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "perfassess.yaml", root)
    shutil.copytree(ROOT / "data", root / "data", ignore=shutil.ignore_patterns("*.py"))
    return root


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The run file and the data, copied; the current folder."""
    root = copy_project(tmp_path / "project")
    monkeypatch.chdir(root)
    return root


def run_file_packs() -> list[str]:
    """The packs of the project's default run, in the order the run file gives them."""
    from perfassess.spec.runfile import load_run_file

    runfile, _ = load_run_file(ROOT / "perfassess.yaml")
    return [r.pack for r in runfile.runs]
