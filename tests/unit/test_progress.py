"""The core tells a watcher each stage and counts its area pages in chunks; the terminal bar
draws them."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from perfassess.cli.progress import TerminalProgress
from perfassess.core.progress import Progress
from perfassess.report import publish
from perfassess.runner import RunOptions, RunRequest, run
from tests.e2e.reports_fixture import INPUT


class Recorded(Progress):
    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []

    def stage(self, name: str, total: int | None = None) -> None:
        self.events.append(("stage", (name, total)))

    def advance(self, done: int) -> None:
        self.events.append(("advance", done))

    def end(self, note: str = "") -> None:
        self.events.append(("end", note))


def test_each_stage_is_told_and_area_pages_are_counted_in_chunks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(publish, "CHUNK", 3)  # 4 authority-periods: a chunk of 3, then 1
    watcher = Recorded()
    options = RunOptions(tmp_path / "out", INPUT / "reference.csv", progress=watcher)
    run([RunRequest("cqc-la-2024", [INPUT / "cqc.csv"])], options)
    stages = [what for kind, what in watcher.events if kind == "stage"]
    assert stages == [("cqc-la-2024: reading, checking and scoring", None),
                      ("cqc-la-2024: writing results", None),
                      ("cqc-la-2024: rendering reports", 8)]
    advances = [n for kind, n in watcher.events if kind == "advance"]
    assert advances == [6, 2]  # two pages (HTML, Markdown) per authority-period
    assert ("end", "4 authority-periods") in watcher.events
    assert sum(kind == "end" for kind, _ in watcher.events) == 3


def test_the_bar_shows_counts_and_ends_each_stage_on_a_line() -> None:
    stream = io.StringIO()
    bar = TerminalProgress(stream)
    bar.stage("pack: rendering reports", 8)
    bar.advance(4)
    bar.advance(4)
    bar.end()
    bar.stage("other: scoring")
    bar.end("2 authority-periods")
    text = stream.getvalue()
    assert "[" + "#" * 24 + "] 8/8" in text
    lines = text.split("\n")
    assert lines[0].endswith(" s)") and "pack: rendering reports (" in lines[0]
    assert "other: scoring: 2 authority-periods (" in lines[1]
    assert lines[-1] == ""  # every stage's line is ended
