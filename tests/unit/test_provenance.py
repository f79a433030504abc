"""Provenance by counterfactual: a value is uncertain only where an uncertain rule mattered."""

from __future__ import annotations

import pandas as pd
import pytest

from perfassess.api import score_table
from perfassess.packs import load_pack
from tests.conftest import run_long, tiny_pack

SCORE = {"id": "s", "title": "S", "type": "number"}
BANDS = {"band": ["low", "mid", "high"]}


def rounded_band(round_status: str) -> object:
    return tiny_pack([SCORE], [
        {"id": "r", "kind": "round", "input": "s", "output": "s_rounded",
         "status": round_status},
        {"id": "b", "kind": "band", "input": "s_rounded", "output": "out", "cuts": [10, 20],
         "vocabulary": "band", "status": "documented"},
    ], rating="out", vocabularies=BANDS)


def statuses(result: object, field: str) -> list[str]:
    trace = result.trace  # type: ignore[attr-defined]
    return list(trace[trace["field"] == field].sort_values("authority_code")["status"])


def test_a_rounding_marks_a_band_only_where_it_moved_it() -> None:
    # 9.6 rounds to 10 (band mid, low without the rounding); 12.4 rounds to 12 (mid either
    # way); 15 is not changed at all.
    result = run_long(rounded_band("reconstructed"),
                      [("A", "2001", "s", 9.6), ("B", "2001", "s", 12.4), ("C", "2001", "s", 15)])
    assert list(result.ratings["rating_status"]) == ["reconstructed", "documented",
                                                     "documented"]
    # The rounded number itself depends on the rounding wherever it changed it.
    assert statuses(result, "s_rounded") == ["reconstructed", "reconstructed", "documented"]
    assert statuses(result, "out") == ["reconstructed", "documented", "documented"]


def test_an_illustrative_rounding_marks_illustrative() -> None:
    result = run_long(rounded_band("illustrative"), [("A", "2001", "s", 9.6)])
    assert list(result.ratings["rating_status"]) == ["illustrative"]


def test_the_marks_do_not_depend_on_the_trace() -> None:
    rows = [("A", "2001", "s", 9.6), ("B", "2001", "s", 12.4)]
    table = pd.DataFrame(rows, columns=["authority_code", "period", "indicator", "value"])
    table["value"] = table["value"].astype(str)
    full, none = (score_table(rounded_band("reconstructed"), table, trace=mode)
                  for mode in ("full", "none"))
    assert list(full.ratings["rating_status"]) == list(none.ratings["rating_status"])


def capped_pack() -> object:
    return tiny_pack([SCORE, {"id": "flag", "title": "F", "type": "number"}], [
        {"id": "b", "kind": "band", "input": "s", "output": "banded", "cuts": [10, 20],
         "vocabulary": "band", "status": "documented"},
        {"id": "cap", "kind": "limit", "input": "banded", "output": "out", "status": "documented",
         "caps": [{"id": "flagged", "when": "flag > 0", "at_most": "mid",
                   "reason": "flagged", "status": "reconstructed"}]},
    ], rating="out", vocabularies=BANDS)


def test_a_cap_marks_only_where_it_lowered() -> None:
    rows = [("A", "2001", "s", 25), ("A", "2001", "flag", 1),   # high -> mid: capped
            ("B", "2001", "s", 15), ("B", "2001", "flag", 1),   # mid already: no effect
            ("C", "2001", "s", 25), ("C", "2001", "flag", 0)]   # the cap does not hold
    result = run_long(capped_pack(), rows)
    assert list(result.ratings["rating"].astype(str)) == ["mid", "mid", "high"]
    assert list(result.ratings["rating_status"]) == ["reconstructed", "documented",
                                                     "documented"]


def test_a_rule_without_a_counterfactual_still_marks_what_it_produces() -> None:
    pack = tiny_pack([SCORE], [
        {"id": "b", "kind": "band", "input": "s", "output": "out", "cuts": [10, 20],
         "vocabulary": "band", "status": "reconstructed"},
    ], rating="out", vocabularies=BANDS)
    result = run_long(pack, [("A", "2001", "s", 5)])
    assert list(result.ratings["rating_status"]) == ["reconstructed"]
    assert pack.plan.counterfactuals == ()


def cqc_council(scores: list[int], code: str) -> list[tuple[str, str, str, str]]:
    pack = load_pack("cqc-la-2024")
    statements = [spec.id for spec in pack.pack.inputs][:9]
    return [(code, "2024", qs, str(v)) for qs, v in zip(statements, scores, strict=True)]


@pytest.fixture(scope="module")
def cqc_every_total() -> pd.DataFrame:
    rows = []
    for total in range(9, 37):
        twos_and_more = total - 9  # start from all ones and add a point at a time
        scores = [1 + min(3, max(0, twos_and_more - 3 * k)) for k in range(9)]
        assert sum(scores) == total
        rows += cqc_council(scores, f"T{total:02d}")
    table = pd.DataFrame(rows, columns=["authority_code", "period", "indicator", "value"])
    return score_table(load_pack("cqc-la-2024"), table, trace="none").ratings


def test_cqc_only_a_total_of_14_depends_on_the_rounding(cqc_every_total: pd.DataFrame) -> None:
    ratings = cqc_every_total
    uncertain = ratings.loc[ratings["rating_status"] != "documented", "total_score"]
    assert list(uncertain) == [14]
    assert set(ratings["rating_status"]) == {"documented", "reconstructed"}
