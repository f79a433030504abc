"""Chart pieces as inline SVG, built in Python once per shape and reused by every report.

Every text that comes from data passes through ``escape``; ``Markup`` wraps only strings
assembled here from escaped parts and our own constants. Shapes repeated on a page (the
star, the grey dots of a band scale) are ``<symbol>``s that ``defs`` writes once per page.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache, lru_cache

import numpy as np
from markupsafe import Markup, escape

from perfassess.report.facts import UNCERTAIN

STAR = "M10 .8 12.3 7.1 19 7.4 13.7 11.5 15.6 18 10 14.2 4.4 18 6.3 11.5 1 7.4 7.7 7.1Z"
BLOB = 12  # width of one band position, px
STRIP_TITLE = ("national: lowest {min}, middle half {q1} to {q3}, median {median}, highest "
               "{max}, on a scale from {axis_lo} to {axis_hi}")


def coordinate(x: float) -> str:
    """An SVG coordinate to one decimal, without a trailing ``.0``."""
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


@cache
def blob_symbol(of: int) -> str:
    dots = "".join(f"M{k * BLOB + 6} 6h0" for k in range(of))
    return f'<symbol id="bl{of}"><path d="{dots}"/></symbol>'


def defs(stars: bool = False, scales: Iterable[int] = ()) -> Markup:
    """The symbols a page uses, hidden; put it once near the top of ``<body>``."""
    parts = [f'<path id="star" d="{STAR}"/>'] if stars else []
    parts += [blob_symbol(of) for of in sorted(set(scales))]
    if not parts:
        return Markup("")
    return Markup('<svg class="defs" aria-hidden="true"><defs>' + "".join(parts)
                  + "</defs></svg>")


@lru_cache(maxsize=4096)
def stars(n: int, of: int, size: int = 20) -> Markup:
    """``n`` filled stars out of ``of`` (needs ``defs(stars=True)`` on the page)."""
    text = f"{n} star{'' if n == 1 else 's'} out of {of}"
    uses = "".join(f'<use href="#star" x="{k * 22}" class="{"on" if k < n else "off"}"/>'
                   for k in range(of))
    return Markup(f'<svg class="stars" width="{of * (size + 2)}" height="{size}" '
                  f'viewBox="0 0 {of * 22} 20" role="img"><title>{text}</title>{uses}</svg>')


@lru_cache(maxsize=4096)
def blobs(position: int | None, of: int, scalable: bool = False) -> Markup:
    """A band scale of ``of`` dots with ``position`` (0 = worst) coloured in.

    Needs ``defs(scales=[of])`` on the page; colours run b0 (worst) to b4 (best). Drawn at
    12 px a dot, or ``scalable`` to the size the stylesheet gives it.
    """
    title = f"band {position + 1} of {of}" if position is not None else "no band"
    width = of * BLOB
    mark = ""
    if position is not None:
        shade = position * 4 // (of - 1) if of > 1 else 4
        mark = f'<circle cx="{position * BLOB + 6}" cy="6" r="5" class="b{shade}"/>'
    size = f'viewBox="0 0 {width} 12"' if scalable else f'width="{width}" height="12"'
    return Markup(f'<svg class="bl" {size} role="img"><title>{title}</title>'
                  f'<use href="#bl{of}"/>{mark}</svg>')


def strip_start(figures: dict[str, str], x_q1: float, x_median: float, x_q3: float,
                x_min: float = 2.0, x_max: float = 102.0) -> Markup:
    """Everything of a dot strip but the dot and the axis's end: the national spread of one
    input in a period, on the input's axis (``axis_lo`` to ``axis_hi``, labelled).

    ``figures`` holds the spelt ``min``, ``q1``, ``median``, ``q3``, ``max`` and the axis
    ends. A grey base line is the axis; one path draws the line from lowest to highest, the
    box of the middle half and the median tick.
    """
    title = escape(STRIP_TITLE.format(**figures))
    lo, hi = coordinate(x_q1), coordinate(x_q3)
    return Markup(f'<span class="ax">{escape(figures["axis_lo"])}</span>'
                  f'<svg class="st" role="img"><title>{title}</title>'
                  f'<path class="ax" d="M2 13H102"/>'
                  f'<path d="M{coordinate(x_min)} 7H{coordinate(x_max)}M{lo} 4.5H{hi}V9.5H{lo}z'
                  f'M{coordinate(x_median)} 2V12"/>')


def strip_end(figures: dict[str, str]) -> Markup:
    """What closes a dot strip after its dot: the axis's high end."""
    return Markup(f'</svg><span class="ax">{escape(figures["axis_hi"])}</span>')


def strips(starts: np.ndarray, xs: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Whole dot strips, a column at once: each ``strip_start`` with its dot at ``x``, then
    its ``strip_end``; as markup in plain text (``as_markup`` marks it)."""
    spelt = np.char.replace(np.char.mod("%.1f", xs), ".0", "")  # as ``coordinate``
    whole: np.ndarray = starts.astype(str).astype(object) + '<circle cx="' + \
        spelt.astype(object) + '" cy="7" r="3.5"/>' + ends.astype(str).astype(object)
    return whole


def as_markup(texts: Iterable[str]) -> list[Markup]:
    """Texts made of markup already escaped, as Markup. ``str.__new__`` is what
    ``Markup(text)`` does for a plain ``str``, without its per-call checks."""
    return [str.__new__(Markup, t) for t in texts]


def bars(items: Iterable[dict[str, object]], title: str) -> Markup:
    """Horizontal bars: each item's ``label``, ``count`` and ``width`` (0-100)."""
    rows = list(items)
    height = len(rows) * 28 + 4
    # No width or height: the stylesheet sizes it, the viewBox scales it (phones to print).
    out = [f'<svg class="bars" viewBox="0 0 480 {height}" '
           f'role="img"><title>{escape(title)}</title>']
    for k, it in enumerate(rows):
        width = round(float(str(it["width"])) * 2.6, 1)
        out.append(f'<g transform="translate(0 {k * 28 + 2})"><text x="150" y="18" '
                   f'text-anchor="end">{escape(it["label"])}</text><rect x="158" y="3" '
                   f'width="{width}" height="20"/><text x="{round(164 + width, 1)}" y="18">'
                   f'{escape(it["count"])}</text></g>')
    out.append("</svg>")
    return Markup("\n".join(out))


_BADGES = {s: Markup(f' <span class="bd {s[:2]}">{s}</span>') for s in UNCERTAIN}


def badge(status: object) -> Markup:
    """A badge, after a space, for a reconstructed or illustrative status; nothing else."""
    return _BADGES.get(str(status), Markup(""))


@lru_cache(maxsize=1024)
def dots(position: int | None, of: int) -> str:
    """The band scale as text, for Markdown: ``··●··``."""
    return "".join("●" if k == position else "·" for k in range(of))


_MD_BADGES = {s: f" **[{s}]**" for s in UNCERTAIN}


def badge_md(status: object) -> str:
    """The Markdown badge, after a space: `` **[illustrative]**``; nothing if documented."""
    return _MD_BADGES.get(str(status), "")
