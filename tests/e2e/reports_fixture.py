"""A small fixed run for report tests: three packs over tests/golden/input, hostile names too."""

from __future__ import annotations

from pathlib import Path

from perfassess.runner import RunOptions, RunRequest, run
from tests.conftest import ROOT

GOLDEN = ROOT / "tests" / "golden"
INPUT = GOLDEN / "input"
RUNS = (("ss-stars-2002", "ss_stars.csv"), ("cqc-la-2024", "cqc.csv"), ("cpa-2005", "cpa.csv"))
REPORT_SUFFIXES = (".html", ".md", ".css")


def small_run(out: Path, templates: Path | None = None) -> Path:
    """Score the golden inputs into ``out`` exactly as `perfassess score` would."""
    requests = [RunRequest(pack, [INPUT / name]) for pack, name in RUNS]
    run(requests, RunOptions(out, INPUT / "reference.csv", "full", templates))
    return out


def report_files(out: Path) -> list[Path]:
    """Every report file of a run folder (data files are covered by other tests)."""
    return sorted(p.relative_to(out) for p in out.rglob("*")
                  if p.is_file() and p.suffix in REPORT_SUFFIXES and p.name != "summary.md")
