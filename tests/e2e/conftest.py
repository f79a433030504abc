"""End-to-end fixtures: a copy of the project's run file and data in a temporary folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


def chromium() -> str:
    """Debian's Chromium, which the browser tests drive (.ci/run installs it)."""
    found = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(found).exists():
        pytest.fail("no Chromium: apt-get install -y chromium (.ci/run installs it)")
    return found


@pytest.fixture(scope="session")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default run, built once per session by the command line."""
    out = tmp_path_factory.mktemp("layout") / "reports"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run([sys.executable, "-m", "perfassess", "score", "--out", str(out),
                           "--quiet"], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=False, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the session (Playwright)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium())
        yield launched
        launched.close()
