"""CLI rough edges in a real process: pack-id suggestions, xlsx in help, colour, explain lookups."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "perfassess", *args], cwd=cwd, env=ENV,
                          capture_output=True, text=True, check=False)


@pytest.mark.parametrize("command", [["score", "--input", "x.csv", "--out", "o"],
                                     ["validate", "--input", "x.csv"],
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


def on_tty(*args: str, env: dict[str, str]) -> str:
    """What the CLI writes when stdout and stderr are a pseudo-terminal."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "perfassess", *args], env=env,
                            stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait()
    os.close(master)
    return b"".join(chunks).decode()


MISSING = ("validate", "--pack", "cqc-la-2024", "--input", "missing.csv")
PLAIN = {k: v for k, v in ENV.items() if k != "NO_COLOR"}


def test_colour_on_a_terminal_unless_no_color_or_no_color_flag() -> None:
    assert "\x1b[" in on_tty(*MISSING, env=PLAIN)
    assert "\x1b[" not in on_tty(*MISSING, env={**PLAIN, "NO_COLOR": "1"})
    assert "\x1b[" not in on_tty("--no-color", *MISSING, env=PLAIN)
    assert "\x1b[" in on_tty("--color", *MISSING, env={**PLAIN, "NO_COLOR": "1"})


def test_color_flag_forces_colour_into_a_pipe() -> None:
    assert "\x1b[" not in run(*MISSING).stderr
    forced = subprocess.run([sys.executable, "-m", "perfassess", "--color", *MISSING],
                            env=PLAIN, capture_output=True, text=True, check=False)
    assert "\x1b[" in forced.stderr


RUN = str(ROOT / "reports" / "cqc-la-2024")


@pytest.mark.parametrize("given", ["Blackpool", "blackpool", "blackp", "e06000009"])
def test_explain_takes_a_name_or_a_unique_prefix(given: str) -> None:
    proc = run("explain", RUN, "--authority", given)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Blackpool (E06000009)")


def test_explain_ambiguous_prefix_lists_the_candidates() -> None:
    proc = run("explain", RUN, "--authority", "north")
    assert proc.returncode == 2
    assert "ambiguous" in proc.stderr and "North Tyneside (E08000022)" in proc.stderr


def test_explain_json() -> None:
    proc = run("explain", RUN, "--authority", "Blackpool", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["authority"] == {"code": "E06000009", "name": "Blackpool"}
    assert data["period"] == "2025" and data["rating"]["label"] == "Good"
    step = data["steps"][0]
    assert set(step) >= {"field", "value", "rule", "status", "reason", "outcome"}
