"""How solid is each rating? A sensitivity analysis's results in the area and national reports.

``prepare`` aligns the sensitivity table with the ratings and spells every figure once per
pack; area and national contexts then only index those lists (no pandas per area).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from perfassess.report.change import positions
from perfassess.report.record import Record
from perfassess.report.stability import colours, percent, period_folder

NO_RATING_LABEL = "no rating"  # as perfassess.sensitivity.results names it
BAR_WIDTH = 320
BAR_HEIGHT = 18
LABELS_NOT_VARIED = ("Inspectors' judgements (label inputs) are taken as returned: a "
                     "declaration can vary parameters, rules and the data error of numbers, "
                     "never a judgement itself.")


@dataclass
class StabilityView:
    """What the reports show of a sensitivity analysis of the same pack and returns."""

    table: pd.DataFrame  # as sensitivity.csv: one row per authority and period
    labels: list[str]  # the outcomes of its p(<label>) columns, worst first
    draws: int
    seed: int
    fragile_below: float
    factors: list[dict[str, str]]  # name, kind, varies, status, how
    held: list[str] = field(default_factory=list)  # declared, but held fixed as documented
    folder: str = "sensitivity"  # where its files sit in the pack folder


@dataclass
class StabilityRows:
    """The view aligned row for row with the ratings, spelt for people."""

    found: list[bool]  # a rated row of the analysis matches this ratings row
    kept: list[str]
    kept_share: list[float]
    fragile: list[bool]
    modal: list[str]
    factor: list[str]
    factor_index: list[str]
    shares: np.ndarray  # ratings rows x labels: the probability of each outcome
    labels: list[str]
    colours: list[str]
    draws: int
    seed: int
    fragile_below: str
    varied: str
    held: list[str]
    how: dict[str, str]  # factor name -> how it varies
    folder: str


def prepare(view: StabilityView, ratings: pd.DataFrame) -> StabilityRows:
    """Whole-column work, once per pack."""
    table = view.table
    at = positions(table, ratings["authority_code"], ratings["period"])
    has = at >= 0
    pick = np.where(has, at, 0)
    rated = table["rating"].fillna("").astype(str).to_numpy(dtype=object)
    found = has & (rated[pick] != "") if len(table) else np.zeros(len(ratings), dtype=bool)

    def column(name: str, default: Any) -> np.ndarray:
        values = table[name].to_numpy(dtype=object) if len(table) else np.array([default])
        return np.where(found, values[pick] if len(table) else default, default)

    kept_share = column("rating_kept", 0.0).astype(np.float64)
    shares = np.zeros((len(ratings), len(view.labels)))
    for k, label in enumerate(view.labels):
        shares[:, k] = column(f"p({label})", 0.0).astype(np.float64)
    indices = column("most_influential_index", np.nan).astype(np.float64)
    factor = ["" if v is None or v != v else str(v)
              for v in column("most_influential", "").tolist()]
    return StabilityRows(
        found=found.tolist(),
        kept=[percent(s, 1) for s in kept_share.tolist()],
        kept_share=kept_share.tolist(),
        fragile=column("fragile", False).astype(bool).tolist(),
        modal=["" if v is None or v != v else str(v)
               for v in column("modal_rating", "").tolist()],
        factor=factor,
        factor_index=["" if np.isnan(x) else f"{x:.2f}" for x in indices.tolist()],
        shares=shares,
        labels=view.labels,
        colours=colours(view.labels, NO_RATING_LABEL),
        draws=view.draws, seed=view.seed,
        fragile_below=percent(view.fragile_below),
        varied=varied(view.factors),
        held=view.held,
        how={f["name"]: f["how"] for f in view.factors},
        folder=view.folder)


def varied(factors: list[dict[str, str]]) -> str:
    """One sentence: what the draws varied, by kind of factor."""
    by_kind: dict[str, list[str]] = {}
    for f in factors:
        by_kind.setdefault(f["kind"], []).append(f["varies"])
    parts = []
    if by_kind.get("parameter"):
        parts.append("the parameters " + ", ".join(by_kind["parameter"]))
    if by_kind.get("weight"):
        parts.append("the weights " + ", ".join(by_kind["weight"]))
    if by_kind.get("alternative"):
        parts.append("the reading of step " + ", ".join(by_kind["alternative"])
                     + " (as written or a declared alternative)")
    if by_kind.get("data"):
        parts.append("the returned values of " + ", ".join(by_kind["data"])
                     + " (their declared data error)")
    return "Each draw varied " + ("; ".join(parts) or "nothing") + "."


def bar(shares: list[tuple[str, float, str]], text: str) -> Markup:
    """A stacked horizontal bar of (label, probability, colour), titled with ``text``."""
    title = escape(text)
    # Stretched to the width of its box (as its legend's table is), so shares read true.
    out = [f'<svg class="solid" viewBox="0 0 {BAR_WIDTH} {BAR_HEIGHT}" '
           f'preserveAspectRatio="none" role="img" aria-label="{title}">'
           f"<title>{title}</title>"]
    x = 0.0
    for _, share, colour in shares:
        width = share * BAR_WIDTH
        out.append(f'<rect x="{round(x, 2)}" y="0" width="{round(width, 2)}" '
                   f'height="{BAR_HEIGHT}" fill="{escape(colour)}"/>')
        x += width
    out.append("</svg>")
    return Markup("".join(out))


def area_record(rows: StabilityRows | None, i: int, period: str) -> Record | None:
    """The area report's "How solid is this rating?" for ratings row ``i``."""
    if rows is None or not rows.found[i]:
        return None
    drawn = [(label, p, colour) for label, p, colour
             in zip(rows.labels, rows.shares[i].tolist(), rows.colours, strict=True)
             if p > 0 or label != NO_RATING_LABEL]  # "no rating" only where a draw gave it
    text = "Probability of each rating: " + ", ".join(
        f"{label} {percent(p)}" for label, p, _ in drawn if p > 0)
    factor = rows.factor[i]
    page = f"{rows.folder}/{period_folder(period)}/stability"
    return Record(
        kept=rows.kept[i], draws=f"{rows.draws:,}", seed=rows.seed,
        fragile=rows.fragile[i], fragile_below=rows.fragile_below,
        modal=rows.modal[i],
        shares=[Record(label=label, share=percent(p), colour=colour, drawn=p > 0)
                for label, p, colour in drawn],
        text=text, svg=bar([d for d in drawn if d[1] > 0], text),
        factor=factor, factor_index=rows.factor_index[i],
        factor_how=rows.how.get(factor, "") if factor else "",
        varied=rows.varied, labels_note=LABELS_NOT_VARIED, held=rows.held,
        page=f"../../{page}.html", page_md=f"../../{page}.md")


def national_record(rows: StabilityRows | None, order: list[int], spelt: list[str],
                    names: list[str], codes: list[str], areas: dict[str, str],
                    period: str) -> Record | None:
    """The national summary's "Fragile ratings" for the ratings rows ``order`` of a period."""
    if rows is None:
        return None
    rated = [i for i in order if spelt[i] and rows.found[i]]
    fragile = sorted((i for i in rated if rows.fragile[i]),
                     key=lambda i: (rows.kept_share[i], names[i] or codes[i], codes[i]))
    page = f"../{rows.folder}/{period_folder(period)}/stability"
    return Record(
        rated=len(rated), count=len(fragile),
        share=percent(len(fragile) / len(rated)) if rated else "0%",
        fragile_below=rows.fragile_below, draws=f"{rows.draws:,}", seed=rows.seed,
        varied=rows.varied,
        fragile=[Record(code=codes[i], name=names[i], rating=spelt[i], kept=rows.kept[i],
                        modal=rows.modal[i], modal_differs=rows.modal[i] != spelt[i],
                        factor=rows.factor[i],
                        href=f"areas/{areas[codes[i]]}.html",
                        href_md=f"areas/{areas[codes[i]]}.md") for i in fragile],
        page=f"{page}.html", page_md=f"{page}.md")
