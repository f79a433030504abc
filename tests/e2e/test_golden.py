"""Golden files: the reports of a small fixed run must not change unless we mean them to.

Regenerate after an intended change with
    PERFASSESS_UPDATE_GOLDEN=1 /work/main/.venv/bin/python -m pytest tests/e2e/test_golden.py
and review the diff of tests/golden/expected/ before committing it.
"""

from __future__ import annotations

import difflib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.reports_fixture import GOLDEN, report_files, small_run, stability_run

EXPECTED = GOLDEN / "expected"
# ss-stars-2002 with a sensitivity analysis: the stability sections of area and national
# reports, and the stability pages under sensitivity/.
EXPECTED_STABILITY = GOLDEN / "expected_stability"


@pytest.mark.parametrize(("make", "expected"), [(small_run, EXPECTED),
                                                (stability_run, EXPECTED_STABILITY)],
                         ids=["packs", "stability"])
def test_reports_match_the_golden_files(tmp_path: Path, make: Callable[[Path], Path],
                                        expected: Path) -> None:
    out = make(tmp_path / "out")
    produced = report_files(out)
    if os.environ.get("PERFASSESS_UPDATE_GOLDEN"):
        shutil.rmtree(expected, ignore_errors=True)
        for rel in produced:
            (expected / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(out / rel, expected / rel)
    wanted = sorted(p.relative_to(expected) for p in expected.rglob("*") if p.is_file())
    assert produced == wanted, f"report files differ from {expected} (see module doc)"
    assert any(p.suffix == ".html" for p in produced) and any(p.suffix == ".md" for p in produced)
    for rel in produced:
        got = (out / rel).read_text(encoding="utf-8")
        want = (expected / rel).read_text(encoding="utf-8")
        if got != want:
            diff = "".join(list(difflib.unified_diff(
                want.splitlines(keepends=True), got.splitlines(keepends=True),
                f"{expected.name}/{rel}", f"produced/{rel}"))[:40])
            raise AssertionError(f"{rel} differs from its golden file:\n{diff}")


def test_golden_run_covers_both_formats_for_every_authority_period(tmp_path: Path) -> None:
    out = small_run(tmp_path / "out")
    files = {str(p) for p in report_files(out)}
    # Hand-counted from tests/golden/input: ss-stars 2 councils x 2 periods, CQC 4, CPA 2.
    areas = [f for f in files if "/areas/" in f]
    assert len([f for f in areas if f.endswith(".html")]) == 10
    assert len([f for f in areas if f.endswith(".md")]) == 10
    for summary in ("ss-stars-2002/2002/index", "ss-stars-2002/2003/index",
                    "cqc-la-2024/2024/index", "cpa-2005/2005/index"):
        assert {summary + ".html", summary + ".md"} <= files
    assert {"index.html", "index.md"} <= files
