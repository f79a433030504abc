"""Validated returns: what validation hands the engine, one row per authority and period."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class Returns:
    """Validated returns, wide: one row per authority and period, sorted."""

    keys: pd.DataFrame  # authority_code, period
    values: dict[str, np.ndarray]  # input id -> float64 (labels as positions)
    na: dict[str, np.ndarray]  # input id -> bool, where n/a was returned
    names: dict[str, str]  # authority code -> name given in the returns
    notes: pd.DataFrame  # authority_code, period, indicator, note (non-empty only)
    rows_read: int
    # row (in keys), indicator, file, line, column of every value used; only when asked for
    # (a trace of inputs), as it is as long as the returns.
    origin: pd.DataFrame | None = None
    # authority_code, period, then one text column per declared attribute (first value given)
    attributes: pd.DataFrame | None = None
