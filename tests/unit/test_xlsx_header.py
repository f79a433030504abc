"""The Python API picks an Excel sheet's header row as the CLI does."""

from __future__ import annotations

import io
from pathlib import Path

from perfassess.api import validate

QS1 = "qs1_assessing_needs"


def _book(path: Path) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["authority_code", "period"], [], ["authority_code", "period", QS1],
                ["E1", "2024", "lots"]):
        sheet.append(row)
    sink = io.BytesIO()
    book.save(sink)
    path.write_bytes(sink.getvalue())
    return path


def test_validate_takes_header_row(tmp_path: Path) -> None:
    path = _book(tmp_path / "r.xlsx")
    found = {p.code for p in validate("cqc-la-2024", path).problems}
    assert "E-CELL-UNHEADED" in found  # row 1 names the keys: it is taken as the header
    chosen = validate("cqc-la-2024", path, header_row=3).problems
    bad = [p for p in chosen if p.code == "E-VALUE-TYPE"]
    assert [(p.row, p.column, p.value) for p in bad] == [(4, QS1, "lots")]
    assert "E-CELL-UNHEADED" not in {p.code for p in chosen}
