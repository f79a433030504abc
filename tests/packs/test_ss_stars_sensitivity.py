"""ss-stars-2002's declared uncertainty: its alternative star table, and its default run."""

from __future__ import annotations

import pandas as pd
import pytest

from perfassess.api import score, score_table
from perfassess.packs import LoadedPack, load_pack
from perfassess.sensitivity.declare import declare
from perfassess.sensitivity.run import SensitivityOptions, sensitivity
from tests.conftest import ROOT

SAMPLE = ROOT / "data" / "sample" / "ss_stars_2002_2005.csv"

# The published cases of the methodology note (adults serving / prospects, children
# serving / prospects, stars); every reading of the star table must reproduce them.
PUBLISHED = [
    ("HULL", "2002", "Some", "Promising", "Most", "Promising", "2 stars"),
    ("IOW", "2005", "Most", "Promising", "Some", "Promising", "2 stars"),
    ("HEREFORD", "2002", "Some", "Promising", "Some", "Promising", "1 star"),
    ("WALSALL", "2002", "No", "Poor", "No", "Poor", "0 stars"),
    ("NOTCHILD", "2004", "Yes", "Excellent", "No", "Promising", "0 stars"),
]


@pytest.fixture(scope="module")
def alternative() -> LoadedPack:
    loaded = load_pack("ss-stars-2002")
    assert loaded.pack.uncertainty is not None
    declared, findings = declare(loaded.pack, loaded.plan, loaded.folder,
                                 loaded.pack.uncertainty, bins=2, vary_documented=False)
    assert findings == []
    (stars,) = declared.alternatives
    assert stars.variants == ("as written", "stars-performance-first")
    plan = declared.plans[(1,)]
    return LoadedPack(plan.pack, plan, loaded.folder, "sha256:alternative")


def judgements(rows: list[tuple[str, ...]]) -> pd.DataFrame:
    long = []
    for code, period, a_s, a_p, c_s, c_p, *_ in rows:
        for indicator, value in (("adults_serving", a_s), ("adults_prospects", a_p),
                                 ("children_serving", c_s), ("children_prospects", c_p)):
            long.append((code, period, indicator, value))
    return pd.DataFrame(long, columns=["authority_code", "period", "indicator", "value"])


def test_the_alternative_star_table_reproduces_every_published_case(
        alternative: LoadedPack) -> None:
    ratings = score_table(alternative, judgements(PUBLISHED)).ratings.set_index(
        "authority_code")["rating"]
    for code, *_, stars in PUBLISHED:
        assert ratings[code] == stars, code


def test_the_alternative_differs_where_prospects_are_in_doubt(alternative: LoadedPack) -> None:
    # Both groups served well ('Yes') with uncertain prospects: as written, 2 stars (row 3:
    # prospects short of 'Promising'); performance first, 3 stars. One group partly served
    # with one promising prospect: as written 1 star (row 4 needs both), here 2 stars.
    cases = [("BOTHYES", "2003", "Yes", "Uncertain", "Yes", "Uncertain"),
             ("PARTLY", "2003", "Some", "Promising", "Most", "Uncertain")]
    as_written = score_table("ss-stars-2002", judgements(cases)).ratings["rating"].tolist()
    other = score_table(alternative, judgements(cases)).ratings["rating"].tolist()
    assert as_written == ["2 stars", "1 star"]
    assert other == ["3 stars", "2 stars"]


def test_the_default_run_keeps_the_computed_ratings_and_holds_2002() -> None:
    run = sensitivity("ss-stars-2002", [SAMPLE], SensitivityOptions(draws=100, seed=1))
    scored = score("ss-stars-2002", [SAMPLE], trace="none").ratings
    stability = run.results.stability
    assert stability["rating"].tolist() == scored["rating"].fillna("").tolist()
    assert stability["authority_code"].tolist() == scored["authority_code"].tolist()
    assert run.declared.held == ["parameter a1_max_2002", "parameter a3_max_2002",
                                 "parameter d38_min_2002"]
    assert {f.target for f in run.declared.factors} >= {"stars", "A1", "min_cases"}
