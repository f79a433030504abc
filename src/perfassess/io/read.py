"""Read returns (CSV, Parquet; long or wide) into long tables that remember where rows came from."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from perfassess.validate.problems import Problem, Problems

KEY_COLUMNS = ("authority_code", "period")
LONG_COLUMNS = ("authority_code", "period", "indicator", "value")
OPTIONAL_COLUMNS = ("authority_name", "note")


@dataclass
class SourceTable:
    """One input file as a long table.

    Columns: authority_code, period, indicator, value (strings, or numbers from Parquet),
    authority_name, note, and where each value sits: ``_line`` (row as the user counts it)
    and ``_column`` (the column the value was in).
    """

    file: str
    layout: str  # "long" or "wide"
    table: pd.DataFrame
    derived: bool = False  # values fed from another pack's results, not returned by hand


def read_returns(paths: list[Path], problems: Problems) -> list[SourceTable]:
    """Read every file; structural problems are added to ``problems`` and the file skipped."""
    tables = []
    for path in paths:
        table = read_one(path, problems)
        if table is not None:
            tables.append(table)
    return tables


def read_one(path: Path, problems: Problems) -> SourceTable | None:
    name = str(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        problems.add(Problem("E-FILE-NOT-FOUND", "input file does not exist", file=name))
        return None
    if suffix == ".parquet":
        frame = _read_parquet(path, problems)
        lines = np.arange(1, len(frame) + 1, dtype=np.int64) if frame is not None else None
    elif suffix in (".csv", ".txt"):
        read = _read_csv(path, problems)
        frame, lines = read if read is not None else (None, None)
    else:
        problems.add(Problem("E-FILE-FORMAT", f"unsupported file type {suffix or '(none)'!r}",
                             file=name, expected=".csv or .parquet"))
        return None
    if frame is None or lines is None:
        return None
    frame.columns = [str(c).strip() for c in frame.columns]
    if len(frame) == 0:
        problems.add(Problem("E-FILE-EMPTY", "the file has a header but no data rows", file=name))
        return None
    missing = [c for c in KEY_COLUMNS if c not in frame.columns]
    if missing:
        problems.add(Problem("E-COLUMN-MISSING", f"missing column(s): {', '.join(missing)}",
                             file=name, row=1, column=missing[0],
                             expected="authority_code, period, then indicator, value (long) "
                                      "or one column per indicator (wide)"))
        return None
    if "indicator" in frame.columns or "value" in frame.columns:
        absent = [c for c in ("indicator", "value") if c not in frame.columns]
        if absent:
            problems.add(Problem("E-COLUMN-MISSING", f"long format needs column {absent[0]!r}",
                                 file=name, row=1, column=absent[0],
                                 expected="authority_code, period, indicator, value"))
            return None
        long = pd.DataFrame({
            "authority_code": frame["authority_code"],
            "period": frame["period"],
            "indicator": frame["indicator"],
            "value": frame["value"],
            "authority_name": frame.get("authority_name"),
            "note": frame.get("note"),
            "_line": lines,
            "_column": "value",
        })
        return SourceTable(name, "long", long)
    indicators = [c for c in frame.columns if c not in KEY_COLUMNS and c not in OPTIONAL_COLUMNS]
    if not indicators:
        problems.add(Problem("E-COLUMN-MISSING", "no indicator columns", file=name, row=1,
                             expected="one column per indicator id after authority_code, "
                                      "period"))
        return None
    n = len(frame)
    k = len(indicators)
    values = frame[indicators]
    long = pd.DataFrame({
        "authority_code": np.tile(frame["authority_code"].to_numpy(), k),
        "period": np.tile(frame["period"].to_numpy(), k),
        "indicator": np.repeat(np.array(indicators, dtype=object), n),
        "value": values.to_numpy().T.reshape(-1) if k else [],
        "authority_name": (np.tile(frame["authority_name"].to_numpy(), k)
                           if "authority_name" in frame.columns else None),
        "note": np.tile(frame["note"].to_numpy(), k) if "note" in frame.columns else None,
        "_line": np.tile(lines, k),
        "_column": np.repeat(np.array(indicators, dtype=object), n),
    })
    return SourceTable(name, "wide", long)


def _read_csv(path: Path, problems: Problems) -> tuple[pd.DataFrame, np.ndarray] | None:
    """Read every column as text with pyarrow (strict about column counts).

    Returns the frame and each row's line number as the user counts them (header = 1).
    Single-threaded so that a row with too many or too few fields is reported with its line.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    name = str(path)
    raw = path.read_bytes()
    if not raw.strip(b"\xef\xbb\xbf \r\n\t"):
        problems.add(Problem("E-FILE-EMPTY", "the file is empty", file=name))
        return None
    try:
        text_head = raw[: raw.find(b"\n") if b"\n" in raw else len(raw)].decode("utf-8-sig")
        raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.add(Problem("E-FILE-ENCODING", f"byte {raw[exc.start]:#04x} is not valid UTF-8",
                             file=name, row=line, expected="UTF-8 text (with or without BOM)"))
        return None
    header = next(csv.reader([text_head.rstrip("\r")]), [])
    ragged: list[tuple[int, int, int]] = []

    def invalid(row: pacsv.InvalidRow) -> str:
        ragged.append((row.number or 0, row.expected_columns, row.actual_columns))
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.py_buffer(raw),
            read_options=pacsv.ReadOptions(use_threads=False),
            parse_options=pacsv.ParseOptions(invalid_row_handler=invalid),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in header}, strings_can_be_null=False,
                quoted_strings_can_be_null=False, null_values=[]))
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        problems.add(Problem("E-FILE-FORMAT", f"CSV does not parse: {exc}", file=name))
        return None
    for line, expected, actual in ragged[: problems.limit]:
        problems.add(Problem("E-ROW-RAGGED", f"row has {actual} fields, the header has "
                             f"{expected}", file=name, row=line, expected=f"{expected} fields"))
    frame = table.to_pandas()
    bad_lines = np.array([r[0] for r in ragged], dtype=np.int64)
    every = np.arange(2, 2 + len(frame) + len(bad_lines), dtype=np.int64)
    lines = np.setdiff1d(every, bad_lines, assume_unique=True) if len(bad_lines) else every
    return frame, lines


def _read_parquet(path: Path, problems: Problems) -> pd.DataFrame | None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        problems.add(Problem("E-FILE-FORMAT", f"not a readable Parquet file ({exc})",
                             file=str(path), expected="Parquet"))
        return None
    frame: pd.DataFrame = table.to_pandas()
    for column in frame.columns:
        if column in (*KEY_COLUMNS, "indicator", *OPTIONAL_COLUMNS):
            frame[column] = _as_text(frame[column])
    return frame


def _as_text(series: pd.Series) -> pd.Series:
    """Codes and periods stay strings even when a Parquet writer stored them as numbers."""
    if series.dtype == object:
        return series.where(series.notna(), "").astype(str)
    if pd.api.types.is_integer_dtype(series):
        return series.astype("Int64").astype(str).replace("<NA>", "")
    return series.astype(str).replace({"nan": "", "None": ""})
