"""Bad returns through `perfassess score`: each gives its code, where it is, exit 1, and no
output at all. Rows are those the user sees (CSV: the line in a text editor, header = 1;
Excel: the row number Excel shows; Parquet: the data row, from 1)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from perfassess.cli import cli

LONG = "authority_code,period,indicator,value\n"
QS1 = "qs1_assessing_needs"
OK = f"E1,2024,{QS1},3\n"


def parquet(columns: dict[str, list[object]]) -> bytes:
    sink = io.BytesIO()
    pq.write_table(pa.table(columns), sink)
    return sink.getvalue()


def parquet_duplicate_columns() -> bytes:
    sink = io.BytesIO()
    table = pa.Table.from_arrays([pa.array(["E1"]), pa.array(["2024"]), pa.array([1]),
                                  pa.array([2])],
                                 names=["authority_code", "period", QS1, QS1])
    pq.write_table(table, sink)
    return sink.getvalue()


def workbook(rows: list[list[object]], *, title: str = "Returns",
             percent_cell: str | None = None, blank_first_rows: int = 0) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    if blank_first_rows:
        sheet.insert_rows(1, blank_first_rows)
    if percent_cell:
        sheet[percent_cell].number_format = "0%"
    sink = io.BytesIO()
    book.save(sink)
    return sink.getvalue()


XLSX_HEADER: list[object] = ["authority_code", "period", "indicator", "value"]


@dataclass
class Case:
    what: str
    name: str  # file name (its suffix picks the reader)
    content: Callable[[], bytes] | str | None  # None: the file does not exist
    code: str
    row: int | None
    column: str | int | None = None
    value: str | None = None
    pack: str = "cqc-la-2024"
    options: tuple[str, ...] = ()
    message: str | None = None  # a phrase the message must contain

    def bytes(self) -> bytes | None:
        if self.content is None:
            return None
        return self.content.encode("utf-8") if isinstance(self.content, str) else (
            self.content())


CASES = [
    # values
    Case("text in an integer score", "r.csv", LONG + f"E1,2024,{QS1},three\n", "E-VALUE-TYPE",
         2, "value", "three"),
    Case("thousands separator", "r.csv", LONG + f'E1,2024,{QS1},"1,234"\n', "E-VALUE-TYPE", 2,
         "value", "1,234", message="without thousands separators (1234)"),
    Case("percent sign", "r.csv", LONG + f"E1,2024,{QS1},12%\n", "E-VALUE-TYPE", 2, "value",
         "12%", message="without the % sign (12)"),
    Case("a dash for no return", "r.csv", LONG + f"E1,2024,{QS1},-\n", "E-VALUE-TYPE", 2,
         "value", "-", message="leave the cell empty"),
    Case("an Excel error value", "r.csv", LONG + f"E1,2024,{QS1},#DIV/0!\n", "E-VALUE-TYPE", 2,
         "value", "#DIV/0!", message="Excel error"),
    Case("a decimal comma", "r.csv", LONG + f'E1,2024,{QS1},"2,5"\n', "E-VALUE-TYPE", 2,
         "value", "2,5", message="point for decimals (2.5)"),
    Case("a suppression marker", "r.csv", LONG + f"E1,2024,{QS1},x\n", "E-VALUE-TYPE", 2,
         "value", "x", message="suppression"),
    Case("a fraction in an integer", "r.csv", LONG + f"E1,2024,{QS1},2.5\n", "E-VALUE-TYPE",
         2, "value", "2.5", message="not a whole number"),
    Case("above the range", "r.csv", LONG + OK + f"E2,2024,{QS1},5\n", "E-VALUE-RANGE", 3,
         "value", "5"),
    Case("below the range", "r.csv", LONG + f"E2,2024,{QS1},0\n", "E-VALUE-RANGE", 2,
         "value", "0"),
    Case("NaN", "r.csv", LONG + f"E1,2024,{QS1},NaN\n", "E-VALUE-NONFINITE", 2, "value",
         "NaN"),
    Case("infinity", "r.csv", LONG + f"E1,2024,{QS1},-inf\n", "E-VALUE-NONFINITE", 2,
         "value", "-inf"),
    Case("a number too large for a float", "r.csv", LONG + f"E1,2024,{QS1},1e400\n",
         "E-VALUE-NONFINITE", 2, "value", "1e400"),
    Case("n/a where the pack has no n/a", "r.csv", LONG + f"E1,2024,{QS1},N/A\n",
         "E-VALUE-NA", 2, "value", "N/A"),
    Case("a label outside the vocabulary", "r.csv",
         LONG + "E1,2002,adults_serving,Mostly\n", "E-VALUE-LABEL", 2, "value", "Mostly",
         pack="ss-stars-2002"),
    Case("a number where a label is due", "r.csv",
         LONG + "E1,2002,children_serving,3\n", "E-VALUE-LABEL", 2, "value", "3",
         pack="ss-stars-2002"),
    Case("a word in a wide column", "w.csv",
         f"authority_code,period,{QS1},qs7_safeguarding\nE1,2024,3,3\nE2,2024,2,seven\n",
         "E-VALUE-TYPE", 3, "qs7_safeguarding", "seven"),
    # keys
    Case("blank authority code", "r.csv", LONG + f",2024,{QS1},3\n", "E-KEY-BLANK", 2,
         "authority_code", ""),
    Case("blank period", "r.csv", LONG + f"E1, ,{QS1},3\n", "E-KEY-BLANK", 2, "period", ""),
    Case("blank indicator", "r.csv", LONG + "E1,2024,,3\n", "E-KEY-BLANK", 2, "indicator",
         ""),
    Case("conflicting duplicate", "r.csv", LONG + OK + f"E1,2024,{QS1},2\n", "E-DUPLICATE",
         3, "value", "2", message="r.csv:2"),
    Case("conflicting duplicate, wide", "w.csv",
         f"authority_code,period,{QS1}\nE1,2024,3\nE1,2024,4\n", "E-DUPLICATE", 3, QS1, "4"),
    # structure
    Case("missing period column", "r.csv", "authority_code,indicator,value\nE1,x,1\n",
         "E-COLUMN-MISSING", 1, "period"),
    Case("long file without a value column", "r.csv",
         f"authority_code,period,indicator\nE1,2024,{QS1}\n", "E-COLUMN-MISSING", 1, "value"),
    Case("wide file without indicator columns", "r.csv", "authority_code,period\nE1,2024\n",
         "E-COLUMN-MISSING", 1, None, message="no indicator columns"),
    Case("semicolon-separated", "r.csv", f"authority_code;period;{QS1}\nE1;2024;3\n",
         "E-COLUMN-MISSING", 1, "authority_code", message="semicolons"),
    Case("a column named twice", "w.csv", f"authority_code,period,{QS1}, {QS1}\nE1,2024,3,3\n",
         "E-COLUMN-DUPLICATE", 1, QS1),
    Case("a row with an extra field", "r.csv", LONG + f"E1,2024,{QS1},3,extra\n",
         "E-ROW-RAGGED", 2, None, message="5 fields"),
    Case("a short row after a blank line", "r.csv", LONG + OK + f"\nE2,2024,{QS1}\n",
         "E-ROW-RAGGED", 4, None),
    Case("a bad value after a quoted line break", "r.csv",
         "authority_code,period,indicator,value,note\n"
         f'E1,2024,{QS1},3,"first line\nsecond line"\nE2,2024,{QS1},nine,\n',
         "E-VALUE-TYPE", 4, "value", "nine"),
    Case("header only", "r.csv", LONG, "E-FILE-EMPTY", None),
    Case("empty file", "r.csv", "", "E-FILE-EMPTY", None),
    Case("not UTF-8", "r.csv", lambda: (LONG + OK).encode() + "E2,2024,caf\u00e9,3\n".encode(
        "latin-1"), "E-FILE-ENCODING", 3),
    Case("a workbook named .csv", "r.csv", lambda: workbook([XLSX_HEADER]), "E-FILE-FORMAT",
         None, message="zip archive"),
    Case("binary bytes named .csv", "r.csv", lambda: b"\x00\x01\x02binary", "E-FILE-FORMAT",
         None, message="NUL"),
    Case("CSV named .parquet", "r.parquet", LONG + OK, "E-FILE-FORMAT", None),
    Case("an unsupported extension", "r.json", "{}", "E-FILE-FORMAT", None),
    Case("an old .xls workbook", "r.xls", lambda: b"\xd0\xcf\x11\xe0" + bytes(60),
         "E-FILE-FORMAT", None),
    Case("a missing file", "nope.csv", None, "E-FILE-NOT-FOUND", None),
    # Parquet
    Case("a stored NaN in Parquet", "r.parquet",
         lambda: parquet({"authority_code": ["E1", "E2"], "period": ["2024", "2024"],
                          QS1: [3.0, float("nan")]}), "E-VALUE-NONFINITE", 2, QS1, "NaN"),
    Case("a Parquet column named twice", "r.parquet", parquet_duplicate_columns,
         "E-COLUMN-DUPLICATE", None, QS1),
    Case("text in a Parquet value column", "r.parquet",
         lambda: parquet({"authority_code": ["E1"], "period": [2024], "indicator": [QS1],
                          "value": ["lots"]}), "E-VALUE-TYPE", 1, "value", "lots"),
    # Excel
    Case("text in a number, rows as Excel shows them", "r.xlsx",
         lambda: workbook([XLSX_HEADER, ["E1", "2024", QS1, 3], ["E2", "2024", QS1, "three"]],
                          blank_first_rows=2), "E-VALUE-TYPE", 5, "value", "three"),
    Case("a cell formatted as a percentage", "r.xlsx",
         lambda: workbook([XLSX_HEADER, ["E1", "2024", QS1, 0.12]], percent_cell="D2"),
         "E-VALUE-TYPE", 2, "value", "12%"),
    Case("an Excel sheet that is not there", "r.xlsx",
         lambda: workbook([XLSX_HEADER, ["E1", "2024", QS1, 3]]), "E-SHEET-NOT-FOUND", None,
         value="Data", options=("--sheet", "Data"), message="'Returns'"),
    Case("a value beyond the headed columns", "r.xlsx",
         lambda: workbook([XLSX_HEADER, ["E1", "2024", QS1, 3, None, "stray"]]),
         "E-CELL-UNHEADED", 2, "F", "stray", message="Returns!F2"),
    Case("an empty sheet", "r.xlsx", lambda: workbook([]), "E-FILE-EMPTY", None),
    Case("text named .xlsx", "r.xlsx", LONG + OK, "E-FILE-FORMAT", None),
    Case("a damaged workbook", "r.xlsx", lambda: workbook([XLSX_HEADER])[:300],
         "E-FILE-FORMAT", None),
]


@pytest.mark.parametrize("case", CASES, ids=[c.what for c in CASES])
def test_bad_input_is_located_and_nothing_is_written(case: Case, tmp_path: Path) -> None:
    path = tmp_path / case.name
    content = case.bytes()
    if content is not None:
        path.write_bytes(content)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["score", "--pack", case.pack, "--input", str(path),
                                      "--out", str(out), "--format", "json", *case.options])
    # A file that does not exist is a usage error (exit 2); every other case is bad data.
    assert result.exit_code == (2 if case.code == "E-FILE-NOT-FOUND" else 1), result.output
    assert "Traceback" not in result.output
    payload = json.loads(result.stdout)
    found = [p for p in payload["problems"] if p["code"] == case.code]
    assert found, [(p["code"], p["message"]) for p in payload["problems"]]
    problem = found[0]
    assert problem["severity"] == "error"
    assert problem["file"] == str(path)
    assert problem["row"] == case.row
    assert problem["column"] == case.column
    if case.value is not None:
        assert problem["value"] == case.value
    if case.message is not None:
        assert case.message in problem["message"]
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == (
        [case.name] if content is not None else [])


def test_at_least_thirty_bad_inputs() -> None:
    assert len(CASES) >= 30


def test_a_bad_reference_file_is_located(tmp_path: Path) -> None:
    returns = tmp_path / "r.csv"
    returns.write_text(LONG + OK)
    reference = tmp_path / "ref.csv"
    reference.write_text("code,name\nE1,Alpha\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["score", "--pack", "cqc-la-2024", "--input",
                                      str(returns), "--reference", str(reference), "--out",
                                      str(out), "--format", "json"])
    assert result.exit_code == 1
    problem = json.loads(result.stdout)["problems"][0]
    assert (problem["code"], problem["file"], problem["row"], problem["column"]) == (
        "E-COLUMN-MISSING", str(reference), 1, "authority_code")
    assert not out.exists()
