"""Each step kind on small frames: values, statuses, reasons in the trace."""

from __future__ import annotations

import re

import numpy as np
import pytest

from perfassess.core.problems import ProblemsFound
from tests.conftest import column, run_long, tiny_pack

SCORE = {"id": "s", "title": "S", "type": "number"}
STARS = {"stars": ["0 stars", "1 star", "2 stars"]}
BANDS = {"band": ["low", "mid", "high"]}


def band_pack(**band: object) -> object:
    step = {"id": "b", "kind": "band", "input": "s", "output": "out", "status": "documented"}
    step.update(band)
    return tiny_pack([SCORE], [step], rating="out", vocabularies=BANDS)


@pytest.mark.parametrize(("closed", "expected"), [
    ("left", ["low", "mid", "mid", "high", "high", ""]),
    ("right", ["low", "low", "mid", "mid", "high", ""]),
])
def test_band_cut_points_belong_to_the_declared_side(closed: str, expected: list[str]) -> None:
    pack = band_pack(cuts=[10, 20], vocabulary="band", closed=closed)
    rows = [(f"A{i}", "2001", "s", v) for i, v in enumerate([5, 10, 15, 20, 25, None])]
    assert column(run_long(pack, rows), "out") == expected


def test_band_lower_is_better_reverses_the_vocabulary() -> None:
    pack = band_pack(cuts=[10, 20], vocabulary="band", polarity="lower")
    rows = [("A", "2001", "s", 5), ("B", "2001", "s", 25)]
    assert column(run_long(pack, rows), "out") == ["high", "low"]


def test_band_range_polarity_uses_explicit_labels() -> None:
    pack = band_pack(cuts=[10, 20], vocabulary="band", polarity="range",
                     labels=["mid", "high", "mid"])
    rows = [("A", "2001", "s", 5), ("B", "2001", "s", 15), ("C", "2001", "s", 30)]
    assert column(run_long(pack, rows), "out") == ["mid", "high", "mid"]


def test_band_trace_names_the_interval() -> None:
    pack = band_pack(cuts=[10, 20], vocabulary="band")
    trace = run_long(pack, [("A", "2001", "s", 12)]).trace
    row = trace[trace["field"] == "out"].iloc[0]
    assert (row["value"], row["rule_id"], row["reason"], row["status"]) == (
        "mid", "b", "s [10, 20)", "documented")


def decide_pack(hit_policy: str = "first", default: object = None) -> object:
    rules = [
        {"id": "high", "when": "s >= 10", "then": "2 stars", "priority": 1},
        {"id": "any", "when": "s >= 0", "then": "1 star", "status": "reconstructed",
         "priority": 2},
    ]
    step = {"id": "d", "kind": "decide", "output": "out", "vocabulary": "stars",
            "hit_policy": hit_policy, "rules": rules, "status": "documented"}
    if default is not None:
        step["default"] = default
    return tiny_pack([SCORE], [step], rating="out", vocabularies=STARS)


def test_decide_first_hit_wins_and_status_follows_the_row() -> None:
    result = run_long(decide_pack(), [("A", "2001", "s", 15), ("B", "2001", "s", 5)])
    assert column(result, "out") == ["2 stars", "1 star"]
    assert list(result.ratings["rating_status"]) == ["documented", "reconstructed"]


def test_decide_priority_picks_the_highest_priority_row() -> None:
    result = run_long(decide_pack("priority"), [("A", "2001", "s", 15)])
    assert column(result, "out") == ["1 star"]


def test_decide_unique_refuses_overlapping_rows() -> None:
    result = run_long(decide_pack("unique"), [("A", "2001", "s", 15), ("B", "2001", "s", 5)])
    assert column(result, "out") == ["", "1 star"]
    assert "more than one row matched" in result.ratings["rating_note"].iloc[0]


def test_decide_default_and_no_match() -> None:
    no_default = run_long(decide_pack(), [("A", "2001", "s", -5)])
    assert column(no_default, "out") == [""]
    assert "no row matched" in no_default.ratings["rating_note"].iloc[0]
    with_default = run_long(decide_pack(default={"then": "0 stars", "status": "illustrative"}),
                            [("A", "2001", "s", -5)])
    assert column(with_default, "out") == ["0 stars"]
    assert with_default.ratings["rating_status"].iloc[0] == "illustrative"


def limit_pack() -> object:
    judgement = {"id": "j", "title": "J", "type": "label", "vocabulary": "serving"}
    cases = {"id": "n", "title": "N", "type": "integer"}
    step = {"id": "caps", "kind": "limit", "input": "j", "output": "out", "fired_output": "fired",
            "caps": [
                {"id": "c1", "when": "s > 20", "at_most": "Some", "reason": "s above 20",
                 "exempt_when": "n < 10", "exempt_reason": "small", "exempt_status": "illustrative",
                 "status": "documented"},
                {"id": "c2", "when": "s > 30", "at_most": "No", "reason": "s above 30",
                 "status": "reconstructed"},
            ]}
    return tiny_pack([judgement, SCORE, cases], [step], rating="out", outputs=["out", "fired"],
                     vocabularies={"serving": ["No", "Some", "Most", "Yes"]})


def test_limit_caps_only_lower_and_record_which_fired() -> None:
    rows = [
        ("A", "2001", "j", "Yes"), ("A", "2001", "s", 25), ("A", "2001", "n", 50),  # c1 bites
        ("B", "2001", "j", "No"), ("B", "2001", "s", 25), ("B", "2001", "n", 50),   # already below
        ("C", "2001", "j", "Yes"), ("C", "2001", "s", 35), ("C", "2001", "n", 50),  # both
        ("D", "2001", "j", "Yes"), ("D", "2001", "s", 25), ("D", "2001", "n", 5),   # exempt
        ("E", "2001", "j", "Yes"), ("E", "2001", "n", 50),                          # s missing
    ]
    result = run_long(limit_pack(), rows)
    assert column(result, "out") == ["Some", "No", "No", "Yes", "Yes"]
    assert column(result, "fired") == ["c1", "c1", "c1; c2", "", ""]
    assert list(result.ratings["rating_status"]) == [
        "documented", "documented", "reconstructed", "illustrative", "documented"]
    reasons = result.trace[result.trace["authority_code"] == "E"]["reason"].tolist()
    assert any(r.startswith("not evaluated: s missing") for r in reasons)


def field_cap_pack(bound_type: dict[str, object], **cap: object) -> object:
    judgement = {"id": "j", "title": "J", "type": "label", "vocabulary": "serving"}
    step = {"id": "caps", "kind": "limit", "input": "j", "output": "out", "caps": [
        {"id": "c1", "when": "s > 20", "reason": "s above 20", "status": "documented",
         **cap}]}
    return tiny_pack([judgement, SCORE, {"id": "k", "title": "K", **bound_type}], [step],
                     rating="out", vocabularies={"serving": ["No", "Some", "Most", "Yes"],
                                                 "other": ["No", "Yes"]})


def test_a_cap_may_take_its_bound_from_another_field() -> None:
    pack = field_cap_pack({"type": "label", "vocabulary": "serving"}, at_most="k")
    rows = [
        ("A", "2001", "j", "Yes"), ("A", "2001", "s", 25), ("A", "2001", "k", "Some"),  # bites
        ("B", "2001", "j", "No"), ("B", "2001", "s", 25), ("B", "2001", "k", "Some"),   # below
        ("C", "2001", "j", "Yes"), ("C", "2001", "s", 25),                  # no bound: no cap
        ("D", "2001", "j", "Yes"), ("D", "2001", "s", 5), ("D", "2001", "k", "No"),     # no
    ]
    result = run_long(pack, rows)
    assert column(result, "out") == ["Some", "No", "Yes", "Yes"]
    trace = result.trace[result.trace["rule_id"] == "caps/c1"]
    fired = trace[trace["authority_code"] == "A"]
    assert list(fired["value"]) == ["at most k (Some)"]
    assert list(fired["reason"]) == ["fired: s above 20"]
    unbounded = trace[trace["authority_code"] == "C"]
    assert list(unbounded["outcome"]) == ["not_evaluated"]
    assert list(unbounded["reason"]) == ["not evaluated: k missing, so the cap does not apply"]


def test_a_floor_from_a_number_field() -> None:
    step = {"id": "caps", "kind": "limit", "input": "s", "output": "out", "caps": [
        {"id": "f", "when": "true", "at_least": "k", "reason": "floor", "status": "documented"}]}
    pack = tiny_pack([SCORE, {"id": "k", "title": "K", "type": "integer"}], [step],
                     rating="out")
    rows = [("A", "2001", "s", 1), ("A", "2001", "k", 3), ("B", "2001", "s", 5),
            ("B", "2001", "k", 3), ("C", "2001", "s", 1)]
    assert result_values(run_long(pack, rows), "out") == [3, 5, 1]


@pytest.mark.parametrize(("bound_type", "message"), [
    ({"type": "number"}, "field 'k' (number) cannot bound 'j', which holds labels of 'serving'"),
    ({"type": "label", "vocabulary": "other"},
     "field 'k' (labels of 'other') cannot bound 'j', which holds labels of 'serving'"),
])
def test_a_bound_field_must_be_of_the_capped_field_s_type(
        bound_type: dict[str, object], message: str) -> None:
    with pytest.raises(ProblemsFound) as caught:
        field_cap_pack(bound_type, at_most="k")
    assert caught.value.problems[0].code == "E-PACK-TYPE"
    assert message in caught.value.problems[0].message


def test_a_label_bound_is_a_label_even_where_a_field_has_its_name() -> None:
    inputs = [{"id": "j", "title": "J", "type": "label", "vocabulary": "level"}, SCORE,
              {"id": "some", "title": "A field named as a label", "type": "label",
               "vocabulary": "level"}]
    step = {"id": "caps", "kind": "limit", "input": "j", "output": "out", "caps": [
        {"id": "c1", "when": "s > 20", "at_most": "some", "reason": "r", "status": "documented"}]}
    pack = tiny_pack(inputs, [step], rating="out",
                     vocabularies={"level": ["none", "some", "most", "all"]})
    rows = [("A", "2001", "j", "all"), ("A", "2001", "s", 25), ("A", "2001", "some", "most")]
    assert column(run_long(pack, rows), "out") == ["some"]


def test_aggregate_weighted_mean_rebases_over_present_inputs() -> None:
    inputs = [{"id": k, "title": k, "type": "number", "na": {"means": "left out"}}
              for k in ("a", "b", "c")]
    step = {"id": "agg", "kind": "aggregate", "inputs": ["a", "b", "c"], "output": "m",
            "method": "weighted_mean", "weights": {"a": 4, "b": 2, "c": 1},
            "status": "documented"}
    pack = tiny_pack(inputs, [step], rating="m")
    rows = [("A", "2001", "a", 4), ("A", "2001", "b", 1), ("A", "2001", "c", 1),
            ("B", "2001", "a", 4), ("B", "2001", "b", "n/a"), ("B", "2001", "c", 1)]
    values = result_values(run_long(pack, rows), "m")
    assert values == pytest.approx([(16 + 2 + 1) / 7, (16 + 1) / 5])


def result_values(result: object, name: str) -> list[float]:
    return list(result.evaluation.frame.values[name])  # type: ignore[attr-defined]


@pytest.mark.parametrize(("method", "extra", "expected"), [
    ("sum", {}, [6.0, 4.0]),
    ("sum", {"missing": "propagate"}, [6.0, np.nan]),
    ("mean", {"min_present": 3}, [2.0, np.nan]),
    ("min", {}, [1.0, 1.0]),
    ("max", {}, [3.0, 3.0]),
    ("median", {}, [2.0, 2.0]),
    ("n_present", {}, [3.0, 2.0]),
])
def test_aggregate_methods(method: str, extra: dict[str, object], expected: list[float]) -> None:
    inputs = [{"id": k, "title": k, "type": "number"} for k in ("a", "b", "c")]
    step = {"id": "agg", "kind": "aggregate", "inputs": ["a", "b", "c"], "output": "m",
            "method": method, "status": "documented", **extra}
    pack = tiny_pack(inputs, [step], rating="m")
    rows = [("A", "2001", "a", 1), ("A", "2001", "b", 2), ("A", "2001", "c", 3),
            ("B", "2001", "a", 1), ("B", "2001", "c", 3)]
    assert result_values(run_long(pack, rows), "m") == pytest.approx(expected, nan_ok=True)


def test_standardise_median_mad_within_each_period() -> None:
    step = {"id": "st", "kind": "standardise", "input": "s", "method": "median_mad",
            "outputs": {"center": "med", "spread": "mad", "score": "dist"},
            "status": "documented"}
    pack = tiny_pack([SCORE], [step], rating="dist")
    rows = [(c, "2001", "s", v) for c, v in zip("ABCDE", [1, 2, 3, 4, 10], strict=True)]
    rows += [(c, "2002", "s", 7) for c in "AB"]
    result = run_long(pack, rows)
    frame = result.evaluation.frame
    # 2001: median 3, |dev| = 2,1,0,1,7 -> MAD 1; 2002: MAD 0 -> no distance
    assert list(frame.keys["period"]) == ["2001", "2002"] * 2 + ["2001"] * 3
    by_code = dict(zip(zip(frame.keys["authority_code"], frame.keys["period"], strict=True),
                       frame.values["dist"], strict=True))
    assert by_code[("A", "2001")] == -2 and by_code[("E", "2001")] == 7
    assert np.isnan(by_code[("A", "2002")])


@pytest.mark.parametrize(("method", "expected"), [
    # values 1, 2, 4: mean 7/3, population sd sqrt(42/27)
    ("zscore", [(-4 / 3) / (42 / 27) ** 0.5, (-1 / 3) / (42 / 27) ** 0.5,
                (5 / 3) / (42 / 27) ** 0.5]),
    ("rank", [1.0, 2.0, 3.0]),
    ("percent_of_max", [25.0, 50.0, 100.0]),
    ("min_max", [0.0, 1 / 3, 1.0]),
])
def test_standardise_methods(method: str, expected: list[float]) -> None:
    step = {"id": "st", "kind": "standardise", "input": "s", "method": method,
            "outputs": {"score": "z"}, "status": "documented"}
    pack = tiny_pack([SCORE], [step], rating="z")
    rows = [("A", "2001", "s", 1), ("B", "2001", "s", 2), ("C", "2001", "s", 4)]
    assert result_values(run_long(pack, rows), "z") == pytest.approx(expected)


def zscore_pack(declared: str = "none", **options: object) -> object:
    score = {**SCORE, "polarity": declared}
    groups = [{"id": g, "title": g, "type": "integer"} for g in ("g", "h")]
    step = {"id": "st", "kind": "standardise", "input": "s", "method": "zscore",
            "outputs": {"center": "mean", "spread": "sd", "score": "z"},
            "status": "documented", **options}
    return tiny_pack([score, *groups], [step], rating="z")


def test_zscore_ddof_1_is_the_sample_sd_and_the_trace_says_n_mean_and_sd() -> None:
    rows = [("A", "2001", "s", 1), ("B", "2001", "s", 2), ("C", "2001", "s", 4)]
    result = run_long(zscore_pack(ddof=1), rows)
    assert result_values(result, "sd") == pytest.approx([(7 / 3) ** 0.5] * 3)
    assert result_values(result, "z")[0] == pytest.approx((-4 / 3) / (7 / 3) ** 0.5)
    reasons = set(result.trace[result.trace["field"] == "z"]["reason"])
    assert reasons == {"zscore within period: n 3, mean 2.33333, SD 1.52753 (sample, ddof 1)"}
    population = run_long(zscore_pack(), rows)
    assert result_values(population, "sd") == pytest.approx([(42 / 27) ** 0.5] * 3)


@pytest.mark.parametrize(("polarity", "options", "sign"), [
    ("lower", {"polarity": "from_input"}, -1),
    ("higher", {"polarity": "from_input"}, 1),
    ("none", {"sign": -1}, -1),
    ("lower", {}, 1),  # the input's polarity is followed only when asked
])
def test_zscore_direction(polarity: str, options: dict[str, object], sign: int) -> None:
    rows = [("A", "2001", "s", 1), ("B", "2001", "s", 3)]
    assert result_values(run_long(zscore_pack(polarity, **options), rows), "z") == \
        pytest.approx([-sign, sign])


def test_median_mad_turned_round_by_sign() -> None:
    step = {"id": "st", "kind": "standardise", "input": "s", "method": "median_mad",
            "sign": -1, "outputs": {"center": "med", "score": "dist"}, "status": "documented"}
    pack = tiny_pack([SCORE], [step], rating="dist")
    rows = [(c, "2001", "s", v) for c, v in zip("ABC", [1, 2, 4], strict=True)]
    result = run_long(pack, rows)
    assert result_values(result, "dist") == [1, 0, -2]
    assert result_values(result, "med") == [2, 2, 2]  # the centre is not turned round


@pytest.mark.parametrize(("polarity", "options", "message"), [
    ("range", {"polarity": "from_input"}, "has polarity range, which gives no direction"),
    ("none", {"polarity": "from_input"}, "has polarity none, which gives no direction"),
    ("lower", {"polarity": "from_input", "sign": 1}, "give sign or polarity, not both"),
    ("none", {"method": "rank", "ddof": 1}, "ddof applies to method zscore only"),
    ("none", {"ties": "dense"}, "ties applies to method rank only"),
    ("none", {"method": "min_max", "sign": -1, "outputs": {"score": "z"}},
     "sign and polarity apply to methods zscore and median_mad only"),
])
def test_standardise_options_are_checked_before_any_data(
        polarity: str, options: dict[str, object], message: str) -> None:
    with pytest.raises(ProblemsFound, match=re.escape(message)):
        zscore_pack(polarity, **options)


def test_polarity_from_input_needs_an_input() -> None:
    steps = [{"id": "neg", "kind": "compute", "output": "t", "expr": "s * 2",
              "status": "documented"},
             {"id": "st", "kind": "standardise", "input": "t", "method": "zscore",
              "polarity": "from_input", "outputs": {"score": "z"}, "status": "documented"}]
    with pytest.raises(ProblemsFound) as caught:
        tiny_pack([SCORE], steps, rating="z")
    assert caught.value.problems[0].code == "E-PACK-TYPE"
    assert "'t' is computed by step 'neg'" in caught.value.problems[0].message


def test_zscore_by_several_fields_and_a_row_missing_one_is_in_no_population() -> None:
    values = {"A": (1, 1, 1), "B": (1, 1, 3), "C": (1, 2, 10), "D": (1, 2, 20),
              "E": (2, 1, 100), "F": (2, 1, 300), "G": (None, 1, 5)}
    rows = [(code, "2001", name, v) for code, vs in values.items()
            for name, v in zip(("g", "h", "s"), vs, strict=True) if v is not None]
    result = run_long(zscore_pack(by=["g", "h"]), rows)
    assert result_values(result, "mean")[:6] == [2, 2, 15, 15, 200, 200]
    assert result_values(result, "z")[:6] == [-1, 1, -1, 1, -1, 1]
    assert all(np.isnan(result_values(result, name)[6]) for name in ("mean", "sd", "z"))
    g_row = result.trace[(result.trace["authority_code"] == "G")
                         & (result.trace["field"] == "z")]
    assert list(g_row["outcome"]) == ["by_missing"]
    assert list(g_row["reason"]) == ["g and h: a value missing, so no population"]
    one = run_long(zscore_pack(by="g"), rows)  # one field, as before
    assert result_values(one, "mean")[:6] == [8.5] * 4 + [200, 200]


@pytest.mark.parametrize(("ties", "expected"), [
    ("min", [1, 2, 2, 4]), ("max", [1, 3, 3, 4]), ("average", [1, 2.5, 2.5, 4]),
    ("dense", [1, 2, 2, 3]), ("ordinal", [1, 2, 3, 4]),
])
def test_rank_ties(ties: str, expected: list[float]) -> None:
    step = {"id": "st", "kind": "standardise", "input": "s", "method": "rank", "ties": ties,
            "outputs": {"score": "r"}, "status": "documented"}
    pack = tiny_pack([SCORE], [step], rating="r")
    rows = [("A", "2001", "s", 1), ("B", "2001", "s", 2), ("C", "2001", "s", 2),
            ("D", "2001", "s", 3)]
    assert result_values(run_long(pack, rows), "r") == expected
    assert result_values(run_long(pack, rows[::-1]), "r") == expected  # whatever the order


def test_rank_ordinal_breaks_ties_by_authority_code_also_when_descending() -> None:
    step = {"id": "st", "kind": "standardise", "input": "s", "method": "rank",
            "ties": "ordinal", "descending": True, "outputs": {"score": "r"},
            "status": "documented"}
    pack = tiny_pack([SCORE], [step], rating="r")
    rows = [("Z", "2001", "s", 5), ("M", "2001", "s", 9), ("A", "2001", "s", 5)]
    result = run_long(pack, rows)
    assert list(result.evaluation.frame.keys["authority_code"]) == ["A", "M", "Z"]
    assert result_values(result, "r") == [2, 1, 3]


@pytest.mark.parametrize(("method", "digits", "values", "expected"), [
    ("half_up", 0, [38.5, 38.49, -2.5, 62.5], [39, 38, -3, 63]),
    ("half_even", 0, [38.5, 39.5], [38, 40]),
    ("floor", 0, [2.9, -2.1], [2, -3]),
    ("ceil", 0, [2.1], [3]),
    ("trunc", 0, [2.9, -2.9], [2, -2]),
    ("half_up", 1, [1.25], [1.3]),
])
def test_round_methods(method: str, digits: int, values: list[float],
                       expected: list[float]) -> None:
    step = {"id": "r", "kind": "round", "input": "s", "output": "out", "method": method,
            "digits": digits, "status": "reconstructed"}
    pack = tiny_pack([SCORE], [step], rating="out")
    rows = [(f"A{i}", "2001", "s", v) for i, v in enumerate(values)]
    assert result_values(run_long(pack, rows), "out") == pytest.approx(expected)


def test_round_counts_towards_status_only_where_it_changed_the_value() -> None:
    step = {"id": "r", "kind": "round", "input": "s", "output": "out", "status": "reconstructed"}
    pack = tiny_pack([SCORE], [step], rating="out")
    result = run_long(pack, [("A", "2001", "s", 3.0), ("B", "2001", "s", 3.4)])
    assert list(result.ratings["rating_status"]) == ["documented", "reconstructed"]


def test_map_looks_up_labels_with_a_default() -> None:
    judgement = {"id": "j", "title": "J", "type": "label", "vocabulary": "stars"}
    step = {"id": "m", "kind": "map", "input": "j", "output": "score",
            "mapping": {"0 stars": 1, "1 star": 2}, "default": 9, "status": "documented"}
    pack = tiny_pack([judgement], [step], rating="score", vocabularies=STARS)
    rows = [("A", "2001", "j", "0 stars"), ("B", "2001", "j", "1 star"),
            ("C", "2001", "j", "2 stars"), ("D", "2002", "j", None)]
    assert column(run_long(pack, rows), "score") == ["1", "2", "9", ""]


def test_compute_and_require() -> None:
    inputs = [{"id": k, "title": k, "type": "integer"} for k in ("a", "b")]
    steps = [
        {"id": "req", "kind": "require", "fields": ["a", "b"], "status": "documented",
         "reason": "needs {missing}"},
        {"id": "c", "kind": "compute", "expr": "a + b * 2", "output": "out",
         "status": "documented"},
    ]
    pack = tiny_pack(inputs, steps, rating="out")
    result = run_long(pack, [("A", "2001", "a", 1), ("A", "2001", "b", 2), ("B", "2001", "a", 1)])
    assert column(result, "out") == ["5", ""]
    assert list(result.ratings["rating_note"]) == ["", "needs b"]


def test_required_input_missing_gives_a_note_and_the_run_goes_on() -> None:
    inputs = [{"id": "a", "title": "a", "type": "integer", "required": True},
              {"id": "b", "title": "b", "type": "integer"}]
    steps = [{"id": "c", "kind": "compute", "expr": "b", "output": "out", "status": "documented"}]
    pack = tiny_pack(inputs, steps, rating="out")
    result = run_long(pack, [("A", "2001", "a", 1), ("A", "2001", "b", 2), ("B", "2001", "b", 3)])
    assert column(result, "out") == ["2", ""]
    assert result.ratings["rating_note"].iloc[1] == "missing required input(s): a"


def travel_pack() -> object:
    judgement = {"id": "j", "title": "J", "type": "label", "vocabulary": "stars"}
    steps = [
        {"id": "copy", "kind": "compute", "expr": "j", "output": "rating", "status": "documented"},
        {"id": "t", "kind": "travel", "input": "rating", "status": "documented",
         "outputs": {"previous": "prev", "change": "delta", "direction": "dir"}},
    ]
    return tiny_pack([judgement], steps, rating="rating", outputs=["rating", "prev", "dir"],
                     vocabularies=STARS)


def test_travel_compares_with_the_previous_period_of_the_same_authority() -> None:
    rows = [("A", "2002", "j", "1 star"), ("A", "2003", "j", "2 stars"),
            ("A", "2005", "j", "2 stars"), ("B", "2003", "j", "1 star"),
            ("B", "2004", "j", "0 stars"), ("C", "2004", "j", None)]
    result = run_long(travel_pack(), rows)
    assert column(result, "prev") == ["", "1 star", "2 stars", "", "1 star", ""]
    assert column(result, "delta") == ["", "1", "0", "", "-1", ""]
    assert column(result, "dir") == ["new", "improved", "unchanged", "new", "declined", ""]


def test_travel_reads_an_earlier_run_where_this_run_has_no_previous_period() -> None:
    import pandas as pd

    from perfassess.api import score_table

    history = pd.DataFrame({"authority_code": ["A", "A", "B"], "period": ["2000", "2001", "2001"],
                            "rating": ["0 stars", "2 stars", None]})
    table = pd.DataFrame({"authority_code": ["A", "B"], "period": ["2002", "2002"],
                          "indicator": ["j", "j"], "value": ["1 star", "1 star"]})
    result = score_table(travel_pack(), table, history=history)
    assert column(result, "prev") == ["2 stars", ""]
    assert column(result, "dir") == ["declined", "new"]
    reasons = result.trace[result.trace["field"] == "prev"]["reason"].tolist()
    assert reasons == ["compared with period 2001"]


def test_travel_where_lower_is_better() -> None:
    score = {"id": "n", "title": "N", "type": "integer"}
    steps = [{"id": "t", "kind": "travel", "input": "n", "better": "lower",
              "status": "documented", "outputs": {"direction": "dir"}}]
    pack = tiny_pack([score], steps, rating="dir")
    rows = [("A", "2001", "n", 3), ("A", "2002", "n", 1), ("A", "2003", "n", 2)]
    assert column(run_long(pack, rows), "dir") == ["new", "improved", "declined"]


def test_travel_on_no_rows() -> None:
    import pandas as pd

    from perfassess.api import score_table

    empty = pd.DataFrame({c: pd.Series([], dtype=object)
                          for c in ("authority_code", "period", "indicator", "value")})
    assert len(score_table(travel_pack(), empty).ratings) == 0


def test_a_limit_step_with_seventy_caps_scores_and_names_those_that_fired() -> None:
    # Cap k fires where s > k; caps beyond 63 would overflow a 64-bit mask of fired caps.
    caps = [{"id": f"c{k}", "when": f"s > {k}", "at_most": 100 - k, "reason": f"above {k}",
             "status": "documented"} for k in range(70)]
    step = {"id": "caps", "kind": "limit", "input": "s", "output": "out",
            "fired_output": "fired", "caps": caps}
    pack = tiny_pack([SCORE], [step], rating="out", outputs=["out", "fired"])
    result = run_long(pack, [("A", "2001", "s", 0), ("B", "2001", "s", 2),
                             ("C", "2001", "s", 68.5), ("D", "2001", "s", 100)])
    assert column(result, "fired") == [
        "", "c0; c1", "; ".join(f"c{k}" for k in range(69)),
        "; ".join(f"c{k}" for k in range(70))]
    assert column(result, "out") == ["0", "2", "32", "31"]


def test_a_require_step_over_seventy_fields_names_each_row_s_missing_ones() -> None:
    inputs = [{"id": f"x{k}", "title": f"x{k}", "type": "number"} for k in range(70)]
    steps = [{"id": "req", "kind": "require", "fields": [f"x{k}" for k in range(70)],
              "status": "documented", "reason": "needs {missing}"},
             {"id": "c", "kind": "compute", "expr": "x0", "output": "out",
              "status": "documented"}]
    pack = tiny_pack(inputs, steps, rating="out")
    full = [(code, "2001", f"x{k}", 1) for code in "ABC" for k in range(70)]
    rows = [r for r in full if (r[0], r[2]) not in {("B", "x69"), ("C", "x0"), ("C", "x65")}]
    result = run_long(pack, rows)
    assert list(result.ratings["rating_note"]) == ["", "needs x69", "needs x0, x65"]


def test_a_zero_divisor_in_a_condition_is_a_located_problem_on_rated_rows_only() -> None:
    inputs = [SCORE, {"id": "d", "title": "D", "type": "number"},
              {"id": "q", "title": "Q", "type": "number", "required": True}]
    step = {"id": "cut", "kind": "decide", "output": "out", "hit_policy": "first",
            "vocabulary": "stars", "status": "documented", "default": {"then": "0 stars"},
            "rules": [{"id": "r1", "when": "s / d > 1", "then": "2 stars"}]}
    pack = tiny_pack(inputs, [step], rating="out", vocabularies=STARS)
    rows = [(code, period, name, value)
            for code, period, values in (("A", "2001", (3, 1, 1)), ("B", "2001", (3, 0, 1)),
                                         ("C", "2002", (3, 0, 1)), ("D", "2001", (3, 0, None)))
            for name, value in zip("sdq", values, strict=True) if value is not None]
    with pytest.raises(ProblemsFound) as caught:
        run_long(pack, rows)
    found = caught.value.problems
    # D is not rated (its required q is missing): its divisor does not matter.
    assert [(p.code, p.column, p.value) for p in found] == [
        ("E-DIVISION-BY-ZERO", "cut", "B"), ("E-DIVISION-BY-ZERO", "cut", "C")]
    assert found[0].message == "step cut: B 2001 divides by zero at position 3 of 's / d > 1'"
    assert column(run_long(pack, [r for r in rows if r[0] in "AD"]), "out") == ["2 stars", ""]


@pytest.mark.parametrize(("reason", "note"), [
    ("too few measures to rate", "no rating: d: too few measures to rate"),
    (None, "no rating: d: no row matched: default"),
])
def test_a_decision_default_says_why_in_the_rating_note(reason: str | None, note: str
                                                        ) -> None:
    default: dict[str, object] = {"id": "unrated", "then": None}
    if reason is not None:
        default["reason"] = reason
    step = {"id": "d", "kind": "decide", "output": "out", "status": "documented",
            "rules": [{"id": "big", "when": "s >= 3", "then": 1}], "default": default}
    result = run_long(tiny_pack([SCORE], [step], rating="out"),
                      [("A", "2000", "s", 5), ("B", "2000", "s", 1)])
    notes = result.ratings["rating_note"].tolist()
    assert notes[0] == "" and notes[1].endswith(note.split("no rating: ")[1])
