"""People's words for an input's place among others and for what its score means, per pack."""

from __future__ import annotations

import numpy as np
import pandas as pd

from perfassess.report import svg
from perfassess.report.facts import PackFacts, number
from perfassess.report.record import Record


def score_bands(facts: PackFacts) -> dict[str, dict[str, Record]]:
    """For each input on a score scale: its value as spelt -> what the score means, as a
    band (the same Record for every area with that score), worst score first."""
    out: dict[str, dict[str, Record]] = {}
    for input_id, scale in facts.scales.items():
        spec = facts.input(input_id)
        scores = sorted(scale, reverse=spec is not None and spec.polarity == "lower")
        labels = [scale[s] for s in scores]
        out[input_id] = {
            number(float(score)): Record(
                label=f"{scale[score]}", score=number(float(score)), status="documented",
                uncertain=False, reason=f"a score of {number(float(score))}: {scale[score]}",
                step="", labels=labels, position=k, of=len(labels),
                svg=svg.blobs(k, len(labels)), dots=svg.dots(k, len(labels)))
            for k, score in enumerate(scores)}
    return out


def standings(values: pd.DataFrame, periods: pd.Series, polarity: dict[str, str],
              plural: str) -> dict[str, np.ndarray]:
    """Each value's place among the others of its period, in words, whole columns at once:
    ties are counted apart ("higher than 62% of authorities, equal to 25%"), and where
    lower is better a low value is "better than" the higher ones. '' where missing or alone."""
    by_period = values.groupby(periods)
    low = by_period.rank(method="min") - 1.0  # others strictly below
    high = by_period.rank(method="max")
    count = values.notna().groupby(periods).transform("sum")
    others = count - 1.0
    out: dict[str, np.ndarray] = {}
    for name in values.columns:
        n = others[name].to_numpy(dtype=np.float64)
        below = low[name].to_numpy(dtype=np.float64)
        equal = high[name].to_numpy(dtype=np.float64) - below - 1.0
        above = n - below - equal
        side = polarity.get(name, "none")
        beaten, verb = (above, "better than") if side == "lower" else (
            (below, "better than") if side == "higher" else (below, "higher than"))
        ok = (n >= 1) & ~np.isnan(below)
        with np.errstate(invalid="ignore", divide="ignore"):
            pct = np.floor(np.where(ok, beaten / n * 100.0, 0.0)).astype(np.int64)
            # Both rounded down (never more than is so); a tie is at least 1%, never 0%.
            tie = np.maximum(np.floor(np.where(ok, equal / n * 100.0, 0.0)), 1).astype(
                np.int64)
        # Spelt once per distinct (share beaten, share tied): a few dozen, not a row each.
        code = np.where(ok, pct * 1000 + np.where(equal > 0, tie, 0), -1)
        unique, inverse = np.unique(code, return_inverse=True)
        spelt = np.array([_standing(int(c), verb, plural) for c in unique], dtype=object)
        out[name] = spelt[inverse.reshape(-1)]
    return out


def _standing(code: int, verb: str, plural: str) -> str:
    if code < 0:
        return ""
    beaten, tied = divmod(code, 1000)
    text = f"{verb} {beaten}% of {plural}"
    return f"{text}, equal to {tied}%" if tied else text
