"""Change since the previous period in reports: the pack's travel step, or the fallback."""

from __future__ import annotations

import pandas as pd

from perfassess.api import score_table
from perfassess.report.area import Layout, area_contexts, prepare_tables
from perfassess.report.change import changes
from perfassess.report.data import RunData
from perfassess.report.facts import pack_facts
from tests.conftest import run_long, tiny_pack

COUNT = {"id": "n", "title": "Measures worse than England", "type": "integer"}


def lower_better_pack(with_travel: bool) -> object:
    steps: list[dict[str, object]] = [
        {"id": "copy", "kind": "compute", "expr": "n", "output": "worse",
         "status": "documented"}]
    outputs = ["worse"]
    if with_travel:
        steps.append({"id": "trend", "kind": "travel", "input": "worse", "better": "lower",
                      "status": "documented",
                      "outputs": {"previous": "was", "change": "delta", "direction": "dir"}})
        outputs += ["was", "delta", "dir"]
    return tiny_pack([COUNT], steps, rating="worse", outputs=outputs)


def contexts(result: object) -> dict[tuple[str, str], dict[str, object]]:
    data = RunData.from_result(result)  # type: ignore[arg-type]
    facts = pack_facts(data.loaded)
    tables = prepare_tables(data, facts)
    return {(c["authority"]["code"], c["period"]): c
            for c in area_contexts(data, facts, tables, Layout.of(tables.ratings))}


ROWS = [("A", "2001", "n", 3), ("A", "2002", "n", 1), ("A", "2003", "n", 2),
        ("B", "2002", "n", 0)]


def test_the_travel_step_decides_direction_where_lower_is_better() -> None:
    # A: 3 -> 1 measures worse is two fewer: improved, change -2; 1 -> 2: declined, +1.
    areas = contexts(run_long(lower_better_pack(True), ROWS))
    a02, a03 = areas[("A", "2002")]["previous"], areas[("A", "2003")]["previous"]
    assert (a02["period"], a02["rating"], a02["change"], a02["direction"], a02["arrow"]) == (
        "2001", "3", "-2", "improved", "up")
    assert (a03["period"], a03["rating"], a03["change"], a03["direction"]) == (
        "2002", "1", "+1", "declined")
    assert a03["step"] == "trend" and a03["href"] == "../../2002/areas/A.html"
    # First periods are "new": nothing to show.
    assert areas[("A", "2001")]["previous"] is None and areas[("B", "2002")]["previous"] is None


def test_without_a_travel_step_higher_is_better_by_default() -> None:
    # The fallback knows nothing of "lower is better": 3 -> 1 reads as a fall.
    result = run_long(lower_better_pack(False), ROWS)
    areas = contexts(result)
    a02 = areas[("A", "2002")]["previous"]
    assert (a02["change"], a02["direction"], a02["step"]) == ("-2", "declined", "")
    table = changes(result.ratings.reset_index(drop=True), result.trace,
                    pack_facts(result.pack))
    assert table["direction"].tolist() == [None, "declined", "improved", None]


def test_travel_outputs_are_read_from_the_trace_when_not_published() -> None:
    pack = lower_better_pack(True)
    result = run_long(pack, ROWS)
    ratings = result.ratings.drop(columns=["was", "delta", "dir"]).reset_index(drop=True)
    table = changes(ratings, result.trace, pack_facts(result.pack))
    assert table["direction"].tolist() == ["new", "improved", "declined", "new"]
    assert table["previous_period"].tolist() == [None, "2001", "2002", None]


def test_a_previous_value_from_an_earlier_run_names_its_period_but_links_nowhere() -> None:
    history = pd.DataFrame({"authority_code": ["A"], "period": ["1999"], "worse": [5]})
    table = pd.DataFrame({"authority_code": ["A"], "period": ["2001"], "indicator": ["n"],
                          "value": ["3"]})
    areas = contexts(score_table(lower_better_pack(True), table, history=history))
    previous = areas[("A", "2001")]["previous"]
    assert (previous["period"], previous["rating"], previous["direction"]) == (
        "1999", "5", "improved")
    assert previous["href"] == "" and previous["href_md"] == ""


def test_the_league_puts_the_best_first_where_lower_is_better() -> None:
    from perfassess.report.national import national_contexts

    result = run_long(lower_better_pack(True), ROWS)
    data = RunData.from_result(result)
    facts = pack_facts(data.loaded)
    tables = prepare_tables(data, facts)
    national = {c["period"]: c for c in national_contexts(
        data, facts, tables, Layout.of(tables.ratings))}
    # 2002: B has 0 measures worse, A has 1: B is first. A improved (3 -> 1) since 2001.
    league = national["2002"]["league"]
    assert [(r["code"], r["rank"]) for r in league] == [("B", 1), ("A", 2)]
    assert [r["code"] for r in national["2002"]["movers"]["up"]] == ["A"]
    assert national["2003"]["movers"]["down"][0]["change"] == "+1"
