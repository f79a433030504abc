"""User templates replace built-in ones by name; docs/templates.md matches the contexts."""

from __future__ import annotations

import re
from pathlib import Path

from perfassess.api import Reference, score
from perfassess.report.area import Layout, area_contexts, prepare_tables
from perfassess.report.data import RunData
from perfassess.report.facts import pack_facts
from perfassess.report.index import index_context
from perfassess.report.national import national_contexts
from tests.conftest import ROOT
from tests.e2e.reports_fixture import INPUT, small_run

DOC = ROOT / "docs" / "templates.md"
TEMPLATES = ROOT / "src" / "perfassess" / "report" / "templates"


def test_a_user_template_replaces_the_built_in_one_by_name(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "area.md.j2").write_text("BRANDED {{ authority.name | md }} {{ rating.label }}\n",
                                     encoding="utf-8")
    (mine / "style.css.j2").write_text("body{color:#123456}\n", encoding="utf-8")
    out = small_run(tmp_path / "out", templates=mine)
    area = out / "cqc-la-2024" / "2024" / "areas"
    assert (area / "X1.md").read_text(encoding="utf-8") == (
        "BRANDED \\<script\\>alert(1)\\</script\\> Outstanding\n")
    assert "&lt;script&gt;" in (area / "X1.html").read_text(encoding="utf-8")  # built-in
    assert (out / "cqc-la-2024" / "style.css").read_text(encoding="utf-8") == (
        "body{color:#123456}\n")
    assert "body{color:#123456}" in (out / "index.html").read_text(encoding="utf-8")


def _documented(section: str) -> set[str]:
    """The variables named in the first column of a section's table."""
    text = DOC.read_text(encoding="utf-8")
    part = text.split(f"## Context of `{section}`", 1)[1].split("\n## ", 1)[0]
    cells = re.findall(r"^\| ((?:`\w+`(?:, )?)+) \|", part, flags=re.MULTILINE)
    return {name for cell in cells for name in re.findall(r"`(\w+)`", cell)}


def test_the_documented_context_variables_are_the_real_ones(tmp_path: Path) -> None:
    result = score("cqc-la-2024", [INPUT / "cqc.csv"],
                   reference=Reference.read(INPUT / "reference.csv"))
    data = RunData.from_result(result)
    facts = pack_facts(data.loaded)
    tables = prepare_tables(data, facts)
    layout = Layout.of(tables.ratings)
    area = next(area_contexts(data, facts, tables, layout))
    national = next(national_contexts(data, facts, tables, layout))
    assert set(area) == _documented("area.*")
    assert set(national) == _documented("national.*")
    index = index_context(small_run(tmp_path / "out"))
    assert set(index) | {"style"} == _documented("index.*")


def test_every_documented_template_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    names = set(re.findall(r"`(\w[\w.]*\.j2)`", text))
    assert names == {p.name for p in TEMPLATES.glob("*.j2")}


def test_a_user_template_can_draw_with_the_chart_macros(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "area.html.j2").write_text(
        '{% import "_charts.html.j2" as chart %}{{ chart.sprite() }}'
        "<h1>{{ authority.name }}</h1>{{ chart.blobs(rating.position, rating.labels) }}"
        '{{ chart.badge("illustrative") }}{{ chart.stars(2, 3) }}\n', encoding="utf-8")
    out = small_run(tmp_path / "out", templates=mine)
    page = (out / "cqc-la-2024" / "2024" / "areas" / "X1.html").read_text(encoding="utf-8")
    # X1 is Outstanding: the 4th of 4 labels. The sprite defines the dots it uses.
    assert '<symbol id="bl4">' in page and '<use href="#bl4"/>' in page
    assert "<title>band 4 of 4</title>" in page and 'class="b4"' in page
    assert '<span class="bd il">illustrative</span>' in page
    assert "<title>2 stars out of 3</title>" in page and '<path id="star"' in page
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in page
