"""Pack parameters: named numbers with a status, read by expressions, band cuts and weights."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from perfassess.core.problems import ProblemsFound
from perfassess.engine.frame import Frame, Trace
from perfassess.packs import LoadedPack, pack_from_data
from tests.conftest import column, run_long

SCORE = {"id": "s", "title": "S", "type": "number"}
BANDS = {"band": ["low", "mid", "high"]}


def pack(steps: list[dict[str, Any]], parameters: dict[str, Any], *, rating: str = "out",
         inputs: list[dict[str, Any]] | None = None,
         vocabularies: dict[str, list[str]] | None = None) -> LoadedPack:
    return pack_from_data({
        "id": "tiny", "title": "Tiny", "version": "1.0.0", "assessor": "tests",
        "periods": {"first": "2000"}, "vocabularies": vocabularies or BANDS,
        "inputs": inputs or [SCORE], "parameters": parameters,
        "rating": {"field": rating}, "outputs": [rating], "steps": steps,
    })


def codes(problems: ProblemsFound) -> list[str]:
    return [p.code for p in problems.problems.items]


def test_an_expression_reads_a_parameter_and_takes_its_status() -> None:
    loaded = pack([{"id": "c", "kind": "compute", "expr": "s - limit", "output": "out",
                    "status": "documented"}],
                  {"limit": {"value": 20, "status": "illustrative"}})
    result = run_long(loaded, [("A", "2001", "s", 25)])
    assert column(result, "out") == ["5"]
    assert result.ratings["rating_status"].tolist() == ["illustrative"]


def test_a_cut_named_by_a_parameter_bands_as_its_value() -> None:
    step = {"id": "b", "kind": "band", "input": "s", "output": "out", "vocabulary": "band",
            "cuts": [10, "upper"], "status": "documented"}
    loaded = pack([step], {"upper": {"value": 20, "status": "documented"}})
    rows = [(f"A{i}", "2001", "s", v) for i, v in enumerate([5, 10, 19.9, 20, 25])]
    result = run_long(loaded, rows)
    assert column(result, "out") == ["low", "mid", "mid", "high", "high"]
    trace = result.trace
    assert trace[trace["field"] == "out"]["reason"].tolist()[3] == "s >= 20"


def test_cuts_vary_by_row_when_the_parameter_does() -> None:
    """In a sensitivity run a parameter is a column that differs from row to row."""
    step = {"id": "b", "kind": "band", "input": "s", "output": "out", "vocabulary": "band",
            "cuts": [10, "upper"], "status": "documented"}
    loaded = pack([step], {"upper": {"value": 20, "status": "documented"}})
    frame = _frame(loaded, {"s": np.array([15.0, 15.0, 15.0]),
                            "upper": np.array([20.0, 14.0, 5.0])})
    for runner in loaded.plan.runners:
        runner(frame)
    # Row 3's cuts cross (5 below 10): sorted, the bands stay in order.
    assert frame.values["out"].tolist() == [1.0, 2.0, 2.0]


def test_weights_named_by_parameters_weigh_row_by_row() -> None:
    inputs = [{"id": "a", "title": "A", "type": "number"}, {"id": "b", "title": "B",
                                                             "type": "number"}]
    step = {"id": "w", "kind": "aggregate", "inputs": ["a", "b"], "method": "weighted_mean",
            "weights": {"a": "wa", "b": 1}, "output": "out", "status": "reconstructed"}
    loaded = pack([step], {"wa": {"value": 3, "status": "reconstructed"}}, inputs=inputs)
    result = run_long(loaded, [("A", "2001", "a", 4), ("A", "2001", "b", 8)])
    assert column(result, "out") == ["5"]  # (3 x 4 + 1 x 8) / 4
    frame = _frame(loaded, {"a": np.array([4.0, 4.0]), "b": np.array([8.0, 8.0]),
                            "wa": np.array([3.0, 1.0])})
    for runner in loaded.plan.runners:
        runner(frame)
    assert frame.values["out"].tolist() == [5.0, 6.0]


@pytest.mark.parametrize(("cuts", "parameters", "code"), [
    ([10, "nowhere"], {}, "E-PACK-REF"),
    ([10, "upper"], {"upper": {"value": 5, "status": "documented"}}, "E-PACK-CUTS"),
    ([10, "upper"], {"upper": {"value": 20}}, "E-PACK-STATUS"),
    ([10, "s"], {"s": {"value": 20, "status": "documented"}}, "E-PACK-DUPLICATE"),
])
def test_bad_parameters_are_refused(cuts: list[object], parameters: dict[str, Any],
                                    code: str) -> None:
    step = {"id": "b", "kind": "band", "input": "s", "output": "out", "vocabulary": "band",
            "cuts": cuts, "status": "documented"}
    with pytest.raises(ProblemsFound) as caught:
        pack([step], parameters)
    assert codes(caught.value) == [code]


def test_a_decision_table_reading_a_parameter_is_checked_at_its_value() -> None:
    """The table checker treats a parameter as the constant it declares: a row that can
    never be true at that value is found."""
    inputs = [{"id": "n", "title": "N", "type": "integer", "min": 0, "max": 5,
               "required": True}]
    step = {"id": "d", "kind": "decide", "output": "out", "status": "reconstructed",
            "rules": [{"id": "between", "when": "n > limit and n < 4", "then": 2},
                      {"id": "big", "when": "n > limit", "then": 1},
                      {"id": "small", "when": "n <= limit", "then": 0}]}
    # At limit 2 the row "between" fires for n = 3; at limit 3 nothing lies between.
    pack([step], {"limit": {"value": 2, "status": "illustrative"}}, inputs=inputs)
    with pytest.raises(ProblemsFound) as caught:
        pack([step], {"limit": {"value": 3, "status": "illustrative"}}, inputs=inputs)
    assert codes(caught.value) == ["E-PACK-UNREACHABLE"]
    assert "'between'" in caught.value.problems.items[0].message


def _frame(loaded: LoadedPack, values: dict[str, np.ndarray]) -> Frame:
    import pandas as pd

    n = len(next(iter(values.values())))
    keys = pd.DataFrame({"authority_code": [f"A{i}" for i in range(n)], "period": "2001"})
    return Frame(keys=keys, values=dict(values), types=loaded.plan.base_types(),
                 status={k: np.zeros(n, dtype=np.int8) for k in values}, na={},
                 trace=Trace("none"))
