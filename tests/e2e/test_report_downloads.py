"""Downloads and dates on the reports: ratings files linked, each area's own figures as CSV,
publication dates from the run file, the run summary as a page, the grouped run index."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.e2e.reports_fixture import small_run

PACK = "cqc-la-2024"
RETURNS = ("authority_code,authority_name,period,qs1_assessing_needs,"
           "qs2_supporting_healthier_lives,qs3_equity_in_experience_and_outcomes,"
           "qs4_care_provision_integration_continuity,qs5_partnerships_and_communities,"
           "qs6_safe_pathways_systems_transitions,qs7_safeguarding,"
           "qs8_governance_management_sustainability,qs9_learning_improvement_innovation\n"
           "E1,Alpha,2024,3,3,3,3,3,3,3,3,3\n"
           'E2,"=HYPERLINK(""http://x"",""y"")",2024,4,4,4,4,4,4,4,4,4\n'
           "E3,beta,2024,2,2,2,2,2,2,2,2,2\n")


def score(folder: Path, run_file: str) -> subprocess.CompletedProcess[str]:
    (folder / "returns.csv").write_text(RETURNS, encoding="utf-8")
    (folder / "perfassess.yaml").write_text(run_file, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-m", "perfassess", "score"], cwd=folder, env=env,
                          capture_output=True, text=True, check=False, timeout=300)


RUN = f"""out: out
runs:
  - pack: {PACK}
    inputs: [returns.csv]
    published: {{"2024": 2024-12-05}}
"""


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("downloads")
    proc = score(folder, RUN)
    assert proc.returncode == 0, proc.stderr
    return folder / "out"


def links(page: Path) -> list[str]:
    return re.findall(r'href="([^"#:]+)"', page.read_text(encoding="utf-8"))


def test_national_pages_link_the_ratings_files_and_the_summary_page(out: Path) -> None:
    page = out / PACK / "2024" / "index.html"
    found = links(page)
    for name in ("ratings.csv", "ratings.parquet", "summary.html"):
        assert f"../{name}" in found, name
        assert (page.parent / f"../{name}").resolve().is_file()
    assert "[ratings.csv](../ratings.csv)" in (page.with_suffix(".md")).read_text("utf-8")


def test_each_area_page_links_its_own_figures_written_beside_it(out: Path) -> None:
    areas = out / PACK / "2024" / "areas"
    assert "E1.csv" in links(areas / "E1.html")
    rows = list(csv.DictReader(io.StringIO((areas / "E1.csv").read_text("utf-8"))))
    assert [r["authority_code"] for r in rows] == ["E1"] * len(rows)
    rating = rows[0]
    assert (rating["kind"], rating["field"], rating["value"]) == ("rating", "rating", "Good")
    total = next(r for r in rows if r["field"] == "total_score")
    assert total["kind"] == "output" and total["value"] == "27"
    qs1 = next(r for r in rows if r["field"] == "qs1_assessing_needs")
    assert qs1["kind"] == "input" and qs1["value"] == "3" and qs1["title"]
    assert qs1["national_percentile"].isdigit()


def test_an_area_csv_is_neutralised_for_spreadsheets_and_listed_with_its_hash(
        out: Path) -> None:
    path = out / PACK / "2024" / "areas" / "E2.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text("utf-8"))))
    assert {r["authority_name"] for r in rows} == {'\'=HYPERLINK("http://x","y")'}
    listed = dict(reversed(line.split("  ", 1)) for line in
                  (out / PACK / "reports.sha256").read_text("utf-8").splitlines())
    assert listed["2024/areas/E2.csv"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_publication_date_is_shown_on_national_and_area_pages(out: Path) -> None:
    for page in ("2024/index.html", "2024/index.md", "2024/areas/E1.html",
                 "2024/areas/E1.md"):
        assert "published 5 December 2024" in (out / PACK / page).read_text("utf-8"), page


def test_without_a_date_the_pages_say_nothing_of_publication(tmp_path: Path) -> None:
    proc = score(tmp_path, RUN.replace('    published: {"2024": 2024-12-05}\n', ""))
    assert proc.returncode == 0, proc.stderr
    assert "published" not in (tmp_path / "out" / PACK / "2024" / "index.html").read_text(
        "utf-8")


@pytest.mark.parametrize(("dates", "said"), [
    ('{"2024": 2024-13-05}', "'2024-13-05' is not a date written YYYY-MM-DD"),
    ('{"2024": 5 December 2024}', "is not a date written YYYY-MM-DD"),
    ('{"FY24": 2024-12-05}', "'FY24' is not a period"),
])
def test_a_bad_publication_date_is_a_located_run_file_error(tmp_path: Path, dates: str,
                                                            said: str) -> None:
    proc = score(tmp_path, RUN.replace('{"2024": 2024-12-05}', dates))
    assert proc.returncode != 0
    err = proc.stderr + proc.stdout
    assert "E-RUN-SCHEMA" in err and said in err, err
    assert "perfassess.yaml:5" in err, err
    assert not (tmp_path / "out").exists()


def test_the_run_summary_is_a_page_the_index_links(out: Path) -> None:
    page = (out / PACK / "summary.html").read_text("utf-8")
    assert "<h2>Ratings by period</h2>" in page and "3 of 3 authority-periods rated" in page
    assert f'href="{PACK}/summary.html"' in (out / "index.html").read_text("utf-8")
    listed = (out / PACK / "reports.sha256").read_text("utf-8").splitlines()
    assert any(line.endswith("  summary.html") for line in listed)


def test_the_index_groups_authorities_by_initial_with_a_filter_hidden_without_script(
        out: Path) -> None:
    page = (out / "index.html").read_text("utf-8")
    groups = re.findall(r'<section class="group" id="([^"]+)"', page)
    assert groups == [f"{PACK}-A", f"{PACK}-B", f"{PACK}-other"]
    beta = page.split(f'id="{PACK}-B"', 1)[1].split("</section>", 1)[0]
    assert ">beta<" in beta and ">Alpha<" not in beta
    assert '<p class="filter" hidden>' in page  # shown by the script only


def test_index_of_the_golden_inputs_is_grouped_too(tmp_path: Path) -> None:
    """Names that start with no letter (a hostile one starts with "<") fall under "other"."""
    out = small_run(tmp_path / "out")
    page = (out / "index.html").read_text("utf-8")
    other = page.split('id="cqc-la-2024-other"', 1)[1].split("</section>", 1)[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in other


def test_the_index_groups_by_region_when_the_results_carry_one(tmp_path: Path) -> None:
    lines = RETURNS.splitlines()
    regions = ["region", "North East", "London", "North East"]
    with_region = "\n".join(f"{line},{r}" for line, r in zip(lines, regions, strict=True))
    (tmp_path / "regions.csv").write_text(with_region + "\n", encoding="utf-8")
    proc = score(tmp_path, RUN.replace("[returns.csv]", "[regions.csv]\n    attributes: [region]"))
    assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "out" / "index.html").read_text("utf-8")
    headings = re.findall(r'<h3 id="cqc-la-2024-region-\d+-h">([^<]+)</h3>', page)
    assert headings == ["London", "North East"]
    london = page.split("<h3 id=\"cqc-la-2024-region-1-h\">", 1)[1].split("</section>", 1)[0]
    assert "E2" in london and "E1" not in london
    assert "authorities by region" in page
