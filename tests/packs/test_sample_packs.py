"""The new packs on their sample data: every council rated, the rules exercised."""

from __future__ import annotations

import pandas as pd

from perfassess.api import score, score_table
from tests.conftest import ROOT

SAMPLE = ROOT / "data" / "sample"
COUNCILS = pd.read_csv(ROOT / "data" / "reference" / "authorities.csv", dtype=str,
                       keep_default_na=False)
LONG = ["authority_code", "period", "indicator", "value"]


def social_services_from_stars() -> pd.DataFrame:
    """cpa-2002's social_services as the note defines it: ss-stars-2002's stars plus one.
    (Until the run can feed one pack from another, the test supplies it explicitly.)"""
    stars = score("ss-stars-2002", [SAMPLE / "ss_stars_2002_2005.csv"]).ratings
    stars = stars[stars["period"] <= "2004"]
    return pd.DataFrame({"authority_code": stars["authority_code"], "period": stars["period"],
                         "indicator": "social_services",
                         "value": (stars["rating"].str[0].astype(int) + 1).astype(str)})


def test_cpa_2002_sample_lacks_social_services_and_is_rated_once_it_is_supplied() -> None:
    sample = pd.read_csv(SAMPLE / "cpa_2002_2004.csv", dtype=str, keep_default_na=False)
    assert "social_services" not in set(sample["indicator"])
    ratings = score_table("cpa-2002", pd.concat([sample[LONG], social_services_from_stars()]),
                          trace="none").ratings
    assert len(ratings) == 450 and ratings["rating"].notna().all()
    assert set(ratings["rating"]) == {"poor", "weak", "fair", "good", "excellent"}
    fired = ratings["overrides_fired"].fillna("")
    for override in ("key-score-of-1", "service-score-of-1", "excellent-needs-3s"):
        assert fired.str.contains(override).any(), override
    lowered = ratings[ratings["rating"] != ratings["matrix_category"]]
    assert len(lowered) > 10 and (lowered["overrides_fired"] != "").all()
    counties = COUNCILS.loc[COUNCILS["authority_type"] == "Shire county", "authority_code"]
    county_rows = sample[sample["authority_code"].isin(counties)
                         & sample["indicator"].isin(["housing", "benefits"])]
    assert (county_rows["value"] == "n/a").all()


def test_csci_sample_rates_every_council_in_every_year() -> None:
    ratings = score("csci-adults-2006", [SAMPLE / "csci_2006_2008.csv"], trace="none").ratings
    assert len(ratings) == 450 and ratings["rating"].notna().all()
    assert set(ratings["authority_code"]) == set(COUNCILS["authority_code"])
    assert set(ratings["rating"]) == {"0 stars", "1 star", "2 stars", "3 stars"}
    assert ratings["outcome_dignity_respect"].notna().all()


def test_caa_sample_holds_the_councils_existing_in_2009_with_flag_titles() -> None:
    result = score("caa-2009", [SAMPLE / "caa_2009.csv"], trace="none")
    ratings = result.ratings
    existing = COUNCILS[(COUNCILS["end_date"] == "") | (COUNCILS["end_date"] > "2009-12-31")]
    assert set(ratings["authority_code"]) == set(existing["authority_code"])
    assert len(ratings) == 143 and ratings["rating"].notna().all()
    assert {"E10000005", "E10000010"}.isdisjoint(ratings["authority_code"])  # Cornwall, Durham
    notes = result.returns.notes
    assert set(notes["indicator"]) == {"red_flags", "green_flags"}
    assert notes["note"].str.contains("Red flag: ").any()
    assert notes["note"].str.contains("Green flag: ").any()
    # Titles are given only where there are flags, never more titles than flags.
    counts = pd.read_csv(SAMPLE / "caa_2009.csv", dtype=str, keep_default_na=False)
    titled = counts[counts["note"] != ""]
    assert (titled["note"].str.count("flag: ") == titled["value"].astype(int)).all()


def test_oflog_sample_rates_every_council_year() -> None:
    ratings = score("oflog-asc", [SAMPLE / "oflog_asc_2015_2019.csv"], trace="none").ratings
    assert len(ratings) == 608 and ratings["rating"].notna().all()
    assert (ratings["rating_status"] == "illustrative").all()
