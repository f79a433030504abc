"""The factors a sensitivity run varies, and how each turns uniform numbers into values."""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

import numpy as np

FactorKind = Literal["parameter", "weight", "alternative", "data"]


@dataclass(frozen=True)
class Factor:
    """One thing that varies from draw to draw, named as the outputs name it."""

    name: str  # e.g. "a1_max_later", "stars (alternative)", "A1 (data)"
    kind: FactorKind
    target: str  # the parameter, step or input it varies
    status: str  # the status of what it varies ("data" for returned values)
    description: str  # how it varies, in words
    bins: int  # how many classes its draws fall into for the sensitivity index


@dataclass(frozen=True)
class ParameterDraw:
    """A parameter drawn on [low, high] (uniform or triangular), or from a list of choices."""

    factor: Factor
    base: float
    low: float
    high: float
    distribution: Literal["uniform", "triangular"]
    choices: tuple[float, ...] | None = None

    def values(self, u: np.ndarray) -> np.ndarray:
        if self.choices is not None:
            picked: np.ndarray = np.asarray(self.choices)[choice_index(u, len(self.choices))]
            return picked
        if self.distribution == "uniform":
            return self.low + (self.high - self.low) * u
        # Symmetric triangular on [low, high] peaking at the middle: its inverse CDF.
        half = (self.high - self.low) / 2.0
        return np.where(u < 0.5, self.low + half * np.sqrt(2.0 * u),
                        self.high - half * np.sqrt(2.0 * (1.0 - u)))

    def bin_of(self, u: np.ndarray) -> np.ndarray:
        # Equal-probability classes: u itself is uniform whatever the distribution.
        return choice_index(u, self.factor.bins)


@dataclass(frozen=True)
class WeightGroup:
    """Weights that each vary uniformly by an amount, then are rescaled to their total."""

    factors: tuple[Factor, ...]
    bases: tuple[float, ...]
    amounts: tuple[float, ...]

    def values(self, u: np.ndarray) -> np.ndarray:
        """Weights for each draw (rows) and member (columns) from their uniforms ``u``."""
        base = np.asarray(self.bases)
        raw = np.maximum(base + (2.0 * u - 1.0) * np.asarray(self.amounts), 0.0)
        total = raw.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            scaled = raw * (base.sum() / total)
        return np.where(total > 0, scaled, base)


@dataclass(frozen=True)
class AlternativeDraw:
    """Which reading of a step a draw uses: 0 is the step as written."""

    factor: Factor
    step: str
    variants: tuple[str, ...]  # "as written", then the alternatives' ids

    def choice(self, u: np.ndarray) -> np.ndarray:
        return choice_index(u, len(self.variants))


@dataclass(frozen=True)
class Prepared:
    """An input's returned values and, for a binomial error, the counts and rates."""

    value: np.ndarray
    count: np.ndarray | None
    p: np.ndarray | None
    valid: np.ndarray | None


@dataclass(frozen=True)
class DataDraw:
    """Error in an input's returned values: relative (normal) or binomial from its cases."""

    factor: Factor
    input: str
    relative_sd: float | None  # as a share of the value
    cases: str | None  # the input holding the denominator (binomial)
    per: float  # the value is count / cases x per
    low: float | None  # the input's declared range: perturbed values stay inside it
    high: float | None
    integer: bool

    def prepare(self, value: np.ndarray, cases: np.ndarray | None) -> Prepared:
        """What every draw of this input starts from (computed once per chunk)."""
        if self.relative_sd is not None:
            return Prepared(value, None, None, None)
        assert cases is not None
        count = np.where(np.isnan(cases), 0.0, np.round(cases))
        valid = (count >= 1) & ~np.isnan(value)
        p = np.clip(np.where(valid, value / self.per, 0.0), 0.0, 1.0)
        return Prepared(value, np.where(valid, count, 0).astype(np.int64), p, valid)

    def variates(self, rng: np.random.Generator, base: Prepared) -> np.ndarray:
        """One draw's random numbers: the only per-draw work (the rest is vectorised)."""
        if base.count is None or base.p is None:
            return rng.standard_normal(len(base.value))
        drawn: np.ndarray = rng.binomial(base.count, base.p).astype(np.float64)
        return drawn

    def apply(self, base: Prepared, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Values of the input for each draw (rows of ``raw``), and a standard score of each
        value's error (for the sensitivity index). Missing values stay missing."""
        if base.count is None:
            assert self.relative_sd is not None
            z = raw
            out = base.value * (1.0 + self.relative_sd * z)
        else:
            assert base.p is not None and base.valid is not None
            n = base.count
            with np.errstate(invalid="ignore", divide="ignore"):
                out = np.where(base.valid, raw / np.maximum(n, 1) * self.per, base.value)
                spread = np.sqrt(n * base.p * (1.0 - base.p))
                z = np.where(base.valid & (spread > 0), (raw - n * base.p) / spread, 0.0)
        if self.low is not None:
            out = np.maximum(out, self.low)
        if self.high is not None:
            out = np.minimum(out, self.high)
        if self.integer:
            out = np.round(out)
        return out, z

    def perturb(self, rng: np.random.Generator, value: np.ndarray,
                cases: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """One draw of the input's values (and error scores)."""
        base = self.prepare(value, cases)
        return self.apply(base, self.variates(rng, base)[None, :])

    def bin_of(self, z: np.ndarray) -> np.ndarray:
        return np.searchsorted(normal_edges(self.factor.bins), z, side="right")


def choice_index(u: np.ndarray, count: int) -> np.ndarray:
    return np.minimum((u * count).astype(np.int64), count - 1)


def normal_edges(bins: int) -> np.ndarray:
    """Cut points splitting a standard normal into ``bins`` equally likely classes."""
    return np.array([NormalDist().inv_cdf(i / bins) for i in range(1, bins)])


def bins_for(draws: int) -> int:
    """Classes per factor: about 50 draws or more in each, between 2 and 10."""
    return max(2, min(10, draws // 50))


def spell(value: float) -> str:
    return f"{value:g}" if math.isfinite(value) else str(value)
