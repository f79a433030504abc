"""A hex cartogram of English councils: one hex each, coloured by rating, linked to its page."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from markupsafe import Markup, escape

from perfassess.report.svg import coordinate

SIDE = 10.0  # a hex's side (its centre to a corner), in SVG units
WIDTH = math.sqrt(3) * SIDE  # pointy-top hexes: the distance between centres in a row
ROW = 1.5 * SIDE
# Corners of a pointy-top hex about its centre, as one relative path drawn from the top.
HEX_PATH = "m0-{s}l{w} {h}v{s}l-{w} {h}l-{w}-{h}v-{s}z".format(
    s=coordinate(SIDE), w=coordinate(WIDTH / 2 - 0.4), h=coordinate(SIDE / 2))


@dataclass(frozen=True)
class Hex:
    code: str
    name: str
    q: int
    r: int


@dataclass(frozen=True)
class Cell:
    """One authority on the map: its rating's words and tone (0 worst to 4 best; None for
    no rating) and the page it links to."""

    code: str
    name: str
    rating: str
    tone: int | None
    href: str


@cache
def hexes() -> dict[str, Hex]:
    """Every known hex by GSS code: the 2020 layout, then the councils of other years."""
    folder = resources.files("perfassess.report") / "maps"
    layout = json.loads((folder / "uk-upper-tier-local-authorities.hexjson").read_text("utf-8"))
    found = {code: Hex(code, str(h["n"]), int(h["q"]), int(h["r"]))
             for code, h in layout["hexes"].items()}
    text = (folder / "historic.csv").read_text("utf-8")
    for row in csv.DictReader(io.StringIO(text, newline="")):
        found[row["code"]] = Hex(row["code"], row["name"], int(row["q"]), int(row["r"]))
    return found


def mappable(codes: Iterable[str]) -> bool:
    """Whether a map of England suits these authorities: most of them have a hex."""
    codes = list(codes)
    known = hexes()
    return bool(codes) and sum(c in known for c in codes) * 2 > len(codes)


def place(cells: Iterable[Cell]) -> tuple[list[tuple[Cell, Hex]], list[Cell]]:
    """The cells with their hexes, and those without one (no hex, or a hex that an
    authority earlier in code order already holds), both in code order."""
    known = hexes()
    placed: list[tuple[Cell, Hex]] = []
    left: list[Cell] = []
    taken: set[tuple[int, int]] = set()
    for cell in sorted(cells, key=lambda c: c.code):
        spot = known.get(cell.code)
        if spot is None or (spot.q, spot.r) in taken:
            left.append(cell)
            continue
        taken.add((spot.q, spot.r))
        placed.append((cell, spot))
    return placed, left


def hex_map(cells: Iterable[Cell], label: str) -> tuple[Markup, list[Cell]]:
    """The map as inline SVG (scaled by its viewBox; each hex a link with its name and
    rating as a title), and the authorities it could not place."""
    placed, left = place(cells)
    if not placed:
        return Markup(""), left
    # England's outline: the hexes nobody here holds, drawn faintly and without a link.
    taken = {(h.q, h.r) for _, h in placed}
    outline = {(h.q, h.r) for h in hexes().values()} - taken
    top = max(r for _, r in taken | outline)
    width = (max(q for q, _ in taken | outline) + 1.5) * WIDTH
    height = top * ROW + 2 * SIDE

    def corner(q: int, r: int) -> str:
        x = (q + 0.5 * (r % 2) + 0.5) * WIDTH
        return f"M{coordinate(x)} {coordinate((top - r) * ROW + SIDE)}{HEX_PATH}"
    parts = [f'<path class="void" d="{"".join(corner(q, r) for q, r in sorted(outline))}"/>']
    for cell, spot in placed:
        tone = "none" if cell.tone is None else f"b{cell.tone}"
        title = escape(f"{cell.name}: {cell.rating}")
        parts.append(f'<a href="{escape(cell.href)}"><title>{title}</title><path '
                     f'class="{tone}" d="{corner(spot.q, spot.r)}"/></a>')
    # A group, not an image: an image's inside is hidden from assistive technology, and
    # here every hex is a link to be reached and named.
    svg = (f'<svg class="hexmap" viewBox="0 0 {coordinate(width)} {coordinate(height)}" '
           f'role="group" aria-label="{escape(label)}">{"".join(parts)}</svg>')
    return Markup(svg), left
