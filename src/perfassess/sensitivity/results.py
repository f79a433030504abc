"""From the tally of every draw to the tables: how likely each rating is, and what moves it.

The sensitivity index is the first-order (main-effect) variance share of each factor,
estimated from the same draws by classes: the draws are split into equally likely classes
of the factor's value, and the variance of the rating's mean across classes is compared
with the rating's whole variance (Var E[Y|X] / Var Y). The small upward bias of the
class means (noise makes them differ even for a factor that does nothing) is removed as
in the correlation ratio's epsilon-squared. See docs/sensitivity.md for why.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from perfassess.engine.fields import FieldType, format_values, repeated
from perfassess.sensitivity.chunk import NO_RATING, Design, Tally, outcome_codes
from perfassess.sensitivity.factors import Factor

NO_RATING_LABEL = "no rating"
# A factor is named as moving a rating most only where it explains at least this share of
# that rating's variance on its own; below it, estimates are mostly noise.
MIN_NAMED_INDEX = 0.05


@dataclass
class Results:
    stability: pd.DataFrame  # one row per authority and period
    indices: pd.DataFrame  # one row per factor, over all periods and per period
    influence: pd.DataFrame  # per authority, period and factor, where the rating moved
    outcomes: list[str]  # the outcome labels, worst first ("no rating" last if any)


def first_order(t: Tally) -> tuple[np.ndarray, np.ndarray]:
    """Per factor and row, the bias-corrected variance between classes, and per row the
    whole variance of the rated outcomes (both as sums of squares)."""
    count = t.count.astype(np.float64)
    total = t.total.astype(np.float64)
    n_rated = t.count[0].sum(axis=0) if len(t.count) else np.zeros(0, dtype=np.int64)
    s = t.total[0].sum(axis=0) if len(t.total) else np.zeros(0, dtype=np.int64)
    q = t.square[0].sum(axis=0) if len(t.square) else np.zeros(0, dtype=np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        # N·Q - S² is exact in integers: a rating that never moved has exactly zero.
        sst = np.where(n_rated > 0, (n_rated * q - s * s) / n_rated, 0.0)
        mean_term = np.where(n_rated > 0, s.astype(np.float64) ** 2 / n_rated, 0.0)
        ssb = np.where(count > 0, total ** 2 / count, 0.0).sum(axis=1) - mean_term
        classes = (t.count > 0).sum(axis=1)
        spare = n_rated - classes
        msw = np.where(spare > 0, (sst - ssb) / spare, 0.0)
        corrected = ssb - (classes - 1) * msw
    return np.where(sst > 0, corrected, 0.0), sst


def results(design: Design, t: Tally, base: np.ndarray, names: dict[str, str],
            fragile_below: float) -> Results:
    factors = design.declared.factors
    n = design.n
    rating_type = design.rating_type
    outcome_values, labels = _outcomes(rating_type, t, base)
    counts = np.vstack([t.outcomes.get(int(code), np.zeros(n, dtype=np.int64))
                        for code in outcome_values]) if outcome_values else np.zeros((0, n))
    base_codes = outcome_codes(base)
    # The most frequent rating; a tie goes to the computed rating, then to the worse.
    score = counts * 2 + (np.asarray(outcome_values)[:, None] == base_codes[None, :])
    modal = np.asarray(labels, dtype=object)[np.argmax(score, axis=0)] if labels else (
        repeated("", n))
    kept = t.kept / t.draws
    between, sst = first_order(t)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(sst > 0, np.clip(between / np.where(sst > 0, sst, 1.0), 0.0, 1.0),
                         0.0)
    moved = sst > 0
    top = np.argmax(share, axis=0) if factors else np.zeros(n, dtype=np.int64)
    top_share = share[top, np.arange(n)] if factors else np.zeros(n)
    named = moved & (top_share >= MIN_NAMED_INDEX)
    periods = np.asarray(design.periods, dtype=object)[design.period_codes]
    computed = format_values(base, rating_type) if rating_type.kind != "number" else base
    data: dict[str, object] = {
        "authority_code": design.codes,
        "authority_name": np.array([names.get(c, "") for c in design.codes], dtype=object),
        "period": periods,
        "rating": computed,
        "rating_kept": kept,
        "fragile": kept < fragile_below,
        "modal_rating": modal,
    }
    for label, row in zip(labels, counts, strict=True):
        data[f"p({label})"] = row / t.draws
    data["draws"] = np.full(n, t.draws, dtype=np.int64)
    names_of = np.asarray([f.name for f in factors] or [""], dtype=object)
    data["most_influential"] = np.where(named, names_of[top], "")
    data["most_influential_index"] = np.where(named, top_share, np.nan)
    stability = pd.DataFrame(data)
    stability["modal_rating"] = stability["modal_rating"].replace(NO_RATING_LABEL, "")
    return Results(stability, _indices(factors, between, sst, moved, named, top, periods,
                                       design.periods),
                   _influence(factors, share, moved, design, periods), labels)


def _outcomes(rating_type: FieldType, t: Tally, base: np.ndarray) -> tuple[list[int], list[str]]:
    """Every outcome to give a probability for, worst first, spelt."""
    seen = set(t.outcomes) | {int(c) for c in np.unique(outcome_codes(base))}
    if rating_type.kind == "label":
        assert rating_type.vocabulary is not None
        values = list(range(len(rating_type.vocabulary)))
        labels = list(rating_type.vocabulary)
    else:
        values = sorted(c for c in seen if c != int(NO_RATING))
        labels = [str(v) for v in values]
    if int(NO_RATING) in seen and t.outcomes.get(int(NO_RATING), np.zeros(1)).sum() > 0:
        values.append(int(NO_RATING))
        labels.append(NO_RATING_LABEL)
    return values, labels


def _indices(factors: list[Factor], between: np.ndarray, sst: np.ndarray, moved: np.ndarray,
             named: np.ndarray, top: np.ndarray, periods: np.ndarray,
             period_list: list[str]) -> pd.DataFrame:
    rows = []
    for period in ["all", *period_list]:
        mask = np.ones(len(periods), dtype=bool) if period == "all" else periods == period
        whole = float(sst[mask].sum())
        for f, factor in enumerate(factors):
            index = max(0.0, float(between[f, mask].sum()) / whole) if whole > 0 else 0.0
            rows.append({
                "period": period, "factor": factor.name, "kind": factor.kind,
                "varies": factor.target, "status": factor.status, "how": factor.description,
                "first_order": min(index, 1.0),
                "most_influential_for": int((named & mask & (top == f)).sum()),
                "ratings_that_moved": int((moved & mask).sum()),
                "_order": f,
            })
    columns = ["period", "factor", "kind", "varies", "status", "how", "first_order",
               "most_influential_for", "ratings_that_moved"]
    if not rows:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    table = pd.DataFrame(rows)
    table["_period"] = table["period"].map({p: i for i, p in enumerate(["all", *period_list])})
    table = table.sort_values(["_period", "first_order", "_order"],
                              ascending=[True, False, True], kind="stable")
    return table[columns].reset_index(drop=True)


def _influence(factors: list[Factor], share: np.ndarray, moved: np.ndarray, design: Design,
               periods: np.ndarray) -> pd.DataFrame:
    rows = np.flatnonzero(moved)
    f_count = len(factors)
    return pd.DataFrame({
        "authority_code": np.repeat(design.codes[rows], f_count),
        "period": np.repeat(periods[rows], f_count),
        "factor": np.tile(np.asarray([f.name for f in factors], dtype=object), len(rows)),
        "first_order": share[:, rows].T.ravel() if f_count else np.zeros(0),
    })
