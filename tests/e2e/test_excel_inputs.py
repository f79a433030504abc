"""Excel inputs end to end, in a subprocess: empty sheets, title rows, Excel's own advice."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.e2e.test_cli import WIDE

QS1 = "qs1_assessing_needs"
HEADER: list[object] = ["authority_code", "period", "indicator", "value"]


def workbook(sheets: dict[str, list[list[object]]]) -> bytes:
    """A workbook of the given sheets, in order, each as its rows."""
    import openpyxl

    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    sink = io.BytesIO()
    book.save(sink)
    return sink.getvalue()


def run(tmp_path: Path, book: bytes, *options: str, command: str = "validate"
        ) -> tuple[int, dict[str, object], str]:
    path = tmp_path / "returns.xlsx"
    path.write_bytes(book)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run([sys.executable, "-m", "perfassess", command, "--pack", "cqc-la-2024",
                           "--input", str(path), "--format", "json", *options], cwd=tmp_path,
                          env=env, capture_output=True, text=True, check=False)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout), proc.stderr


def problems(payload: dict[str, object], code: str) -> list[dict[str, object]]:
    found = payload["problems"]
    assert isinstance(found, list)
    return [p for p in found if p["code"] == code]


def test_an_empty_first_sheet_suggests_the_sheets_with_data(tmp_path: Path) -> None:
    rows = [HEADER, *[[f"E{i}", "2024", QS1, 3] for i in range(72)]]
    book = workbook({"Cover": [], "Notes": [], "Returns": rows, "Small": [HEADER, ["E1"]]})
    code, payload, _ = run(tmp_path, book)
    assert code == 1
    [empty] = problems(payload, "E-FILE-EMPTY")
    assert empty["value"] == "Cover"
    assert ("sheet 'Cover' has no data; sheets with data: 'Returns' (73 rows), "
            "'Small' (2 rows) — use --sheet Returns") in str(empty["message"])


def test_a_workbook_with_no_data_anywhere_says_so(tmp_path: Path) -> None:
    code, payload, _ = run(tmp_path, workbook({"Cover": [], "Notes": []}))
    assert code == 1
    [empty] = problems(payload, "E-FILE-EMPTY")
    assert "as is every other sheet" in str(empty["message"])


TITLED = [["Adult social care returns 2024"], ["Source: council returns", None, None, None],
          HEADER, ["E1", "2024", QS1, 3], ["E2", "2024", QS1, "three"]]


def test_title_rows_above_the_header_are_skipped_once_with_a_warning(tmp_path: Path) -> None:
    code, payload, _ = run(tmp_path, workbook({"Returns": TITLED}))
    assert code == 1
    assert not problems(payload, "E-CELL-UNHEADED")
    [skipped] = problems(payload, "W-ROWS-ABOVE-HEADER")
    assert skipped["row"] == 3
    assert "rows 1–2 of sheet 'Returns' skipped: the header is row 3" in str(skipped["message"])
    # The rows under it keep the numbers Excel shows.
    [bad] = problems(payload, "E-VALUE-TYPE")
    assert (bad["row"], bad["value"]) == (5, "three")


def test_header_row_overrides_detection(tmp_path: Path) -> None:
    # Row 1 names the key columns too (a second, empty table's header): only --header-row
    # can say the table starts at row 3.
    rows: list[list[object]] = [["authority_code", "period"], [], HEADER,
                                ["E1", "2024", QS1, 3], ["E2", "2024", QS1, "three"]]
    book = workbook({"Returns": rows})
    code, found, _ = run(tmp_path, book)
    assert problems(found, "E-CELL-UNHEADED")  # detection takes row 1
    code, payload, _ = run(tmp_path, book, "--header-row", "3")
    assert code == 1
    assert not problems(payload, "E-CELL-UNHEADED")
    assert not problems(payload, "W-ROWS-ABOVE-HEADER")
    [bad] = problems(payload, "E-VALUE-TYPE")
    assert (bad["row"], bad["value"]) == (5, "three")


def test_header_row_on_an_empty_row_is_located(tmp_path: Path) -> None:
    code, payload, _ = run(tmp_path, workbook({"Returns": TITLED}), "--header-row", "40")
    assert code == 1
    [wrong] = problems(payload, "E-HEADER-ROW")
    assert wrong["row"] == 40
    assert "last row with a value is row 5" in str(wrong["message"])


def test_header_row_is_refused_for_csv(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(",".join(map(str, HEADER)) + f"\nE1,2024,{QS1},3\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run([sys.executable, "-m", "perfassess", "validate", "--pack",
                           "cqc-la-2024", "--input", str(path), "--header-row", "2"],
                          env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert "E-HEADER-ROW" in proc.stdout + proc.stderr


def test_header_row_in_score_explain_and_the_run_file(tmp_path: Path) -> None:
    wide = [line.split(",") for line in WIDE.splitlines()]
    rows: list[list[object]] = [["authority_code", "period"], [], *wide]
    book = workbook({"Returns": rows})
    code, _, _ = run(tmp_path, book)
    assert code == 1  # the header found is row 1's, not the table's
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    (tmp_path / "perfassess.yaml").write_text(
        "out: runs\nheader_row: 3\nruns:\n  - pack: cqc-la-2024\n    inputs: [returns.xlsx]\n")
    for args in (("score", "--pack", "cqc-la-2024", "--input", "returns.xlsx", "--out", "out",
                  "--header-row", "3"),
                 ("explain", "--pack", "cqc-la-2024", "--input", "returns.xlsx",
                  "--authority", "E1", "--header-row", "3"),
                 ("score",)):  # the run file's header_row
        proc = subprocess.run([sys.executable, "-m", "perfassess", *args], cwd=tmp_path,
                              env=env, capture_output=True, text=True, check=False)
        assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
    assert (tmp_path / "runs" / "cqc-la-2024" / "ratings.csv").is_file()


def test_excel_problems_give_excel_advice_and_name_the_cell(tmp_path: Path) -> None:
    rows: list[list[object]] = [HEADER, ["E1", "2024", QS1, 3, None, "stray"]]
    code, payload, _ = run(tmp_path, workbook({"Q1 data": rows}))
    assert code == 1
    [stray] = problems(payload, "E-CELL-UNHEADED")
    assert "cell 'Q1 data'!F2" in str(stray["message"])
    text = subprocess.run([sys.executable, "-m", "perfassess", "validate", "--pack",
                           "cqc-la-2024", "--input", str(tmp_path / "returns.xlsx")],
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
                          capture_output=True, text=True, check=False)
    assert "separator" not in text.stderr and "unquoted comma" not in text.stderr, text.stderr


def test_a_csv_pasted_into_one_column_gets_excel_advice(tmp_path: Path) -> None:
    rows: list[list[object]] = [[";".join(map(str, HEADER))], [f"E1;2024;{QS1};3"]]
    code, payload, _ = run(tmp_path, workbook({"Returns": rows}))
    assert code == 1
    [missing] = problems(payload, "E-COLUMN-MISSING")
    assert "Text to Columns" in str(missing["message"])
    assert "use commas" not in str(missing["message"])
