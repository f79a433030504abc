"""Declared rounding, shared by the round step and round() in expressions."""

from __future__ import annotations

import numpy as np

ROUND_METHODS = ("half_up", "half_even", "floor", "ceil", "trunc")


def round_values(x: np.ndarray, digits: int, method: str) -> np.ndarray:
    """``x`` rounded to ``digits`` decimal places (negative: tens, hundreds) by ``method``;
    a new array, missing where ``x`` is."""
    scale = 10.0 ** digits
    y = np.asarray(x * scale, dtype=np.float64)  # a new array: the rounding below works in it
    if method == "half_up":  # away from zero, as people round by hand
        magnitude = np.abs(y)
        magnitude += 0.5
        np.floor(magnitude, out=magnitude)
        np.sign(y, out=y)
        y *= magnitude
    elif method == "half_even":
        np.round(y, out=y)
    elif method == "floor":
        np.floor(y, out=y)
    elif method == "ceil":
        np.ceil(y, out=y)
    else:
        np.trunc(y, out=y)
    y /= scale
    return y
