"""compare_neighbours: the median of each authority's listed comparators, per period."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from perfassess.core.problems import ProblemsFound
from perfassess.packs import LoadedPack, pack_from_data
from tests.conftest import run_long

# A's list names itself, B and C; B's names B and D; C has no list; D names X, which never
# has a value; E names A twice (a pair listed twice counts twice, as the list gives it).
NEIGHBOURS = ("la_code,rank,neighbour_code\n"
              "A,0,A\nA,1,B\nA,2,C\nB,0,B\nB,1,D\nD,0,D\nD,1,E\nD,2,X\nE,0,A\nE,1,A\nE,2,E\n")


def neighbours_pack(folder: Path, text: str = NEIGHBOURS, **table: Any) -> LoadedPack:
    (folder / "nn.csv").write_text(text, encoding="utf-8")
    comparators = {"file": "nn.csv", "sha256": hashlib.sha256(text.encode()).hexdigest(),
                   "authority_column": "la_code", "comparator_column": "neighbour_code"}
    comparators.update(table)
    steps = [
        {"id": "england", "kind": "standardise", "input": "s", "method": "median_mad",
         "outputs": {"center": "med", "spread": "mad", "score": "dist"},
         "status": "documented"},
        {"id": "nn", "kind": "compare_neighbours", "input": "s", "unit": "mad",
         "comparators": comparators,
         "outputs": {"center": "nn_med", "score": "nn_dist", "count": "nn_n"},
         "status": "reconstructed"},
    ]
    return pack_from_data({
        "id": "nn", "title": "NN", "version": "1.0.0", "assessor": "tests",
        "periods": {"first": "2000"}, "inputs": [{"id": "s", "title": "S", "type": "number"}],
        "rating": {"field": "nn_dist"}, "outputs": ["nn_dist", "nn_med", "nn_n"],
        "steps": steps}, folder=folder)


ROWS = [(c, "2001", "s", v) for c, v in zip("ABCDE", [1, 2, 3, 4, 10], strict=True)]
ROWS += [("A", "2002", "s", 7), ("B", "2002", "s", 7)]  # England MAD 0 in 2002
ROWS += [("A", "2003", "s", 5), ("B", "2003", "s", None), ("D", "2003", "s", 1)]


def values(folder: Path) -> dict[tuple[str, str], tuple[float, float, float, str]]:
    result = run_long(neighbours_pack(folder), ROWS)
    frame = result.evaluation.frame
    trace = result.trace[result.trace["field"] == "nn_dist"]
    reasons = dict(zip(zip(trace["authority_code"], trace["period"], strict=True),
                       trace["reason"], strict=True))
    keys = list(zip(frame.keys["authority_code"], frame.keys["period"], strict=True))
    return {k: (frame.values["nn_med"][i], frame.values["nn_dist"][i],
                frame.values["nn_n"][i], reasons.get(k, ""))
            for i, k in enumerate(keys)}


def test_median_of_the_listed_comparators_in_units_of_the_england_mad(tmp_path: Path) -> None:
    got = values(tmp_path)
    # 2001: England median 3; |deviations| 2, 1, 0, 1, 7 -> MAD 1.
    assert got[("A", "2001")][:3] == (2.0, -1.0, 3.0)  # median of 1, 2, 3
    assert got[("B", "2001")][:3] == (3.0, -1.0, 2.0)  # median of 2, 4
    assert got[("D", "2001")][:3] == (7.0, -3.0, 2.0)  # 4 and 10; X has no value
    assert got[("E", "2001")][:3] == (1.0, 9.0, 3.0)  # A twice, E: median of 1, 1, 10
    assert got[("A", "2001")][3] == "median of 3 of 3 comparators, in units of mad"
    assert got[("D", "2001")][3] == "median of 2 of 3 comparators, in units of mad"


def test_no_list_no_value_and_zero_mad_give_no_distance_with_a_reason(tmp_path: Path) -> None:
    got = values(tmp_path)
    center, dist, count, reason = got[("C", "2001")]
    assert np.isnan(center) and np.isnan(dist) and count == 0
    assert reason == "no comparator list for this authority"
    center, dist, _, reason = got[("A", "2002")]  # 7 and 7: MAD 0
    assert center == 7.0 and np.isnan(dist) and reason == "mad is zero: no distance"
    center, dist, count, reason = got[("B", "2003")]  # own value missing; D's is 1
    assert (center, count) == (1.0, 1.0) and np.isnan(dist) and reason == "s missing"
    # Periods never mix: A's 2003 median uses 2003 values only (A 5; B missing; C none).
    assert got[("A", "2003")][0] == 5.0


def test_a_table_that_is_not_the_declared_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ProblemsFound) as caught:
        neighbours_pack(tmp_path, sha256="0" * 64)
    problem = caught.value.problems.items[0]
    assert problem.code == "E-PACK-TABLE" and "not the" in problem.message


@pytest.mark.parametrize(("table", "code", "words"), [
    ({"file": "missing.csv"}, "E-PACK-TABLE", "no such file"),
    ({"authority_column": "code"}, "E-PACK-TABLE", "no column 'code'"),
    ({"file": "../nn.csv"}, "E-PACK-SCHEMA", "comparators.file"),
    ({"file": "/etc/passwd"}, "E-PACK-SCHEMA", "comparators.file"),
])
def test_table_problems_are_reported_with_a_code(tmp_path: Path, table: dict[str, str],
                                                 code: str, words: str) -> None:
    folder = tmp_path / "pack"
    folder.mkdir()
    with pytest.raises(ProblemsFound) as caught:
        neighbours_pack(folder, **table)
    problem = caught.value.problems.items[0]
    assert problem.code == code and words in problem.message


def test_a_symlink_out_of_the_pack_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "pack"
    folder.mkdir()
    (tmp_path / "outside.csv").write_text(NEIGHBOURS, encoding="utf-8")
    (folder / "link.csv").symlink_to(tmp_path / "outside.csv")
    with pytest.raises(ProblemsFound) as caught:
        neighbours_pack(folder, file="link.csv")
    assert "inside the pack folder" in caught.value.problems.items[0].message
