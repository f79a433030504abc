"""Each authority's rating and key scores over its run's periods and an earlier run's, per pack."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from perfassess.core.people import DIGITS, number
from perfassess.report.environment import markdown_cell
from perfassess.report.facts import PackFacts
from perfassess.report.record import Record
from perfassess.report.spelt import escaped, marked
from perfassess.report.svg import coordinate
from perfassess.report.tables import Tables

if TYPE_CHECKING:
    from perfassess.report.area import Layout

KEY_SCORES = 3  # the most scores beside the rating in a trend's table
STEP_X, ROW_Y, TOP, BOTTOM = 64, 22, 12, 30  # chart geometry, px of the viewBox
NUMERIC_ROWS = 4  # a numeric rating's axis is this many rows tall
ABSENT, NOT_RATED, RATED = 0, 1, 2
WORDS = {"run": "not in this run's returns", "earlier": "not in the earlier results",
         "not rated": "not rated"}


@dataclass
class Trends:
    """Per pack: the periods a trend spans, the key scores it shows, and each ratings row's
    trend as its area page shows it (a Record: the chart, the rows, the table spelt)."""

    periods: list[str]
    scores: list[Record]  # id, title of each key score column
    pages: list[Record]  # by ratings row


def key_scores(facts: PackFacts, available: set[str]) -> list[str]:
    """The scores a trend shows beside the rating: the pack's own sort fields (its national
    tables rank by them), where they are published outputs."""
    rating = facts.pack.rating.field
    return [name for name in facts.pack.rating.sort
            if name not in ("rating", rating) and name in available
            and name in facts.pack.outputs][:KEY_SCORES]


def prepare_trends(facts: PackFacts, tables: Tables, layout: Layout,
                   history: pd.DataFrame | None = None) -> Trends:
    """Every authority's trend from one pivot of (authority x period), with the periods of
    an earlier run's ratings (``history``) that this run does not cover."""
    ratings = tables.ratings
    columns = tables.columns
    scores = key_scores(facts, set(columns))
    codes = ratings["authority_code"].astype(str).to_numpy(dtype=object)
    periods = ratings["period"].astype(str).to_numpy(dtype=object)
    long = pd.DataFrame({
        "code": codes, "period": periods,
        "text": np.asarray(columns["rating"], dtype=object),
        "y": rating_values(facts, ratings["rating"]), "earlier": False,
        **{f"s{k}": np.asarray(columns[name], dtype=object) for k, name in enumerate(scores)}})
    run_periods = sorted(set(periods.tolist()))
    if history is not None and len(history):
        long = pd.concat([long, _earlier(facts, history, scores, set(run_periods),
                                         set(codes.tolist()))], ignore_index=True)
    every = sorted(set(long["period"].tolist()))
    earlier_periods = set(every) - set(run_periods)
    authorities = pd.unique(codes)
    row = pd.Index(authorities).get_indexer(long["code"])
    col = np.searchsorted(np.asarray(every, dtype=object), long["period"].to_numpy(dtype=object))
    a, p = len(authorities), len(every)
    state = np.full((a, p), ABSENT, dtype=np.int8)
    text = np.full((a, p), "", dtype=object)
    y = np.full((a, p), np.nan)
    rated = (long["text"] != "").to_numpy()
    state[row, col] = np.where(rated, RATED, NOT_RATED)
    text[row, col] = long["text"].to_numpy(dtype=object)
    y[row, col] = np.where(rated, long["y"].to_numpy(dtype=np.float64), np.nan)
    score_cells = []
    for k in range(len(scores)):
        cells = np.full((a, p), "", dtype=object)
        cells[row, col] = long[f"s{k}"].fillna("").to_numpy(dtype=object)
        score_cells.append(cells)
    earlier = np.array([q in earlier_periods for q in every], dtype=bool)
    words = np.where(state == RATED, text, np.where(
        state == NOT_RATED, WORDS["not rated"],
        np.where(earlier[None, :], WORDS["earlier"], WORDS["run"]))).astype(object)
    svgs = _charts(facts, every, state, y, words) if p > 1 else np.full(a, None, dtype=object)
    links = _links(layout, authorities, every, state, earlier)
    rows = [Record(period=q, rating=t, rated=s == RATED, words=w, earlier=e, href=h, href_md=m,
                    scores=list(sc))
             for q, t, s, w, e, h, m, *sc in zip(
                 np.tile(np.asarray(every, dtype=object), a).tolist(), text.ravel().tolist(),
                 state.ravel().tolist(), words.ravel().tolist(),
                 np.tile(earlier, a).tolist(), links[0].ravel().tolist(),
                 links[1].ravel().tolist(), *[c.ravel().tolist() for c in score_cells],
                 strict=True)]
    heads = [Record(id=name, title=facts.titles.get(name, "")) for name in scores]
    table = _table(facts, every, text, state, words, earlier, links, score_cells, heads)
    # Each page: its authority's rows, its own period's row marked as the page itself.
    at = pd.Index(authorities).get_indexer(codes)
    here = np.searchsorted(np.asarray(every, dtype=object), periods)
    bodies = []
    for linked, current in table:
        cells = linked[at]
        cells[np.arange(len(at)), here] = current[at, here]
        body = cells[:, 0].copy()
        for j in range(1, p):
            body = body + cells[:, j]
        bodies.append(body)
    head_html, head_md = _heads(heads)
    earlier_any = bool(earlier.any())
    rows_of = [rows[k * p:(k + 1) * p] for k in range(a)]
    pages = [Record(single=p == 1, periods=every, svg=svgs[k], rows=rows_of[k], scores=heads,
                    earlier=earlier_any, head=head_html, body=Markup(html), head_md=head_md,
                    body_md=md)
             for k, html, md in zip(at.tolist(), bodies[0].tolist(), bodies[1].tolist(),
                                    strict=True)]
    return Trends(every, heads, pages)


def _heads(heads: list[Record]) -> tuple[Markup, str]:
    """The trend table's header row, HTML and Markdown (with its rule line)."""
    html = "".join(f'<th scope="col">{escape(h["title"])}</th>' if h["title"] else
                   f'<th scope="col"><code>{escape(h["id"])}</code></th>' for h in heads)
    md = "".join(f" {markdown_cell(h['title'])} |" if h["title"] else f" `{h['id']}` |"
                 for h in heads)
    return (Markup(f'<tr><th scope="col">period</th><th scope="col">rating</th>{html}</tr>'),
            f"| period | rating |{md}\n|---|---|{'---|' * len(heads)}\n")


def _table(facts: PackFacts, every: list[str], text: np.ndarray, state: np.ndarray,
           words: np.ndarray, earlier: np.ndarray, links: tuple[np.ndarray, np.ndarray],
           score_cells: list[np.ndarray], heads: list[Record]
           ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Every (authority, period) row of the trend table, spelt once: for HTML and for
    Markdown, as (linked, as the page's own period) pairs of (authority x period) arrays."""
    a, p = state.shape
    rated = state == RATED
    period = np.tile(np.asarray(every, dtype=object), (a, 1))
    note = np.tile(np.where(earlier, " <small>(earlier run)</small>", ""), (a, 1))
    note_md = np.tile(np.where(earlier, " (earlier run)", ""), (a, 1))
    html_rating = np.where(rated, escaped(text), "<em>" + escaped(words) + "</em>")
    md_rating = np.where(rated, marked(text), "_" + marked(words) + "_")
    html_scores = np.full((a, p), "", dtype=object)
    md_scores = np.full((a, p), "", dtype=object)
    for cells in score_cells:
        html_scores = html_scores + "<td>" + escaped(np.where(cells == "", "—", cells)) + "</td>"
        md_scores = md_scores + " " + marked(np.where(cells == "", "—", cells)) + " |"
    tail = "</th><td>" + html_rating + "</td>" + html_scores + "</tr>\n"
    spelt = escaped(period)
    html_name = np.where(links[0] != "", '<a href="' + escaped(links[0]) + '">' + spelt + "</a>",
                         spelt)
    html = ('<tr><th scope="row">' + html_name + note + tail,
            '<tr class="this" aria-current="page"><th scope="row">' + spelt + note + tail)
    md_tail = " | " + md_rating + " |" + md_scores + "\n"
    md_period = marked(period)
    md_name = np.where(links[1] != "", "[" + md_period + "](" + links[1] + ")", md_period)
    md = ("| " + md_name + note_md + md_tail, "| **" + md_period + "**" + note_md + md_tail)
    return [(html[0].astype(object), html[1].astype(object)),
            (md[0].astype(object), md[1].astype(object))]


def rating_values(facts: PackFacts, rating: pd.Series) -> np.ndarray:
    """The rating as a number to plot: its position on the pack's scale, or its value."""
    labels = facts.scale.labels
    if labels is not None:
        position = {label: float(k) for k, label in enumerate(labels)}
        return rating.astype(object).map(position).to_numpy(dtype=np.float64, na_value=np.nan)
    return pd.to_numeric(rating, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _spelt(facts: PackFacts, column: pd.Series, name: str) -> np.ndarray:
    """An earlier run's column as this run's pages spell it ('' if missing)."""
    missing = column.isna().to_numpy()
    numbers = pd.to_numeric(column, errors="coerce")
    if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(
            column.dtype):
        unique, inverse = np.unique(numbers.fillna(0.0).to_numpy(dtype=np.float64),
                                    return_inverse=True)
        digits = facts.pack.digits.get(name, DIGITS)
        out = np.array([number(float(u), digits) for u in unique], dtype=object)[inverse]
    else:
        out = column.astype(object).astype(str).to_numpy(dtype=object)
    out[missing] = ""
    return out


def _earlier(facts: PackFacts, history: pd.DataFrame, scores: list[str], run_periods: set[str],
             codes: set[str]) -> pd.DataFrame:
    """An earlier run's rows for the periods and authorities of this run's pages."""
    past = history.assign(authority_code=history["authority_code"].astype(str),
                          period=history["period"].astype(str))
    past = past[~past["period"].isin(run_periods) & past["authority_code"].isin(codes)]
    past = past.drop_duplicates(["authority_code", "period"], keep="last")
    rating = past["rating"] if "rating" in past.columns else pd.Series(
        pd.NA, index=past.index, dtype=object)
    n = len(past)
    return pd.DataFrame({
        "code": past["authority_code"].to_numpy(dtype=object),
        "period": past["period"].to_numpy(dtype=object),
        "text": _spelt(facts, rating, facts.pack.rating.field),
        "y": rating_values(facts, rating), "earlier": True,
        **{f"s{k}": _spelt(facts, past[name], name) if name in past.columns
           else np.full(n, "", dtype=object) for k, name in enumerate(scores)}})


def _coordinates(values: np.ndarray) -> np.ndarray:
    """SVG coordinates to one decimal without a trailing ``.0``, a whole array at once."""
    return np.char.replace(np.char.mod("%.1f", values), ".0", "").astype(object)


def _charts(facts: PackFacts, every: list[str], state: np.ndarray, y: np.ndarray,
            words: np.ndarray) -> np.ndarray:
    """One inline SVG per authority (rows of ``state``): its rating per period, on the
    pack's scale (worst at the foot) or the rating's own range (better up), periods absent
    or not rated marked with a cross; its title says the same in words."""
    labels = facts.scale.labels
    a, p = state.shape
    if labels is not None:
        steps = max(len(labels) - 1, 1)
        ticks = [(float(k), label) for k, label in enumerate(labels)]
        lo, hi, up = 0.0, float(steps), True
        height = steps * ROW_Y
    else:
        found = y[~np.isnan(y)]
        lo, hi = (float(found.min()), float(found.max())) if len(found) else (0.0, 1.0)
        hi = hi if hi > lo else lo + 1
        up = not (facts.travel is not None and facts.travel.better == "lower")
        ticks = [(lo, number(lo)), (hi, number(hi))]
        height = NUMERIC_ROWS * ROW_Y

    def place(v: np.ndarray | float) -> np.ndarray:
        share = (np.asarray(v, dtype=np.float64) - lo) / (hi - lo)
        return np.round(TOP + (1 - share if up else share) * height, 1)

    left = int(min(170, max(30, 10 + 6.4 * max(len(t) for _, t in ticks))))
    width, foot = left + STEP_X * p + 8, TOP + height + BOTTOM
    xs = [left + STEP_X * j + STEP_X // 2 for j in range(p)]
    at = [coordinate(float(place(v))) for v, _ in ticks]
    axes = "".join(
        f'<line x1="{left}" x2="{width - 4}" y1="{y0}" y2="{y0}"/>'
        f'<text x="{left - 6}" y="{coordinate(float(y0) + 4)}" text-anchor="end">'
        f'{escape(t)}</text>' for y0, (_, t) in zip(at, ticks, strict=True))
    axes += "".join(f'<text x="{x}" y="{foot - 8}" text-anchor="middle">{escape(q)}</text>'
                    for x, q in zip(xs, every, strict=True))
    yy = _coordinates(np.nan_to_num(place(y), nan=0.0))
    shade = (np.nan_to_num(y, nan=0.0) * 4 // (hi - lo)).astype(np.int64).astype(str)
    dot_class = np.char.add(" class=\"b", np.char.add(shade.astype(str), "\"")).astype(object) \
        if labels is not None else np.full(y.shape, ' class="n"', dtype=object)
    on = state == RATED
    line = np.full(a, "", dtype=object)
    dots = np.full(a, "", dtype=object)
    gaps = np.full(a, "", dtype=object)
    base = TOP + height + 9
    for j, x in enumerate(xs):
        before = on[:, j - 1] if j else np.zeros(a, dtype=bool)
        move = np.where(before, "L", "M").astype(object)
        line = line + np.where(on[:, j], move + f"{x} " + yy[:, j], "")
        dots = dots + np.where(on[:, j], f'<circle cx="{x}" cy="' + yy[:, j] + '" r="4"'
                               + dot_class[:, j] + "/>", "")
        gaps = gaps + np.where(on[:, j], "", f"M{x - 3} {base - 3}l6 6m0-6-6 6")
    said = escaped(words)
    alt = np.full(a, "Rating by period: ", dtype=object)
    for j, q in enumerate(every):
        alt = alt + f"{escape(q)}, " + said[:, j] + ("." if j == p - 1 else "; ")
    path = np.where(line != "", '<path class="line" d="' + line + '"/>', "")
    cross = np.where(gaps != "", '<path class="gap" d="' + gaps + '"/>', "")
    head = (f'<svg class="trend" width="{width}" height="{foot}" viewBox="0 0 {width} {foot}" '
            'role="img" aria-label="')
    charts = (head + alt + '"><title>' + alt + "</title>" + f'<g class="axes">{axes}</g>'
              + path + dots + cross + "</svg>")
    return np.array([Markup(c) for c in charts.tolist()], dtype=object)


def _links(layout: Layout, authorities: np.ndarray, every: list[str], state: np.ndarray,
           earlier: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Links from an area page to the same authority's page of each period (HTML, Markdown),
    '' where that page does not exist (absent, or an earlier run's period)."""
    stems = np.array([layout.areas.get(str(c), "") for c in authorities], dtype=object)
    folders = np.array(["" if e else f"../../{layout.periods[q]}/areas/"
                        for q, e in zip(every, earlier.tolist(), strict=True)], dtype=object)
    exists = (state != ABSENT) & ~earlier[None, :]
    base = folders[None, :] + stems[:, None]
    return (np.where(exists, base + ".html", "").astype(object),
            np.where(exists, base + ".md", "").astype(object))
