"""Excel inputs end to end, in a subprocess: empty sheets, title rows, Excel's own advice."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

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
