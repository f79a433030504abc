"""Stability pages of a sensitivity run: per pack and period, how likely each rating is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from perfassess.io.write import write_text
from perfassess.report.environment import environment

TEMPLATES = ("stability.html.j2", "stability.md.j2")
# Worst to best: a red-to-blue scale, so a bar reads without knowing the labels.
PALETTE = ("#b2182b", "#d6604d", "#f4a582", "#92c5de", "#4393c3", "#2166ac", "#053061")
NO_RATING_COLOUR = "#9e9e9e"
BAR_WIDTH = 240


def colours(labels: list[str], no_rating: str) -> list[str]:
    """A colour per outcome label, spread over the palette from worst to best."""
    rated = [label for label in labels if label != no_rating]
    count = len(rated)
    picks = [PALETTE[round(i * (len(PALETTE) - 1) / max(count - 1, 1))] for i in range(count)]
    return picks + [NO_RATING_COLOUR] * (len(labels) - count)


def percent(share: float, digits: int = 0) -> str:
    """A share as a percentage, never rounded to 0% or 100% when it is not."""
    spelt = f"{share * 100:.{digits}f}"
    if share > 0 and float(spelt) == 0:
        return f"<{10.0 ** -digits:g}%"
    if share < 1 and float(spelt) == 100:
        return f">{100 - 10.0 ** -digits:g}%"
    return spelt + "%"


def _bars(row: pd.Series, labels: list[str], palette: list[str]) -> list[dict[str, Any]]:
    """The stacked bar of one authority: a segment per outcome with any probability."""
    segments = []
    x = 0.0
    for label, colour in zip(labels, palette, strict=True):
        share = float(row[f"p({label})"])
        if share <= 0:
            continue
        width = share * BAR_WIDTH
        segments.append({"label": label, "share": percent(share), "x": round(x, 2),
                         "width": round(width, 2), "colour": colour})
        x += width
    return segments


def stability_contexts(stability: pd.DataFrame, indices: pd.DataFrame, labels: list[str],
                       info: dict[str, Any], no_rating: str) -> list[dict[str, Any]]:
    """One page's data per period: every authority's bar, the fragile list, the factors."""
    palette = colours(labels, no_rating)
    legend = [{"label": label, "colour": colour}
              for label, colour in zip(labels, palette, strict=True)]
    periods = sorted(str(p) for p in stability["period"].unique())
    out = []
    for period in periods:
        rows = stability[stability["period"] == period]
        ordered = rows.assign(_name=rows["authority_name"].where(rows["authority_name"] != "",
                                                                 rows["authority_code"]))
        ordered = ordered.sort_values(["_name", "authority_code"], kind="stable")
        authorities = [{
            "code": r["authority_code"], "name": r["_name"],
            "rating": r["rating"] or "not rated",
            # One decimal, so a share just under the fragile line never reads as on it.
            "kept": percent(float(r["rating_kept"]), 1), "kept_share": float(r["rating_kept"]),
            "fragile": bool(r["fragile"]),
            "modal": r["modal_rating"] or "not rated",
            "factor": r["most_influential"] or "",
            "bars": _bars(r, labels, palette),
            "shares": [percent(float(r[f"p({label})"])) for label in labels],
            "text": ", ".join(f"{label} {percent(float(r[f'p({label})']))}" for label in labels
                              if float(r[f"p({label})"]) > 0),
        } for _, r in ordered.iterrows()]
        fragile = sorted((a for a in authorities if a["fragile"]),
                         key=lambda a: (a["kept_share"], a["name"], a["code"]))
        factors = indices[indices["period"] == period]
        out.append({
            **info,
            "period": period,
            "periods": [{"period": p, "current": p == period,
                         "href": f"../{period_folder(p)}/stability.html",
                         "href_md": f"../{period_folder(p)}/stability.md"} for p in periods],
            "legend": legend,
            "bar_width": BAR_WIDTH,
            "authorities": authorities,
            "fragile": fragile,
            "total": len(authorities),
            "fragile_share": percent(len(fragile) / len(authorities)) if authorities else "0%",
            "factors": [{
                "name": f["factor"], "kind": f["kind"], "status": f["status"], "how": f["how"],
                "index": f"{float(f['first_order']):.3f}",
                "width": round(float(f["first_order"]) * 200, 1),
                "top_for": int(f["most_influential_for"]),
            } for _, f in factors.iterrows()],
            "moved": int(factors["ratings_that_moved"].iloc[0]) if len(factors) else 0,
        })
    return out


def write_stability_pages(stability: pd.DataFrame, indices: pd.DataFrame, labels: list[str],
                          info: dict[str, Any], folder: Path, no_rating: str,
                          templates: Path | None = None) -> dict[str, dict[str, Any]]:
    """``<period>/stability.html`` and ``.md`` in ``folder``; returns the files written."""
    env = environment(templates)
    html, md = (env.get_template(name) for name in TEMPLATES)
    written: dict[str, dict[str, Any]] = {}
    root = folder.resolve()
    for context in stability_contexts(stability, indices, labels, info, no_rating):
        for template, suffix in ((html, "html"), (md, "md")):
            relative = f"{period_folder(context['period'])}/stability.{suffix}"
            path = (folder / relative).resolve()
            if root not in path.parents:
                raise ValueError(f"report path {relative!r} leaves the output folder")
            path.parent.mkdir(parents=True, exist_ok=True)
            write_text(template.render(context), path)
            written[relative] = {}
    return written


def period_folder(period: str) -> str:
    """A period as a folder name: periods are validated text, but never trust a path."""
    cleaned = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in period)
    return cleaned if cleaned.strip(".") else "_"


def fragile_share(stability: pd.DataFrame) -> float:
    rated = stability["rating"] != ""
    return float(np.mean(stability.loc[rated, "fragile"])) if rated.any() else 0.0
