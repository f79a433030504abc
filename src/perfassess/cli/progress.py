"""A progress bar on a terminal's stderr: one line per stage, redrawn at most ten times a
second, with the stage's count and its time when it ends."""

from __future__ import annotations

import time
from typing import TextIO

from perfassess.core.progress import Progress

_WIDTH = 24
_EVERY = 0.1  # seconds between redraws


class TerminalProgress(Progress):
    """Draws on ``stream`` (a terminal: the CLI never makes one for a pipe or --quiet)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.name: str | None = None
        self.total: int | None = None
        self.done = 0
        self.started = self.drawn = 0.0

    def stage(self, name: str, total: int | None = None) -> None:
        if self.name is not None:
            self.end()
        self.name, self.total, self.done = name, total, 0
        self.started = time.perf_counter()
        self.drawn = 0.0
        self._draw(force=True)

    def advance(self, done: int) -> None:
        if self.name is None:
            return
        self.done += done
        self._draw(force=self.total is not None and self.done >= self.total)

    def end(self, note: str = "") -> None:
        if self.name is None:
            return
        seconds = time.perf_counter() - self.started
        what = f": {note}" if note else ""
        self.stream.write(f"\r\x1b[2K{self.name}{what} ({seconds:.1f} s)\n")
        self.stream.flush()
        self.name = None

    def _draw(self, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now - self.drawn < _EVERY:
            return
        self.drawn = now
        line = f"{self.name} …"
        if self.total:
            filled = min(_WIDTH, _WIDTH * self.done // self.total)
            line = (f"{self.name} [{'#' * filled}{' ' * (_WIDTH - filled)}] "
                    f"{self.done:,}/{self.total:,}")
        self.stream.write(f"\r\x1b[2K{line}")
        self.stream.flush()
