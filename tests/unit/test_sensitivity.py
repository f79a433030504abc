"""Sensitivity runs on constructed packs: what varies, how, and what comes out."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from perfassess.core.problems import ProblemsFound, UsageProblem
from perfassess.engine.frame import Frame, Trace
from perfassess.packs import LoadedPack, pack_from_data
from perfassess.sensitivity.factors import DataDraw, Factor, ParameterDraw, WeightGroup
from perfassess.sensitivity.run import SensitivityOptions, SensitivityRun, sensitivity

VERDICT = {"verdict": ["fail", "pass"]}


def threshold_pack(uncertainty: dict[str, Any] | None, *, status: str = "illustrative",
                   extra_steps: list[dict[str, Any]] | None = None) -> LoadedPack:
    """x above `limit` fails; `unused` is read by nothing the rating depends on."""
    return pack_from_data({
        "id": "tiny", "title": "Tiny", "version": "1.0.0", "assessor": "tests",
        "periods": {"first": "2000"}, "vocabularies": VERDICT,
        "inputs": [{"id": "x", "title": "X", "type": "number", "min": 0, "max": 100,
                    "required": True},
                   {"id": "cases", "title": "Cases", "type": "integer", "min": 0}],
        "parameters": {"limit": {"value": 20, "status": status},
                       "unused": {"value": 1, "status": "illustrative"}},
        "rating": {"field": "rating"}, "outputs": ["rating"],
        "steps": [*(extra_steps or []),
                  {"id": "verdict", "kind": "decide", "output": "rating",
                   "vocabulary": "verdict", "status": "illustrative",
                   "rules": [{"id": "over", "when": "x > limit", "then": "fail"}],
                   "default": {"id": "ok", "then": "pass"}}],
        **({"uncertainty": uncertainty} if uncertainty is not None else {}),
    })


def returns(write: Callable[[str, str], Path], rows: list[tuple[str, str, str, object]]
            ) -> Path:
    lines = ["authority_code,period,indicator,value"]
    lines += [f"{a},{p},{i},{v}" for a, p, i, v in rows]
    return write("returns.csv", "\n".join(lines) + "\n")


def run(pack: LoadedPack, path: Path, **options: Any) -> SensitivityRun:
    settings: dict[str, Any] = {"draws": 400, "seed": 7, **options}
    return sensitivity(pack, [path], SensitivityOptions(**settings))


def row(result: SensitivityRun, code: str, period: str = "2001") -> pd.Series:
    table = result.results.stability
    return table[(table["authority_code"] == code) & (table["period"] == period)].iloc[0]


def test_a_rating_on_a_threshold_is_fragile_and_one_far_from_it_is_not(
        write: Callable[[str, str], Path]) -> None:
    # limit ~ uniform 18..22. On: x = 20 fails exactly when limit < 20, half the draws.
    # Far: x = 5 passes whatever the limit.
    pack = threshold_pack({"parameters": {"limit": {"plus_minus": 2}}})
    path = returns(write, [("ON", "2001", "x", 20), ("FAR", "2001", "x", 5)])
    result = run(pack, path)
    on, far = row(result, "ON"), row(result, "FAR")
    assert on["rating"] == "pass" and far["rating"] == "pass"
    assert 0.4 < on["rating_kept"] < 0.6 and on["fragile"]
    assert on["p(fail)"] + on["p(pass)"] == pytest.approx(1.0)
    assert far["rating_kept"] == 1.0 and not far["fragile"]
    assert on["most_influential"] == "limit" and far["most_influential"] == ""


def test_the_fragile_line_is_an_option(write: Callable[[str, str], Path]) -> None:
    pack = threshold_pack({"parameters": {"limit": {"plus_minus": 2}}})
    path = returns(write, [("NEAR", "2001", "x", 18.4)])  # fails when limit < 18.4: 10%
    kept = row(run(pack, path, draws=1000), "NEAR")["rating_kept"]
    assert 0.85 < kept < 0.95
    assert row(run(pack, path, draws=1000, fragile_below=0.8), "NEAR")["fragile"] == (
        kept < 0.8)


STRICT = {"id": "strict", "step": "verdict", "status": "reconstructed",
          "replace": {"rules": [{"id": "over", "when": "x > limit / 2", "then": "fail"}]}}


def test_one_chunk_many_chunks_and_the_seed(write: Callable[[str, str], Path]) -> None:
    pack = threshold_pack({"parameters": {"limit": {"plus_minus": 2}},
                           "data": {"x": {"relative": "10%"}}, "alternatives": [STRICT]})
    path = returns(write, [(f"A{i}", p, "x", 14 + i) for i in range(12)
                           for p in ("2001", "2002")])
    whole = run(pack, path, chunk=400)
    for chunk in (1, 7, 100):
        parts = run(pack, path, chunk=chunk)
        pd.testing.assert_frame_equal(parts.results.stability, whole.results.stability)
        pd.testing.assert_frame_equal(parts.results.indices, whole.results.indices)
    other = run(pack, path, seed=8)
    assert not other.results.stability["rating_kept"].equals(
        whole.results.stability["rating_kept"])


def test_forked_workers_give_the_same_results(write: Callable[[str, str], Path]) -> None:
    pack = threshold_pack({"parameters": {"limit": {"plus_minus": 2}},
                           "data": {"x": {"relative": "10%"}}, "alternatives": [STRICT]})
    path = returns(write, [(f"A{i}", "2001", "x", 14 + i) for i in range(12)])
    alone = run(pack, path, chunk=400, workers=1)
    forked = run(pack, path, chunk=30, workers=2)
    pd.testing.assert_frame_equal(forked.results.stability, alone.results.stability)
    pd.testing.assert_frame_equal(forked.results.indices, alone.results.indices)


@pytest.mark.skipif(importlib.util.find_spec("distributed") is None,
                    reason="dask is not installed (pip install 'perfassess[dask]')")
def test_dask_workers_give_the_same_results(write: Callable[[str, str], Path]) -> None:
    pack = threshold_pack({"parameters": {"limit": {"plus_minus": 2}},
                           "data": {"x": {"binomial": {"cases": "cases"}}},
                           "alternatives": [STRICT]})
    path = returns(write, [(f"A{i}", "2001", k, v) for i in range(12)
                           for k, v in (("x", 14 + i), ("cases", 30 + i))])
    local = run(pack, path, chunk=400)
    spread = run(pack, path, chunk=50, executor="dask", workers=2)
    pd.testing.assert_frame_equal(spread.results.stability, local.results.stability)
    pd.testing.assert_frame_equal(spread.results.indices, local.results.indices)


def test_the_index_names_what_moves_the_rating(write: Callable[[str, str], Path]) -> None:
    # `unused` is varied too, but nothing the rating depends on reads it.
    pack = threshold_pack({"parameters": {"limit": {"plus_minus": 2},
                                          "unused": {"plus_minus": 1}}})
    path = returns(write, [(f"A{i}", "2001", "x", 18.5 + i / 4) for i in range(12)])
    indices = run(pack, path, draws=1000).results.indices
    overall = indices[indices["period"] == "all"].set_index("factor")["first_order"]
    # The rating is a step function of limit alone. The index compares the means of 10
    # classes of limit (width 0.4): only the class holding an authority's step mixes
    # outcomes, leaving at most 1/10 x 1/4 of its variance unexplained. Authority i fails
    # with p = (x - 18) / 4 = 0.125 + i/16, variance p(1 - p), 2.43 in all: the index is
    # at least 1 - 12 x 0.025 / 2.43 = 0.877 (less a little sampling noise).
    assert overall["limit"] > 0.86
    assert overall["unused"] < 0.02


def test_documented_parameters_are_held_unless_the_run_says(
        write: Callable[[str, str], Path]) -> None:
    path = returns(write, [("ON", "2001", "x", 20)])
    pack = threshold_pack({"parameters": {"limit": {"plus_minus": 2},
                                          "unused": {"plus_minus": 1}}},
                          status="documented")
    held = run(pack, path)
    assert held.declared.held == ["parameter limit"]
    assert row(held, "ON")["rating_kept"] == 1.0
    varied = run(pack, path, vary_documented=True)
    assert row(varied, "ON")["fragile"]
    allowed = threshold_pack({"parameters": {"limit": {"plus_minus": 2,
                                                       "allow_documented": True}}},
                             status="documented")
    assert row(run(allowed, path), "ON")["fragile"]
    only_documented = threshold_pack({"parameters": {"limit": {"plus_minus": 2}}},
                                     status="documented")
    with pytest.raises(UsageProblem, match="held fixed as documented: parameter limit"):
        run(only_documented, path)


def test_an_alternative_reading_is_chosen_draw_by_draw(
        write: Callable[[str, str], Path]) -> None:
    pack = threshold_pack({"alternatives": [STRICT]})
    path = returns(write, [("MID", "2001", "x", 15), ("LOW", "2001", "x", 5)])
    result = run(pack, path)
    mid = row(result, "MID")  # passes as written, fails under the alternative
    assert 0.4 < mid["p(fail)"] < 0.6 and mid["fragile"]
    assert mid["most_influential"] == "verdict (alternative)"
    assert row(result, "LOW")["rating_kept"] == 1.0


def test_direction_of_travel_and_populations_stay_within_a_draw() -> None:
    """Rows of draw 1 follow those of draw 0: a draw's first period has no previous one,
    and a population (a period) never pools two draws."""
    pack = threshold_pack(None, extra_steps=[
        {"id": "z", "kind": "standardise", "input": "x", "method": "zscore",
         "outputs": {"center": "x_mean", "score": "x_z"}, "status": "documented"},
        {"id": "t", "kind": "travel", "input": "x", "outputs": {"previous": "x_before"},
         "status": "documented"}])
    keys = pd.DataFrame({"authority_code": ["A", "A", "B", "B"] * 2,
                         "period": ["2001", "2002"] * 4})
    x = np.array([1.0, 2.0, 3.0, 4.0, 10.0, 20.0, 30.0, 40.0])
    frame = Frame(keys=keys, values={"x": x, **pack.plan.parameter_columns(8)[0]},
                  types=pack.plan.base_types(), status={"x": np.zeros(8, dtype=np.int8)},
                  na={}, trace=Trace("none"), draw=np.repeat([0, 1], 4))
    for runner in pack.plan.runners:
        runner(frame)
    assert np.isnan(frame.values["x_before"][[0, 2, 4, 6]]).all()
    assert frame.values["x_before"][[1, 3, 5, 7]].tolist() == [1.0, 3.0, 10.0, 30.0]
    assert frame.values["x_mean"].tolist() == [2.0, 3.0, 2.0, 3.0, 20.0, 30.0, 20.0, 30.0]


def test_draws_of_each_kind_stay_in_their_bounds() -> None:
    factor = Factor("p", "parameter", "p", "illustrative", "", 10)
    u = np.linspace(0, 0.999999, 1001)
    triangular = ParameterDraw(factor, 10, 8, 12, "triangular").values(u)
    assert triangular.min() >= 8 and triangular.max() <= 12
    assert np.median(triangular) == pytest.approx(10, abs=0.01)
    # Triangular draws gather at the middle: half of them within 1 - 1/sqrt(2) of it.
    assert np.mean(np.abs(triangular - 10) < 2 * (1 - 2 ** -0.5)) == pytest.approx(0.5, 0.02)
    chosen = ParameterDraw(factor, 10, 5, 20, "uniform", (5, 10, 20)).values(u)
    assert set(chosen.tolist()) == {5, 10, 20}
    weights = WeightGroup((factor, factor, factor), (4, 2, 1), (1, 0.5, 0.25)).values(
        np.random.default_rng(0).random((50, 3)))
    assert weights.sum(axis=1) == pytest.approx(np.full(50, 7.0))


def test_binomial_errors_are_shares_of_the_cases() -> None:
    draw = DataDraw(Factor("r (data)", "data", "r", "data", "", 10), "r", None, "n", 100.0,
                    0.0, 100.0, False)
    rng = np.random.default_rng(0)
    value = np.array([25.0, 25.0, np.nan, 40.0])
    cases = np.array([4.0, 100000.0, 50.0, np.nan])
    drawn = np.array([draw.perturb(rng, value, cases)[0][0] for _ in range(400)])
    assert set(np.unique(drawn[:, 0])) <= {0.0, 25.0, 50.0, 75.0, 100.0}  # count of 4 / 4
    assert drawn[:, 0].std() > 10
    assert drawn[:, 1].std() < 0.5 and drawn[:, 1].mean() == pytest.approx(25, abs=0.1)
    assert np.isnan(drawn[:, 2]).all()  # a missing value stays missing
    assert (drawn[:, 3] == 40.0).all()  # no cases returned: nothing to draw from


def test_an_uncertainty_file_is_checked_and_located(write: Callable[[str, str], Path]) -> None:
    pack = threshold_pack(None)
    path = returns(write, [("A", "2001", "x", 20)])
    bad = write("u.yaml", "parameters:\n  limit: {plus_minus: 2}\n  nope: {plus_minus: 1}\n"
                "alternatives:\n  - id: alt\n    step: verdict\n    status: reconstructed\n"
                "    replace:\n      rules:\n        - {id: r, when: \"x >> 2\", then: fail}\n")
    with pytest.raises(ProblemsFound) as caught:
        run(pack, path, uncertainty=bad)
    found = {(p.code, p.row) for p in caught.value.problems.items}
    assert found == {("E-PACK-REF", 3), ("E-PACK-EXPR", 10)}
    unknown = write("v.yaml", "parameters:\n  limit: {plus_minus: 2, spread: 3}\n")
    with pytest.raises(ProblemsFound) as caught:
        run(pack, path, uncertainty=unknown)
    assert [(p.code, p.row) for p in caught.value.problems.items] == [("E-PACK-SCHEMA", 2)]
    with pytest.raises(UsageProblem, match="declares no uncertainty"):
        run(pack, path)


def test_a_pack_declaring_bad_uncertainty_does_not_load() -> None:
    with pytest.raises(ProblemsFound) as caught:
        threshold_pack({"parameters": {"limt": {"plus_minus": 2}},
                        "data": {"x": {"binomial": {"cases": "nothing"}}},
                        "alternatives": [{"id": "a", "step": "verdict",
                                          "status": "reconstructed",
                                          "replace": {"output": "other"}}]})
    assert sorted(p.code for p in caught.value.problems.items if p.severity == "error") == [
        "E-PACK-REF", "E-PACK-REF", "E-PACK-SCHEMA"]


def test_weights_vary_and_are_rescaled_in_a_run(write: Callable[[str, str], Path]) -> None:
    # mean = (wa a + wb b) / (wa + wb), with wa = wb = 1 declared; a = 0, b = 10 gives 5
    # at the declared weights, exactly on the cut; a = b = 2 gives 2 whatever the weights.
    pack = pack_from_data({
        "id": "weights", "title": "W", "version": "1.0.0", "assessor": "tests",
        "periods": {"first": "2000"}, "vocabularies": VERDICT,
        "inputs": [{"id": "a", "title": "A", "type": "number"},
                   {"id": "b", "title": "B", "type": "number"}],
        "parameters": {"wa": {"value": 1, "status": "reconstructed"},
                       "wb": {"value": 1, "status": "reconstructed"}},
        "rating": {"field": "rating"}, "outputs": ["rating"],
        "steps": [{"id": "mean", "kind": "aggregate", "inputs": ["a", "b"],
                   "method": "weighted_mean", "weights": {"a": "wa", "b": "wb"},
                   "output": "mean", "status": "reconstructed"},
                  {"id": "band", "kind": "band", "input": "mean", "output": "rating",
                   "cuts": [5], "vocabulary": "verdict", "status": "reconstructed"}],
        "uncertainty": {"weights": [{"parameters": ["wa", "wb"], "plus_minus": "50%"}]},
    })
    path = returns(write, [("EDGE", "2001", "a", 0), ("EDGE", "2001", "b", 10),
                           ("FLAT", "2001", "a", 2), ("FLAT", "2001", "b", 2)])
    result = run(pack, path)
    edge = row(result, "EDGE")
    # wb > wa in half the draws (mean above 5: pass), below in the other half.
    assert edge["rating"] == "pass" and 0.4 < edge["rating_kept"] < 0.6
    assert row(result, "FLAT")["rating_kept"] == 1.0
    assert {f.name for f in result.declared.factors} == {"wa", "wb"}
