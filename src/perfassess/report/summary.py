"""The short Markdown summary of one pack's run: ratings by period, who is not rated, rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from perfassess.engine.plan import Plan
from perfassess.report.environment import environment
from perfassess.spec.pack import rule_count, rule_statuses

UNRATED_LISTED = 200


def summary_context(plan: Plan, ratings: pd.DataFrame, content_hash: str) -> dict[str, Any]:
    pack = plan.pack
    rating_type = plan.schema.fields[pack.rating.field]
    labels = list(rating_type.vocabulary) if rating_type.vocabulary else sorted(
        str(v) for v in ratings["rating"].dropna().unique())
    rated = ratings[ratings["rating"].notna()]
    periods = sorted(ratings["period"].unique())
    rows = []
    for period in periods:
        in_period = rated[rated["period"] == period]
        counts = in_period["rating"].astype(str).value_counts()
        rows.append({"period": period, "counts": [int(counts.get(str(lb), 0)) for lb in labels],
                     "rated": len(in_period),
                     "not_rated": int(((ratings["period"] == period)
                                       & ratings["rating"].isna()).sum())})
    unrated = ratings[ratings["rating"].isna()][
        ["authority_code", "authority_name", "period", "rating_note"]]
    status_counts = ratings.loc[ratings["rating"].notna(), "rating_status"].value_counts()
    statuses = rule_statuses(pack)
    notes = {}
    for step in pack.steps:
        notes[step.id] = step.note or ""
    uncertain = [{"id": rid, "status": st, "note": notes.get(rid.split("/")[0], "")}
                 for rid, st in sorted(statuses.items()) if st != "documented"]
    return {
        "pack": pack, "content_hash": content_hash, "labels": labels, "rows": rows,
        # A batch run can leave thousands unrated: list the first ones, count the rest.
        "unrated": unrated.head(UNRATED_LISTED).to_dict("records"),
        "unrated_more": max(len(unrated) - UNRATED_LISTED, 0),
        "rule_counts": rule_count(pack),
        "uncertain": uncertain,
        "rating_statuses": {k: int(v) for k, v in sorted(status_counts.items())},
        "total": len(ratings), "rated": len(rated),
    }


def render_summary(plan: Plan, ratings: pd.DataFrame, content_hash: str,
                   templates: Path | None = None) -> str:
    template = environment(templates).get_template("summary.md.j2")
    return template.render(**summary_context(plan, ratings, content_hash))
