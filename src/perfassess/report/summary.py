"""The short Markdown summary of one pack's run: ratings by period, who is not rated, rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from perfassess.engine.plan import Plan
from perfassess.engine.steps.registry import rule_count, rule_statuses
from perfassess.report.environment import environment

UNRATED_LISTED = 200


def summary_context(plan: Plan, ratings: pd.DataFrame, content_hash: str) -> dict[str, Any]:
    pack = plan.pack
    rating_type = plan.schema.fields[pack.rating.field]
    rating = ratings["rating"]
    labels = list(rating_type.vocabulary) if rating_type.vocabulary else sorted(
        str(v) for v in rating.dropna().unique())
    # Counted over codes, column by column: at millions of rows, copying the table once
    # per period (and spelling every rating) cost most of a batch run's summary.
    rated = rating.notna().to_numpy()
    period, periods = pd.factorize(ratings["period"], sort=True)
    value, values = pd.factorize(rating)
    position = {label: i for i, label in enumerate(labels)}
    # A missing rating is code -1: the extra last entry, -1, keeps it out of the counts.
    label = np.array([position.get(str(v), -1) for v in values] + [-1], dtype=np.int64)[value]
    counted = rated & (label >= 0)
    counts = np.bincount(period[counted] * len(labels) + label[counted],
                         minlength=len(periods) * len(labels)).reshape(len(periods),
                                                                        len(labels))
    in_period = np.bincount(period[rated], minlength=len(periods))
    not_in_period = np.bincount(period[~rated], minlength=len(periods))
    rows = [{"period": p, "counts": [int(c) for c in counts[i]], "rated": int(in_period[i]),
             "not_rated": int(not_in_period[i])} for i, p in enumerate(periods)]
    unrated = np.flatnonzero(~rated)
    status_counts = ratings["rating_status"][rated].value_counts()
    statuses = rule_statuses(pack)
    notes = {}
    for step in pack.steps:
        notes[step.id] = step.note or ""
    uncertain = [{"id": rid, "status": st, "note": notes.get(rid.split("/")[0], "")}
                 for rid, st in sorted(statuses.items()) if st != "documented"]
    return {
        "pack": pack, "content_hash": content_hash, "labels": labels, "rows": rows,
        # A batch run can leave thousands unrated: list the first ones, count the rest.
        "unrated": ratings.iloc[unrated[:UNRATED_LISTED]][
            ["authority_code", "authority_name", "period", "rating_note"]].to_dict("records"),
        "unrated_more": max(len(unrated) - UNRATED_LISTED, 0),
        "rule_counts": rule_count(pack),
        "uncertain": uncertain,
        "rating_statuses": {k: int(v) for k, v in sorted(status_counts.items())},
        "total": len(ratings), "rated": int(rated.sum()),
    }


def render_summary(plan: Plan, ratings: pd.DataFrame, content_hash: str,
                   templates: Path | None = None) -> str:
    template = environment(templates).get_template("summary.md.j2")
    return template.render(**summary_context(plan, ratings, content_hash))
