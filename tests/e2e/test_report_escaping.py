"""Hostile names and codes: escaped in HTML and Markdown, and no file leaves its folder."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.e2e.reports_fixture import report_files, small_run

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_run(tmp_path_factory.mktemp("escaping") / "out")


def test_script_in_a_name_is_escaped_in_every_html_page(out: Path) -> None:
    pages = [out / p for p in report_files(out) if p.suffix == ".html"]
    seen = 0
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert SCRIPT not in text, page
        assert "<b>" not in text, page  # from the code ../evil<b>
        if "&lt;script&gt;alert(1)&lt;/script&gt;" in text:
            seen += 1
        # Our own inline scripts (the league table sorter of a national summary, the run
        # index's filter box) are the only <script> elements anywhere.
        ours = page.name == "index.html"
        assert len(re.findall(r"<script\b", text)) == (1 if ours else 0), page
    # The hostile name appears, escaped, on its area report, the summary and the index.
    assert seen >= 3


def test_quotes_and_ampersands_are_escaped_in_attributes_and_text(out: Path) -> None:
    summary = (out / "cqc-la-2024" / "2024" / "index.html").read_text(encoding="utf-8")
    assert "Quote &#34; and &#39; &amp; ampersand" in summary


def test_markdown_tables_keep_their_shape_with_pipes_and_newlines(out: Path) -> None:
    summary = (out / "cqc-la-2024" / "2024" / "index.md").read_text(encoding="utf-8")
    rows = [line for line in summary.splitlines() if "areas/X2.md" in line]
    assert rows, "the hostile name's row is missing"
    for row in rows:
        # Unescaped pipes delimit cells: the league row has 7 columns, movers/unrated fewer,
        # but no row may gain a cell from the name.
        cells = re.split(r"(?<!\\)\|", row)[1:-1]
        assert len(cells) in (3, 4, 7), row
        assert "Pipe \\| and newline" in row
    assert "\\<script\\>alert(1)\\</script\\>" in summary
    assert "[link](javascript" not in summary  # brackets escaped: no link is made
    area = (out / "cqc-la-2024" / "2024" / "areas" / "X2.md").read_text(encoding="utf-8")
    assert area.startswith("# Pipe \\| and newline \\*council\\*")


def test_a_hostile_code_gets_a_safe_file_inside_the_output_folder(out: Path) -> None:
    areas = out / "cqc-la-2024" / "2024" / "areas"
    names = sorted(p.name for p in areas.iterdir())
    hostile = [n for n in names if n.startswith("___evil_b_-")]
    assert len(hostile) == 3  # .html, .md and its figures as .csv
    for path in out.rglob("*"):
        assert out.resolve() in path.resolve().parents
    assert not (out / "evil<b>.html").exists() and not (out.parent / "evil<b>.html").exists()


def test_templates_never_pass_data_through_unescaped() -> None:
    templates = ROOT / "src" / "perfassess" / "report" / "templates"
    for template in templates.glob("*.j2"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"\|\s*safe\b", text), template
        assert "autoescape false" not in text, template


def test_hostile_names_are_escaped_in_the_stability_sections(tmp_path: Path) -> None:
    from tests.e2e.reports_fixture import stability_run

    pack = stability_run(tmp_path / "out") / "ss-stars-2002"
    national = (pack / "2003" / "index.html").read_text(encoding="utf-8")
    fragile = national.split("<h2>Fragile ratings</h2>", 1)[1].split("<h2>", 1)[0]
    # Both hostile names are fragile in the constructed input: listed, escaped, linked.
    assert '<a href="areas/X1.html">&lt;script&gt;alert(1)&lt;/script&gt;</a>' in fragile
    assert SCRIPT not in national and "<b>" not in national
    area = (pack / "2003" / "areas" / "X1.html").read_text(encoding="utf-8")
    assert "How solid is this rating?" in area and SCRIPT not in area
    markdown = (pack / "2003" / "index.md").read_text(encoding="utf-8")
    section = markdown.split("## Fragile ratings", 1)[1].split("## ", 1)[0]
    rows = [line for line in section.splitlines() if "areas/X" in line]
    assert len(rows) == 2
    for row in rows:
        assert len(re.split(r"(?<!\\)\|", row)[1:-1]) == 6, row  # no cell gained from a name
    assert "[\\<script\\>alert(1)\\</script\\>](areas/X1.md)" in section
    assert "[link](javascript" not in section
