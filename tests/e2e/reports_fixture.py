"""Small fixed runs for report tests over tests/golden/input, hostile names too: three packs,
and ss-stars-2002 with a sensitivity analysis beside it."""

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


STABILITY_INPUT = INPUT / "ss_stars_stability.csv"
STABILITY_DRAWS, STABILITY_SEED = 200, 8


def stability_run(out: Path, templates: Path | None = None) -> Path:
    """ss-stars-2002 over a constructed 2003 (one council far from every threshold, two on
    the star table's disputed rows, one not rated) with 200 draws of its declared
    uncertainty, as a run file's ``sensitivity: {draws: 200, seed: 8}`` asks."""
    from perfassess.sensitivity.run import SensitivityOptions

    request = RunRequest("ss-stars-2002", [STABILITY_INPUT],
                         sensitivity=SensitivityOptions(draws=STABILITY_DRAWS,
                                                        seed=STABILITY_SEED))
    run([request], RunOptions(out, INPUT / "reference.csv", "full", templates))
    return out


def report_files(out: Path) -> list[Path]:
    """Every report file of a run folder (data files are covered by other tests)."""
    return sorted(p.relative_to(out) for p in out.rglob("*")
                  if p.is_file() and p.name != "summary.md" and (
                      p.suffix in REPORT_SUFFIXES
                      or (p.suffix == ".csv" and p.parent.name == "areas")))
