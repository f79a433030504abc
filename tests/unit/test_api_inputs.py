"""The Python API's inputs and errors (issue 17, section 4): a path is a path, a DataFrame
is a table, and ProblemsFound shows and hands over its problems."""

from __future__ import annotations

import pickle
from collections.abc import Sequence

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from perfassess.api import score, validate
from perfassess.core.problems import Problem, Problems, ProblemsFound, UsageProblem
from perfassess.core.results import ScoreResult
from perfassess.packs import LoadedPack, load_pack
from tests.conftest import ROOT

CQC = "cqc-la-2024"
WIDE = ROOT / "data" / "sample" / "cqc_2024_2025_wide.csv"


@pytest.fixture(scope="module")
def pack() -> LoadedPack:
    return load_pack(CQC)


@pytest.fixture(scope="module")
def expected(pack: LoadedPack) -> pd.Series:
    return score(pack, [WIDE], trace="none").ratings["rating"].astype(str)


def ratings(result: ScoreResult) -> pd.Series:
    return result.ratings["rating"].astype(str)


@pytest.mark.parametrize("given", [str(WIDE), WIDE, [str(WIDE)], (WIDE,)],
                         ids=["str", "Path", "list of str", "tuple of Path"])
def test_a_path_or_a_sequence_of_paths(pack: LoadedPack, expected: pd.Series, given: object
                                     ) -> None:
    # A str is one file name, not a sequence of one-character file names.
    assert ratings(score(pack, given, trace="none")).equals(expected)


def test_dataframes_are_scored_as_their_file_is(pack: LoadedPack, expected: pd.Series) -> None:
    text = pd.read_csv(WIDE, dtype=str, keep_default_na=False)
    typed = pd.read_csv(WIDE)
    for table in (text, typed, pl.from_pandas(typed), pl.from_pandas(typed).lazy(),
                  pa.Table.from_pandas(typed)):
        assert ratings(score(pack, table, trace="none")).equals(expected), type(table)
    assert ratings(score(pack, [typed.iloc[:60], typed.iloc[60:]], trace="none")).equals(
        expected)


def test_a_dataframe_is_not_changed_and_keys_in_its_index_count(
        pack: LoadedPack, expected: pd.Series) -> None:
    typed = pd.read_csv(WIDE)
    before = typed.copy()
    score(pack, typed, trace="none")
    pd.testing.assert_frame_equal(typed, before)
    indexed = typed.set_index(["authority_code", "period"])
    assert ratings(score(pack, indexed, trace="none")).equals(expected)


def test_problems_in_a_dataframe_name_the_table_and_row(pack: LoadedPack) -> None:
    table = pd.read_csv(WIDE, dtype=str, keep_default_na=False)
    table.loc[4, "qs1_assessing_needs"] = "lots"
    checked = validate(pack, table)
    [problem] = [p for p in checked.problems if p.code == "E-VALUE-TYPE"]
    assert (problem.file, problem.row, problem.column) == ("<table>", 5, "qs1_assessing_needs")


@pytest.mark.parametrize("inputs", [[], ()])
def test_no_inputs_is_a_usage_error(pack: LoadedPack, inputs: object) -> None:
    for call in (score, validate):
        with pytest.raises(UsageProblem, match="no inputs: give a file path"):
            call(pack, inputs)


def test_an_input_of_another_kind_is_a_usage_error(pack: LoadedPack) -> None:
    with pytest.raises(UsageProblem, match="input 2 is a int"):
        score(pack, [WIDE, 3])
    with pytest.raises(UsageProblem, match="not int"):
        validate(pack, 3)


def test_problems_found_shows_the_first_problems_and_hands_them_over(pack: LoadedPack) -> None:
    names = [f"missing-{i:02}.csv" for i in range(12)]
    with pytest.raises(ProblemsFound) as caught:
        score(pack, names)
    text = str(caught.value)
    lines = text.splitlines()
    assert lines[0] == "12 problems (12 errors, 0 warnings):"
    assert lines[1] == "  E-FILE-NOT-FOUND  missing-00.csv: input file does not exist"
    assert len(lines) == 12 and lines[-1] == "  … and 2 more"
    found = caught.value.problems
    assert isinstance(found, Sequence) and len(found) == 12
    assert found[3].file == "missing-03.csv" and found[-1].file == "missing-11.csv"
    assert [p.file for p in found[:2]] == names[:2]
    assert [p.file for p in found] == names
    frame = found.to_frame()
    assert list(frame.columns) == ["code", "severity", "file", "row", "column", "value",
                                   "expected", "message", "hint"]
    assert len(frame) == 12 and set(frame["code"]) == {"E-FILE-NOT-FOUND"}
    assert frame["severity"].iloc[0] == "error" and frame["hint"].iloc[0].startswith("check")
    assert frame["file"].tolist() == names


def test_problems_found_crosses_a_process_boundary_whole() -> None:
    problems = Problems()
    problems.add(Problem("E-FILE-NOT-FOUND", "input file does not exist", file="a.csv"))
    again = pickle.loads(pickle.dumps(ProblemsFound(problems)))
    assert list(again.problems) == list(problems) and str(again) == str(ProblemsFound(problems))


def test_problems_past_the_limit_are_counted_not_kept() -> None:
    problems = Problems(limit=2)
    problems.extend(Problem("E-VALUE-TYPE", "bad", file="f.csv", row=r) for r in range(5))
    problems.add(Problem("W-UNKNOWN-INDICATOR", "odd", file="f.csv", row=1, column="x"))
    assert len(problems) == 3 and problems.total == 6
    assert [p.row for p in problems] == [0, 1, 1]
    assert problems.to_frame()["row"].tolist() == [0, 1, 1]
    assert str(ProblemsFound(problems)).splitlines() == [
        "6 problems (5 errors, 1 warning):",
        "  E-VALUE-TYPE  f.csv:0: bad",
        "  E-VALUE-TYPE  f.csv:1: bad",
        "  W-UNKNOWN-INDICATOR  f.csv:1:x: odd",
        "  … and 3 more"]
