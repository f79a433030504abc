"""Trends and similar councils on area pages, from the command line: the default run's pages
and a run given an earlier one (``--previous``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli

SAMPLE = ROOT / "data" / "sample" / "ss_stars_2002_2005.csv"
REFERENCE = ROOT / "data" / "reference" / "authorities.csv"


@pytest.fixture(scope="module")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "reports"
    proc = run_cli("score", "--out", str(out), cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return out


def page(out: Path, pack: str, period: str, code: str, ext: str = "html") -> str:
    return (out / pack / period / "areas" / f"{code}.{ext}").read_text(encoding="utf-8")


def test_a_council_s_stars_over_four_years_and_its_neighbours_by_type_and_region(
        default_run: Path) -> None:
    html = page(default_run, "ss-stars-2002", "2003", "E06000001")
    chart = html.split('<svg class="trend"')[1].split("</svg>")[0]
    assert 'viewBox="0 0 ' in chart and 'aria-label="Rating by period: 2002, ' in chart
    assert chart.count("<circle") == 4  # rated in each of 2002-2005
    assert '<tr class="this" aria-current="page"><th scope="row">2003</th>' in html
    assert '<a href="../../2005/areas/E06000001.html">2005</a>' in html
    assert ("Compared with other authorities of the same type (Unitary authority) and region "
            "(North East) in the reference data, in 2003.") in html
    assert '<a href="E06000002.html">Middlesbrough</a>' in html
    md = page(default_run, "ss-stars-2002", "2003", "E06000001", "md")
    assert "## Rating over time" in md and "| **2003** | " in md
    assert "| [Middlesbrough](E06000002.md) | " in md


def test_oflog_lists_its_nearest_neighbours_and_one_period_packs_say_so(
        default_run: Path) -> None:
    oflog = page(default_run, "oflog-asc", "2016-17", "E06000001")
    assert ("Compared with the 15 nearest neighbours Office for Local Government lists for "
            "this authority, in 2016-17.") in oflog
    cms = (default_run / "cms-hospital-stars-2025" / "2025-07" / "areas")
    text = next(iter(sorted(cms.glob("*.html")))).read_text(encoding="utf-8")
    assert "One period in this run (2025-07): no trend to show." in text
    assert "Compared with other hospitals in the same peer group (" in text
    homes = default_run / "au-aged-care-2025" / "2025-10" / "areas"
    home = next(iter(sorted(homes.glob("*.html")))).read_text(encoding="utf-8")
    assert "One period in this run" in home and 'id="similar"' not in home


def test_an_earlier_run_s_periods_join_the_trend(tmp_path: Path) -> None:
    lines = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    (tmp_path / "early.csv").write_text(lines[0] + "".join(
        line for line in lines[1:] if line.split(",")[2] in ("2002", "2003")), encoding="utf-8")
    (tmp_path / "late.csv").write_text(lines[0] + "".join(
        line for line in lines[1:] if line.split(",")[2] == "2004"), encoding="utf-8")
    for name, extra in (("early", []), ("late", ["--previous", str(tmp_path / "early")])):
        proc = run_cli("score", "--pack", "ss-stars-2002", "--input", str(tmp_path / f"{name}.csv"),
                       "--reference", str(REFERENCE), "--out", str(tmp_path / name), *extra,
                       cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
    md = page(tmp_path / "late", "ss-stars-2002", "2004", "E06000001", "md")
    trend = md.split("## Rating over time")[1].split("##")[0]
    assert "| 2002 (earlier run) | " in trend and "| 2003 (earlier run) | " in trend
    assert "| **2004** | " in trend
