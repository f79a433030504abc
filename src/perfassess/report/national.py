"""The national summary's context: one plain dict per pack and period."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from perfassess.report.area import Layout, Tables
from perfassess.report.data import RunData
from perfassess.report.facts import UNCERTAIN, PackFacts, number, pack_summary


def _scores(facts: PackFacts, column: pd.Series, name: str) -> np.ndarray:
    """A column as numbers for sorting: labels by vocabulary position, NaN when missing."""
    ftype = facts.field_type(name)
    if ftype is not None and ftype.vocabulary:
        position = {label: float(i) for i, label in enumerate(ftype.vocabulary)}
        return column.map(position).to_numpy(dtype=np.float64, na_value=np.nan)
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _spell(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (float, np.floating)):
        return number(float(value))
    return str(value)


def national_contexts(data: RunData, facts: PackFacts, tables: Tables,
                      layout: Layout) -> Iterator[dict[str, Any]]:
    pack = pack_summary(facts)
    ratings = tables.ratings
    rating_field = facts.pack.rating.field
    sort_fields = [f for f in facts.pack.rating.sort if f not in ("rating", rating_field)
                   and f in ratings.columns]
    keys = [_scores(facts, ratings["rating"], rating_field)] + [
        _scores(facts, ratings[f], f) for f in sort_fields]
    change = tables.previous["change"].to_numpy(dtype=np.float64, na_value=np.nan)
    periods = sorted(ratings["period"].astype(str).unique())
    warnings: dict[str, int] = {}
    for p in data.warnings:
        warnings[p.code] = warnings.get(p.code, 0) + 1
    labels = facts.scale.labels or sorted(
        {_spell(v) for v in ratings["rating"] if _spell(v)}, key=_numeric_first)
    for period in periods:
        mask = (ratings["period"].astype(str) == period).to_numpy()
        rows = np.flatnonzero(mask)
        # Best first: rating, then the pack's sort fields, all descending; then name, code.
        order = np.lexsort((
            ratings["authority_code"].to_numpy(dtype=object)[rows].astype(str),
            ratings["authority_name"].fillna("").to_numpy(dtype=object)[rows].astype(str),
            *[-np.nan_to_num(k[rows], nan=-np.inf) for k in reversed(keys)]))
        rows = rows[order]
        yield _national(facts, pack, tables, layout, period, periods, rows, keys, sort_fields,
                        change, labels, warnings)


def _numeric_first(text: str) -> tuple[float, str]:
    try:
        return (float(text), "")
    except ValueError:
        return (math.inf, text)


def _national(facts: PackFacts, pack: dict[str, Any], tables: Tables, layout: Layout,
              period: str, periods: list[str], rows: np.ndarray, keys: list[np.ndarray],
              sort_fields: list[str], change: np.ndarray, labels: list[str],
              warnings: dict[str, int]) -> dict[str, Any]:
    ratings = tables.ratings
    prev = tables.previous
    here = layout.periods[period]
    league: list[dict[str, Any]] = []
    rank = 0
    last_key: tuple[float, ...] | None = None
    for position, i in enumerate(rows, start=1):
        rating = _spell(ratings["rating"].iat[i])
        key = tuple(float(k[i]) for k in keys)
        if rating and key != last_key:
            rank = position
            last_key = key
        code = str(ratings["authority_code"].iat[i])
        status = str(ratings["rating_status"].iat[i] or "")
        c = change[i]
        league.append({
            "rank": rank if rating else None, "code": code,
            "name": str(ratings["authority_name"].iat[i] or ""),
            "rating": rating, "score": None if math.isnan(key[0]) else key[0],
            "stars": facts.scale.stars.get(rating) if facts.scale.stars else None,
            "sort": [{"field": f, "value": _spell(ratings[f].iat[i]),
                      "key": None if math.isnan(key[j + 1]) else key[j + 1]}
                     for j, f in enumerate(sort_fields)],
            "status": status, "uncertain": status in UNCERTAIN,
            "change": None if math.isnan(c) else number(c),
            "direction": None if math.isnan(c) else ("up" if c > 0 else "down" if c < 0
                                                     else "same"),
            "previous": _spell(prev["previous_rating"].iat[i]),
            "href": f"areas/{layout.areas[code]}.html",
            "href_md": f"areas/{layout.areas[code]}.md",
            "note": str(ratings["rating_note"].iat[i] or ""),
        })
    rated = [r for r in league if r["rating"]]
    tally: dict[str, int] = {}
    for r in rated:
        tally[str(r["rating"])] = tally.get(str(r["rating"]), 0) + 1
    top = max(tally.values(), default=0)
    counts = [{"label": label, "count": tally.get(label, 0),
               "stars": facts.scale.stars.get(label) if facts.scale.stars else None,
               "share": number(100.0 * tally.get(label, 0) / len(rated), 1) if rated else "0",
               "width": round(100.0 * tally.get(label, 0) / top, 1) if top else 0.0}
              for label in labels]
    movers = sorted((r for r in league if r["direction"] in ("up", "down")),
                    key=lambda r: (-abs(float(str(r["change"]))), str(r["name"]),
                                   str(r["code"])))
    statuses: dict[str, int] = {}
    for r in rated:
        statuses[str(r["status"])] = statuses.get(str(r["status"]), 0) + 1
    index = periods.index(period)
    return {
        "pack": pack, "period": period,
        "periods": [{"period": p, "href": f"../{layout.periods[p]}/index.html",
                     "href_md": f"../{layout.periods[p]}/index.md", "current": p == period}
                    for p in periods],
        "previous_period": periods[index - 1] if index > 0 else None,
        "labels": labels, "stars": bool(facts.scale.stars),
        "max_stars": facts.scale.max_stars, "distribution": counts,
        "distribution_text": f"Ratings in {period}: " + ", ".join(
            f"{c['label']}: {c['count']}" for c in counts),
        "total": len(league), "rated": len(rated),
        "sort_fields": [{"id": f, "title": facts.titles.get(f, f)} for f in sort_fields],
        "league": league,
        "movers": {"up": [r for r in movers if r["direction"] == "up"],
                   "down": [r for r in movers if r["direction"] == "down"]},
        "unrated": [r for r in league if not r["rating"]],
        "rating_statuses": [{"status": s, "count": n} for s, n in sorted(statuses.items())],
        "warnings": [{"code": c, "count": n} for c, n in sorted(warnings.items())],
        "links": {"style": "../style.css", "index": "../../index.html",
                  "index_md": "../../index.md", "html": "index.html", "md": "index.md",
                  "folder": here},
    }
