"""The quantile step: Hyndman–Fan percentiles and quantile groups within strata."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from perfassess.core.problems import ProblemsFound
from perfassess.packs import LoadedPack
from tests.conftest import column, run_long, tiny_pack
from tests.unit.test_analysis import codes, table

SCORE = {"id": "s", "title": "S", "type": "number"}
GROUP = {"id": "g", "title": "G", "type": "label", "vocabulary": "grp"}
AREA = {"id": "a", "title": "A", "type": "label", "vocabulary": "area"}
LABELS = {"grp": ["x", "y"], "area": ["n", "s"]}
VALUES = [1, 2, 4, 7, 11]  # sorted already; n = 5


def quantile_pack(**extra: Any) -> LoadedPack:
    step: dict[str, Any] = {"id": "q", "kind": "quantile", "input": "s",
                            "status": "documented"}
    step.update(extra)
    written = [*step.get("probabilities", {}).values()] or ["s"]
    if "ntile" in step:
        written.append(step["ntile"]["output"])
    return tiny_pack([SCORE, GROUP, AREA], [step], rating=written[0], outputs=written,
                     vocabularies=LABELS)


def one_stratum(values: list[object]) -> list[tuple[str, str, str, object]]:
    return [(f"A{i}", "2001", "s", v) for i, v in enumerate(values)]


def values_of(pack: LoadedPack, rows: list[tuple[str, str, str, object]], name: str
              ) -> list[float]:
    return list(run_long(pack, rows).evaluation.frame.values[name])


@pytest.mark.parametrize(("definition", "expected"), [
    # R: quantile(c(1, 2, 4, 7, 11), c(0, .1, .2, .25, .5, .6, .9, 1), type = 7):
    # h = 4p; x[floor(h) + 1] + frac(h) * (next - it), 1-based:
    # 0 -> 1; .1 -> h .4: 1 + .4 = 1.4; .2 -> h .8: 1.8; .25 -> h 1: 2; .5 -> h 2: 4;
    # .6 -> h 2.4: 4 + .4 * 3 = 5.2; .9 -> h 3.6: 7 + .6 * 4 = 9.4; 1 -> 11.
    ("hf7", [1, 1.4, 1.8, 2, 4, 5.2, 9.4, 11]),
    ("r7", [1, 1.4, 1.8, 2, 4, 5.2, 9.4, 11]),
    # Type 2 (SAS PCTLDEF=5): np = 5p = j + g; g > 0: x(j+1); g = 0: (x(j) + x(j+1)) / 2:
    # 0 -> x(1) = 1; .1 -> .5: x(1) = 1; .2 -> 1 exactly: (1 + 2) / 2 = 1.5;
    # .25 -> 1.25: x(2) = 2; .5 -> 2.5: x(3) = 4; .6 -> 3: (4 + 7) / 2 = 5.5;
    # .9 -> 4.5: x(5) = 11; 1 -> 5: x(5) = 11.
    ("hf2", [1, 1, 1.5, 2, 4, 5.5, 11, 11]),
    ("sas5", [1, 1, 1.5, 2, 4, 5.5, 11, 11]),
])
def test_percentiles_by_definition(definition: str, expected: list[float]) -> None:
    probs = [0, 0.1, 0.2, 0.25, 0.5, 0.6, 0.9, 1]
    pack = quantile_pack(definition=definition,
                         probabilities={str(p): f"p{i}" for i, p in enumerate(probs)})
    result = run_long(pack, one_stratum([7, 1, 11, 4, 2]))  # order does not matter
    frame = result.evaluation.frame
    got = [frame.values[f"p{i}"][0] for i in range(len(probs))]
    assert got == pytest.approx(expected)
    assert all((frame.values[f"p{i}"] == got[i]).all() for i in range(len(probs)))


def test_the_default_definition_is_hf7() -> None:
    pack = quantile_pack(probabilities={"0.2": "p"})
    assert values_of(pack, one_stratum(VALUES), "p")[0] == pytest.approx(1.8)


def test_a_probability_times_n_that_is_whole_in_decimal_counts_as_whole() -> None:
    # 10 values, p = 0.3: 10 * 0.3 is 3.0000000000000004 in binary; type 2 averages
    # x(3) and x(4) = (3 + 4) / 2, not x(4) = 4.
    pack = quantile_pack(definition="hf2", probabilities={"0.3": "p"})
    assert values_of(pack, one_stratum(list(range(1, 11))), "p")[0] == 3.5


@pytest.mark.parametrize(("boundary", "expected"), [
    # hf2 median of 1, 2, 2, 3 is (x(2) + x(3)) / 2 = 2: the 2s sit on the boundary.
    ("lower", ["1", "1", "1", "2"]),
    ("upper", ["1", "2", "2", "2"]),
])
def test_a_value_on_a_boundary_falls_in_the_declared_group(boundary: str,
                                                           expected: list[str]) -> None:
    pack = quantile_pack(definition="hf2",
                         ntile={"k": 2, "output": "half", "boundary": boundary})
    assert column(run_long(pack, one_stratum([1, 2, 2, 3])), "half") == expected


def test_quartiles_as_groups() -> None:
    # hf7 over 1..8: boundaries at h = 7/4, 7/2, 21/4: 2.75, 4.5, 6.25.
    pack = quantile_pack(ntile={"k": 4, "output": "quartile"})
    got = column(run_long(pack, one_stratum([1, 2, 3, 4, 5, 6, 7, 8])), "quartile")
    assert got == ["1", "1", "2", "2", "3", "3", "4", "4"]


def test_strata_are_independent_periods_and_groups() -> None:
    pack = quantile_pack(by="g", probabilities={"0.5": "median"})
    rows = [("A", "2001", "s", 1), ("B", "2001", "s", 3), ("C", "2001", "s", 100),
            ("A", "2001", "g", "x"), ("B", "2001", "g", "x"), ("C", "2001", "g", "y"),
            ("A", "2002", "s", 50), ("A", "2002", "g", "x")]
    frame = run_long(pack, rows).evaluation.frame
    got = dict(zip(zip(frame.keys["authority_code"], frame.keys["period"], strict=True),
                   frame.values["median"], strict=True))
    assert got == {("A", "2001"): 2, ("B", "2001"): 2, ("C", "2001"): 100,
                   ("A", "2002"): 50}


def test_by_may_list_several_fields() -> None:
    pack = quantile_pack(by=["g", "a"], probabilities={"0.5": "median"})
    rows = [("A", "2001", "s", 1), ("B", "2001", "s", 3), ("C", "2001", "s", 5),
            ("A", "2001", "g", "x"), ("B", "2001", "g", "x"), ("C", "2001", "g", "x"),
            ("A", "2001", "a", "n"), ("B", "2001", "a", "n"), ("C", "2001", "a", "s")]
    assert values_of(pack, rows, "median") == [2, 2, 5]


def test_a_missing_value_gets_no_group_and_does_not_count() -> None:
    pack = quantile_pack(probabilities={"0.5": "median"}, ntile={"k": 2, "output": "half"})
    result = run_long(pack, one_stratum([1, None, 3, 10]))
    # median of 1, 3, 10 (not of four values): 3; every row of the stratum is given it.
    assert list(result.evaluation.frame.values["median"]) == [3, 3, 3, 3]
    assert column(result, "half") == ["1", "", "1", "2"]
    trace = result.trace
    row = trace[(trace["field"] == "half") & (trace["authority_code"] == "A1")].iloc[0]
    assert (row["outcome"], row["reason"]) == ("input_missing", "s missing")
    ok = trace[(trace["field"] == "half") & (trace["authority_code"] == "A0")].iloc[0]
    assert (ok["outcome"], ok["reason"]) == ("value", "hf7 within period (n = 3)")


def test_a_row_without_its_by_value_is_in_no_stratum() -> None:
    pack = quantile_pack(by="g", probabilities={"0.5": "median"},
                         ntile={"k": 2, "output": "half"})
    rows = [("A", "2001", "s", 1), ("B", "2001", "s", 3), ("C", "2001", "s", 100),
            ("A", "2001", "g", "x"), ("B", "2001", "g", "x")]
    result = run_long(pack, rows)
    assert values_of(pack, rows, "median") == pytest.approx([2, 2, np.nan], nan_ok=True)
    assert column(result, "half") == ["1", "2", ""]
    trace = result.trace
    row = trace[(trace["field"] == "median") & (trace["authority_code"] == "C")].iloc[0]
    assert (row["outcome"], row["reason"]) == ("by_missing", "g missing: in no stratum")


def test_a_stratum_without_values_has_no_percentile() -> None:
    pack = quantile_pack(by="g", probabilities={"0.5": "median"})
    rows = [("A", "2001", "s", 1), ("A", "2001", "g", "x"), ("B", "2001", "g", "y")]
    result = run_long(pack, rows)
    assert values_of(pack, rows, "median") == pytest.approx([1, np.nan], nan_ok=True)
    trace = result.trace
    row = trace[(trace["field"] == "median") & (trace["authority_code"] == "B")].iloc[0]
    assert row["outcome"] == "empty_stratum"


@pytest.mark.parametrize(("extra", "code", "words"), [
    ({"ntile": {"k": 1, "output": "o"}}, "E-PACK-SCHEMA", "ntile.k"),
    ({"ntile": {"k": 101, "output": "o"}}, "E-PACK-LIMIT", "at most 100 groups"),
    ({"ntile": {"k": 2, "output": "o", "boundary": "middle"}}, "E-PACK-SCHEMA", "boundary"),
    ({"probabilities": {"1.5": "o"}}, "E-PACK-SCHEMA", "not between 0 and 1"),
    ({"probabilities": {}}, "E-PACK-SCHEMA", "needs 'probabilities', 'ntile' or both"),
    ({"probabilities": {"0.5": "o"}, "definition": "hf9"}, "E-PACK-SCHEMA", "definition"),
    ({"probabilities": {"0.5": "o"}, "input": "t"}, "E-PACK-REF", "unknown field 't'"),
    ({"probabilities": {"0.5": "o"}, "by": ["g", "h"]}, "E-PACK-REF", "unknown field 'h'"),
    ({"probabilities": {"0.5": "o"}, "by": ["g", "g"]}, "E-PACK-SCHEMA", "named twice"),
    ({"probabilities": {"0.5": "o"}, "input": "g"}, "E-PACK-TYPE", "needs a number"),
])
def test_static_errors(extra: dict[str, Any], code: str, words: str) -> None:
    with pytest.raises(ProblemsFound) as caught:
        quantile_pack(**extra)
    problem = caught.value.problems.items[0]
    assert problem.code == code and words in problem.message


def test_a_decision_on_the_group_is_checked_over_its_k_values() -> None:
    step = {"id": "q", "kind": "quantile", "input": "x", "status": "documented",
            "ntile": {"k": 4, "output": "quartile"}}
    found = table([("quartile >= 2", 1)], steps=[step],
                  inputs=[{"id": "x", "title": "x", "type": "number", "required": True}])
    assert codes(found) == [("E-PACK-GAP", ("rules",))]
    assert "quartile = 1" in found[0].message


def test_no_stratum_at_all_gives_no_values() -> None:
    pack = quantile_pack(by="g", probabilities={"0.5": "median"},
                         ntile={"k": 3, "output": "third"})
    result = run_long(pack, one_stratum([1, 2, 3]))
    assert column(result, "median") == column(result, "third") == ["", "", ""]
    assert set(result.trace.loc[result.trace["step"] == "q", "outcome"]) == {"by_missing"}
