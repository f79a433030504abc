"""Hostile input files are read in time and memory that follow what they hold, or refused
fast with a coded, located problem (issue 19 points 3, 8, 9, 12; issue 17's formula)."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from perfassess.api import validate
from perfassess.core.problems import Problem, Problems
from perfassess.io import xlsx
from perfassess.io.read import read_one
from tests.hostile import MAIN, QS1, cell, long_sheet, row, sheet, workbook

LONG = "authority_code,period,indicator,value\n"


def read(tmp_path: Path, name: str, content: bytes) -> tuple[object, list[Problem]]:
    path = tmp_path / name
    path.write_bytes(content)
    problems = Problems()
    table = read_one(path, problems)
    return table, problems.items


def only(problems: list[Problem], code: str) -> Problem:
    found = [p for p in problems if p.code == code]
    assert found, [(p.code, p.message) for p in problems]
    return found[0]


# --- a. a declared dimension costs nothing; far rows keep their numbers ------------------

def test_a_huge_declared_dimension_with_one_far_cell_reads_at_once(tmp_path: Path) -> None:
    content = long_sheet((1_048_576, ["E1", "2024", QS1, "three"]),
                         dimension="A1:XFD1048576")
    assert len(content) < 5_000
    path = tmp_path / "far.xlsx"
    path.write_bytes(content)
    start = time.perf_counter()
    checked = validate("cqc-la-2024", [path])
    assert time.perf_counter() - start < 3
    problem = only(checked.problems.items, "E-VALUE-TYPE")
    assert (problem.row, problem.column, problem.value) == (1_048_576, "value", "three")


def test_sparse_rows_keep_the_numbers_excel_shows(tmp_path: Path) -> None:
    content = long_sheet((7, ["E1", "2024", QS1, 3]), (500_000, ["E2", "2024", QS1, 4]))
    table, problems = read(tmp_path, "sparse.xlsx", content)
    assert not problems
    assert list(table.table["_line"]) == [7, 500_000]  # type: ignore[attr-defined]


# --- b. what a workbook may expand to ------------------------------------------------------

def test_a_part_expanding_a_thousandfold_is_refused_before_it_is_read(tmp_path: Path) -> None:
    bomb = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}"><si><t>'
            + "a" * (12 << 20) + "</t></si></sst>").encode()
    content = workbook(sheet(row(1, ["authority_code", "period", QS1])), shared_xml=bomb)
    assert len(content) < 100_000
    start = time.perf_counter()
    _, problems = read(tmp_path, "bomb.xlsx", content)
    assert time.perf_counter() - start < 1
    problem = only(problems, "E-FILE-LIMIT")
    assert problem.value == "xl/sharedStrings.xml" and "fold" in problem.message


def test_a_workbook_expanding_beyond_the_total_is_refused(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    monkeypatch.setattr(xlsx, "MAX_EXPANDED", 10_000)
    content = long_sheet(*[(n, ["E1", "2024", QS1, 3]) for n in range(2, 200)])
    _, problems = read(tmp_path, "big.xlsx", content)
    assert "expands to" in only(problems, "E-FILE-LIMIT").message


def test_a_cell_longer_than_excel_allows_is_located(tmp_path: Path) -> None:
    content = workbook(sheet(row(1, ["authority_code", "period", "indicator", "value", "note"])
                             + row(2, ["E1", "2024", QS1, 3])
                             + '<row r="3"><c r="E3" t="s"><v>0</v></c></row>'),
                       shared=["n" * 40_000])
    _, problems = read(tmp_path, "long.xlsx", content)
    problem = only(problems, "E-CELL-TOO-LONG")
    assert (problem.row, problem.column) == (3, "E") and "40,000" in problem.message


# --- c. Excel's sheet limits --------------------------------------------------------------

def test_a_row_beyond_excels_last_is_refused(tmp_path: Path) -> None:
    content = long_sheet((2, ["E1", "2024", QS1, 3]), (1_048_577, ["E2", "2024", QS1, 3]))
    _, problems = read(tmp_path, "rows.xlsx", content)
    assert only(problems, "E-FILE-LIMIT").row == 1_048_577


def test_rows_without_numbers_are_counted_up_to_the_limit(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    monkeypatch.setattr(xlsx, "MAX_ROWS", 5)
    body = "".join(f"<row>{cell(f'A{n}', 'x')}</row>" for n in range(1, 8))
    _, problems = read(tmp_path, "rows.xlsx", workbook(sheet(body)))
    assert only(problems, "E-FILE-LIMIT").row == 6


def test_a_sheet_of_more_rows_than_excels_is_refused_before_they_are_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "COUNT_ROWS_OVER", 0)
    monkeypatch.setattr(xlsx, "MAX_ROWS", 1_000)
    body = "".join(row(n, [f"E{n}", "2024", QS1, 3]) for n in range(1, 1_500))
    parsed: list[int] = []
    monkeypatch.setattr(xlsx._Sheet, "_row", lambda self, *args: parsed.append(1))
    problem = only(read(tmp_path, "rows.xlsx", workbook(sheet(body)))[1], "E-FILE-LIMIT")
    assert problem.value == "1,499 rows" and not parsed


def test_a_cell_beyond_excels_last_column_is_refused(tmp_path: Path) -> None:
    content = workbook(sheet(row(1, ["authority_code", "period", QS1])
                             + f'<row r="2">{cell("XFE2", 3)}</row>'))
    problem = only(read(tmp_path, "wide.xlsx", content)[1], "E-FILE-LIMIT")
    assert (problem.row, problem.value) == (2, "XFE2")


@pytest.mark.parametrize("body", ['<row r="x1"><c r="A1"><v>1</v></c></row>',
                                  '<row r="1"><c r="A1:B2"><v>1</v></c></row>',
                                  '<row r="1"><c r="A1" t="s"><v>7</v></c></row>',
                                  '<row r="1"><c r="A1"><v>lots</v></c></row>'],
                         ids=["row number", "cell reference", "shared string", "number"])
def test_a_malformed_sheet_is_a_format_error(tmp_path: Path, body: str) -> None:
    assert only(read(tmp_path, "m.xlsx", workbook(sheet(body)))[1], "E-FILE-FORMAT")


def test_rows_almost_all_empty_under_a_huge_header_are_refused(tmp_path: Path) -> None:
    header = row(1, ["authority_code", "period", *[f"x{i}" for i in range(16_000)]])
    body = "".join(f'<row r="{n}">{cell(f"A{n}", "E1")}</row>' for n in range(2, 3_002))
    start = time.perf_counter()
    _, problems = read(tmp_path, "sparse.xlsx", workbook(sheet(header + body)))
    assert time.perf_counter() - start < 3
    assert "almost all empty" in only(problems, "E-FILE-LIMIT").message


def test_reading_a_sheet_follows_its_cells(tmp_path: Path) -> None:
    rows = "".join(row(n, [f"E{n}", "2024", QS1, 3]) for n in range(2, 20_002))
    content = workbook(sheet(row(1, ["authority_code", "period", "indicator", "value"]) + rows,
                             dimension="A1:XFD1048576"))
    start = time.perf_counter()
    table, problems = read(tmp_path, "many.xlsx", content)
    assert time.perf_counter() - start < 3
    assert not problems and len(table.table) == 20_000  # type: ignore[attr-defined]


# --- h. a formula with no saved value -----------------------------------------------------

def test_a_formula_never_calculated_is_a_located_error(tmp_path: Path) -> None:
    body = (row(1, ["authority_code", "period", "indicator", "value"])
            + '<row r="2">' + cell("A2", "E1") + cell("B2", "2024") + cell("C2", QS1)
            + '<c r="D2"><f>2+1</f></c></row>'
            + '<row r="3">' + cell("A3", "E2") + cell("B3", "2024") + cell("C3", QS1)
            + '<c r="D3"><f>2+1</f><v>3</v></c></row>')
    _, problems = read(tmp_path, "f.xlsx", workbook(sheet(body)))
    problem = only(problems, "E-CELL-FORMULA")
    assert (problem.row, problem.column, problem.value) == (2, "D", "=2+1")
    assert "open and save it in Excel" in problem.message
    assert len([p for p in problems if p.code == "E-CELL-FORMULA"]) == 1


def test_a_formula_written_by_openpyxl_is_not_read_as_blank(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["authority_code", "period", "indicator", "value"])
    ws.append(["E1", "2024", QS1, "=2+1"])
    sink = io.BytesIO()
    book.save(sink)
    problem = only(read(tmp_path, "f.xlsx", sink.getvalue())[1], "E-CELL-FORMULA")
    assert (problem.row, problem.column) == (2, "D")


# --- workbook XML stays defused -------------------------------------------------------------

@pytest.mark.parametrize("prolog", [
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>',
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
    '<?xml version="1.0" encoding="cp037"?>',
], ids=["entities", "external entity", "foreign encoding"])
def test_a_dtd_or_foreign_encoding_in_a_workbook_part_is_refused(tmp_path: Path,
                                                                 prolog: str) -> None:
    content = workbook(sheet(row(1, ["authority_code", "period", QS1]), prolog=prolog))
    problem = only(read(tmp_path, "x.xlsx", content)[1], "E-FILE-FORMAT")
    assert "DTD" in problem.message or "UTF-8" in problem.message


def test_shared_strings_rich_text_and_escapes_read_as_excel_shows_them(tmp_path: Path) -> None:
    shared = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">'
              "<si><t>authority_code</t></si><si><r><t>per</t></r><r><t>iod</t></r>"
              "<rPh><t>phonetic</t></rPh></si><si><t>a_x005F_x0041_b</t></si></sst>").encode()
    body = ('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
            f'{cell("C1", QS1)}<c r="D1" t="s"><v>2</v></c></row>'
            + row(2, ["E1", "2024", 3, "x"]))
    table, problems = read(tmp_path, "s.xlsx", workbook(sheet(body), shared_xml=shared))
    assert not problems
    frame = table.table  # type: ignore[attr-defined]
    assert list(frame["period"]) == ["2024", "2024"]
    assert "a_x0041_b" in set(frame["_column"].astype(str))


# --- e. Parquet column types ---------------------------------------------------------------

UNSUPPORTED = {
    "binary": pa.array([b"\xff\xfe", b"E2"]),
    "list": pa.array([["E06000001"], ["E2"]]),
    "large_list": pa.array([["E1"], ["E2"]], pa.large_list(pa.string())),
    "struct": pa.array([{"a": 1}, {"a": 2}]),
    "map": pa.array([[("k", 1)], [("k", 2)]], pa.map_(pa.string(), pa.int64())),
    "duration": pa.array([1, 2], pa.duration("s")),
}


@pytest.mark.parametrize("kind", list(UNSUPPORTED))
def test_parquet_columns_of_unsupported_types_are_refused_by_name(tmp_path: Path,
                                                                  kind: str) -> None:
    sink = io.BytesIO()
    pq.write_table(pa.table({"authority_code": UNSUPPORTED[kind], "period": ["2024", "2024"],
                             QS1: [3, 4]}), sink)
    table, problems = read(tmp_path, "t.parquet", sink.getvalue())
    assert table is None
    problem = only(problems, "E-COLUMN-TYPE")
    assert problem.column == "authority_code" and problem.file == str(tmp_path / "t.parquet")
    assert problem.value and problem.value.split("<")[0] in str(
        UNSUPPORTED[kind].type)


def test_parquet_columns_of_supported_types_still_read(tmp_path: Path) -> None:
    import datetime as dt
    import decimal

    path = tmp_path / "ok.parquet"
    pq.write_table(pa.table({
        "authority_code": pa.array(["E1", "E2"]).dictionary_encode(),
        "period": pa.array([2024, 2024], pa.int16()),
        # A date reads as its ISO text (here where any text may stand: a period's form is
        # the pack's, and cqc-la-2024's is a year).
        "authority_name": pa.array([dt.date(2024, 3, 31)] * 2),
        QS1: pa.array([decimal.Decimal("3"), decimal.Decimal("4")]),
        "qs7_safeguarding": pa.array([3, 4], pa.int8()).dictionary_encode(),
        "note": pa.array([None, None], pa.null())}), path)
    checked = validate("cqc-la-2024", [path])
    assert not checked.problems.errors
    assert list(checked.returns.keys["period"]) == ["2024", "2024"]
    assert checked.returns.names == {"E1": "2024-03-31", "E2": "2024-03-31"}


# --- f. control characters anywhere ---------------------------------------------------------

def test_a_nul_after_the_first_4_kb_of_a_csv_is_located(tmp_path: Path) -> None:
    rows = "".join(f"E{i},2024,{QS1},3\n" for i in range(400))
    content = (LONG + rows + "E9\x00,2024," + QS1 + ",3\n").encode()
    assert content.index(b"\x00") > 4096
    _, problems = read(tmp_path, "nul.csv", content)
    problem = only(problems, "E-TEXT-CONTROL")
    assert (problem.row, problem.column, problem.value) == (402, "authority_code", "E9\\x00")
    assert "NUL" in problem.message


@pytest.mark.parametrize(("char", "shown"), [("\x1b", "\\x1b"), ("\x85", "\\x85"),
                                              ("\x7f", "\\x7f"), ("\u202e", "\\u202e"),
                                              ("\u2066", "\\u2066")])
def test_control_and_bidi_characters_are_refused_in_csv(tmp_path: Path, char: str,
                                                        shown: str) -> None:
    content = (LONG + f"E1,2024,{QS1},3\nE2,2024,{QS1},3{char}\n").encode()
    problem = only(read(tmp_path, "c.csv", content)[1], "E-TEXT-CONTROL")
    assert (problem.row, problem.column, problem.value) == (3, "value", f"3{shown}")


def test_ordinary_text_beyond_ascii_is_not_a_control_character(tmp_path: Path) -> None:
    content = ("authority_code,authority_name,period,indicator,value\n"
               f"E1,Caf\u00e9 \u00a35 \u2019quoted\u2019 \u2013 \u00a0,2024,{QS1},3\n").encode()
    table, problems = read(tmp_path, "ok.csv", content)
    assert table is not None and not problems


def test_tabs_and_line_breaks_inside_values_are_text(tmp_path: Path) -> None:
    content = (LONG.rstrip("\n") + ",note\n" + f'E1,2024,{QS1},3,"a\tb\r\nc"\n').encode()
    table, problems = read(tmp_path, "ok.csv", content)
    assert table is not None and not problems


def test_control_characters_are_refused_in_xlsx_and_parquet(tmp_path: Path) -> None:
    content = long_sheet((2, ["E1", "2024", QS1, 3]), (4, ["E2\u202e", "2024", QS1, 3]))
    problem = only(read(tmp_path, "c.xlsx", content)[1], "E-TEXT-CONTROL")
    assert (problem.row, problem.column, problem.value) == (4, "authority_code", "E2\\u202e")
    escaped = workbook(sheet(row(1, ["authority_code", "period", QS1])
                             + row(2, ["E1", "2024_x0007_", 3])))
    assert only(read(tmp_path, "e.xlsx", escaped)[1], "E-TEXT-CONTROL").value == "2024\\x07"
    sink = io.BytesIO()
    pq.write_table(pa.table({"authority_code": ["E1", "E2"], "period": ["2024", "2024"],
                             "authority_name": ["Alpha", "Be\x00ta"], QS1: [3, 4]}), sink)
    problem = only(read(tmp_path, "c.parquet", sink.getvalue())[1], "E-TEXT-CONTROL")
    assert (problem.row, problem.column, problem.value) == (2, "authority_name", "Be\\x00ta")


def test_a_control_character_in_a_reference_file_is_located(tmp_path: Path) -> None:
    from perfassess.io.read import read_reference

    path = tmp_path / "ref.csv"
    path.write_bytes(b"authority_code,authority_name\n" + b"E1,Alpha\n" * 600
                     + b"E2,Be\x1bta\n")
    problems = Problems()
    assert read_reference(path, problems) is None
    problem = only(problems.items, "E-TEXT-CONTROL")
    assert (problem.row, problem.column, problem.value) == (602, "authority_name", "Be\\x1bta")


def test_a_control_character_in_a_column_name_is_located(tmp_path: Path) -> None:
    content = f"authority_code,period,{QS1}\x1b\nE1,2024,3\n".encode()
    problem = only(read(tmp_path, "h.csv", content)[1], "E-TEXT-CONTROL")
    assert (problem.row, problem.column) == (1, 3)


# --- g. one long field -----------------------------------------------------------------------

def test_a_field_longer_than_pyarrows_block_still_reads(tmp_path: Path) -> None:
    content = (LONG.rstrip("\n") + ",note\n" + f"E1,2024,{QS1},3,{'n' * (3 << 20)}\n"
               + f"E2,2024,{QS1},4,\n").encode()
    table, problems = read(tmp_path, "long.csv", content)
    assert not problems and table is not None
    assert list(table.table["_line"]) == [2, 3]  # type: ignore[attr-defined]


# --- d. columns -------------------------------------------------------------------------------

def test_more_columns_than_excel_allows_are_refused(tmp_path: Path) -> None:
    header = ",".join(["authority_code", "period", *[f"x{i}" for i in range(16_383)]])
    problem = only(read(tmp_path, "w.csv", (header + "\n").encode())[1], "E-FILE-LIMIT")
    assert problem.row == 1 and "16,385" in problem.message
    sink = io.BytesIO()
    pq.write_table(pa.table({f"x{i}": [1] for i in range(16_385)}), sink)
    assert only(read(tmp_path, "w.parquet", sink.getvalue())[1], "E-FILE-LIMIT")


def test_thousands_of_unknown_columns_are_each_warned_once(tmp_path: Path) -> None:
    unknown = [f"x{i}" for i in range(4_000)]
    lines = [",".join(["authority_code", "period", QS1, *unknown])]
    lines += [",".join([f"E{r}", "2024", "3", *(["1"] * len(unknown))]) for r in range(20)]
    path = tmp_path / "w.csv"
    path.write_text("\n".join(lines) + "\n")
    checked = validate("cqc-la-2024", [path])
    warned = [p for p in checked.problems.items if p.code == "W-UNKNOWN-INDICATOR"]
    assert checked.problems.counts["W-UNKNOWN-INDICATOR"] == 4_000
    assert len(warned) == checked.problems.limit
    assert (warned[0].column, warned[0].value) == ("x0", "x0")
    assert "20 value(s) ignored" in warned[0].message
    assert not checked.problems.errors


def test_unknown_indicators_do_not_rescan_the_rows() -> None:
    from perfassess.io.read import SourceTable
    from perfassess.packs import load_pack
    from perfassess.validate.inputs import parse_returns

    n, k = 1_000_000, 20_000  # each unknown indicator once rescanning: 2e10 row visits
    codes = np.arange(n)
    frame = pd.DataFrame({
        "authority_code": pd.Categorical.from_codes(codes // k, [f"E{i}" for i in range(n // k)]),
        "period": pd.Categorical.from_codes(np.zeros(n, np.int8), ["2024"]),
        "indicator": pd.Categorical.from_codes(codes % k, [f"x{i}" for i in range(k)]),
        "value": pd.Categorical.from_codes(np.zeros(n, np.int8), ["3"]),
        "authority_name": pd.Categorical.from_codes(np.full(n, -1, np.int8), []),
        "note": pd.Categorical.from_codes(np.full(n, -1, np.int8), []),
        "_line": codes + 2, "_column": pd.Categorical.from_codes(np.zeros(n, np.int8),
                                                                  ["value"])})
    loaded = load_pack("cqc-la-2024")
    problems = Problems()
    start = time.perf_counter()
    parse_returns([SourceTable("big.csv", "long", frame)], loaded.pack,
                  loaded.plan.input_types, problems)
    assert time.perf_counter() - start < 3
    assert problems.counts["W-UNKNOWN-INDICATOR"] == k
    first = next(p for p in problems.items if p.code == "W-UNKNOWN-INDICATOR")
    assert (first.row, first.value) == (2, "x0") and f"{n // k} value(s)" in first.message


def test_a_zip_that_is_not_a_workbook_is_a_format_error(tmp_path: Path) -> None:
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert only(read(tmp_path, "z.xlsx", sink.getvalue())[1], "E-FILE-FORMAT")


def test_the_header_is_found_under_a_wide_title_row_of_long_cells(tmp_path: Path) -> None:
    """The search reads the top rows' cells as they are (Arrow's kernels, no fixed-width
    copy of every cell at the longest one's width)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["x" * 32_000] + ["y"] * 3_000)
    sheet.append(["authority_code", " Period ", "qs1_assessing_needs"])
    sheet.append(["E1", "2024", "3"])
    sink = io.BytesIO()
    book.save(sink)
    path = tmp_path / "wide.xlsx"
    path.write_bytes(sink.getvalue())
    problems = Problems()
    started = time.perf_counter()
    read = xlsx.read_xlsx(path, None, problems)
    assert time.perf_counter() - started < 10
    assert read is not None
    frame, lines, header = read
    assert header == 2 and list(frame.columns)[:2] == ["authority_code", " Period "]
    assert list(lines) == [3]
    assert [p.code for p in problems] == ["W-ROWS-ABOVE-HEADER"]
