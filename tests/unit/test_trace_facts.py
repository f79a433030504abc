"""The trace's facts beside its reasons: outcome codes and details, as docs/trace.md lists."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from perfassess.api import score_table
from perfassess.engine.frame import TRACE_COLUMNS
from tests.conftest import run_long, tiny_pack
from tests.unit.test_steps import decide_pack, limit_pack, travel_pack

FACTS = ["rule_id", "outcome", "decision_row", "from_value", "to_value", "previous_period"]


def facts(trace: pd.DataFrame, code: str, step: str) -> list[tuple[str, ...]]:
    rows = trace[(trace["authority_code"] == code) & (trace["step"] == step)]
    return [tuple(r) for r in rows[FACTS].itertuples(index=False)]


def test_the_trace_has_its_documented_columns_in_order() -> None:
    result = run_long(decide_pack(), [("A", "2001", "s", 15)])
    assert tuple(result.trace.columns) == TRACE_COLUMNS
    documented = (Path(__file__).parents[2] / "docs" / "trace.md").read_text(encoding="utf-8")
    assert all(f"| `{column}` |" in documented for column in TRACE_COLUMNS)
    outcomes = set(result.trace["outcome"])
    assert outcomes == {"input", "row_fired"}


def test_a_limit_step_records_each_cap_and_what_it_did() -> None:
    rows = [
        ("A", "2001", "j", "Yes"), ("A", "2001", "s", 35), ("A", "2001", "n", 50),  # both
        ("B", "2001", "j", "No"), ("B", "2001", "s", 25), ("B", "2001", "n", 50),   # within
        ("D", "2001", "j", "Yes"), ("D", "2001", "s", 25), ("D", "2001", "n", 5),   # exempt
        ("E", "2001", "j", "Yes"), ("E", "2001", "n", 50),                          # s missing
    ]
    trace = run_long(limit_pack(), rows).trace
    assert facts(trace, "A", "caps") == [
        ("caps/c1", "cap_fired", "", "", "Some", ""),
        ("caps/c2", "cap_fired", "", "", "No", ""),
        ("caps", "capped", "", "Yes", "No", "")]
    assert facts(trace, "B", "caps") == [
        ("caps/c1", "cap_fired", "", "", "Some", ""), ("caps", "no_cap", "", "", "", "")]
    assert facts(trace, "D", "caps") == [
        ("caps/c1", "cap_exempt", "", "", "Some", ""), ("caps", "no_cap", "", "", "", "")]
    assert [f[1] for f in facts(trace, "E", "caps")] == [
        "not_evaluated", "not_evaluated", "no_cap"]


def test_a_decision_records_the_row_that_decided_or_the_default() -> None:
    pack = decide_pack(default={"then": "0 stars", "status": "documented"})
    rows = [("A", "2001", "s", 15), ("B", "2001", "s", 5), ("C", "2001", "s", -1)]
    trace = run_long(pack, rows).trace
    assert facts(trace, "A", "d") == [("d/high", "row_fired", "high", "", "", "")]
    assert facts(trace, "B", "d") == [("d/any", "row_fired", "any", "", "", "")]
    assert facts(trace, "C", "d") == [("d/default", "default", "default", "", "", "")]
    clash = run_long(decide_pack("unique"), [("A", "2001", "s", 15)]).trace
    assert facts(clash, "A", "d")[0][1:3] == ("clash", "")


def test_travel_records_the_period_it_compared_with_even_from_an_earlier_run() -> None:
    history = pd.DataFrame({"authority_code": ["A"], "period": ["2001"],
                            "rating": ["2 stars"]})
    table = pd.DataFrame({"authority_code": ["A", "A", "B"], "period": ["2002", "2003", "2003"],
                          "indicator": ["j"] * 3, "value": ["1 star", "2 stars", "0 stars"]})
    trace = score_table(travel_pack(), table, history=history).trace
    prev = trace[trace["field"] == "prev"]
    assert list(zip(prev["authority_code"], prev["outcome"], prev["previous_period"],
                    strict=True)) == [("A", "compared", "2001"), ("A", "compared", "2002")]
    new = trace[(trace["authority_code"] == "B") & (trace["field"] == "dir")]
    assert list(new["outcome"]) == ["no_previous"] and list(new["previous_period"]) == [""]


def test_a_missing_requirement_is_its_own_outcome() -> None:
    inputs = [{"id": "a", "title": "a", "type": "integer", "required": True}]
    steps = [{"id": "c", "kind": "compute", "expr": "a", "output": "out",
              "status": "documented"}]
    trace = run_long(tiny_pack(inputs, steps, rating="out"), [("A", "2001", "a", None),
                                                              ("B", "2001", "a", 1)]).trace
    assert list(trace["outcome"]) == ["input", "required_missing", "input", "value"]
