"""The cluster step: seeded one-dimensional k-means into ordered classes within strata."""

from __future__ import annotations

import itertools
import statistics
from typing import Any

import numpy as np
import pandas as pd
import pytest

from perfassess.core.problems import ProblemsFound
from perfassess.engine.frame import Frame, Trace
from perfassess.engine.steps.cluster import kmeans
from perfassess.packs import LoadedPack
from tests.conftest import column, run_long, tiny_pack
from tests.unit.test_analysis import codes, table

SCORE = {"id": "s", "title": "S", "type": "number"}
GROUP = {"id": "g", "title": "G", "type": "label", "vocabulary": "grp"}
LABELS = {"grp": ["x", "y", "z"]}
Rows = list[tuple[str, str, str, object]]


def cluster_pack(**extra: Any) -> LoadedPack:
    step: dict[str, Any] = {"id": "c", "kind": "cluster", "input": "s", "k": 2,
                            "status": "documented", "outputs": {"class": "cls"}}
    step.update(extra)
    written = list(step["outputs"].values())
    return tiny_pack([SCORE, GROUP], [step], rating=written[0], outputs=written,
                     vocabularies=LABELS)


def one_stratum(values: list[object]) -> Rows:
    return [(f"A{i:02d}", "2001", "s", v) for i, v in enumerate(values)]


def trace_row(pack: LoadedPack, rows: Rows, code: str, field: str = "cls") -> Any:
    trace = run_long(pack, rows).trace
    return trace[(trace["field"] == field) & (trace["authority_code"] == code)].iloc[0]


def test_classes_are_numbered_by_centre_with_the_distances_to_the_boundaries() -> None:
    pack = cluster_pack(outputs={"class": "cls", "center": "cen", "to_boundary_below": "lo",
                                 "to_boundary_above": "hi", "to_nearest_boundary": "near"})
    result = run_long(pack, one_stratum([12, 0, 10, 1, 11, 2]))
    frame = result.evaluation.frame
    # Centres 1 and 11; the boundary between them is 6.
    assert column(result, "cls") == ["2", "1", "2", "1", "2", "1"]
    assert list(frame.values["cen"]) == [11, 1, 11, 1, 11, 1]
    assert list(frame.values["lo"]) == pytest.approx([6, np.nan, 4, np.nan, 5, np.nan],
                                                     nan_ok=True)
    assert list(frame.values["hi"]) == pytest.approx([np.nan, 6, np.nan, 5, np.nan, 4],
                                                     nan_ok=True)
    assert list(frame.values["near"]) == [6, 6, 4, 5, 5, 4]


def test_the_trace_gives_the_stratum_iterations_and_centres() -> None:
    # Seeds (hf2, k = 2): the median 5.5 splits 0, 1, 5 | 6, 9, 11: medians 1 and 9.
    # Iteration 1: 5 is 4 from both, joins the lower: centres 2 and 26/3.
    # Iteration 2: nothing moves.
    row = trace_row(cluster_pack(), one_stratum([0, 1, 5, 6, 9, 11]), "A00")
    assert row["outcome"] == "value"
    assert row["reason"] == ("k-means within period (n = 6, 2 iterations); "
                             "centres 2, 8.66667")


@pytest.mark.parametrize(("ties", "expected"), [
    # As above: 5 is equidistant from the first centres 1 and 9 and joins cluster 1;
    # upper: it joins cluster 2, whose centre becomes (5 + 6 + 9 + 11) / 4 = 7.75.
    ("lower", ["1", "1", "1", "2", "2", "2"]),
    ("upper", ["1", "1", "2", "2", "2", "2"]),
])
def test_an_equidistant_value_joins_the_declared_cluster(ties: str,
                                                         expected: list[str]) -> None:
    pack = cluster_pack(ties=ties)
    assert column(run_long(pack, one_stratum([0, 1, 5, 6, 9, 11])), "cls") == expected


@pytest.mark.parametrize(("boundary", "expected", "centres"), [
    # The hf2 median of 0, 4, 4, 4, 10, 12 is (4 + 4) / 2 = 4. lower: 0, 4, 4, 4 | 10, 12:
    # seeds 4 and 11, then centres 3 and 11 (the boundary 7). upper: 0 | 4, 4, 4, 10, 12:
    # seeds 0 and 4, then centres 0 and 6.8 (the boundary 3.4): a different optimum.
    ("lower", list("111122"), "centres 3, 11"),
    ("upper", list("122222"), "centres 0, 6.8"),
])
def test_the_seed_boundary_rule_decides_the_first_centres(boundary: str,
                                                          expected: list[str],
                                                          centres: str) -> None:
    pack = cluster_pack(seeds={"definition": "hf2", "boundary": boundary})
    rows = one_stratum([0, 4, 4, 4, 10, 12])
    assert column(run_long(pack, rows), "cls") == expected
    assert trace_row(pack, rows, "A00")["reason"].endswith(centres)


def test_strict_changes_a_class_on_the_second_pass() -> None:
    values = [5, 5, 10, 14, 16, 24, 26]
    # Pass 1: seeds 7.5 and 24 (split at the hf2 median 14); converges at 5, 5, 10, 14 |
    # 16, 24, 26: centres 8.5 and 22. Pass 2, strict 3: only 10 (1.5 from 8.5) and 24 (2
    # from 22) move the centres: 10 and 24; then 24 and 26 (1 from 25): 10 and 25. 16 is
    # then 6 from 10 and 9 from 25: class 1, though it kept no part in the centres.
    plain = cluster_pack()
    strict = cluster_pack(second_pass={"strict": 3.0})
    assert column(run_long(plain, one_stratum(values)), "cls") == list("1111222")
    assert column(run_long(strict, one_stratum(values)), "cls") == list("1111122")
    row = trace_row(strict, one_stratum(values), "A00")
    assert "2 + 3 iterations" in row["reason"] and "centres 10, 25" in row["reason"]


def test_a_stratum_with_fewer_distinct_values_than_classes_gets_none() -> None:
    pack = cluster_pack(by="g", k=3)
    rows = [(f"A{i}", "2001", "s", v) for i, v in enumerate([1, 1, 2, 2, 5, 6, 9])]
    rows += [(f"A{i}", "2001", "g", g) for i, g in enumerate("xxxxyyy")]
    result = run_long(pack, rows)
    assert column(result, "cls") == ["", "", "", "", "1", "2", "3"]
    row = trace_row(pack, rows, "A0")
    assert row["outcome"] == "too_few_values"
    assert row["reason"] == ("2 distinct values of s within period and g: 3 classes need "
                             "at least 3")


def test_a_stratum_whose_seed_group_is_empty_gets_none() -> None:
    # hf2 tertile boundaries of 1, 1, 1, 1, 1, 1, 2, 3 are x(3) = 1 and x(6) = 1: with
    # a boundary value in the lower group, the middle group is empty.
    pack = cluster_pack(k=3)
    rows = one_stratum([1, 1, 1, 1, 1, 1, 2, 3])
    assert column(run_long(pack, rows), "cls") == [""] * 8
    row = trace_row(pack, rows, "A00")
    assert row["outcome"] == "no_seed"
    assert "quantile group 2 of 3 of s within period is empty" in row["reason"]


def test_missing_values_and_missing_strata_get_no_class() -> None:
    pack = cluster_pack(by="g")
    rows = [(f"A{i}", "2001", "s", v) for i, v in enumerate([0, 1, 10, 11, None, 100])]
    rows += [(f"A{i}", "2001", "g", "x") for i in range(5)]
    assert column(run_long(pack, rows), "cls") == ["1", "1", "2", "2", "", ""]
    assert (trace_row(pack, rows, "A4")["outcome"], trace_row(pack, rows, "A5")["outcome"]
            ) == ("input_missing", "by_missing")
    assert trace_row(pack, rows, "A5")["reason"] == "g missing: in no stratum"


def test_a_run_stopped_by_max_iter_says_so() -> None:
    row = trace_row(cluster_pack(max_iter=1), one_stratum([0, 1, 5, 6, 9, 11]), "A00")
    assert row["outcome"] == "not_converged"
    assert "stopped at max_iter before converging" in row["reason"]


def test_strata_do_not_affect_each_other() -> None:
    low = [0, 1, 2, 10, 11, 12, 13]
    high = [100, 101, 300, 301, 302]
    alone = column(run_long(cluster_pack(), one_stratum(low)), "cls")
    rows = one_stratum(low) + [(f"B{i}", "2001", "s", v) for i, v in enumerate(high)]
    rows += [(f"A{i:02d}", "2002", "s", v) for i, v in enumerate(high)]
    rows += [(f"A{i:02d}", "2001", "g", "x") for i in range(len(low))]
    rows += [(f"B{i}", "2001", "g", "y") for i in range(len(high))]
    result = run_long(cluster_pack(by="g"), rows)
    frame = result.evaluation.frame
    got = dict(zip(zip(frame.keys["authority_code"], frame.keys["period"], strict=True),
                   column(result, "cls"), strict=True))
    assert [got[(f"A{i:02d}", "2001")] for i in range(len(low))] == alone
    assert [got[(f"B{i}", "2001")] for i in range(len(high))] == list("11222")
    # A's 2002 rows have no g: no stratum.
    assert [got[(f"A{i:02d}", "2002")] for i in range(len(high))] == [""] * 5


def test_the_same_values_get_the_same_classes_whoever_holds_them() -> None:
    rng = np.random.default_rng(7)
    values = rng.normal(size=40).round(2).tolist()
    first = dict(zip(values, column(run_long(cluster_pack(k=4), one_stratum(values)), "cls"),
                     strict=False))
    shuffled = rng.permutation(values).tolist()
    again = column(run_long(cluster_pack(k=4), one_stratum(shuffled)), "cls")
    assert [first[v] for v in shuffled] == again


def _reference(values: list[float], k: int, max_iter: int) -> list[int]:
    """Plain k-means as the step's docstring states it, one value at a time."""
    xs = sorted(values)
    n = len(xs)
    bounds = []
    for i in range(1, k):  # hf2 percentiles at i/k
        j, g = divmod(n * i, k)  # exact: n·i/k = j + g/k
        bounds.append(xs[j] if g else (xs[j - 1] + xs[j]) / 2)
    groups: list[list[float]] = [[] for _ in range(k)]
    for x in xs:
        groups[sum(x > b for b in bounds)].append(x)
    centres = [statistics.median(group) for group in groups]
    for _ in range(max_iter):
        members: list[list[float]] = [[] for _ in range(k)]
        for x in xs:
            distances = [abs(x - c) for c in centres]
            members[distances.index(min(distances))].append(x)
        moved = [sum(m) / len(m) if m else c for m, c in zip(members, centres, strict=True)]
        if moved == centres:
            break
        centres = moved
    order = sorted(range(k), key=lambda i: centres[i])
    out = []
    for x in values:
        distances = [abs(x - c) for c in centres]
        out.append(order.index(distances.index(min(distances))) + 1)
    return out


def test_many_strata_at_once_agree_with_plain_k_means_one_stratum_at_a_time() -> None:
    rng = np.random.default_rng(2025)
    rows: Rows = []
    expected: dict[tuple[str, str], int] = {}
    for period, group in itertools.product(["2001", "2002"], ["x", "y", "z"]):
        n = int(rng.integers(12, 40))
        values = (rng.normal(size=n) * rng.uniform(0.5, 3)).round(1).tolist()
        codes_ = [f"{group}{i:02d}" for i in range(n)]
        rows += [(c, period, "s", v) for c, v in zip(codes_, values, strict=True)]
        rows += [(c, period, "g", group) for c in codes_]
        expected.update(zip([(c, period) for c in codes_], _reference(values, 5, 1000),
                            strict=True))
    result = run_long(cluster_pack(by="g", k=5), rows)
    frame = result.evaluation.frame
    got = dict(zip(zip(frame.keys["authority_code"], frame.keys["period"], strict=True),
                   frame.values["cls"], strict=True))
    assert got == expected


def test_on_separated_data_k_means_finds_the_best_partition() -> None:
    # Brute force: every split of the sorted values into 3 runs; the least within-cluster
    # sum of squares is the split the step makes.
    values = [0.1, 0.3, 0.2, 5.0, 5.4, 5.1, 4.9, 9.7, 10.2, 10.0]
    xs = sorted(values)

    def cost(cut: tuple[int, int]) -> float:
        parts = [xs[:cut[0]], xs[cut[0]:cut[1]], xs[cut[1]:]]
        return sum(sum((x - sum(p) / len(p)) ** 2 for x in p) for p in parts)

    best = min(itertools.combinations(range(1, len(xs)), 2), key=cost)
    want = [1 + (x >= xs[best[0]]) + (x >= xs[best[1]]) for x in values]
    got = column(run_long(cluster_pack(k=3), one_stratum(values)), "cls")
    assert got == [str(c) for c in want]


def test_an_empty_cluster_keeps_its_centre() -> None:
    x = np.array([0.0, 1.0, 9.0, 11.0])
    stratum = np.zeros(4, dtype=np.int64)
    # The first two centres coincide: 0 and 1 join the first (a tie: the lower).
    centres, iterations, converged = kmeans(x, stratum, np.array([[0.0, 0.0, 10.0]]),
                                            np.array([True]), 1, 0.0, None, "lower")
    assert centres.tolist() == [[0.5, 0.0, 10.0]]
    assert (iterations.tolist(), converged.tolist()) == ([1], [False])


@pytest.mark.parametrize(("converge", "iterations"), [
    # Seeds 1.5 and 10 (8.5 apart) move to 1 and 11 in iteration 1: the largest move is
    # 1, 1/8.5 = 0.1176 of the seeds' distance. Iteration 2 moves nothing.
    (0.2, 1), (0.11, 2), (0.0, 2),
])
def test_converge_is_relative_to_the_distance_between_the_seeds(converge: float,
                                                                iterations: int) -> None:
    x = np.array([0.0, 1.0, 2.0, 10.0, 11.0, 12.0])
    centres, done, converged = kmeans(x, np.zeros(6, dtype=np.int64), np.array([[1.5, 10.0]]),
                                      np.array([True]), 100, converge, None, "lower")
    assert centres.tolist() == [[1.0, 11.0]]
    assert (done.tolist(), converged.tolist()) == ([iterations], [True])


def test_a_decision_on_the_class_is_checked_over_its_k_values() -> None:
    step = {"id": "c", "kind": "cluster", "input": "x", "k": 4, "status": "documented",
            "outputs": {"class": "cls"}}
    found = table([("cls <= 2", 0), ("cls == 3", 1)], steps=[step],
                  inputs=[{"id": "x", "title": "x", "type": "number", "required": True}])
    assert codes(found) == [("E-PACK-GAP", ("rules",))]
    assert "cls = 4" in found[0].message


@pytest.mark.parametrize(("extra", "code", "words"), [
    ({"k": 1}, "E-PACK-SCHEMA", "k"),
    ({"k": 101}, "E-PACK-LIMIT", "at most 100 groups"),
    ({"max_iter": 10_001}, "E-PACK-LIMIT", "at most 10,000 iterations"),
    ({"max_iter": 0}, "E-PACK-SCHEMA", "max_iter"),
    ({"second_pass": {"strict": 1, "max_iter": 20_000}}, "E-PACK-LIMIT", "max_iter is 20,000"),
    ({"second_pass": {"strict": 0}}, "E-PACK-SCHEMA", "strict"),
    ({"converge": -1}, "E-PACK-SCHEMA", "converge"),
    ({"ties": "random"}, "E-PACK-SCHEMA", "ties"),
    ({"seeds": {"definition": "hf5"}}, "E-PACK-SCHEMA", "seeds.definition"),
    ({"input": "t"}, "E-PACK-REF", "unknown field 't'"),
    ({"by": "h"}, "E-PACK-REF", "unknown field 'h'"),
    ({"input": "g"}, "E-PACK-TYPE", "needs a number"),
    ({"outputs": {"center": "cen"}}, "E-PACK-SCHEMA", "needs a 'class' output"),
    ({"outputs": {"class": "s"}}, "E-PACK-DUPLICATE", "already defined"),
])
def test_static_errors(extra: dict[str, Any], code: str, words: str) -> None:
    with pytest.raises(ProblemsFound) as caught:
        cluster_pack(**extra)
    problem = caught.value.problems.items[0]
    assert problem.code == code and words in problem.message



def test_no_stratum_at_all_gives_no_classes() -> None:
    # Every row lacks g, so there is no stratum to cluster (and nothing to index).
    pack = cluster_pack(by="g", outputs={"class": "cls", "center": "cen"})
    result = run_long(pack, one_stratum([1, 2, 3]))
    assert column(result, "cls") == ["", "", ""]
    assert set(result.trace.loc[result.trace["step"] == "c", "outcome"]) == {"by_missing"}


def test_draws_of_a_sensitivity_run_are_clustered_apart() -> None:
    # Pooled, the two draws would split 0..12 | 100..112; apart, each splits in two.
    pack = cluster_pack()
    keys = pd.DataFrame({"authority_code": list("ABCDEF") * 2, "period": "2001"})
    s = np.array([0.0, 1, 2, 10, 11, 12, 100, 101, 102, 110, 111, 112])
    frame = Frame(keys=keys, values={"s": s, "g": np.full(12, np.nan)},
                  types=pack.plan.base_types(),
                  status={"s": np.zeros(12, dtype=np.int8), "g": np.zeros(12, dtype=np.int8)},
                  na={}, trace=Trace("none"), draw=np.repeat([0, 1], 6))
    for runner in pack.plan.runners:
        runner(frame)
    assert frame.values["cls"].tolist() == [1, 1, 1, 2, 2, 2] * 2
