"""Read an Excel workbook's sheet as text cells, numbered by the rows Excel shows."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from perfassess.core.problems import Problem, Problems

EXCEL_SUFFIXES = (".xlsx", ".xlsm")


def read_xlsx(path: Path, sheet: str | None, problems: Problems
              ) -> tuple[pd.DataFrame, np.ndarray, int] | None:
    """The sheet as text (header = its first non-empty row), each row's Excel number, and
    the header's row number; structural problems go to ``problems``.

    Cells keep what the user sees: text stays text, whole numbers have no ``.0``, a cell
    formatted as a percentage reads ``12%`` (Excel stores 0.12), errors such as ``#DIV/0!``
    stay as written. Formulas give the value Excel last calculated.
    """
    import openpyxl  # imported here: only Excel inputs pay for it

    name = str(path)
    if not zipfile.is_zipfile(path):
        problems.add(Problem("E-FILE-FORMAT", "not an Excel workbook (an .xlsx file is a zip "
                             "archive; this is not)", file=name,
                             expected="an .xlsx workbook"))
        return None
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        problems.add(Problem("E-FILE-FORMAT", f"the workbook cannot be read "
                             f"({type(exc).__name__}: {exc})", file=name,
                             expected="an .xlsx workbook"))
        return None
    try:
        return _read_sheet(book, name, sheet, problems)
    except Exception as exc:  # a damaged sheet part surfaces only while reading its rows
        problems.add(Problem("E-FILE-FORMAT", f"the workbook cannot be read "
                             f"({type(exc).__name__}: {exc})", file=name,
                             expected="an .xlsx workbook"))
        return None
    finally:
        book.close()


def _read_sheet(book: Any, name: str, sheet: str | None, problems: Problems
                ) -> tuple[pd.DataFrame, np.ndarray, int] | None:
    sheets = [ws.title for ws in book.worksheets]
    if not sheets:
        problems.add(Problem("E-FILE-EMPTY", "the workbook has no worksheets", file=name))
        return None
    if sheet is not None and sheet not in sheets:
        problems.add(Problem("E-SHEET-NOT-FOUND", f"no sheet {sheet!r}; the workbook has "
                             + ", ".join(repr(s) for s in sheets), file=name, value=sheet,
                             expected="one of " + ", ".join(sheets)))
        return None
    ws = book[sheet] if sheet is not None else book.worksheets[0]
    rows: list[list[str]] = []
    numbers: list[int] = []
    number = 0
    for cells in ws.iter_rows():
        number = next((c.row for c in cells if getattr(c, "row", None)), number + 1)
        texts = [_text(c.value, getattr(c, "number_format", None)) for c in cells]
        if any(texts):
            rows.append(texts)
            numbers.append(number)
    if not rows:
        problems.add(Problem("E-FILE-EMPTY", f"sheet {ws.title!r} is empty", file=name))
        return None
    header = rows[0]
    width = len(header)
    while width and not header[width - 1]:
        width -= 1
    body: list[list[str]] = []
    lines: list[int] = []
    for texts, row in zip(rows[1:], numbers[1:], strict=True):
        extra = [i for i, t in enumerate(texts) if i >= width and t]
        if extra:
            letters = _letters(extra[0] + 1)
            problems.add(Problem("E-ROW-RAGGED", f"a value in column {letters}, which has no "
                                 "header", file=name, row=row, column=letters,
                                 value=texts[extra[0]],
                                 expected=f"values only under the {width} headed columns"))
        if any(texts[:width]):
            body.append(texts)
            lines.append(row)
    columns = header[:width]
    data = [(t + [""] * width)[:width] for t in body]
    frame = pd.DataFrame(data, columns=pd.Index(columns, dtype=object), dtype=object)
    if not data:
        frame = pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    return frame, np.array(lines, dtype=np.int64), numbers[0]


def _text(value: object, number_format: str | None) -> str:
    """A cell as the text a person reads in it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        number = float(value)
        if number_format and "%" in number_format:
            return f"{number * 100:.12g}%"
        if isinstance(value, int) or (number.is_integer() and abs(number) < 1e15):
            return str(int(number))
        return repr(number)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _letters(column: int) -> str:
    """Excel's column letters for a 1-based column number (1 -> A, 27 -> AA)."""
    out = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        out = chr(ord("A") + rest) + out
    return out
