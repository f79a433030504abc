"""The hex map of England: which authorities get a hex, and what the SVG says of them."""

from __future__ import annotations

import re

from perfassess.report.hexmap import Cell, hex_map, hexes, mappable, place


def cell(code: str, name: str = "X", rating: str = "Good", tone: int | None = 3) -> Cell:
    return Cell(code, name, rating, tone, f"areas/{code}.html")


def test_the_2020_layout_and_the_councils_of_other_years_are_known() -> None:
    known = hexes()
    assert len(known) == 151 + 16
    assert known["E09000003"].name == "Barnet"
    # Bournemouth and Poole (until 2019) do not share a hex, nor either with Dorset.
    spots = {(known[c].q, known[c].r) for c in ("E06000028", "E06000029", "E10000009")}
    assert len(spots) == 3


def test_every_sample_council_of_2002_2008_has_a_hex_of_its_own() -> None:
    import pandas as pd
    codes = pd.read_csv("data/reference/authorities.csv", dtype=str)["authority_code"]
    placed, left = place(cell(c) for c in codes)
    assert left == [] and len(placed) == 150


def test_a_code_without_a_hex_or_a_taken_hex_is_listed_not_drawn() -> None:
    # Dorset county (2002-2019) and Dorset unitary (2019-) sit on the same hex: in one
    # period only one should appear, and if both do the later code is listed instead.
    placed, left = place([cell("E06000059"), cell("E10000009"), cell("W06000001")])
    assert [c.code for c, _ in placed] == ["E06000059"]
    assert [c.code for c in left] == ["E10000009", "W06000001"]


def test_the_svg_escapes_names_and_links_each_hex() -> None:
    svg, left = hex_map([cell("E09000003", name="<b>Barnet</b>", rating="Good & fine"),
                         cell("E09000002", tone=None)], "Ratings, 2024")
    assert left == []
    assert "<b>" not in svg and "&lt;b&gt;Barnet&lt;/b&gt;: Good &amp; fine" in svg
    assert svg.count("<a href=") == 2 and 'href="areas/E09000003.html"' in svg
    assert 'class="none"' in svg and 'class="b3"' in svg
    assert re.search(r'viewBox="0 0 [\d.]+ [\d.]+"', svg) and "width=" not in svg


def test_a_map_suits_only_mostly_english_council_codes() -> None:
    assert mappable(["E09000003", "E09000002"])
    assert not mappable(["010001", "010005", "E09000003"])
    assert not mappable([])
