"""Change since the previous period: from the pack's own ``travel`` step where it has one.

A pack's travel step on its rating field computes ``previous_rating``, ``rating_change``
and ``change_direction`` (improved / unchanged / declined / new) with the pack's idea of
better (Oflog's count of measures is better lower). Reports read those outputs; a pack
without a travel step falls back to ``previous_ratings``: each authority's previous rated
period, compared by vocabulary position (or number), higher better.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from perfassess.engine.fields import repeated
from perfassess.report.facts import PackFacts

COLUMNS = ("previous_period", "previous_rating", "change", "direction", "status")


def positions(ratings: pd.DataFrame, codes: pd.Series | np.ndarray,
              periods: pd.Series | np.ndarray) -> np.ndarray:
    """Row position in ``ratings`` of each (code, period), -1 where there is none.

    A trace repeats each pair once per row: the pairs are factorized (cheap on categoricals)
    and only the distinct ones are spelt and looked up."""
    index = pd.MultiIndex.from_arrays([ratings["authority_code"].astype(str).to_numpy(),
                                       ratings["period"].astype(str).to_numpy()])
    code_at, code_names = pd.factorize(pd.Series(codes).reset_index(drop=True))
    period_at, period_names = pd.factorize(pd.Series(periods).reset_index(drop=True))
    pair = code_at.astype(np.int64) * (len(period_names) + 1) + period_at
    distinct, inverse = np.unique(pair, return_inverse=True)
    names = np.asarray(code_names, dtype=object).astype(str)
    spans = np.asarray(period_names, dtype=object).astype(str)
    wanted = pd.MultiIndex.from_arrays([names[distinct // (len(period_names) + 1)],
                                        spans[distinct % (len(period_names) + 1)]])
    found: np.ndarray = np.asarray(index.get_indexer(wanted), dtype=np.int64)[
        inverse.reshape(-1)]
    found[(code_at < 0) | (period_at < 0)] = -1  # a missing code or period is in no row
    return found


def changes(ratings: pd.DataFrame, trace: pd.DataFrame, facts: PackFacts) -> pd.DataFrame:
    """For each ratings row (same order): the columns of ``COLUMNS``.

    ``previous_period`` and ``previous_rating`` are None where there is nothing to compare
    with; ``change`` is a float (NaN when unknown); ``direction`` one of improved,
    unchanged, declined, new (None when this period is not rated); ``status`` the status
    of the change (of the travel step's trace, else of the rating).
    """
    travel = _from_travel(ratings, trace, facts)
    if travel is not None:
        return travel
    fallback = previous_ratings(ratings, facts.scale.labels).reset_index(drop=True)
    change = fallback["change"].to_numpy(dtype=np.float64)
    nothing = np.full(len(change), None, dtype=object)
    direction = np.where(np.isnan(change), nothing, np.where(
        change > 0, "improved", np.where(change < 0, "declined", "unchanged")))
    return _frame(fallback["previous_period"].to_numpy(dtype=object),
                  fallback["previous_rating"].to_numpy(dtype=object), change, direction,
                  ratings["rating_status"].fillna("").astype(str).to_numpy(dtype=object))


def _frame(period: np.ndarray, rating: np.ndarray, change: np.ndarray, direction: np.ndarray,
           status: np.ndarray) -> pd.DataFrame:
    """The columns of ``COLUMNS``, text kept as objects with None (not NaN) for nothing."""
    def text(values: np.ndarray) -> pd.Series:
        series = pd.Series(values, dtype=object)
        return series.where(series.notna(), None)
    return pd.DataFrame({"previous_period": text(period), "previous_rating": text(rating),
                         "change": pd.Series(change, dtype=np.float64),
                         "direction": text(direction), "status": text(status)})


@dataclass
class _Traced:
    """The travel step's trace rows, each with its ratings row (-1: none)."""

    rows: pd.DataFrame
    at: np.ndarray

    @classmethod
    def of(cls, ratings: pd.DataFrame, trace: pd.DataFrame, step_id: str) -> _Traced:
        rows = trace[trace["step"].astype(str) == step_id] if len(trace) else trace
        at = positions(ratings, rows["authority_code"], rows["period"]) if len(rows) else (
            np.array([], dtype=np.int64))
        return cls(rows, at)

    def column(self, name: str, column: str) -> tuple[np.ndarray, np.ndarray]:
        """Ratings rows (positions) and the trace's ``column`` for field ``name``."""
        mine = (self.rows["field"].astype(str) == name).to_numpy() & (self.at >= 0)
        return self.at[mine], self.rows[column].astype(str).to_numpy(dtype=object)[mine]


def _output(ratings: pd.DataFrame, traced: _Traced, name: str | None
            ) -> tuple[np.ndarray, np.ndarray] | None:
    """A travel output as text per ratings row ('' when missing), and its trace status."""
    if name is None:
        return None
    n = len(ratings)
    status = repeated("", n)
    at, values = traced.column(name, "status")
    status[at] = values
    if name in ratings.columns:
        column = ratings[name]
        spelt = column.astype(object).where(column.notna(), "").astype(str).to_numpy(
            dtype=object)
    elif len(at):
        spelt = repeated("", n)
        at, values = traced.column(name, "value")
        spelt[at] = values
    else:
        return None
    return spelt, status


def _from_travel(ratings: pd.DataFrame, trace: pd.DataFrame, facts: PackFacts
                 ) -> pd.DataFrame | None:
    step = facts.travel
    if step is None:
        return None
    traced = _Traced.of(ratings, trace, step.id)
    direction = _output(ratings, traced, step.outputs.get("direction"))
    previous = _output(ratings, traced, step.outputs.get("previous"))
    if direction is None or previous is None:
        return None
    change = _output(ratings, traced, step.outputs.get("change"))
    n = len(ratings)
    codes = ratings["authority_code"].astype(str).to_numpy()
    periods = ratings["period"].astype(str).to_numpy()
    # The travel step compares with the authority's period just before in the run, or, for
    # its first period, with an earlier run (whose period only the trace records).
    order = np.lexsort((periods, codes))
    before = np.full(n, None, dtype=object)
    same = np.zeros(n, dtype=bool)
    same[1:] = codes[order][1:] == codes[order][:-1]
    before[order[1:][same[1:]]] = periods[order][:-1][same[1:]]
    earlier = np.full(n, None, dtype=object)
    at, found = traced.column(str(step.outputs.get("previous")), "previous_period")
    named = found != ""
    earlier[at[named]] = found[named]
    has_previous = previous[0] != ""
    nothing = np.full(n, None, dtype=object)
    period = np.where(has_previous, np.where(pd.isna(before), earlier, before), nothing)
    change_values = np.full(n, np.nan)
    if change is not None:
        change_values = pd.to_numeric(pd.Series(change[0]), errors="coerce").to_numpy(
            dtype=np.float64)
    status = np.where(direction[1] == "", ratings["rating_status"].fillna("").astype(
        str).to_numpy(dtype=object), direction[1])
    return _frame(period, np.where(has_previous, previous[0], nothing), change_values,
                  np.where(direction[0] == "", nothing, direction[0]), status)


def previous_ratings(ratings: pd.DataFrame, labels: list[str] | None) -> pd.DataFrame:
    """For each ratings row: the authority's previous rated period, its rating and the change.

    Columns ``previous_period``, ``previous_rating`` (None where there is none) and
    ``change`` (steps up the vocabulary, or the numeric difference; NaN where either side
    has no rating), aligned with ``ratings``.
    """
    order = np.lexsort((ratings["period"].astype(str).to_numpy(),
                        ratings["authority_code"].astype(str).to_numpy()))
    frame = ratings.iloc[order][["authority_code", "period", "rating"]].copy()
    if labels is not None:
        position = {label: i for i, label in enumerate(labels)}
        frame["_score"] = frame["rating"].map(position).astype(float)
    else:
        frame["_score"] = pd.to_numeric(frame["rating"], errors="coerce").astype(float)
    rated = frame[frame["_score"].notna()]
    # The previous *rated* period: shift within each authority among rated rows only.
    prev = rated.groupby("authority_code", sort=False).shift(1)
    frame["previous_period"] = prev["period"].reindex(frame.index)
    frame["previous_rating"] = prev["rating"].reindex(frame.index)
    frame["_prev_score"] = prev["_score"].reindex(frame.index)
    frame["change"] = frame["_score"] - frame["_prev_score"]
    out = frame.loc[ratings.index, ["previous_period", "previous_rating", "change"]]
    out = out.astype({"previous_period": object, "previous_rating": object})
    return out.where(out.notna(), None).assign(change=out["change"].astype(float))
