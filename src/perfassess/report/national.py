"""The national summary's context: one plain dict per pack and period."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup

from perfassess.report import hexmap, svg
from perfassess.report.area import Layout
from perfassess.report.data import RunData
from perfassess.report.facts import (
    UNCERTAIN,
    PackFacts,
    long_date,
    number,
    pack_summary,
    signed,
)
from perfassess.report.record import Record
from perfassess.report.solidity import national_record
from perfassess.report.tables import Tables


def _scores(facts: PackFacts, column: pd.Series, name: str) -> np.ndarray:
    """A column as numbers for sorting: labels by vocabulary position, NaN when missing."""
    ftype = facts.field_type(name)
    if ftype is not None and ftype.vocabulary:
        position = {label: float(i) for i, label in enumerate(ftype.vocabulary)}
        return column.map(position).to_numpy(dtype=np.float64, na_value=np.nan)
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def national_contexts(data: RunData, facts: PackFacts, tables: Tables,
                      layout: Layout) -> Iterator[dict[str, Any]]:
    pack = pack_summary(facts)
    ratings = tables.ratings
    rating_field = facts.pack.rating.field
    sort_fields = [f for f in facts.pack.rating.sort if f not in ("rating", rating_field)
                   and f in ratings.columns]
    keys = [_scores(facts, ratings["rating"], rating_field)] + [
        _scores(facts, ratings[f], f) for f in sort_fields]
    period_column = ratings["period"].astype(str).to_numpy()
    periods = sorted(set(period_column.tolist()))
    warnings: dict[str, int] = {}
    for p in data.warnings:
        warnings[p.code] = warnings.get(p.code, 0) + 1
    spelt = tables.columns["rating"]
    labels = facts.scale.labels or sorted({v for v in spelt if v}, key=_numeric_first)
    lower_better = facts.travel is not None and facts.travel.better == "lower"
    codes = ratings["authority_code"].to_numpy(dtype=object).astype(str)
    names = ratings["authority_name"].fillna("").to_numpy(dtype=object).astype(str)
    name_list, code_list = names.tolist(), codes.tolist()
    for period in periods:
        rows = np.flatnonzero(period_column == period)
        # Best first: rating, then the pack's sort fields, all descending (the rating
        # ascending where the pack's travel step says lower is better); then name, code.
        order = np.lexsort((codes[rows], names[rows], *[
            np.nan_to_num(k[rows], nan=np.inf) if j == 0 and lower_better
            else -np.nan_to_num(k[rows], nan=-np.inf) for j, k in reversed(list(enumerate(keys)))]))
        context = _national(facts, pack, tables, layout, period, periods, rows[order], keys,
                            sort_fields, labels, warnings)
        context["published"] = long_date(data.published[period]) if (
            period in data.published) else ""
        context["stability"] = national_record(
            tables.stability, rows[order].tolist(), spelt, name_list, code_list, layout.areas,
            period)
        yield context


def _england_map(league: list[Record], labels: list[str], lower_better: bool, period: str,
                 pack: dict[str, Any]) -> Record | None:
    """A hex map of England coloured by rating, for authorities keyed by English GSS codes
    (None otherwise: a pack of hospitals gets no map)."""
    if not hexmap.mappable(str(r["code"]) for r in league):
        return None
    last = max(len(labels) - 1, 1)
    tone = {label: round(4 * (last - i if lower_better else i) / last)
            for i, label in enumerate(labels)}
    cells = [hexmap.Cell(str(r["code"]), str(r["name"] or r["code"]),
                         str(r["rating"] or "not rated"),
                         tone.get(str(r["rating"])) if r["rating"] else None, str(r["href"]))
             for r in league]
    many = pack["authority"]["plural"]
    drawn, left = hexmap.hex_map(cells, f"Map of England: the {many}' ratings in {period}, "
                                        "one hex each; the table below gives the same")
    return Record(svg=drawn, left=[Record(name=c.name, code=c.code, href=c.href)
                                   for c in left],
                  legend=[Record(label=label, tone=f"b{tone[label]}") for label in labels])


def _numeric_first(text: str) -> tuple[float, str]:
    try:
        return (float(text), "")
    except ValueError:
        return (math.inf, text)


def _national(facts: PackFacts, pack: dict[str, Any], tables: Tables, layout: Layout,
              period: str, periods: list[str], rows: np.ndarray, keys: list[np.ndarray],
              sort_fields: list[str], labels: list[str],
              warnings: dict[str, int]) -> dict[str, Any]:
    columns, ch = tables.columns, tables.changes
    here = layout.periods[period]
    league: list[Record] = []
    rank = 0
    last_key: tuple[float, ...] | None = None
    for position, i in enumerate(rows.tolist(), start=1):
        rating = columns["rating"][i]
        key = tuple(float(k[i]) for k in keys)
        if rating and key != last_key:
            rank = position
            last_key = key
        code = str(columns["authority_code"][i])
        status = str(columns["rating_status"][i] or "")
        direction = ch["direction"][i] if ch["previous_rating"][i] is not None else None
        change = ch["change"][i]
        league.append(Record(
            rank=rank if rating else None, code=code,
            name=str(columns["authority_name"][i] or ""),
            rating=rating, score=None if math.isnan(key[0]) else key[0],
            stars=facts.scale.stars.get(rating) if facts.scale.stars else None,
            sort=[Record(field=f, value=columns[f][i] if f in columns else "",
                         key=None if math.isnan(key[j + 1]) else key[j + 1])
                  for j, f in enumerate(sort_fields)],
            status=status, uncertain=status in UNCERTAIN,
            change=signed(change) if direction in ("improved", "declined", "unchanged")
            else None,
            direction=direction if direction in ("improved", "declined", "unchanged")
            else None,
            arrow={"improved": "up", "declined": "down", "unchanged": "same"}.get(
                str(direction)),
            previous=str(ch["previous_rating"][i] or ""),
            href=f"areas/{layout.areas[code]}.html",
            href_md=f"areas/{layout.areas[code]}.md",
            note=str(columns["rating_note"][i] or "")))
    rated = [r for r in league if r["rating"]]
    tally: dict[str, int] = {}
    for r in rated:
        tally[str(r["rating"])] = tally.get(str(r["rating"]), 0) + 1
    top = max(tally.values(), default=0)
    counts = [Record(label=label, count=tally.get(label, 0),
                     stars=facts.scale.stars.get(label) if facts.scale.stars else None,
                     share=number(100.0 * tally.get(label, 0) / len(rated), 1)
                     if rated else "0",
                     width=round(100.0 * tally.get(label, 0) / top, 1) if top else 0.0)
              for label in labels]
    for c in counts:
        c["svg"] = svg.stars(c["stars"], facts.scale.max_stars, 14) if (
            c["stars"] is not None) else Markup("")
    movers = sorted((r for r in league if r["direction"] in ("improved", "declined")),
                    key=lambda r: (-abs(float(str(r["change"]) or 0)), str(r["name"]),
                                   str(r["code"])))
    statuses: dict[str, int] = {}
    for r in rated:
        statuses[str(r["status"])] = statuses.get(str(r["status"]), 0) + 1
    index = periods.index(period)
    lower_better = facts.travel is not None and facts.travel.better == "lower"
    england = _england_map(league, labels, lower_better, period, pack)
    text = f"Ratings in {period}: " + ", ".join(f"{c['label']}: {c['count']}" for c in counts)
    return Record(
        pack=pack, period=period,
        periods=[Record(period=p, href=f"../{layout.periods[p]}/index.html",
                        href_md=f"../{layout.periods[p]}/index.md", current=p == period)
                 for p in periods],
        previous_period=periods[index - 1] if index > 0 else None,
        labels=labels, stars=bool(facts.scale.stars),
        max_stars=facts.scale.max_stars, distribution=counts,
        distribution_text=text, distribution_svg=svg.bars(counts, text),
        england=england,
        total=len(league), rated=len(rated),
        sort_fields=[Record(id=f, title=facts.titles.get(f, f)) for f in sort_fields],
        league=league,
        movers=Record(up=[r for r in movers if r["direction"] == "improved"],
                      down=[r for r in movers if r["direction"] == "declined"]),
        unrated=[r for r in league if not r["rating"]],
        rating_statuses=[Record(status=s, count=n) for s, n in sorted(statuses.items())],
        warnings=[Record(code=c, count=n) for c, n in sorted(warnings.items())],
        change_by=facts.travel.id if facts.travel is not None else "",
        defs=svg.defs(stars=bool(facts.scale.stars)),
        links=Record(style="../style.css", index="../../index.html",
                     index_md="../../index.md", html="index.html", md="index.md",
                     folder=here, csv="../ratings.csv", parquet="../ratings.parquet",
                     run_summary="../summary.html", run_summary_md="../summary.md"),
    )
