"""Real pages of the default run in headless Chromium (Playwright): readable at 400 px and
1280 px without the page scrolling sideways, every table's columns reachable inside its
own box, A4 print, and the run index's filter box (fixtures in tests/e2e/conftest.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

PAGES = [
    "index.html",
    "ss-stars-2002/2003/index.html",
    "ss-stars-2002/2003/areas/E06000001.html",
    "ss-stars-2002/sensitivity/2003/stability.html",
    "ss-stars-2002/summary.html",
    "cqc-la-2024/2024/index.html",
    "cqc-la-2024/2024/areas/E06000003.html",
    "oflog-asc/2018-19/index.html",
    "oflog-asc/2018-19/areas/E06000001.html",
    "cpa-2005/2008/areas/E06000001.html",
    "csci-adults-2006/2006/index.html",
    "cms-hospital-stars-2025/2025-07/index.html",
    "cms-hospital-stars-2025/2025-07/areas/010001.html",
    "au-aged-care-2025/2025-10/areas/1.html",
]
WIDTHS = (400, 1280)
# Where the page is wider than the window, and each table whose last column its scroll box
# does not reach (or that is in no scroll box at all).
LAYOUT = """() => {
  const root = document.documentElement, problems = [];
  document.querySelectorAll("table").forEach((table, k) => {
    const box = table.closest(".scroll");
    if (!box) { problems.push(`table ${k} is in no scroll box`); return; }
    const row = table.rows[table.rows.length - 1];
    const last = row.cells[row.cells.length - 1].getBoundingClientRect();
    const reach = last.right - box.getBoundingClientRect().left + box.scrollLeft;
    if (reach > box.scrollWidth + 1) problems.push(`table ${k}: last column cut`);
  });
  return {width: root.scrollWidth, window: window.innerWidth, problems};
}"""


def open_page(browser: Any, path: Path, width: int, script: bool = True) -> tuple[Any, Any,
                                                                                  list[str]]:
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  java_script_enabled=script)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.resolve().as_uri())
    return context, page, errors


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_scrolls_sideways_and_every_table_is_reachable(reports: Path, browser: Any,
                                                                 width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        for name in PAGES:
            assert (reports / name).is_file(), name
            page.goto((reports / name).resolve().as_uri())
            found = page.evaluate(LAYOUT)
            assert found["width"] <= found["window"], (name, width, found)
            assert found["problems"] == [], (name, width, found)
    finally:
        context.close()
    assert errors == []


def test_a_narrow_window_scrolls_the_league_table_in_its_box_not_the_page(
        reports: Path, browser: Any) -> None:
    """At 400 px the league table is wider than the window: its box scrolls to the status
    column, which was cut off before the box existed."""
    context, page, _ = open_page(browser, reports / "cqc-la-2024/2024/index.html", 400)
    try:
        box = page.evaluate("""() => {
          const box = document.querySelector("#league").closest(".scroll");
          return {scroll: box.scrollWidth, client: box.clientWidth,
                  focusable: box.tabIndex === 0, label: box.getAttribute("aria-label")};
        }""")
        assert box["scroll"] > box["client"] and box["focusable"] and box["label"]
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_solidity_bar_is_as_wide_as_its_legend(reports: Path, browser: Any,
                                                   width: int) -> None:
    context, page, _ = open_page(browser, reports / "ss-stars-2002/2003/areas/E06000001.html",
                                 width)
    try:
        bar, legend = page.evaluate("""() => [
          document.querySelector("svg.solid").getBoundingClientRect().width,
          document.querySelector("table.solidity").getBoundingClientRect().width]""")
        assert abs(bar - legend) <= 1, (bar, legend)
    finally:
        context.close()


def test_rated_counts_do_not_wrap(reports: Path, browser: Any) -> None:
    context, page, _ = open_page(browser, reports / "index.html", 400)
    try:
        lines = page.evaluate("""() => Array.from(document.querySelectorAll("td.n")).map(td => {
          const range = document.createRange(); range.selectNodeContents(td);
          return new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top))).size;
        })""")
        assert lines and set(lines) == {1}, lines
    finally:
        context.close()


def test_pages_print_to_a4_with_repeated_table_headers(reports: Path, browser: Any,
                                                       tmp_path: Path) -> None:
    for name in ("cqc-la-2024/2024/index.html", "ss-stars-2002/2003/areas/E06000001.html"):
        context, page, _ = open_page(browser, reports / name, 1280)
        try:
            page.emulate_media(media="print")
            display = page.evaluate(
                "() => getComputedStyle(document.querySelector('thead')).display")
            overflow = page.evaluate(
                "() => getComputedStyle(document.querySelector('.scroll')).overflowX")
            assert (display, overflow) == ("table-header-group", "visible"), name
            pdf = page.pdf(format="A4", path=str(tmp_path / "page.pdf"))
            assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 2, name
        finally:
            context.close()


def test_the_index_filter_narrows_the_list_and_clears(reports: Path, browser: Any) -> None:
    context, page, errors = open_page(browser, reports / "index.html", 1280)
    try:
        pack = "#ss-stars-2002"
        rows = f"{pack} tr[data-find]"
        total = page.locator(rows).count()
        assert page.locator(f"{pack} .filter").is_visible()
        page.fill(f"{pack} input[type=search]", "hart")
        shown = page.evaluate(f"""() => Array.from(document.querySelectorAll("{rows}"))
          .filter(r => r.offsetParent !== null).map(r => r.getAttribute("data-find"))""")
        assert shown and all("hart" in s for s in shown) and len(shown) < total, shown
        groups = page.evaluate(f"""() => Array.from(document.querySelectorAll(
          "{pack} section.group")).filter(g => !g.hidden).map(g => g.id)""")
        assert groups == ["ss-stars-2002-H"], groups
        status = page.locator(f"{pack} .filter [role=status]").inner_text()
        assert status == f"{len(shown)} {'authority' if len(shown) == 1 else 'authorities'}"
        page.fill(f"{pack} input[type=search]", "")
        visible = page.evaluate(f"""() => Array.from(document.querySelectorAll("{rows}"))
          .filter(r => r.offsetParent !== null).length""")
        assert visible == total
    finally:
        context.close()
    assert errors == []


def test_without_javascript_the_index_is_the_whole_grouped_list(reports: Path,
                                                                browser: Any) -> None:
    context, page, _ = open_page(browser, reports / "index.html", 400, script=False)
    try:
        assert not page.locator("#ss-stars-2002 .filter").is_visible()
        hidden = page.evaluate("""() => Array.from(document.querySelectorAll("tr[data-find]"))
          .filter(r => r.offsetParent === null).length""")
        assert hidden == 0
        assert page.locator("#ss-stars-2002 nav.initials a").count() > 5
    finally:
        context.close()


MAP = """() => {
  const map = document.querySelector("figure.hexmap > svg");
  if (!map) return null;
  const links = [...map.querySelectorAll("a")];
  return {width: map.getBoundingClientRect().width, window: window.innerWidth,
          links: links.length, titled: links.filter(a => a.querySelector("title")).length,
          label: map.getAttribute("aria-label"), first: links[0].getAttribute("href")};
}"""


@pytest.mark.parametrize("width", WIDTHS)
def test_a_map_of_england_links_every_council_and_fits_the_window(reports: Path, browser: Any,
                                                                  width: int) -> None:
    # The 150 councils of 2006 include seven counties abolished in 2009 (hexes of our own).
    context, page, errors = open_page(browser, reports / "csci-adults-2006/2006/index.html",
                                      width)
    found = page.evaluate(MAP)
    assert found is not None and found["links"] == found["titled"] == 150
    assert found["width"] <= found["window"] and "Map of England" in found["label"]
    assert page.locator("text=Not on the map").count() == 0
    page.locator("figure.hexmap a").first.click()
    assert page.url.endswith(found["first"]) and not errors
    context.close()


def test_a_pack_without_english_codes_gets_no_map(reports: Path, browser: Any) -> None:
    context, page, _ = open_page(browser,
                                 reports / "cms-hospital-stars-2025/2025-07/index.html", 1280)
    assert page.evaluate(MAP) is None
    assert "hospitals" in page.locator("main").inner_text()
    context.close()
