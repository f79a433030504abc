"""Change since the previous period: each authority's rating against its own previous one.

Kept small on purpose so a pack step for direction of travel can replace it later.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


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
