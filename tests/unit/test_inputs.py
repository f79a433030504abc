"""Bad returns: every problem found in one pass, each with a code and a place."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from perfassess.api import validate
from perfassess.core.problems import Problem

HEADER = "authority_code,period,indicator,value\n"
GOOD_ROW = "E1,2024,qs1_assessing_needs,3\n"


def problems(path: Path, pack: str = "cqc-la-2024") -> list[Problem]:
    return list(validate(pack, [path]).problems)


def only(found: list[Problem], code: str) -> Problem:
    hits = [p for p in found if p.code == code]
    assert hits, [(p.code, p.message) for p in found]
    return hits[0]


# (name, file content, code, line, column, value)
CSV_CASES = [
    ("text in a score", HEADER + "E1,2024,qs1_assessing_needs,three\n", "E-VALUE-TYPE", 2,
     "value", "three"),
    ("thousands separator", HEADER + 'E1,2024,qs1_assessing_needs,"1,234"\n', "E-VALUE-TYPE", 2,
     "value", "1,234"),
    ("percent sign", HEADER + "E1,2024,qs1_assessing_needs,12%\n", "E-VALUE-TYPE", 2, "value",
     "12%"),
    ("a dash", HEADER + "E1,2024,qs1_assessing_needs,-\n", "E-VALUE-TYPE", 2, "value", "-"),
    ("fraction in an integer", HEADER + "E1,2024,qs1_assessing_needs,2.5\n", "E-VALUE-TYPE", 2,
     "value", "2.5"),
    ("out of range", HEADER + GOOD_ROW + "E2,2024,qs1_assessing_needs,5\n", "E-VALUE-RANGE", 3,
     "value", "5"),
    ("NaN", HEADER + "E1,2024,qs1_assessing_needs,NaN\n", "E-VALUE-NONFINITE", 2, "value", "NaN"),
    ("infinity", HEADER + "E1,2024,qs1_assessing_needs,inf\n", "E-VALUE-NONFINITE", 2, "value",
     "inf"),
    ("n/a where not allowed", HEADER + "E1,2024,qs1_assessing_needs,n/a\n", "E-VALUE-NA", 2,
     "value", "n/a"),
    ("blank code", HEADER + ",2024,qs1_assessing_needs,3\n", "E-KEY-BLANK", 2, "authority_code",
     ""),
    ("blank period", HEADER + "E1,,qs1_assessing_needs,3\n", "E-KEY-BLANK", 2, "period", ""),
    ("conflicting duplicate", HEADER + GOOD_ROW + "E1,2024,qs1_assessing_needs,2\n",
     "E-DUPLICATE", 3, "value", "2"),
    ("missing column", "authority_code,indicator,value\nE1,x,1\n", "E-COLUMN-MISSING", 1,
     "period", None),
    ("ragged row", HEADER + "E1,2024,qs1_assessing_needs,3,extra\n", "E-ROW-RAGGED", 2, None,
     None),
    ("header only", HEADER, "E-FILE-EMPTY", None, None, None),
    ("empty file", "", "E-FILE-EMPTY", None, None, None),
]


@pytest.mark.parametrize(("what", "content", "code", "line", "col", "value"), CSV_CASES,
                         ids=[c[0] for c in CSV_CASES])
def test_bad_csv_is_located(write: Callable[[str, str], Path], what: str, content: str,
                            code: str, line: int | None, col: str | None,
                            value: str | None) -> None:
    path = write("returns.csv", content)
    found = only(problems(path), code)
    assert found.severity == "error"
    assert found.file == str(path)
    assert (found.row, found.column, found.value) == (line, col, value)


def test_label_errors_name_the_vocabulary(write: Callable[[str, str], Path]) -> None:
    path = write("r.csv", HEADER + "E1,2002,adults_serving,Mostly\n")
    found = only(problems(path, "ss-stars-2002"), "E-VALUE-LABEL")
    assert found.expected == "one of No, Some, Most, Yes"


def test_labels_match_case_insensitively_and_trimmed(write: Callable[[str, str], Path]) -> None:
    path = write("r.csv", HEADER + "E1,2002,adults_serving,  most \n")
    assert not validate("ss-stars-2002", [path]).problems.has_errors()


def test_warnings_do_not_stop_a_run(write: Callable[[str, str], Path]) -> None:
    path = write("r.csv", HEADER + GOOD_ROW + GOOD_ROW + "E1,1999,qs1_assessing_needs,3\n"
                 "E1,2024,made_up,1\n")
    checked = validate("cqc-la-2024", [path])
    codes = sorted(checked.problems.counts)
    assert codes == ["W-DUPLICATE", "W-PERIOD-OUTSIDE", "W-UNKNOWN-INDICATOR"]
    assert not checked.problems.has_errors()


def test_every_problem_in_every_file_in_one_pass(write: Callable[[str, str], Path]) -> None:
    a = write("a.csv", HEADER + "E1,2024,qs1_assessing_needs,x\n"
              "E2,2024,qs2_supporting_healthier_lives,9\n")
    b = write("b.csv", HEADER + "E3,2024,qs3_equity_in_experience_and_outcomes,1.5\n")
    checked = validate("cqc-la-2024", [a, b, Path("missing.csv")])
    assert sorted(checked.problems.counts) == [
        "E-FILE-NOT-FOUND", "E-VALUE-RANGE", "E-VALUE-TYPE"]
    assert checked.problems.counts["E-VALUE-TYPE"] == 2


def test_wide_files_locate_by_indicator_column(write: Callable[[str, str], Path]) -> None:
    path = write("w.csv", "authority_code,period,qs1_assessing_needs,qs7_safeguarding\n"
                          "E1,2024,3,3\nE2,2024,2,seven\n")
    found = only(problems(path), "E-VALUE-TYPE")
    assert (found.row, found.column, found.value) == (3, "qs7_safeguarding", "seven")


def test_bom_and_crlf_are_accepted(write: Callable[[str, bytes], Path]) -> None:
    path = write("bom.csv", "\ufeff".encode() + (HEADER + GOOD_ROW).replace("\n", "\r\n").encode())
    checked = validate("cqc-la-2024", [path])
    assert not checked.problems.has_errors()
    assert list(checked.returns.keys["authority_code"]) == ["E1"]


def test_undecodable_bytes(write: Callable[[str, bytes], Path]) -> None:
    path = write("latin1.csv", (HEADER + "E1,2024,qs1_assessing_needs,3\n").encode()
                 + "E2,2024,caf\u00e9,3\n".encode("latin-1"))
    found = only(problems(path), "E-FILE-ENCODING")
    assert found.row == 3


def test_a_file_that_is_not_parquet(write: Callable[[str, str], Path]) -> None:
    path = write("fake.parquet", HEADER + GOOD_ROW)
    only(problems(path), "E-FILE-FORMAT")


def test_unsupported_extension(write: Callable[[str, str], Path]) -> None:
    only(problems(write("r.json", "{}")), "E-FILE-FORMAT")


def test_parquet_with_numeric_values_and_codes(tmp_path: Path) -> None:
    frame = pd.DataFrame({"authority_code": ["E1", "E2"], "period": [2024, 2024],
                          "qs1_assessing_needs": [3, 4]})
    path = tmp_path / "w.parquet"
    frame.to_parquet(path, index=False)
    checked = validate("cqc-la-2024", [path])
    assert not checked.problems.has_errors()
    assert list(checked.returns.keys["period"]) == ["2024", "2024"]
    assert list(checked.returns.values["qs1_assessing_needs"]) == [3.0, 4.0]


def _long_parquet(tmp_path: Path, rows: list[tuple[str, str, object]]) -> Path:
    path = tmp_path / "long.parquet"
    pd.DataFrame({"authority_code": [r[0] for r in rows], "period": ["2005"] * len(rows),
                  "indicator": [r[1] for r in rows], "value": [r[2] for r in rows]}
                 ).to_parquet(path, index=False)
    return path


def test_a_text_column_reads_alike_whole_and_input_by_input(tmp_path: Path) -> None:
    """Each distinct spelling read once per input and looked up by (indicator, spelling)
    gives every row what reading it input by input gives."""
    import numpy as np

    from perfassess.api import _pack
    from perfassess.core.problems import Problems
    from perfassess.io.read import read_one
    from perfassess.validate import inputs

    rows = [("E1", "housing", "n/a"), ("E1", "culture", " 3 "), ("E1", "fire", None),
            ("E1", "direction_of_travel", "Improving Well"), ("E2", "housing", "2"),
            ("E2", "culture", "n/a"), ("E2", "direction_of_travel", "improving strongly"),
            ("E2", "corporate_assessment", "4"), ("E3", "culture", "1")]
    source = read_one(_long_parquet(tmp_path, rows), Problems())
    assert source is not None
    loaded = _pack("cpa-2005")
    indicators = inputs.text_codes(source.table["indicator"], len(rows))
    ind_codes = indicators.codes
    specs = {int(k): loaded.pack.input(str(name)) for k, name in enumerate(indicators.spelt())}
    spelling = lambda: inputs._Spellings(source.table["value"])  # noqa: E731
    keep = np.ones(len(rows), dtype=bool)
    types = loaded.plan.input_types
    at_once = inputs._read_at_once(source, ind_codes, keep, specs, types, spelling)
    assert at_once is not None
    problems = Problems()
    by_input = inputs._read_by_input(source, ind_codes, keep, specs, types, spelling, problems)
    assert not problems.items
    np.testing.assert_array_equal(at_once[0], by_input[0])  # NaN where NaN
    np.testing.assert_array_equal(at_once[1], by_input[1])
    # By hand: n/a, 3, blank, "improving well" (travel position 2), 2, n/a, 3, 4, 1.
    np.testing.assert_array_equal(at_once[0], [np.nan, 3, np.nan, 2, 2, np.nan, 3, 4, 1])
    assert list(at_once[1]) == [True, False, False, False, False, True, False, False, False]


@pytest.mark.parametrize(("value", "code"), [(5.0, "E-VALUE-RANGE"), (2.5, "E-VALUE-TYPE"),
                                             (float("inf"), "E-VALUE-NONFINITE")])
def test_a_bad_number_among_good_ones_in_parquet_is_located(tmp_path: Path, value: float,
                                                             code: str) -> None:
    """The whole-column check finds the bad value; the input-by-input pass then reports it
    at its own row."""
    rows: list[tuple[str, str, object]] = [
        (f"E{i}", "qs1_assessing_needs", float(1 + i % 4)) for i in range(1, 40)]
    rows[22] = ("E23", "qs1_assessing_needs", value)
    found = problems(_long_parquet(tmp_path, rows))
    hit = only(found, code)
    assert (hit.row, hit.column) == (23, "value")
    assert [p.code for p in found if p.code.startswith("E-")] == [code]
