"""Run one command in a fresh process: its wall time, CPU time and peak memory, within limits.

The command is started through ``benchmarks/launch.py`` (see there why), which times it and
reads its peak resident set size (``ru_maxrss``) from the kernel when it ends, so nothing
of the suite's own process or of earlier scenarios leaks in. A watchdog thread reads the
resident size of the launcher and its command from ``/proc`` and kills them if the command
passes the memory limit or the time limit, or if the machine itself is nearly out of
memory; the run is then recorded as over the limit, with the largest size seen, instead of
taking the machine down.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

LAUNCHER = Path(__file__).with_name("launch.py")
POLL_S = 0.05
MACHINE_RESERVE_KIB = 1024 * 1024  # stop the child before the machine has less than 1 GiB free


@dataclass
class Measurement:
    wall_s: float
    cpu_s: float | None  # user + system time: less disturbed than wall time by a busy machine
    peak_rss_mib: float  # the largest process's own peak (ru_maxrss), from the kernel
    status: str  # "ok", "failed (exit N)", "over limit: time", "over limit: memory"
    output: str  # the tail of what the command printed (stdout, then stderr)
    # The command and its workers together, sampled every POLL_S: forked workers share the
    # parent's pages, which this counts once per process, so it errs high, never low.
    tree_peak_mib: float | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def run_child(argv: list[str], cwd: Path, env: dict[str, str], timeout_s: float,
              memory_limit_mib: float) -> Measurement:
    """Run ``argv`` to the end (or to a limit) and measure it."""
    with tempfile.TemporaryDirectory() as scratch, tempfile.TemporaryFile() as out, \
            tempfile.TemporaryFile() as err:
        figures = Path(scratch) / "figures.json"
        # -I -S: the launcher needs only the standard library, and stays as small as can be.
        launcher = [sys.executable, "-I", "-S", str(LAUNCHER), str(figures), "--", *argv]
        start = time.perf_counter()
        child = subprocess.Popen(launcher, cwd=cwd, env=env, stdout=out, stderr=err,
                                 stdin=subprocess.DEVNULL, start_new_session=True)
        watchdog = _Watchdog(child.pid, start, timeout_s, memory_limit_mib)
        watchdog.start()
        child.wait()
        stopped_after = time.perf_counter() - start
        watchdog.finished.set()
        watchdog.join()
        output = _tail(out) + _tail(err)
        measured = json.loads(figures.read_text(encoding="utf-8")) if figures.is_file() else None
    if watchdog.reason is not None or measured is None:
        # Killed (or the launcher failed): what the watchdog saw is all there is.
        reason = watchdog.reason or f"launcher failed (exit {child.returncode})"
        return Measurement(stopped_after, None, watchdog.peak_kib / 1024,
                           f"over limit: {reason}" if watchdog.reason else reason, output,
                           watchdog.peak_kib / 1024)
    code = int(measured["exit_code"])
    return Measurement(float(measured["wall_s"]), float(measured["cpu_s"]),
                       float(measured["maxrss_kib"]) / 1024,
                       "ok" if code == 0 else f"failed (exit {code})", output,
                       watchdog.peak_kib / 1024)


class _Watchdog(threading.Thread):
    def __init__(self, pid: int, start: float, timeout_s: float, memory_limit_mib: float):
        super().__init__(daemon=True)
        self.pid = pid
        self.start_time = start
        self.timeout_s = timeout_s
        self.limit_kib = memory_limit_mib * 1024
        self.finished = threading.Event()
        self.reason: str | None = None
        self.peak_kib = 0.0  # the largest resident size seen, launcher and command together

    def run(self) -> None:
        while not self.finished.wait(POLL_S):
            rss = _tree_rss_kib(self.pid)
            self.peak_kib = max(self.peak_kib, rss)
            if time.perf_counter() - self.start_time > self.timeout_s:
                self._kill("time")
            elif rss > self.limit_kib:
                self._kill("memory")
            elif _available_kib() < MACHINE_RESERVE_KIB:
                self._kill("memory (the machine was running out)")

    def _kill(self, reason: str) -> None:
        self.reason = reason
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.finished.set()


def _available_kib() -> float:
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1])
    except OSError:
        pass
    return float("inf")


def _tree_rss_kib(pid: int) -> float:
    """Resident size of a process and all its descendants."""
    total = _rss_kib(pid)
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as children:
            kids = [int(k) for k in children.read().split()]
    except OSError:
        kids = []
    return total + sum(_tree_rss_kib(k) for k in kids)


def _rss_kib(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return float(line.split()[1])
    except OSError:
        pass
    return 0.0


def _tail(stream: IO[bytes], limit: int = 2000) -> str:
    stream.seek(0)
    text = stream.read().decode("utf-8", "replace")
    return text[-limit:]
