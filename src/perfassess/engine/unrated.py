"""Why each authority-period that ends without a rating has none: the step, and the inputs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from perfassess.core.returns import Returns
from perfassess.engine.dataflow import outputs, reads
from perfassess.engine.fields import repeated
from perfassess.engine.frame import Frame
from perfassess.engine.plan import Plan
from perfassess.engine.steps.common import spell_combinations


@dataclass
class Unrated:
    """The authority-periods without a rating, whole columns in frame row order."""

    rows: np.ndarray  # frame rows without a rating
    step: np.ndarray  # the step that took the rating away (else the rating's own step)
    reason: np.ndarray  # the rating_note: why, for people
    # Inputs the rating depends on that have no value here, although every rated
    # authority-period has one ('' if none, or if nothing was rated).
    missing: np.ndarray

    def __len__(self) -> int:
        return len(self.rows)

    def table(self, ratings: pd.DataFrame) -> pd.DataFrame:
        """One row per unrated authority-period: code, name, period, step, reason, missing."""
        return pd.DataFrame({
            "authority_code": ratings["authority_code"].to_numpy(dtype=object)[self.rows],
            "authority_name": ratings["authority_name"].to_numpy(dtype=object)[self.rows],
            "period": ratings["period"].to_numpy(dtype=object)[self.rows],
            "step": self.step, "reason": self.reason, "missing_inputs": self.missing})


def rating_inputs(plan: Plan) -> list[str]:
    """The inputs the rating depends on, through every step that leads to it (pack order)."""
    wanted = {plan.pack.rating.field}
    for step in reversed(plan.pack.steps):
        if wanted.intersection(outputs(step)):
            wanted |= reads(step, plan.schema)
    return [name for name in plan.input_types if name in wanted]


def unrated(plan: Plan, frame: Frame, ratings: pd.DataFrame, returns: Returns) -> Unrated:
    """Every authority-period without a rating, with the step and inputs that explain it.

    Read from what the steps left in the frame as they ran (``Frame.lost_at``, the notes)
    and from the returns, so it does not depend on the trace being kept.
    """
    rated = ratings["rating"].notna().to_numpy()
    rows = np.flatnonzero(~rated)
    step = frame.lost_at[rows].copy()
    producer = plan.schema.producer.get(plan.pack.rating.field, plan.pack.rating.field)
    step[step == ""] = producer
    reason = ratings["rating_note"].to_numpy(dtype=object)[rows]
    missing = missing_inputs(plan, returns.values, returns.na, rated, rows)
    return Unrated(rows, step, reason, missing)


def missing_inputs(plan: Plan, values: Mapping[str, np.ndarray], na: Mapping[str, np.ndarray],
                   rated: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each of ``rows`` (without a rating), the inputs the rating depends on that have
    no value there although every rated row has one, spelt "a, b" ('' for none, and for
    all when nothing was rated)."""
    missing = repeated("", len(rows))
    if not len(rows) or not rated.any():
        return missing
    names, masks = [], []
    for name in rating_inputs(plan):
        given = values.get(name)
        if given is None or given.dtype.kind != "f":
            continue
        gap = np.isnan(given)
        if name in na:
            gap &= ~na[name]
        if not gap[rated].any():  # every rated authority-period has it
            names.append(name)
            masks.append(gap[rows])
    if masks:
        missing = spell_combinations(masks, lambda on: ", ".join(names[i] for i in on))
    return missing
