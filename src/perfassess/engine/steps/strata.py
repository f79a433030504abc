"""Strata (period × ``by`` fields) and percentiles within them, shared by quantile and cluster."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from perfassess.engine.frame import Frame
from perfassess.engine.plan import PlanError, Schema, YamlPath

# Hyndman and Fan's numbers of the percentile definitions, by the names a pack may use.
DEFINITIONS = {"hf2": 2, "sas5": 2, "hf7": 7, "r7": 7}
# n·p within this many units of rounding of a whole number counts as whole: a probability
# written in decimal (0.2) is not exact in binary, and 5 × 0.2 must be 1, not just above.
_FUZZ = 4 * np.finfo(np.float64).eps
MAX_GROUPS = 100  # k of a cluster or ntile step: each is a pass over the rows per iteration


def by_fields(by: str | list[str] | None) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def check_by(by: str | list[str] | None, schema: Schema, path: YamlPath) -> list[str]:
    names = by_fields(by)
    for i, name in enumerate(names):
        schema.require_field(name, (*path, "by") if isinstance(by, str) else (*path, "by", i))
    if len(set(names)) != len(names):
        raise PlanError("E-PACK-SCHEMA", "a field is named twice in 'by'", (*path, "by"))
    return names


def check_groups(k: int, path: YamlPath) -> None:
    if k > MAX_GROUPS:
        raise PlanError("E-PACK-LIMIT", f"k is {k:,}: at most {MAX_GROUPS} groups", path)


def population(by: list[str]) -> str:
    """How people read a stratum: 'period', 'period and peer_group'."""
    return "period" + "".join(f" and {name}" for name in by)


def no_stratum(by: list[str]) -> str:
    """The trace's reason for a row whose ``by`` value is missing."""
    return f"{' or '.join(by)} missing: in no stratum"


@dataclass(frozen=True)
class Strata:
    """Each row's stratum (-1: a ``by`` value is missing) and how many strata there are."""

    of_row: np.ndarray
    n: int
    by_missing: np.ndarray


def strata(frame: Frame, by: list[str]) -> Strata:
    key = frame.period_codes().astype(np.int64)
    lacking = np.zeros(frame.n, dtype=bool)
    for name in by:
        values = frame.values[name]
        if frame.types[name].kind == "text":
            gap = np.asarray(pd.isna(values) | (values == ""), dtype=bool)
        else:
            gap = np.isnan(values)
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        # Renumbered densely after each field, so the combined key cannot overflow.
        key = np.unique(key * (len(uniques) + 1) + (codes + 1), return_inverse=True)[1]
        lacking |= gap
    of_row = np.full(frame.n, -1, dtype=np.int64)
    n = 0
    if (~lacking).any():
        distinct, dense = np.unique(key[~lacking], return_inverse=True)
        of_row[~lacking] = dense
        n = len(distinct)
    return Strata(of_row, n, lacking)


def on_rows(per_stratum: np.ndarray, of_row: np.ndarray, fill: float | str) -> np.ndarray:
    """A value per stratum given to each row of it; ``fill`` for rows in no stratum."""
    # A row in no stratum has -1: the last element, the fill appended after the strata.
    spread: np.ndarray = np.append(per_stratum, [fill])[of_row]
    return spread


@dataclass(frozen=True)
class Ordered:
    """The values present in strata, sorted by stratum then value, with each stratum's
    first position and count in that order."""

    rows: np.ndarray  # frame rows, in order
    values: np.ndarray
    stratum: np.ndarray
    starts: np.ndarray
    counts: np.ndarray

    @property
    def distinct(self) -> np.ndarray:
        """How many distinct values each stratum holds."""
        new = np.ones(len(self.values), dtype=bool)
        new[1:] = (self.values[1:] != self.values[:-1]) | (self.stratum[1:] != self.stratum[:-1])
        found: np.ndarray = np.bincount(self.stratum[new], minlength=len(self.counts))
        return found


def ordered(x: np.ndarray, of_row: np.ndarray, n_strata: int) -> Ordered:
    rows = np.flatnonzero(~np.isnan(x) & (of_row >= 0))
    rows = rows[np.lexsort((x[rows], of_row[rows]))]
    stratum = of_row[rows]
    counts = np.bincount(stratum, minlength=n_strata)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
    return Ordered(rows, x[rows], stratum, starts, counts)


def percentile(data: Ordered, p: float, definition: str) -> np.ndarray:
    """Each stratum's p-th percentile (NaN for an empty stratum).

    hf2 (SAS PCTLDEF=5): with n·p = j + g, the (j+1)-th smallest value when g > 0 and the
    mean of the j-th and (j+1)-th when g = 0 (clamped to the first and last value).
    hf7 (R type 7): h = (n − 1)·p; the ⌊h⌋+1-th smallest value plus the fraction of h of
    the way to the next one."""
    n = data.counts.astype(np.float64)
    if not len(data.values):
        return np.full(len(n), np.nan)
    last = np.maximum(data.counts - 1, 0)
    top = len(data.values) - 1
    if DEFINITIONS[definition] == 2:
        np_ = n * p
        j = np.floor(np_ + _FUZZ * np.maximum(np_, 1.0))
        whole = np_ - j <= _FUZZ * np.maximum(np_, 1.0)
        lower = np.clip(j.astype(np.int64) - 1, 0, last)
        upper = np.clip(j.astype(np.int64), 0, last)
        a = data.values[np.minimum(data.starts + lower, top)]
        b = data.values[np.minimum(data.starts + upper, top)]
        out = np.where(whole & (a != b), (a + b) / 2, b)
    else:
        h = (n - 1) * p
        lo = np.clip(np.floor(h).astype(np.int64), 0, last)
        hi = np.minimum(lo + 1, last)
        frac = h - lo
        a = data.values[np.minimum(data.starts + lo, top)]
        b = data.values[np.minimum(data.starts + hi, top)]
        # R's form, (1 − f)·a + f·b, only where the two differ, so equal values stay exact.
        out = np.where((frac > 0) & (a != b), (1 - frac) * a + frac * b, a)
    result: np.ndarray = np.where(data.counts == 0, np.nan, out)
    return result


def boundaries(data: Ordered, k: int, definition: str) -> np.ndarray:
    """The k − 1 boundaries of k quantile groups in each stratum: (n_strata, k − 1)."""
    return np.column_stack([percentile(data, i / k, definition) for i in range(1, k)]
                           ) if k > 1 else np.empty((len(data.counts), 0))


def group_of(x: np.ndarray, stratum: np.ndarray, bounds: np.ndarray, boundary: str
             ) -> np.ndarray:
    """The quantile group (0..k−1) of each value among its stratum's boundaries; a value
    equal to a boundary falls below it (lower) or above it (upper)."""
    group = np.zeros(len(x), dtype=np.int64)
    for i in range(bounds.shape[1]):
        b = bounds[stratum, i]
        group += (x > b) if boundary == "lower" else (x >= b)
    return group
