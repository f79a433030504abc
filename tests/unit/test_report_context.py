"""Report contexts, checked against values worked out by hand from tests/golden/input."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from perfassess.api import Reference, score
from perfassess.report.area import Layout, area_contexts, prepare_tables
from perfassess.report.change import previous_ratings
from perfassess.report.data import RunData
from perfassess.report.facts import number, ordinal, pack_facts
from perfassess.report.national import national_contexts
from tests.e2e.reports_fixture import INPUT


def contexts(pack: str, file: str) -> tuple[dict[tuple[str, str], dict[str, Any]],
                                            dict[str, dict[str, Any]]]:
    result = score(pack, [INPUT / file], reference=Reference.read(INPUT / "reference.csv"))
    data = RunData.from_result(result)
    facts = pack_facts(data.loaded)
    tables = prepare_tables(data, facts)
    layout = Layout.of(tables.ratings)
    areas = {(c["authority"]["code"], c["period"]): c
             for c in area_contexts(data, facts, tables, layout)}
    national = {c["period"]: c for c in national_contexts(data, facts, tables, layout)}
    return areas, national


@pytest.fixture(scope="module")
def ss() -> tuple[dict[tuple[str, str], dict[str, Any]], dict[str, dict[str, Any]]]:
    return contexts("ss-stars-2002", "ss_stars.csv")


@pytest.fixture(scope="module")
def cqc() -> tuple[dict[tuple[str, str], dict[str, Any]], dict[str, dict[str, Any]]]:
    return contexts("cqc-la-2024", "cqc.csv")


def test_star_ratings_and_the_change_since_last_period(ss: Any) -> None:
    areas, _ = ss
    # Hartlepool 2002: A1 22% > 20 with 30 cases caps children Yes -> Some; adults Most;
    # one Some, one Most, prospects Promising -> row4, 2 stars. 2003: D38 75 < 80 caps
    # adults Yes -> Most; children Yes -> row2, 3 stars: up 1.
    h02, h03 = areas[("E06000001", "2002")], areas[("E06000001", "2003")]
    assert (h02["rating"]["label"], h02["rating"]["stars"], h02["rating"]["max_stars"]) == (
        "2 stars", 2, 3)
    assert h02["rating"]["decided_by"] == "stars/row4"
    assert h03["rating"]["stars"] == 3 and h03["rating"]["decided_by"] == "stars/row2"
    assert h03["previous"]["period"] == "2002" and h03["previous"]["direction"] == "improved"
    assert h03["previous"]["change"] == "+1" and h03["previous"]["arrow"] == "up"
    assert h03["previous"]["href"] == "../../2002/areas/E06000001.html"
    assert h02["previous"] is None
    # Middlesbrough: 2002 Some/Uncertain + Most/Promising -> no row -> default 1 star;
    # 2003 adults No -> row1, 0 stars: down 1.
    m03 = areas[("E06000002", "2003")]
    assert m03["rating"]["label"] == "0 stars" and m03["previous"]["direction"] == "declined"
    assert m03["previous"]["change"] == "-1" and m03["previous"]["step"] == "travel"
    assert areas[("E06000002", "2002")]["rating"]["decided_by"] == "stars/row5"


def test_caps_that_fired_bit_or_were_excused(ss: Any) -> None:
    areas, _ = ss
    children = {lim["step"]: lim for lim in areas[("E06000001", "2002")]["limits"]}[
        "caps.children"]
    assert children["changed"] and children["value"] == "Some"
    assert [c["cap"] for c in children["fired"]] == ["A1-2002"]
    assert children["outcome"] == "capped from Yes"
    # Middlesbrough 2003: A1 30% > 20 but only 5 cases (< 10): exempt, children stay Most.
    m = {lim["step"]: lim for lim in areas[("E06000002", "2003")]["limits"]}["caps.children"]
    kinds = {c["cap"]: c["kind"] for c in m["caps"]}
    assert kinds["A1-later"] == "exempt" and m["value"] == "Most" and not m["changed"]


def test_inputs_bands_percentiles_and_domains(ss: Any) -> None:
    areas, _ = ss
    h = areas[("E06000001", "2002")]
    rows = {r["id"]: r for r in h["inputs"]}
    # D38 85 is in [85, 90): "good", position 4 of 5; the two councils returned 85 and 90,
    # so 85 is the lower: mid-rank percentile (1 - 0.5) / 2 = 25.
    d38 = rows["D38"]
    assert d38["value"] == "85" and d38["unit"] == "%"
    assert d38["band"]["label"] == "good" and d38["band"]["position"] == 3
    assert d38["band"]["of"] == 5 and d38["band"]["status"] == "illustrative"
    dist = d38["distribution"]
    assert (dist["percentile"], dist["n"], dist["median"]) == (25, 2, "87.5")
    # D38 declares 0-100: the strip is drawn on that scale (85 at 2 + 85), not the two
    # returned values' own range, and its ends are labelled.
    assert (dist["x"], dist["x_median"]) == (87.0, 89.5)
    assert (dist["axis_lo"], dist["axis_hi"]) == ("0", "100")
    assert '<span class="ax">0</span>' in dist["svg"] and dist["svg"].endswith(
        '<span class="ax">100</span>')
    # Of the one other council, which returned 90 (higher is better): ties counted apart.
    assert dist["standing"] == "better than 0% of authorities"
    # B12 500 is in [480, 600): "very good" for a best-within-a-range input; 75th of 2.
    assert rows["B12"]["band"]["label"] == "very good"
    assert rows["B12"]["distribution"]["percentile"] == 75
    assert rows["A1"]["note"] == "placements counted at 31 March"
    # Domain D holds D38 (good): the band counts follow the paf_band vocabulary.
    domain_d = {d["name"]: d for d in h["domains"]}["D"]
    assert {c["label"]: c["count"] for c in domain_d["band_counts"]}["good"] == 1
    assert h["band_status"] == "illustrative"
    assert any("No return for" in q and "A3" in q for q in h["quality"])


def test_distance_to_the_next_cqc_band(cqc: Any) -> None:
    areas, _ = cqc
    # City of London: 9 x 3 = 27 of 36 = 75% -> Good [63, 88): 13 short of 88, 12 above 63.
    nb = areas[("E09000001", "2024")]["next_band"]
    assert (nb["value"], nb["label"]) == ("75", "Good")
    above, below = nb["neighbours"]
    assert (above["label"], above["distance"], above["where"], above["better"]) == (
        "Outstanding", "13", "88 or more", True)
    assert (below["label"], below["distance"], below["where"], below["better"]) == (
        "Requires improvement", "12", "below 63", False)
    # X2: 9 x 2 = 18 = 50% -> Requires improvement: 13 short of Good, 11 above Inadequate.
    nb = areas[("X2", "2024")]["next_band"]
    assert [(n["label"], n["distance"]) for n in nb["neighbours"]] == [
        ("Good", "13"), ("Inadequate", "11")]
    assert areas[("../evil<b>", "2024")]["next_band"] is None


def test_national_summary_league_distribution_and_movers(ss: Any, cqc: Any) -> None:
    _, national = cqc
    n = national["2024"]
    # 35/36 = 97.2 Outstanding, 75 Good, 50 Requires improvement, one not rated.
    assert [(r["code"], r["rank"]) for r in n["league"]] == [
        ("X1", 1), ("E09000001", 2), ("X2", 3), ("../evil<b>", None)]
    assert [(d["label"], d["count"]) for d in n["distribution"]] == [
        ("Inadequate", 0), ("Requires improvement", 1), ("Good", 1), ("Outstanding", 1)]
    assert [r["code"] for r in n["unrated"]] == ["../evil<b>"]
    assert "qs9_learning_improvement_innovation" in n["unrated"][0]["note"]
    assert [f["id"] for f in n["sort_fields"]] == ["percent_score"]
    assert [s["value"] for r in n["league"] for s in r["sort"]] == ["97.22", "75", "50", ""]
    _, ss_national = ss
    movers = ss_national["2003"]["movers"]
    assert [r["code"] for r in movers["up"]] == ["E06000001"]
    assert [r["code"] for r in movers["down"]] == ["E06000002"]
    assert ss_national["2002"]["previous_period"] is None


def test_previous_ratings_skip_unrated_periods_and_compare_positions() -> None:
    ratings = pd.DataFrame({
        "authority_code": ["A", "A", "A", "B", "B"],
        "period": ["2003", "2001", "2002", "2001", "2002"],
        "rating": ["Good", "Poor", None, "Good", "Good"],
    })
    out = previous_ratings(ratings, ["Poor", "Fair", "Good"])
    # A 2003 (Good) follows A 2001 (Poor), skipping the unrated 2002: up 2 steps.
    assert out.loc[0, "previous_period"] == "2001" and out.loc[0, "change"] == 2.0
    assert out.loc[1, "previous_period"] is None
    assert out.loc[2, "previous_period"] is None  # unrated rows get no comparison
    assert out.loc[4, "previous_rating"] == "Good" and out.loc[4, "change"] == 0.0


def test_numbers_and_ordinals_for_people() -> None:
    assert [number(x) for x in (3.0, 72.2222, 0.125, -0.001, 1e6)] == [
        "3", "72.22", "0.13", "0", "1000000"]
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 100, 101)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "100th", "101st"]
