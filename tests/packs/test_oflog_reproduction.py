"""oflog-asc reproduces Oflog's published MEDIAN and MADs_from_median on the real data.

The pack runs on ``data/sample/oflog_asc_2015_2019.csv`` (the converted real file) and every
row of Oflog's own file, ``data/reference/oflog_asc_outcomes_2015_2019.csv``, is compared.
The survey measures (ASC1-ASC5) are given as short decimals, so the pack must agree to
1e-9. Oflog computed the rate measures (ASC6, ASC7) from values it then wrote with 10
significant digits (as it did some published figures): no number in the file has 11-15
significant digits, only up to 10 or a full double's 16-17. There the tolerance is 1e-9 plus
the most that this rounding of the printed numbers can move the result.
"""

from __future__ import annotations

import importlib.util
import math
from fractions import Fraction
from functools import cache
from types import ModuleType

import numpy as np
import pandas as pd

from perfassess.api import ScoreResult, score
from tests.conftest import ROOT

PUBLISHED = ROOT / "data" / "reference" / "oflog_asc_outcomes_2015_2019.csv"
SAMPLE = ROOT / "data" / "sample" / "oflog_asc_2015_2019.csv"
MEASURES = [f"ASC{i}" for i in range(1, 8)]
SURVEY = MEASURES[:5]
TOLERANCE = 1e-9
CUTS = [Fraction(x) for x in ("-7.5", "-3", "-1.5", "-0.5", "0.5", "1.5", "3", "7.5")]
HIGHER_WORDS = ["outlier (manual review)", "much worse than", "worse than",
                "slightly worse than", "broadly similar to", "slightly better than",
                "better than", "much better than", "outlier (manual review)"]
NONE_WORDS = ["outlier (manual review)", "much lower than", "lower than", "slightly lower than",
              "broadly similar to", "slightly higher than", "higher than", "much higher than",
              "outlier (manual review)"]


def converter() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "convert_oflog", ROOT / "data" / "sample" / "convert_oflog.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def result() -> ScoreResult:
    return score("oflog-asc", [SAMPLE])


@cache
def compared() -> pd.DataFrame:
    """Oflog's rows beside the pack's results for the same council, year and measure."""
    frame = result().evaluation.frame
    ratings = result().ratings
    ours = pd.concat([pd.DataFrame({
        "Local authority code": frame.keys["authority_code"].to_numpy(),
        "Financial year": frame.keys["period"].to_numpy(),
        "Code": m,
        "median": frame.values[f"{m}_median"],
        "mad": frame.values[f"{m}_mad"],
        "distance": frame.values[f"{m}_mads_from_median"],
        "words": ratings[f"{m}_comparison"].to_numpy(),
    }) for m in MEASURES])
    published = pd.read_csv(PUBLISHED, dtype=str, keep_default_na=False)
    both = published.merge(ours, on=["Local authority code", "Financial year", "Code"],
                           how="left", validate="one_to_one", indicator=True)
    assert (both["_merge"] == "both").all(), "a published row has no result row"
    both["value"] = pd.to_numeric(both["Value"].replace("", np.nan))
    both["pub_median"] = pd.to_numeric(both["MEDIAN"])
    both["pub_distance"] = pd.to_numeric(both["MADs_from_median"].replace("", np.nan))
    return both


def significant_digits(text: str) -> int:
    return len(text.lstrip("+-").replace(".", "").lstrip("0"))


def rounding(text: str) -> float:
    """How far a printed number may be from the one it was printed from: nothing for a full
    double (16+ significant digits), else half a unit in the 10th significant digit."""
    if text == "" or float(text) == 0 or significant_digits(text) >= 16:
        return 0.0
    return 0.5 * 10.0 ** (math.floor(math.log10(abs(float(text)))) - 9)


def test_the_sample_is_the_published_file_converted() -> None:
    fresh = converter().convert(PUBLISHED)
    shipped = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(fresh, shipped)


def test_every_published_row_is_compared() -> None:
    both = compared()
    assert len(both) == len(pd.read_csv(PUBLISHED, dtype=str))
    assert both["value"].notna().sum() > 3000


def test_survey_measures_reproduce_oflog_to_1e9() -> None:
    both = compared()
    survey = both[both["Code"].isin(SURVEY)]
    valued = survey[survey["value"].notna()]
    assert len(valued) > 2000
    assert (survey["median"] - survey["pub_median"]).abs().max() <= TOLERANCE
    assert (valued["distance"] - valued["pub_distance"]).abs().max() <= TOLERANCE


def test_rate_measures_reproduce_oflog_within_the_rounding_of_its_file() -> None:
    both = compared()
    rates = both[both["Code"].isin(["ASC6", "ASC7"])].copy()
    groups = [rates["Financial year"], rates["Code"]]
    own = rates["Value"].map(rounding)
    spread = own.groupby(groups).transform("max")  # the most any one value may be off
    # The median moves at most as far as the values; each |value - median| and so the MAD
    # at most twice as far.
    median_bound = TOLERANCE + spread + rates["MEDIAN"].map(rounding)
    distance_bound = (TOLERANCE + (own + spread + rates["distance"].abs() * 2 * spread)
                      / (rates["mad"] - 2 * spread) + rates["MADs_from_median"].map(rounding))
    assert ((rates["median"] - rates["pub_median"]).abs() <= median_bound).all()
    valued = rates["value"].notna()
    assert ((rates["distance"] - rates["pub_distance"]).abs() <= distance_bound)[valued].all()
    assert distance_bound[valued].max() < 1e-6  # the allowance stays small


def test_the_file_prints_numbers_with_at_most_10_or_at_least_16_digits() -> None:
    """The premise of the rounding allowance above."""
    published = pd.read_csv(PUBLISHED, dtype=str, keep_default_na=False)
    for column in ("Value", "MEDIAN", "MADs_from_median"):
        digits = published.loc[published[column] != "", column].map(significant_digits)
        assert not digits.between(11, 15).any(), column


def test_a_blank_value_has_no_distance_and_says_why() -> None:
    both = compared()
    blank = both[both["Value"] == ""]
    assert len(blank) > 100
    assert blank["distance"].isna().all() and blank["words"].isna().all()
    trace = result().trace
    reasons = trace[trace["field"].str.endswith("_mads_from_median")
                    & ~trace["field"].str.contains("_nn_")]
    keyed = reasons.set_index(["authority_code", "period", "field"])["reason"]
    for _, row in blank.head(20).iterrows():
        key = (row["Local authority code"], row["Financial year"],
               f"{row['Code']}_mads_from_median")
        assert keyed[key] == f"{row['Code']} missing"


def exact_words() -> pd.Series:
    """The comparison words from the exact (rational) distance of the printed values."""
    both = compared()
    words = pd.Series(None, index=both.index, dtype=object)
    for (_, code), group in both[both["value"].notna()].groupby(["Financial year", "Code"]):
        values = [Fraction(v) for v in group["Value"]]
        median = exact_median(values)
        mad = exact_median([abs(v - median) for v in values])
        labels = HIGHER_WORDS if code in SURVEY else NONE_WORDS
        for index, value in zip(group.index, values, strict=True):
            distance = (value - median) / mad
            words[index] = labels[sum(1 for cut in CUTS if distance >= cut)]
    return words


def exact_median(values: list[Fraction]) -> Fraction:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def test_the_words_follow_the_exact_distance_with_lower_inclusive_intervals() -> None:
    both = compared()
    want = exact_words()
    valued = both["value"].notna()
    assert (both.loc[valued, "words"] == want[valued]).all()
    # Distances exactly on a threshold occur in the real data and take the upper band.
    on_cut = both.loc[valued, "Value"].index[
        [any(abs(d - float(c)) < 1e-9 for c in CUTS) for d in both.loc[valued, "distance"]]]
    assert len(on_cut) >= 10
