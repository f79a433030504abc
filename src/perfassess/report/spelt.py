"""Page text spelt for every area at once: each distinct value escaped once, not per page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import escape

from perfassess.report.environment import markdown_cell


def escaped(values: np.ndarray) -> np.ndarray:
    """Text for markup: each distinct value escaped once."""
    return each_distinct(values, lambda u: str(escape(u)))


def marked(values: np.ndarray) -> np.ndarray:
    """Text for Markdown (the ``md`` filter): each distinct value once."""
    return each_distinct(values, markdown_cell)


def each_distinct(values: np.ndarray, spell: Callable[[Any], Any]) -> np.ndarray:
    """``spell`` of every element of ``values``, called once per distinct value."""
    codes, uniques = pd.factorize(values.ravel(), use_na_sentinel=False)
    spelt = np.empty(len(uniques), dtype=object)
    spelt[:] = [spell(u) for u in uniques]
    return spelt[codes].reshape(values.shape) if len(uniques) else values.astype(object)
