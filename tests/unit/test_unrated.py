"""W-NOT-RATED: every authority-period without a rating is named, with the step and why."""

from __future__ import annotations

import pandas as pd
import pytest

from perfassess.api import not_rated, score_table, warn_not_rated
from perfassess.core.problems import Problem
from perfassess.core.results import ScoreResult
from perfassess.engine.frame import TraceMode
from perfassess.packs import LoadedPack
from tests.conftest import tiny_pack

A = {"id": "a", "title": "A", "type": "number"}
B = {"id": "b", "title": "B", "type": "number"}
C = {"id": "c", "title": "C", "type": "number"}
BANDS = {"band": ["low", "high"]}


def scored(pack: LoadedPack, rows: list[tuple[str, str, str, object]],
           trace: TraceMode = "full") -> ScoreResult:
    table = pd.DataFrame(rows, columns=["authority_code", "period", "indicator", "value"])
    table["value"] = ["" if v is None else str(v) for v in table["value"]]
    result = score_table(pack, table, trace=trace)
    warn_not_rated(result)
    return result


def warnings(result: ScoreResult) -> list[Problem]:
    return [p for p in result.problems if p.code == "W-NOT-RATED"]


def require_pack() -> LoadedPack:
    return tiny_pack([A, B], [
        {"id": "whole", "kind": "require", "fields": ["a", "b"], "status": "documented",
         "reason": "no rating: missing {missing}"},
        {"id": "sum", "kind": "compute", "expr": "a + b", "output": "total",
         "status": "documented"},
        {"id": "rating", "kind": "band", "input": "total", "output": "rating", "cuts": [5],
         "vocabulary": "band", "status": "documented"}], rating="rating",
        vocabularies=BANDS)


@pytest.mark.parametrize("trace", ["full", "none"])
def test_a_required_field_missing_names_the_step_and_the_field(trace: TraceMode) -> None:
    result = scored(require_pack(), [("E1", "2024", "a", 3), ("E1", "2024", "b", 4),
                                     ("E2", "2024", "a", 1)], trace)
    [warning] = warnings(result)
    assert warning.value == "E2" and warning.column == "whole"
    assert warning.message == "E2 2024 is not rated: missing b (step whole)"


def test_a_decision_table_that_matches_no_row_is_named() -> None:
    pack = tiny_pack([A], [
        {"id": "verdict", "kind": "decide", "output": "rating", "vocabulary": "band",
         "rules": [{"id": "hi", "when": "a >= 5", "then": "high"},
                   {"id": "lo", "when": "a >= 0 and a < 2", "then": "low"}],
         "status": "documented"}], rating="rating", vocabularies=BANDS)
    result = scored(pack, [("E1", "2024", "a", 6), ("E2", "2024", "a", 3)], "none")
    [warning] = warnings(result)
    assert warning.column == "verdict"
    assert warning.message == "E2 2024 is not rated: verdict: no row matched"


def test_no_step_claims_it_the_rating_step_and_the_missing_input_are_named() -> None:
    # c is read on the way to the rating and every rated row has it; a is never needed.
    pack = tiny_pack([A, B, C], [
        {"id": "sum", "kind": "compute", "expr": "b + c", "output": "total",
         "status": "documented"},
        {"id": "rating", "kind": "band", "input": "total", "output": "rating", "cuts": [5],
         "vocabulary": "band", "status": "documented"}], rating="rating",
        vocabularies=BANDS)
    result = scored(pack, [("E1", "2024", "b", 3), ("E1", "2024", "c", 4),
                           ("E2", "2024", "b", 1), ("E2", "2024", "a", 1)], "none")
    [warning] = warnings(result)
    assert warning.column == "rating"
    assert warning.message == ("E2 2024 is not rated: rating could not be determined; "
                               "no value for c, which every rated authority has (step rating)")
    table = not_rated(result)
    assert table.to_dict(orient="records") == [{
        "authority_code": "E2", "authority_name": "", "period": "2024", "step": "rating",
        "reason": "no rating: rating could not be determined; no value for c, which every "
                  "rated authority has", "missing_inputs": "c"}]


def test_a_rating_no_step_explains_names_nothing_when_nothing_was_rated() -> None:
    pack = tiny_pack([A, B], [
        {"id": "sum", "kind": "compute", "expr": "a + b", "output": "total",
         "status": "documented"},
        {"id": "rating", "kind": "band", "input": "total", "output": "rating", "cuts": [5],
         "vocabulary": "band", "status": "documented"}], rating="rating",
        vocabularies=BANDS)
    result = scored(pack, [("E1", "2024", "a", 3), ("E2", "2024", "b", 1)], "none")
    assert set(result.ratings["rating_note"]) == {"no rating: rating could not be determined"}


def test_a_rated_run_has_no_warning() -> None:
    result = scored(require_pack(), [("E1", "2024", "a", 3), ("E1", "2024", "b", 4)])
    assert warnings(result) == [] and not_rated(result).empty


def test_beyond_the_kept_warnings_the_rest_are_counted() -> None:
    pack = require_pack()
    rows: list[tuple[str, str, str, object]] = [("E0", "2024", "a", 1), ("E0", "2024", "b", 1)]
    rows += [(f"E{i}", "2024", "a", 1) for i in range(1, 30)]
    table = pd.DataFrame(rows, columns=["authority_code", "period", "indicator", "value"])
    table["value"] = table["value"].astype(str)
    result = score_table(pack, table, trace="none")
    result.problems.limit = 10
    warn_not_rated(result)
    assert len(warnings(result)) == 10 and result.problems.counts["W-NOT-RATED"] == 29
