"""Generate perfassess's synthetic sample data, deterministically.

Run from the repository root (it also works from any other directory)::

    python data/sample/generate.py

Seed: ``numpy.random.default_rng(20020530)`` (30 May 2002, the first social services star
ratings). Nothing reads the clock, so every run writes byte-identical files.

What it writes:

- ``data/reference/authorities.csv`` -- the 150 councils with social services
  responsibilities in 2002-2008 (code, short name, type, region, end date), derived from the
  real reference list ``data/reference/social_services_authorities_2002_2008.csv``.
- ``data/sample/ss_stars_2002_2005.csv`` -- long: inspectors' judgements, PAF indicators and
  key-indicator case counts for the ``ss-stars-2002`` pack, 150 councils, 2002-2005.
- ``data/sample/cpa_2005_2008.parquet`` -- long: corporate assessment, service block scores
  and direction of travel for the ``cpa-2005`` pack, 150 councils, 2005-2008.
- ``data/sample/cqc_2024_2025_wide.csv`` -- wide: the nine quality statement scores for the
  ``cqc-la-2024`` pack, one assessment per council still in existence, in 2024 or 2025.
- ``data/sample/cqc_2024_evidence_categories.csv`` -- long: evidence-category scores instead
  of statement scores for ten councils assessed in 2024 (left out of the wide file).
- ``data/sample/cpa_2002_2004.csv`` -- long: service scores, use of resources and council
  ability for the ``cpa-2002`` pack, 150 councils, 2002-2004, without ``social_services``
  (which comes from the ``ss-stars-2002`` ratings).
- ``data/sample/csci_2006_2008.csv`` -- long: delivering outcomes, capacity to improve and the
  seven outcome judgements for the ``csci-adults-2006`` pack, 150 councils, 2006-2008.
- ``data/sample/caa_2009.csv`` -- long, with a ``note`` column: organisational assessment
  scores and flag counts (some with flag titles) for the ``caa-2009`` pack, the 143 of the
  150 councils that still existed in December 2009.

Council names and codes are real; every value is synthetic. Each council has a latent
"quality" that drifts slowly from year to year (an AR(1) path); every judgement, score and
indicator is drawn with a modest correlation to it, so a council's results hang together
across indicators and years without copying one another. Population (mySociety, 2020, or
the sum of the successor councils' for the abolished ones) only scales the case counts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from numpy.typing import NDArray

SEED = 20020530
REPO_ROOT = Path(__file__).resolve().parents[2]
REFERENCE_DIR = REPO_ROOT / "data" / "reference"
SAMPLE_DIR = REPO_ROOT / "data" / "sample"

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
StrArray = NDArray[np.str_]
NumberArray = NDArray[np.number[Any]]

LONG_COLUMNS = ["authority_code", "authority_name", "period", "indicator", "value"]
NOT_APPLICABLE = "n/a"

# One latent quality path covers both eras: SS stars use 2002-2005, CPA 2005-2008.
QUALITY_YEARS = tuple(str(year) for year in range(2002, 2009))
SS_PERIODS = QUALITY_YEARS[:4]
CPA_PERIODS = QUALITY_YEARS[3:]
CQC_PERIODS = ("2024", "2025")
QUALITY_DRIFT = 0.9  # year-to-year correlation of the latent quality

# ---------------------------------------------------------------------------------------
# ss-stars-2002
SERVING = ("No", "Some", "Most", "Yes")
SERVING_SHARES = (0.04, 0.30, 0.50, 0.16)
PROSPECTS = ("Poor", "Uncertain", "Promising", "Excellent")
PROSPECTS_SHARES = (0.04, 0.30, 0.55, 0.11)
JUDGEMENT_WEIGHT = 0.75  # correlation of each judgement with the latent quality
INDICATOR_WEIGHT = 0.3  # PAF indicators are only weakly tied to it
SMALL_POPULATION = 60_000  # below this a council has fewer than 10 cases on every count


@dataclass(frozen=True)
class Judgement:
    """An inspectors' judgement and its vocabulary, worst first."""

    indicator: str
    labels: tuple[str, ...]
    shares: tuple[float, ...]


JUDGEMENTS = (
    Judgement("adults_serving", SERVING, SERVING_SHARES),
    Judgement("adults_prospects", PROSPECTS, PROSPECTS_SHARES),
    Judgement("children_serving", SERVING, SERVING_SHARES),
    Judgement("children_prospects", PROSPECTS, PROSPECTS_SHARES),
)


@dataclass(frozen=True)
class PafIndicator:
    """A numeric PAF indicator: how to draw it from a standard-normal z.

    shape "normal": centre + spread * z; "lognormal": centre * exp(spread * z) (centre is the
    median); "shortfall": 100 - centre * exp(-spread * z), a percentage that bunches below
    100. polarity +1 means good councils score higher, -1 lower, 0 not tied to quality.
    """

    indicator: str
    low: float
    high: float
    decimals: int
    shape: str
    centre: float
    spread: float
    polarity: int


PAF_INDICATORS = (
    PafIndicator("A1", 6.0, 22.0, 1, "lognormal", 12.0, 0.28, -1),
    PafIndicator("A3", 5.0, 30.0, 1, "lognormal", 13.0, 0.30, -1),
    PafIndicator("B11", 15.0, 50.0, 1, "normal", 32.0, 6.5, 1),
    PafIndicator("B12", 350.0, 750.0, 0, "normal", 530.0, 70.0, 0),
    PafIndicator("B17", 9.0, 18.0, 2, "normal", 13.0, 1.6, 0),
    PafIndicator("C28", 4.0, 20.0, 1, "normal", 10.5, 2.8, 1),
    PafIndicator("C29", 2.0, 8.0, 1, "normal", 4.6, 1.0, 1),
    PafIndicator("C30", 1.5, 5.0, 1, "normal", 3.1, 0.6, 1),
    PafIndicator("C31", 1.0, 6.0, 1, "normal", 3.2, 0.9, 1),
    PafIndicator("C32", 50.0, 120.0, 1, "normal", 82.0, 12.0, 1),
    PafIndicator("D36", 40.0, 85.0, 1, "normal", 63.0, 8.0, 1),
    PafIndicator("D38", 55.0, 98.0, 1, "shortfall", 11.5, 0.4, 1),
    PafIndicator("D39", 60.0, 100.0, 1, "shortfall", 10.0, 0.6, 1),
    PafIndicator("D40", 40.0, 90.0, 1, "normal", 66.0, 9.0, 1),
    PafIndicator("D41", 5.0, 60.0, 1, "lognormal", 20.0, 0.45, -1),
    PafIndicator("D42", 5.0, 40.0, 1, "lognormal", 18.0, 0.35, 1),
    PafIndicator("D43", 50.0, 95.0, 1, "normal", 78.0, 8.0, 1),
    PafIndicator("E46", 60.0, 100.0, 1, "shortfall", 10.0, 0.6, 1),
    PafIndicator("E47", 0.4, 2.0, 2, "lognormal", 1.0, 0.3, 0),
    PafIndicator("E48", 0.6, 1.5, 2, "lognormal", 1.0, 0.15, 0),
    PafIndicator("E49", 5.0, 25.0, 1, "normal", 13.0, 3.5, 0),
    PafIndicator("E50", 60.0, 160.0, 1, "normal", 105.0, 18.0, 0),
)


@dataclass(frozen=True)
class InspectionIndicator:
    """A '% inspected as required' indicator: 100.0 unless the council fell short."""

    indicator: str
    short_share: float
    low: float


INSPECTIONS = (
    InspectionIndicator("CH_INSP", 0.08, 80.0),
    InspectionIndicator("CARE_HOMES_INSP", 0.06, 85.0),
)


@dataclass(frozen=True)
class CaseCount:
    """A key indicator's case count: the range spans the regular councils' populations."""

    indicator: str
    low: int
    high: int


CASE_COUNTS = (
    CaseCount("A1_cases", 20, 900),
    CaseCount("A3_cases", 10, 400),
    CaseCount("CH_INSP_cases", 10, 40),
    CaseCount("D38_cases", 200, 9000),
    CaseCount("CARE_HOMES_INSP_cases", 15, 300),
)

# ---------------------------------------------------------------------------------------
# cpa-2005
CPA_SCORE_SHARES = (0.03, 0.34, 0.50, 0.13)
CORPORATE_SHARES = (0.03, 0.25, 0.52, 0.20)
CPA_WEIGHT = 0.6
CORPORATE_WEIGHT = 0.7
CPA_BLOCKS = (
    "use_of_resources",
    "children_young_people",
    "adult_social_care",
    "environment",
    "housing",
    "culture",
    "benefits",
    "fire",
)
COUNTY_NA_BLOCKS = ("housing", "benefits")
SHIRE_COUNTY = "Shire county"
# Kept simple: from 2006 every shire county and these two unitaries get a fire score.
FIRE_UNITARIES = ("E06000046", "E06000053")  # Isle of Wight, Isles of Scilly
FIRE_FROM = "2006"
DIRECTION_LABELS = (
    "not improving adequately",
    "improving adequately",
    "improving well",
    "improving strongly",
)
DIRECTION_SHARES = (0.06, 0.32, 0.47, 0.15)

# ---------------------------------------------------------------------------------------
# cqc-la-2024
CQC_STATEMENTS = (
    "qs1_assessing_needs",
    "qs2_supporting_healthier_lives",
    "qs3_equity_in_experience_and_outcomes",
    "qs4_care_provision_integration_continuity",
    "qs5_partnerships_and_communities",
    "qs6_safe_pathways_systems_transitions",
    "qs7_safeguarding",
    "qs8_governance_management_sustainability",
    "qs9_learning_improvement_innovation",
)
CQC_SHARES = (0.05, 0.27, 0.58, 0.10)
CQC_STATEMENT_WEIGHT = 0.75
CQC_HISTORY_WEIGHT = 0.4  # 2024 quality only loosely follows 2008's
EVIDENCE_CATEGORIES = (
    "peoples_experience",
    "staff_leaders_feedback",
    "partners_feedback",
    "processes",
)
EVIDENCE_COUNCILS = 10
EVIDENCE_WEIGHT = 0.85
OMIT_CATEGORY_SHARE = 0.2


# ---------------------------------------------------------------------------------------
# cpa-2002
CPA2002_PERIODS = QUALITY_YEARS[:3]
CPA2002_BLOCKS = (
    "education",
    "environment",
    "housing",
    "libraries_leisure",
    "benefits",
    "use_of_resources",
)
ABILITY_SHARES = (0.08, 0.35, 0.42, 0.15)
REASSESSED_SHARE = 0.1  # council ability is mostly carried forward from 2002

# ---------------------------------------------------------------------------------------
# csci-adults-2006
CSCI_PERIODS = QUALITY_YEARS[4:]
OUTCOME_LABELS = ("Poor", "Adequate", "Good", "Excellent")
OUTCOME_SHARES = (0.03, 0.24, 0.58, 0.15)
CAPACITY_LABELS = ("Poor", "Uncertain", "Promising", "Excellent")
CAPACITY_SHARES = (0.03, 0.22, 0.63, 0.12)
CSCI_OUTCOMES = (
    "outcome_health",
    "outcome_quality_of_life",
    "outcome_positive_contribution",
    "outcome_choice_control",
    "outcome_freedom_discrimination",
    "outcome_economic_wellbeing",
    "outcome_dignity_respect",
)
OUTCOME_WEIGHT = 0.8  # each outcome's correlation with the overall outcomes judgement

# ---------------------------------------------------------------------------------------
# caa-2009
CAA_PERIOD = "2009"
CAA_RESULTS = "2009-12-31"  # councils that ended before the results are left out
CAA_SHARES = (0.05, 0.42, 0.43, 0.10)
CAA_WEIGHT = 0.7
RED_TITLES = (
    "Educational attainment at 16",
    "Safeguarding children",
    "Affordable housing",
    "Health inequalities",
    "Worklessness",
)
GREEN_TITLES = (
    "Partnership working on community safety",
    "Helping older people live independently",
    "Tackling climate change",
    "Supporting the local economy through the recession",
    "Involving young people",
)
TITLED_SHARE = 0.6  # share of councils with flags whose titles are given

# ---------------------------------------------------------------------------------------
# Random building blocks


def ar1_paths(rng: np.random.Generator, n: int, steps: int, rho: float) -> FloatArray:
    """Standard-normal AR(1) paths, shape (n, steps), with lag-one correlation rho."""
    paths = np.empty((n, steps))
    paths[:, 0] = rng.standard_normal(n)
    innovation = math.sqrt(1.0 - rho**2)
    for step in range(1, steps):
        paths[:, step] = rho * paths[:, step - 1] + innovation * rng.standard_normal(n)
    return paths


def blend(anchor: FloatArray, own: FloatArray, weight: float) -> FloatArray:
    """Mix two standard normals: still standard normal, correlated `weight` with anchor."""
    return weight * anchor + math.sqrt(1.0 - weight**2) * own


def drifting(
    rng: np.random.Generator, quality: FloatArray, weight: float, rho: float
) -> FloatArray:
    """A per-council series tied to `quality` by `weight`, its own part autocorrelated by rho."""
    own = ar1_paths(rng, quality.shape[0], quality.shape[1], rho)
    return blend(quality, own, weight)


def cut(z: FloatArray, shares: Sequence[float]) -> IntArray:
    """Band standard-normal z into levels 0.. (worst first) with the given expected shares."""
    edges = [NormalDist().inv_cdf(p) for p in np.cumsum(shares)[:-1]]
    return np.searchsorted(np.asarray(edges), z).astype(np.int64)


def formatted(values: NumberArray, decimals: int) -> StrArray:
    """Numbers as plain strings with a fixed number of decimals."""
    return np.char.mod(f"%.{decimals}f", values)


# ---------------------------------------------------------------------------------------
# Councils


def read_reference(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / name, dtype=str, keep_default_na=False)


def council_population(councils: pd.DataFrame, register: pd.DataFrame) -> FloatArray:
    """Population 2020 from the mySociety register; for councils it lacks (abolished), the sum
    of their successors', each successor shared equally among the councils it replaced."""
    known = register[register["pop-2020"] != ""]
    by_code = dict(zip(known["local-authority-code"], known["pop-2020"].astype(float), strict=True))
    by_code |= dict(zip(known["gss-code"], known["pop-2020"].astype(float), strict=True))
    successors = [
        re.findall(r"\b(?:E\d{8}|[A-Z]{3})\b", text)
        for text in councils["successor_mysociety_codes"]
    ]
    predecessors = pd.Series([code for codes in successors for code in codes]).value_counts()
    population = councils["mysociety_code"].map(by_code).to_numpy(dtype=float, copy=True)
    for row in np.flatnonzero(np.isnan(population)):
        shares = [by_code[c] / predecessors[c] for c in successors[row] if c in by_code]
        population[row] = sum(shares)
    if np.isnan(population).any() or (population <= 0).any():
        raise ValueError("a council has no population to scale its case counts")
    return population


def load_councils() -> pd.DataFrame:
    """The 150 councils, sorted by code, with the columns of authorities.csv and a population."""
    raw = read_reference("social_services_authorities_2002_2008.csv")
    councils = pd.DataFrame(
        {
            "authority_code": raw["gss_code_current_or_last"],
            "authority_name": raw["name"],
            "authority_type": raw["cssr_type"],
            "region": raw["region"],
            "end_date": raw["end_date"],
            "population": council_population(raw, read_reference("england_local_authorities.csv")),
        }
    )
    return councils.sort_values("authority_code", ignore_index=True)


def england_authorities() -> pd.DataFrame:
    """Every English authority of the mySociety register with a GSS code, in the columns of
    authorities.csv: the reference list for data beyond the 150 councils (e.g. Oflog's)."""
    raw = read_reference("england_local_authorities.csv")
    table = pd.DataFrame({
        "authority_code": raw["gss-code"].fillna(""),
        "authority_name": raw["nice-name"].fillna(""),
        "authority_type": raw["local-authority-type-name"].fillna(""),
        "region": raw["region"].fillna(""),
        "end_date": raw["end-date"].fillna(""),
    })
    table = table[table["authority_code"] != ""]
    return table.sort_values("authority_code", kind="stable").drop_duplicates(
        "authority_code").reset_index(drop=True)


def latent_quality(rng: np.random.Generator, n: int) -> FloatArray:
    """Each council's latent quality for 2002-2008, standard normal each year."""
    return ar1_paths(rng, n, len(QUALITY_YEARS), QUALITY_DRIFT)


# ---------------------------------------------------------------------------------------
# Long tables


def long_rows(
    councils: pd.DataFrame, periods: Sequence[str], indicator: str, values: StrArray
) -> pd.DataFrame:
    """Rows of a long table for one indicator; `values` has shape (councils, periods)."""
    n_periods = len(periods)
    return pd.DataFrame(
        {
            "authority_code": np.repeat(councils["authority_code"].to_numpy(), n_periods),
            "authority_name": np.repeat(councils["authority_name"].to_numpy(), n_periods),
            "period": np.tile(np.asarray(periods), len(councils)),
            "indicator": indicator,
            "value": values.reshape(-1),
        }
    )


def sorted_long(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    table = pd.concat(frames, ignore_index=True)[LONG_COLUMNS]
    return table.sort_values(["authority_code", "period", "indicator"], ignore_index=True)


# ---------------------------------------------------------------------------------------
# ss-stars-2002


def judgement_values(
    rng: np.random.Generator, quality: FloatArray, judgement: Judgement
) -> StrArray:
    z = drifting(rng, quality, JUDGEMENT_WEIGHT, rho=0.5)
    return np.asarray(judgement.labels)[cut(z, judgement.shares)]


def paf_values(rng: np.random.Generator, quality: FloatArray, spec: PafIndicator) -> StrArray:
    if spec.polarity == 0:
        z = ar1_paths(rng, quality.shape[0], quality.shape[1], rho=0.8)
    else:
        z = spec.polarity * drifting(rng, quality, INDICATOR_WEIGHT, rho=0.8)
    if spec.shape == "normal":
        raw = spec.centre + spec.spread * z
    elif spec.shape == "lognormal":
        raw = spec.centre * np.exp(spec.spread * z)
    else:
        raw = 100.0 - spec.centre * np.exp(-spec.spread * z)
    return formatted(np.clip(raw, spec.low, spec.high), spec.decimals)


def inspection_values(
    rng: np.random.Generator, quality: FloatArray, spec: InspectionIndicator
) -> StrArray:
    z = drifting(rng, quality, INDICATOR_WEIGHT, rho=0.6)
    short = z < NormalDist().inv_cdf(spec.short_share)
    # Shortfalls skew small; rounding to 0.1 first keeps 100 - shortfall within low..99.9.
    shortfall = np.round(0.1 + (99.9 - spec.low) * rng.beta(1.3, 2.5, size=z.shape), 1)
    return formatted(np.where(short, 100.0 - shortfall, 100.0), 1)


def case_values(
    rng: np.random.Generator, population: FloatArray, n_periods: int, spec: CaseCount
) -> StrArray:
    """Counts on a power law of population: the smallest regular council maps to `low`, the
    largest to `high`; councils under SMALL_POPULATION get 1-9 cases (exempt from caps)."""
    small = population < SMALL_POPULATION
    log_pop = np.log(population)
    scale = np.interp(
        log_pop,
        [log_pop[~small].min(), log_pop.max()],
        [np.log(spec.low), np.log(spec.high)],
    )
    noise = 0.15 * ar1_paths(rng, population.size, n_periods, rho=0.9)
    regular = np.clip(np.exp(scale[:, None] + noise), spec.low, spec.high)
    tiny = np.clip(9.0 * np.sqrt(population / SMALL_POPULATION)[:, None] * np.exp(noise), 1, 9)
    return formatted(np.where(small[:, None], tiny, regular), 0)


def ss_stars_table(
    rng: np.random.Generator, councils: pd.DataFrame, quality: FloatArray
) -> pd.DataFrame:
    frames = [
        long_rows(councils, SS_PERIODS, spec.indicator, judgement_values(rng, quality, spec))
        for spec in JUDGEMENTS
    ]
    frames += [
        long_rows(councils, SS_PERIODS, spec.indicator, paf_values(rng, quality, spec))
        for spec in PAF_INDICATORS
    ]
    frames += [
        long_rows(councils, SS_PERIODS, spec.indicator, inspection_values(rng, quality, spec))
        for spec in INSPECTIONS
    ]
    population = councils["population"].to_numpy(dtype=float)
    frames += [
        long_rows(
            councils,
            SS_PERIODS,
            spec.indicator,
            case_values(rng, population, len(SS_PERIODS), spec),
        )
        for spec in CASE_COUNTS
    ]
    return sorted_long(frames)


# ---------------------------------------------------------------------------------------
# cpa-2005


def not_applicable(councils: pd.DataFrame, block: str) -> BoolArray:
    """Where a block is n/a, shape (councils, CPA periods)."""
    county = (councils["authority_type"] == SHIRE_COUNTY).to_numpy()
    shape = (len(councils), len(CPA_PERIODS))
    if block in COUNTY_NA_BLOCKS:
        return np.broadcast_to(county[:, None], shape)
    if block == "fire":
        runs_fire = county | councils["authority_code"].isin(FIRE_UNITARIES).to_numpy()
        before = np.asarray(CPA_PERIODS) < FIRE_FROM
        return before[None, :] | ~runs_fire[:, None]
    return np.zeros(shape, dtype=bool)


def score_strings(scores: IntArray, na: BoolArray) -> StrArray:
    return np.where(na, NOT_APPLICABLE, formatted(scores, 0))


def corporate_scores(rng: np.random.Generator, quality: FloatArray) -> IntArray:
    """Scores re-assessed every third year (in a council's own phase), carried in between."""
    fresh = cut(drifting(rng, quality, CORPORATE_WEIGHT, rho=0.8), CORPORATE_SHARES) + 1
    phase = rng.integers(0, 3, size=quality.shape[0])
    scores = fresh.copy()
    for step in range(1, quality.shape[1]):
        reassessed = phase == step % 3
        scores[:, step] = np.where(reassessed, fresh[:, step], scores[:, step - 1])
    return scores


def direction_of_travel(
    rng: np.random.Generator, quality: FloatArray, before: FloatArray
) -> StrArray:
    """Mostly the change in quality since the year before, a little its level."""
    change = np.diff(np.column_stack([before, quality]), axis=1)
    change /= np.sqrt(2.0 * (1.0 - QUALITY_DRIFT))
    z = 0.55 * change + 0.3 * quality + 0.78 * rng.standard_normal(quality.shape)
    return np.asarray(DIRECTION_LABELS)[cut(z, DIRECTION_SHARES)]


def cpa_table(
    rng: np.random.Generator, councils: pd.DataFrame, quality: FloatArray
) -> pd.DataFrame:
    cpa_quality = quality[:, -len(CPA_PERIODS) :]
    before = quality[:, -len(CPA_PERIODS) - 1]
    corporate = formatted(corporate_scores(rng, cpa_quality), 0)
    frames = [long_rows(councils, CPA_PERIODS, "corporate_assessment", corporate)]
    for block in CPA_BLOCKS:
        scores = cut(drifting(rng, cpa_quality, CPA_WEIGHT, rho=0.7), CPA_SCORE_SHARES) + 1
        values = score_strings(scores, not_applicable(councils, block))
        frames.append(long_rows(councils, CPA_PERIODS, block, values))
    direction = direction_of_travel(rng, cpa_quality, before)
    frames.append(long_rows(councils, CPA_PERIODS, "direction_of_travel", direction))
    return sorted_long(frames)


# ---------------------------------------------------------------------------------------
# cqc-la-2024


@dataclass(frozen=True)
class CqcSample:
    """The wide statement scores and the long evidence-category scores."""

    wide: pd.DataFrame
    evidence: pd.DataFrame


def cqc_periods(rng: np.random.Generator, n: int) -> StrArray:
    """Half the councils (rounded down) assessed in 2024, the rest in 2025."""
    in_2024 = np.zeros(n, dtype=bool)
    in_2024[rng.permutation(n)[: n // 2]] = True
    return np.where(in_2024, CQC_PERIODS[0], CQC_PERIODS[1])


def evidence_rows(
    rng: np.random.Generator, councils: pd.DataFrame, statement_z: FloatArray
) -> pd.DataFrame:
    """Four category scores per statement; about a fifth of statements omit one category."""
    n, n_statements = statement_z.shape
    n_categories = len(EVIDENCE_CATEGORIES)
    own = rng.standard_normal((n, n_statements, n_categories))
    scores = cut(blend(statement_z[:, :, None], own, EVIDENCE_WEIGHT), CQC_SHARES) + 1
    omit = rng.random((n, n_statements)) < OMIT_CATEGORY_SHARE
    omitted = rng.integers(0, n_categories, size=(n, n_statements))
    keep = ~(omit[:, :, None] & (np.arange(n_categories) == omitted[:, :, None]))
    ids = np.char.add(
        np.asarray(CQC_STATEMENTS)[:, None], np.char.add("__", np.asarray(EVIDENCE_CATEGORIES))
    )
    council_index = np.broadcast_to(np.arange(n)[:, None, None], keep.shape)[keep]
    table = pd.DataFrame(
        {
            "authority_code": councils["authority_code"].to_numpy()[council_index],
            "authority_name": councils["authority_name"].to_numpy()[council_index],
            "period": CQC_PERIODS[0],
            "indicator": np.broadcast_to(ids, keep.shape)[keep],
            "value": formatted(scores[keep], 0),
        }
    )
    return sorted_long([table])


def cqc_tables(rng: np.random.Generator, councils: pd.DataFrame, quality: FloatArray) -> CqcSample:
    active = councils[councils["end_date"] == ""].reset_index(drop=True)
    history = quality[(councils["end_date"] == "").to_numpy(), -1]
    council_quality = blend(history, rng.standard_normal(len(active)), CQC_HISTORY_WEIGHT)
    own = rng.standard_normal((len(active), len(CQC_STATEMENTS)))
    statement_z = blend(council_quality[:, None], own, CQC_STATEMENT_WEIGHT)
    periods = cqc_periods(rng, len(active))
    candidates = np.flatnonzero(periods == CQC_PERIODS[0])
    by_category = np.sort(rng.choice(candidates, size=EVIDENCE_COUNCILS, replace=False))
    evidence = evidence_rows(rng, active.iloc[by_category], statement_z[by_category])
    scores = formatted(cut(statement_z, CQC_SHARES) + 1, 0)
    wide = active[["authority_code", "authority_name"]].assign(period=periods)
    wide = pd.concat([wide, pd.DataFrame(scores, columns=list(CQC_STATEMENTS))], axis=1)
    in_wide = np.ones(len(active), dtype=bool)
    in_wide[by_category] = False
    wide = wide[in_wide].sort_values(["authority_code", "period"], ignore_index=True)
    return CqcSample(wide=wide, evidence=evidence)


# ---------------------------------------------------------------------------------------
# cpa-2002


def ability_scores(rng: np.random.Generator, quality: FloatArray) -> IntArray:
    """Council ability assessed in the first year; a few councils re-assessed later."""
    fresh = cut(drifting(rng, quality, CORPORATE_WEIGHT, rho=0.8), ABILITY_SHARES) + 1
    reassessed = rng.random(quality.shape) < REASSESSED_SHARE
    scores = fresh.copy()
    for step in range(1, quality.shape[1]):
        scores[:, step] = np.where(reassessed[:, step], fresh[:, step], scores[:, step - 1])
    return scores


def cpa2002_table(
    rng: np.random.Generator, councils: pd.DataFrame, quality: FloatArray
) -> pd.DataFrame:
    """Every score but social services, which the run feeds from ss-stars-2002's ratings."""
    county = (councils["authority_type"] == SHIRE_COUNTY).to_numpy()
    shape = (len(councils), len(CPA2002_PERIODS))
    frames = [
        long_rows(councils, CPA2002_PERIODS, "council_ability", formatted(ability_scores(
            rng, quality), 0))
    ]
    for block in CPA2002_BLOCKS:
        scores = cut(drifting(rng, quality, CPA_WEIGHT, rho=0.7), CPA_SCORE_SHARES) + 1
        na = np.broadcast_to(county[:, None], shape) if block in COUNTY_NA_BLOCKS else (
            np.zeros(shape, dtype=bool))
        frames.append(long_rows(councils, CPA2002_PERIODS, block, score_strings(scores, na)))
    return sorted_long(frames)


# ---------------------------------------------------------------------------------------
# csci-adults-2006


def csci_table(
    rng: np.random.Generator, councils: pd.DataFrame, quality: FloatArray
) -> pd.DataFrame:
    """The two judgements, and seven outcomes that mostly agree with the overall one."""
    outcomes_z = drifting(rng, quality, JUDGEMENT_WEIGHT, rho=0.5)
    capacity_z = drifting(rng, quality, JUDGEMENT_WEIGHT, rho=0.5)
    frames = [
        long_rows(councils, CSCI_PERIODS, "delivering_outcomes",
                  np.asarray(OUTCOME_LABELS)[cut(outcomes_z, OUTCOME_SHARES)]),
        long_rows(councils, CSCI_PERIODS, "capacity_to_improve",
                  np.asarray(CAPACITY_LABELS)[cut(capacity_z, CAPACITY_SHARES)]),
    ]
    for outcome in CSCI_OUTCOMES:
        z = blend(outcomes_z, rng.standard_normal(outcomes_z.shape), OUTCOME_WEIGHT)
        frames.append(long_rows(councils, CSCI_PERIODS, outcome,
                                np.asarray(OUTCOME_LABELS)[cut(z, OUTCOME_SHARES)]))
    return sorted_long(frames)


# ---------------------------------------------------------------------------------------
# caa-2009


def flag_titles(rng: np.random.Generator, counts: IntArray, titles: Sequence[str],
                colour: str) -> StrArray:
    """For most councils with flags, that many distinct titles; '' where none are given."""
    order = rng.permuted(np.tile(np.arange(len(titles)), (counts.size, 1)), axis=1)
    titled = (counts > 0) & (rng.random(counts.size) < TITLED_SHARE)
    notes = [
        "; ".join(f"{colour} flag: {titles[i]}" for i in order[row, : counts[row]])
        if titled[row] else ""
        for row in range(counts.size)
    ]
    return np.asarray(notes, dtype=str)


def caa_table(
    rng: np.random.Generator, councils: pd.DataFrame, quality: FloatArray
) -> pd.DataFrame:
    """Scores and flags for the councils still existing when CAA first reported."""
    existing = (councils["end_date"] == "") | (councils["end_date"] > CAA_RESULTS)
    active = councils[existing.to_numpy()].reset_index(drop=True)
    before = quality[existing.to_numpy(), -1]
    z = QUALITY_DRIFT * before + math.sqrt(1 - QUALITY_DRIFT**2) * rng.standard_normal(len(active))
    period = [CAA_PERIOD]
    frames = []
    for indicator in ("managing_performance", "use_of_resources"):
        own = rng.standard_normal(len(active))
        scores = cut(blend(z, own, CAA_WEIGHT), CAA_SHARES) + 1
        frames.append(long_rows(active, period, indicator, formatted(scores, 0)))
    red = np.minimum(rng.poisson(0.35 * np.exp(-0.8 * z)), len(RED_TITLES))
    green = np.minimum(rng.poisson(0.3 * np.exp(0.6 * z)), len(GREEN_TITLES))
    for indicator, counts, titles, colour in (("red_flags", red, RED_TITLES, "Red"),
                                              ("green_flags", green, GREEN_TITLES, "Green")):
        rows = long_rows(active, period, indicator, formatted(counts, 0))
        frames.append(rows.assign(note=flag_titles(rng, counts, titles, colour)))
    table = pd.concat(frames, ignore_index=True)
    table["note"] = table["note"].fillna("")
    return table[[*LONG_COLUMNS, "note"]].sort_values(
        ["authority_code", "period", "indicator"], ignore_index=True)


# ---------------------------------------------------------------------------------------
# Writing


def write_csv(table: pd.DataFrame, path: Path) -> None:
    table.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def write_parquet(table: pd.DataFrame, path: Path) -> None:
    arrow = pa.table({name: pa.array(table[name].tolist(), type=pa.string()) for name in table})
    pq.write_table(arrow.replace_schema_metadata(None), path)


# ---------------------------------------------------------------------------------------
# Summary (printed for whoever runs it; not written anywhere)


def cap_shares(ss: pd.DataFrame) -> pd.DataFrame:
    """Share of councils per year where each key-threshold condition holds (10+ cases)."""
    wide = ss.pivot(index=["authority_code", "period"], columns="indicator", values="value")
    number = wide.drop(columns=[j.indicator for j in JUDGEMENTS]).astype(float)

    def holds(code: str, breached: pd.Series) -> pd.Series:
        return breached & (number[f"{code}_cases"] >= 10)

    conditions = pd.DataFrame(
        {
            "A1>20": holds("A1", number["A1"] > 20),
            "A3>24": holds("A3", number["A3"] > 24),
            "CH_INSP<100": holds("CH_INSP", number["CH_INSP"] < 100),
            "D38<80": holds("D38", number["D38"] < 80),
            "CARE_HOMES_INSP<100": holds("CARE_HOMES_INSP", number["CARE_HOMES_INSP"] < 100),
        }
    )
    conditions["children cap"] = conditions.iloc[:, :3].any(axis=1)
    conditions["adults cap"] = conditions.iloc[:, 3:5].any(axis=1)
    return conditions.groupby(level="period").mean().round(3)


def print_summary(ss: pd.DataFrame, cpa: pd.DataFrame, cqc: CqcSample) -> None:
    pd.set_option("display.width", 120)
    judgements = ss[ss["indicator"].isin([j.indicator for j in JUDGEMENTS])]
    print("ss-stars-2002 judgements, all years:")
    print(pd.crosstab(judgements["indicator"], judgements["value"]).to_string(), "\n")
    print("ss-stars-2002 share of councils where a cap condition holds (10+ cases):")
    print(cap_shares(ss).to_string(), "\n")
    direction = cpa["indicator"] == "direction_of_travel"
    print("cpa-2005 scores, all years:")
    print(pd.crosstab(cpa.loc[~direction, "indicator"], cpa.loc[~direction, "value"]).to_string())
    print("cpa-2005 direction of travel, all years:")
    print(cpa.loc[direction, "value"].value_counts().sort_index().to_string(), "\n")
    statements = cqc.wide[list(CQC_STATEMENTS)].astype(int)
    bands = pd.cut(
        statements.sum(axis=1),
        [8, 13, 22, 31, 36],
        labels=["Inadequate", "RI", "Good", "Outstanding"],
    )
    print(
        "cqc-la-2024 wide, statement scores:",
        pd.Series(statements.to_numpy().ravel()).value_counts().sort_index().to_dict(),
    )
    print("cqc-la-2024 wide, rating by total:", bands.value_counts().sort_index().to_dict())
    print("cqc-la-2024 wide, periods:", cqc.wide["period"].value_counts().sort_index().to_dict())
    supplied = cqc.evidence["indicator"].str.split("__").str[0]
    per_statement = cqc.evidence.groupby(["authority_code", supplied]).size()
    print(
        f"cqc-la-2024 evidence categories: {cqc.evidence['authority_code'].nunique()} councils, "
        f"{(per_statement < len(EVIDENCE_CATEGORIES)).sum()} of {len(per_statement)} statements "
        "with a category omitted"
    )


def print_later_summary(cpa2002: pd.DataFrame, csci: pd.DataFrame, caa: pd.DataFrame) -> None:
    print("\ncpa-2002 scores, all years (no social_services: fed from ss-stars-2002):")
    print(pd.crosstab(cpa2002["indicator"], cpa2002["value"]).to_string(), "\n")
    print("csci-adults-2006 judgements, all years:")
    print(pd.crosstab(csci["indicator"], csci["value"]).to_string(), "\n")
    print("caa-2009 scores and flag counts:")
    print(pd.crosstab(caa["indicator"], caa["value"]).to_string())
    print(f"caa-2009: {caa['authority_code'].nunique()} councils, "
          f"{(caa['note'] != '').sum()} flag rows with titles")


def main() -> None:
    # Children spawned later never change the earlier ones, so adding packs keeps the bytes
    # of the files made before them.
    (quality_rng, ss_rng, cpa_rng, cqc_rng, cpa2002_rng, csci_rng,
     caa_rng) = np.random.default_rng(SEED).spawn(7)
    councils = load_councils()
    quality = latent_quality(quality_rng, len(councils))
    ss = ss_stars_table(ss_rng, councils, quality[:, : len(SS_PERIODS)])
    cpa = cpa_table(cpa_rng, councils, quality)
    cqc = cqc_tables(cqc_rng, councils, quality)
    cpa2002 = cpa2002_table(cpa2002_rng, councils, quality[:, : len(CPA2002_PERIODS)])
    csci = csci_table(csci_rng, councils, quality[:, -len(CSCI_PERIODS) :])
    caa = caa_table(caa_rng, councils, quality)

    outputs = {
        REFERENCE_DIR / "authorities.csv": councils.drop(columns="population"),
        REFERENCE_DIR / "england_authorities.csv": england_authorities(),
        SAMPLE_DIR / "ss_stars_2002_2005.csv": ss,
        SAMPLE_DIR / "cqc_2024_2025_wide.csv": cqc.wide,
        SAMPLE_DIR / "cqc_2024_evidence_categories.csv": cqc.evidence,
        SAMPLE_DIR / "cpa_2002_2004.csv": cpa2002,
        SAMPLE_DIR / "csci_2006_2008.csv": csci,
        SAMPLE_DIR / "caa_2009.csv": caa,
    }
    for path, table in outputs.items():
        write_csv(table, path)
    write_parquet(cpa, SAMPLE_DIR / "cpa_2005_2008.parquet")
    for path, table in [*outputs.items(), (SAMPLE_DIR / "cpa_2005_2008.parquet", cpa)]:
        print(f"{path.relative_to(REPO_ROOT)}: {len(table)} rows")
    print()
    print_summary(ss, cpa, cqc)
    print_later_summary(cpa2002, csci, caa)


if __name__ == "__main__":
    main()
