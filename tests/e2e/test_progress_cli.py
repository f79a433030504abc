"""`perfassess score` shows a progress bar on a terminal's stderr, and none in a pipe or
with --quiet."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.e2e.reports_fixture import INPUT

SCORE = [sys.executable, "-m", "perfassess", "score", "--pack", "cqc-la-2024",
         "--input", str(INPUT / "cqc.csv"), "--reference", str(INPUT / "reference.csv")]
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}


def _on_a_terminal(args: list[str], cwd: Path) -> tuple[int, str]:
    """Run with stderr (only) on a pseudo-terminal; what the terminal showed."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(args, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL,
                            stderr=follower)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closes when the program ends
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    return proc.wait(timeout=120), shown.decode("utf-8", "replace")


def test_a_terminal_gets_a_bar_with_counts(tmp_path: Path) -> None:
    code, shown = _on_a_terminal([*SCORE, "--out", "out"], tmp_path)
    assert code == 0, shown
    assert "cqc-la-2024: reading, checking and scoring" in shown
    assert "cqc-la-2024: rendering reports [" in shown and "8/8" in shown
    assert "cqc-la-2024: writing results (" in shown  # each stage ends with its time


def test_quiet_on_a_terminal_shows_no_bar(tmp_path: Path) -> None:
    code, shown = _on_a_terminal([*SCORE, "--out", "out", "--quiet"], tmp_path)
    assert code == 0, shown
    assert "rendering reports" not in shown and "scoring" not in shown


def test_a_pipe_gets_no_bar(tmp_path: Path) -> None:
    proc = subprocess.run([*SCORE, "--out", "out"], cwd=tmp_path, env=ENV,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "rendering reports" not in proc.stderr and "\r" not in proc.stderr
