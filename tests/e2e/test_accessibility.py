"""Accessibility of real pages of the default run in headless Chromium: axe-core's WCAG 2
A and AA rules find nothing at 400 and 1280 px, headings never skip a level, every chart
has a text alternative, the map says each rating in words, and the league table sorts
from the keyboard alone."""

from __future__ import annotations

from importlib.resources import files
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

# The axe-core build shipped inside the axe-playwright-python wheel (dev extra).
AXE = files("axe_playwright_python") / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
PAGES = [
    "index.html",
    "ss-stars-2002/summary.html",
    "ss-stars-2002/2003/index.html",
    "ss-stars-2002/2003/areas/E06000001.html",
    "ss-stars-2002/sensitivity/2003/stability.html",
    "cqc-la-2024/summary.html",
    "cqc-la-2024/2024/index.html",
    "cqc-la-2024/2024/areas/E06000003.html",
    "oflog-asc/summary.html",
    "oflog-asc/2018-19/index.html",
    "oflog-asc/2018-19/areas/E06000001.html",
    "cms-hospital-stars-2025/summary.html",
    "cms-hospital-stars-2025/2025-07/index.html",
    "cms-hospital-stars-2025/2025-07/areas/010001.html",
]
LEAGUE = "cqc-la-2024/2024/index.html"


def axe_violations(page: Any) -> list[str]:
    """axe-core's WCAG A/AA violations of the open page, one line per element."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
                          " resultTypes: ['violations']})", WCAG)
    return [f"{v['id']} ({v['impact']}): {' '.join(n['target'][0] for n in v['nodes'][:1])}"
            f" {n['failureSummary']}" for v in found["violations"] for n in v["nodes"]]


@pytest.mark.parametrize("width", (400, 1280))
def test_axe_finds_no_wcag_a_or_aa_violation(reports: Path, browser: Any, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        problems = {}
        for name in PAGES:
            page.goto((reports / name).resolve().as_uri())
            found = axe_violations(page)
            if found:
                problems[name] = found
        assert problems == {}, problems
    finally:
        context.close()


HEADINGS = "() => [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1])"


def test_headings_start_at_one_h1_and_never_skip_a_level(reports: Path, browser: Any) -> None:
    page = browser.new_page()
    try:
        for name in PAGES:
            page.goto((reports / name).resolve().as_uri())
            levels = page.evaluate(HEADINGS)
            assert levels[:1] == [1] and levels.count(1) == 1, (name, levels)
            skips = [(a, b) for a, b in pairwise(levels) if b > a + 1]
            assert skips == [], (name, levels)
    finally:
        page.close()


# Each drawing either hidden from assistive technology (decoration beside its words) or
# named: an image with a title or label, or a group of links each named.
CHARTS = """() => [...document.querySelectorAll("svg")].filter(s =>
    s.closest("[aria-hidden=true]") === null).map(s => {
  const title = s.querySelector(":scope > title");
  const name = (s.getAttribute("aria-label") || (title && title.textContent) || "").trim();
  const links = [...s.querySelectorAll("a")];
  return {role: s.getAttribute("role"), name,
          unnamed: links.filter(a => !(a.querySelector("title") || {}).textContent).length};
})"""


def test_every_chart_has_a_text_alternative(reports: Path, browser: Any) -> None:
    page = browser.new_page()
    try:
        seen = 0
        for name in PAGES:
            page.goto((reports / name).resolve().as_uri())
            for chart in page.evaluate(CHARTS):
                seen += 1
                assert chart["role"] in ("img", "group") and chart["name"], (name, chart)
                assert chart["unnamed"] == 0, (name, chart)
        assert seen > 50
    finally:
        page.close()


def test_the_map_gives_every_rating_in_words_as_the_league_table_does(reports: Path,
                                                                       browser: Any) -> None:
    """Colour is never the only signal: each hex's link is named '<area>: <rating>', the
    same rating the league table gives that area in words."""
    page = browser.new_page()
    try:
        page.goto((reports / LEAGUE).resolve().as_uri())
        hexes = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll(
          "figure.hexmap a")].map(a => [a.getAttribute("href"),
                                        a.querySelector("title").textContent]))""")
        league = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll(
          "#league tbody tr")].map(r => [r.cells[1].querySelector("a").getAttribute("href"),
          r.cells[1].textContent + ": " + r.cells[3].textContent]))""")
        assert len(hexes) > 50
        assert {href: league[href] for href in hexes} == hexes
        badges = page.evaluate("""() => [...document.querySelectorAll(".bd")].map(
          b => b.textContent.trim())""")
        assert badges and set(badges) <= {"reconstructed", "illustrative"}
    finally:
        page.close()


SORTED = """() => {
  const table = document.querySelector("#league"), heads = [...table.tHead.rows[0].cells];
  return {sort: heads.map(h => h.getAttribute("aria-sort")),
          focused: document.activeElement.closest("th") ?
                   heads.indexOf(document.activeElement.closest("th")) : null,
          tag: document.activeElement.tagName,
          ranks: [...table.tBodies[0].rows].map(r => +r.cells[0].getAttribute("data-sort")),
          names: [...table.tBodies[0].rows].map(r => r.cells[1].textContent.trim())};
}"""


def test_the_league_table_sorts_from_the_keyboard_alone(reports: Path, browser: Any) -> None:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto((reports / LEAGUE).resolve().as_uri())
        # Start on the league table's scroll box: the next Tab lands on the first heading.
        page.focus("div.scroll:has(> #league)")
        page.keyboard.press("Tab")
        start = page.evaluate(SORTED)
        assert (start["tag"], start["focused"]) == ("BUTTON", 0), start
        assert start["sort"][0] == "ascending" and start["ranks"] == sorted(start["ranks"])
        page.keyboard.press("Enter")
        rank = page.evaluate(SORTED)
        assert rank["sort"][0] == "descending", rank
        assert rank["ranks"] == sorted(start["ranks"], reverse=True)
        page.keyboard.press("Tab")
        page.keyboard.press("Space")
        name = page.evaluate(SORTED)
        assert name["focused"] == 1 and name["sort"][:2] == [None, "ascending"], name
        assert name["names"] == sorted(name["names"], key=str.casefold) != start["names"]
    finally:
        page.close()
    assert errors == []
