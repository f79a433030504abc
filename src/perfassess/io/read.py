"""Read returns (CSV, Parquet; long or wide) into long tables that remember where rows came from."""

from __future__ import annotations

import re
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
        frame, first_line = _read_parquet(path, problems), 1
    elif suffix in (".csv", ".txt"):
        frame, first_line = _read_csv(path, problems), 2
    else:
        problems.add(Problem("E-FILE-FORMAT", f"unsupported file type {suffix or '(none)'!r}",
                             file=name, expected=".csv or .parquet"))
        return None
    if frame is None:
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
    lines = np.arange(first_line, first_line + len(frame), dtype=np.int64)
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


_RAGGED = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _read_csv(path: Path, problems: Problems) -> pd.DataFrame | None:
    name = str(path)
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                           skip_blank_lines=True)
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        problems.add(Problem("E-FILE-ENCODING", f"byte {exc.object[exc.start]:#04x} is not "
                             "valid UTF-8", file=name, row=line,
                             expected="UTF-8 text (with or without BOM)"))
    except pd.errors.EmptyDataError:
        problems.add(Problem("E-FILE-EMPTY", "the file is empty", file=name))
    except pd.errors.ParserError as exc:
        found = _RAGGED.search(str(exc))
        if found:
            expected, line, saw = found.groups()
            problems.add(Problem("E-ROW-RAGGED", f"row has {saw} fields, the header has "
                                 f"{expected}", file=name, row=int(line),
                                 expected=f"{expected} fields"))
        else:
            problems.add(Problem("E-FILE-FORMAT", f"CSV does not parse: {exc}", file=name))
    return None


def _read_parquet(path: Path, problems: Problems) -> pd.DataFrame | None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        problems.add(Problem("E-FILE-FORMAT", f"not a readable Parquet file ({exc})",
                             file=str(path), expected="Parquet"))
        return None
    frame = table.to_pandas()
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
