"""Read returns (CSV, Parquet, Excel; long or wide) into one long Polars table per file."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import polars as pl

from perfassess.core.problems import Problem, Problems
from perfassess.io.xlsx import EXCEL_SUFFIXES, read_xlsx

if TYPE_CHECKING:
    import pandas as pd

KEY_COLUMNS = ("authority_code", "period")
LONG_COLUMNS = ("authority_code", "period", "indicator", "value")
OPTIONAL_COLUMNS = ("authority_name", "note")
KNOWN_COLUMNS = (*LONG_COLUMNS, *OPTIONAL_COLUMNS)
TEXT_COLUMNS = (*KEY_COLUMNS, "indicator", *OPTIONAL_COLUMNS)
# The long table: the text columns as read (untrimmed; missing is null), ``value`` as text,
# or as numbers where a Parquet file stores them, and where each value sits: ``line`` (the
# row as the user counts it) and ``column`` (the column it was in).
SCHEMA = {"authority_code": pl.String, "period": pl.String, "indicator": pl.String,
          "value": pl.String, "authority_name": pl.String, "note": pl.String,
          "line": pl.Int64, "column": pl.Categorical}
Columns = list[tuple[str, pl.Series]]


@dataclass
class SourceTable:
    """One input file as a long table (columns as ``SCHEMA``)."""

    file: str
    layout: str  # "long" or "wide"
    table: pl.DataFrame
    derived: bool = False  # values fed from another pack's results, not returned by hand
    _codes: dict[str, tuple[pl.Series, pl.Series]] = field(
        default_factory=dict, repr=False, compare=False)

    def codes(self, column: str) -> tuple[pl.Series, pl.Series]:
        """A text column as its distinct values (missing as ""), sorted, and each row's
        code into them: made once, for validation and the logical hash."""
        if column not in self._codes:
            values = self.table[column]
            self._codes[column] = sorted_codes(values.fill_null("") if values.null_count()
                                               else values)
        return self._codes[column]


def sorted_codes(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """A column's distinct values, sorted (text in code-point order), and each row's
    position among them (``values`` has no nulls)."""
    head = values.head(1 << 14)
    if 16 * head.n_unique() > len(head):
        # Many distinct values (authority codes): rank the rows, and put each row's value
        # at its rank (rows of one rank hold the same value).
        rank = (values.rank("dense") - 1).cast(pl.UInt32)
        top = rank.max()
        distinct = values.clear(0 if top is None else cast(int, top) + 1)
        distinct.scatter(rank, values)
        return distinct, rank
    # Few (indicators, periods, values): a binary search of the sorted few for each row.
    distinct = values.unique().sort()
    return distinct, distinct.search_sorted(values).cast(pl.UInt32)


def read_returns(paths: list[Path], problems: Problems,
                 sheet: str | None = None) -> list[SourceTable]:
    """Read every file; structural problems are added to ``problems`` and the file skipped.

    ``sheet`` names the worksheet to read from Excel inputs (default: the first).
    """
    tables = []
    for path in paths:
        table = read_one(path, problems, sheet)
        if table is not None:
            tables.append(table)
    return tables


def long_table(columns: dict[str, object], n: int) -> pl.DataFrame:
    """A long table from columns given as lists, arrays or Polars series (``line`` and
    ``column`` included); optional columns not given are all missing."""
    data = {name: _series(name, columns[name]) if name in columns
            else pl.Series(name, [], dtype=pl.String).extend_constant(None, n)
            for name in SCHEMA}
    for name in TEXT_COLUMNS:
        data[name] = _text(data[name])
    data["line"] = data["line"].cast(pl.Int64)
    data["column"] = _text(data["column"]).cast(pl.Categorical)  # a few names, repeated
    return pl.DataFrame(list(data.values()))


def from_pandas(frame: pd.DataFrame) -> pl.DataFrame:
    """A long pandas table (as a caller of ``score_table`` gives) as a long table: numbers
    stay numbers, anything else is its text; rows are numbered from 1."""
    import pandas as pd

    columns: dict[str, object] = {"line": np.arange(1, len(frame) + 1),
                                  "column": ["value"] * len(frame)}
    for name in KNOWN_COLUMNS:
        if name not in frame.columns:
            continue
        column = frame[name]
        if name == "value" and pd.api.types.is_numeric_dtype(column.dtype) \
                and not pd.api.types.is_bool_dtype(column.dtype):
            columns[name] = pl.Series(name, column.to_numpy(), nan_to_null=True)
        else:
            columns[name] = [None if pd.isna(v) else str(v) for v in column]
    return long_table(columns, len(frame))


def _series(name: str, values: Any) -> pl.Series:
    return values.alias(name) if isinstance(values, pl.Series) else pl.Series(name, values)


# What a file's first bytes say it is, whatever its name says.
_MAGIC = (
    (b"PK\x03\x04", "a zip archive (an Excel .xlsx workbook is one)"),
    (b"PAR1", "a Parquet file"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls (or other Office) file"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x89PNG", "a PNG image"),
)
PARQUET = "a Parquet file"


def sniff(path: Path) -> str | None:
    """What the file is by its first bytes when that is a known binary kind, else None."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    if b"\x00" in head:
        return "binary data (it contains NUL bytes)"
    return None


def read_one(path: Path, problems: Problems, sheet: str | None = None) -> SourceTable | None:
    name = str(path)
    if not path.is_file():
        problems.add(Problem("E-FILE-NOT-FOUND", "this is a folder, not a file" if
                             path.is_dir() else "input file does not exist", file=name))
        return None
    try:
        return _read(path, path.suffix.lower(), problems, sheet)
    except OSError as exc:  # unreadable (permissions, a device, a vanished file)
        problems.add(Problem("E-FILE-FORMAT", f"the file cannot be read ({exc.strerror or exc})",
                             file=name))
        return None


def _read(path: Path, suffix: str, problems: Problems, sheet: str | None
          ) -> SourceTable | None:
    name = str(path)
    what = sniff(path)
    header: int | None = 1
    read: tuple[Columns, np.ndarray] | None = None
    if suffix == ".parquet":
        if what != PARQUET:
            problems.add(Problem("E-FILE-FORMAT", f"named .parquet but is {what or 'text'}",
                                 file=name, expected="a Parquet file"))
            return None
        read = _read_parquet(path, problems)
        header = None  # Parquet has no header row; rows are counted from 1
    elif suffix in (".csv", ".txt"):
        if what is not None:
            hint = "; save it as .xlsx, or export it as CSV UTF-8" if (
                "Excel" in what or "zip" in what) else ""
            problems.add(Problem("E-FILE-FORMAT", f"named {suffix} but is {what}{hint}",
                                 file=name, expected="CSV text (UTF-8)"))
            return None
        read = _read_csv(path, problems)
    elif suffix in EXCEL_SUFFIXES:
        if what is not None and "zip" not in what:
            problems.add(Problem("E-FILE-FORMAT", f"named {suffix} but is {what}", file=name,
                                 expected="an .xlsx workbook"))
            return None
        book = read_xlsx(path, sheet, problems)
        if book is not None:
            names, cells, lines, header = book
            read = ([(c, pl.Series(c, v, dtype=pl.String)) for c, v in zip(names, cells,
                                                                          strict=True)],
                    np.array(lines, dtype=np.int64))
    elif suffix == ".xls":
        problems.add(Problem("E-FILE-FORMAT", "old-style .xls workbooks are not read",
                             file=name, expected="an .xlsx workbook, CSV (UTF-8) or Parquet"))
        return None
    else:
        problems.add(Problem("E-FILE-FORMAT", f"unsupported file type {suffix or '(none)'!r}",
                             file=name, expected=".csv, .parquet or .xlsx"))
        return None
    if read is None:
        return None
    return _to_long(read[0], read[1], header, name, problems)


def _to_long(columns: Columns, lines: np.ndarray, header: int | None, name: str,
             problems: Problems) -> SourceTable | None:
    """Check the columns, then turn a long or wide table into the long form."""
    named = _name_columns(columns, header, name, problems)
    if named is None:
        return None
    if len(lines) == 0:
        problems.add(Problem("E-FILE-EMPTY", "the file has a header but no data rows",
                             file=name))
        return None
    frame = dict(named)
    missing = [c for c in KEY_COLUMNS if c not in frame]
    if missing:
        problems.add(Problem("E-COLUMN-MISSING", f"missing column(s): {', '.join(missing)}"
                             + _separator_hint(list(frame)), file=name, row=header,
                             column=missing[0],
                             expected="authority_code, period, then indicator, value (long) "
                                      "or one column per indicator (wide)"))
        return None
    n = len(lines)
    if "indicator" in frame or "value" in frame:
        absent = [c for c in ("indicator", "value") if c not in frame]
        if absent:
            problems.add(Problem("E-COLUMN-MISSING", f"long format needs column {absent[0]!r}",
                                 file=name, row=header, column=absent[0],
                                 expected="authority_code, period, indicator, value"))
            return None
        given = {c: frame[c] for c in KNOWN_COLUMNS if c in frame}
        return SourceTable(name, "long", long_table(
            {**given, "line": lines, "column": pl.repeat("value", n, eager=True)}, n))
    indicators = [c for c in frame if c not in KEY_COLUMNS and c not in OPTIONAL_COLUMNS]
    if not indicators:
        problems.add(Problem("E-COLUMN-MISSING", "no indicator columns", file=name, row=header,
                             expected="one column per indicator id after authority_code, "
                                      "period"))
        return None
    kinds = {frame[c].dtype for c in indicators}
    common = pl.String if pl.String in kinds else (
        pl.Float64 if pl.Float64 in kinds else pl.Int64)
    index = [c for c in (*KEY_COLUMNS, *OPTIONAL_COLUMNS) if c in frame]
    wide = pl.DataFrame([*(frame[c].alias(c) for c in index),
                         pl.Series("line", lines, dtype=pl.Int64),
                         *(frame[c].cast(common).alias(c) for c in indicators)])
    # One row per cell, indicator by indicator (all of the first column's rows first).
    long = wide.unpivot(on=indicators, index=[*index, "line"], variable_name="column",
                        value_name="value")
    given = {c: long[c] for c in (*index, "value", "line", "column")}
    return SourceTable(name, "wide", long_table({**given, "indicator": long["column"]},
                                                len(long)))


def _name_columns(columns: Columns, header: int | None, name: str, problems: Problems
                  ) -> Columns | None:
    """Trim column names, spell the known ones in lower case, drop empty unnamed columns;
    duplicate names are an error (which of the two would be meant?)."""
    names = [str(c).strip() for c, _ in columns]
    names = [c.lower() if c.lower() in KNOWN_COLUMNS else c for c in names]
    keep = []
    for i, column in enumerate(names):
        if column.startswith("__index_level_"):
            continue  # a pandas index written into a Parquet file
        if column == "":
            cells = _text(columns[i][1]).str.strip_chars().fill_null("")
            if (cells == "").all():
                continue  # a trailing separator or an empty spreadsheet column
            problems.add(Problem("W-UNKNOWN-INDICATOR", f"column {i + 1} has no name; its "
                                 "values are ignored", file=name, row=header,
                                 column=i + 1, value=""))
            continue
        keep.append(i)
    seen: dict[str, int] = {}
    duplicated = False
    for i in keep:
        column = names[i]
        if column in seen:
            duplicated = True
            problems.add(Problem("E-COLUMN-DUPLICATE", f"column {column!r} appears more than "
                                 f"once (columns {seen[column] + 1} and {i + 1})", file=name,
                                 row=header, column=column, value=column,
                                 expected="each column name once"))
        else:
            seen[column] = i
    if duplicated:
        return None
    return [(names[i], columns[i][1]) for i in keep]


def _separator_hint(columns: list[str]) -> str:
    if len(columns) == 1:
        for sep, what in ((";", "semicolons"), ("\t", "tabs"), ("|", "pipes")):
            if sep in columns[0]:
                return f" (the header seems to be separated by {what}; use commas)"
    return ""


def _read_csv(path: Path, problems: Problems) -> tuple[Columns, np.ndarray] | None:
    """Read every column as text with pyarrow (strict about column counts).

    Returns the columns and each row's line number as the user counts them in a text editor
    (header = line 1; blank lines and line breaks inside quoted values are counted).
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
        raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.add(Problem("E-FILE-ENCODING", f"byte {raw[exc.start]:#04x} is not valid UTF-8",
                             file=name, row=line, expected="UTF-8 text (with or without BOM)"))
        return None
    records = record_lines(raw)
    head = raw.lstrip(b"\r\n")
    first = re.split(rb"\r\n|\n|\r", head, maxsplit=1)[0]  # any line ending, old Mac too
    try:
        header = next(csv.reader([first.decode("utf-8-sig")]), [])
    except csv.Error as exc:
        problems.add(Problem("E-FILE-FORMAT", f"the header line does not parse as CSV ({exc})",
                             file=name, row=1, expected="CSV text (UTF-8)"))
        return None
    ragged: list[tuple[int, int, int]] = []

    def invalid(row: pacsv.InvalidRow) -> str:
        ragged.append((row.number or 0, row.expected_columns, row.actual_columns))
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.py_buffer(raw),
            read_options=pacsv.ReadOptions(use_threads=False),
            parse_options=pacsv.ParseOptions(invalid_row_handler=invalid,
                                             newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in header}, strings_can_be_null=False,
                quoted_strings_can_be_null=False, null_values=[]))
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        problems.add(Problem("E-FILE-FORMAT", f"CSV does not parse: {exc}", file=name,
                             expected="CSV text (UTF-8)"))
        return None
    # pyarrow numbers records (header = 1, blank lines skipped); map them to lines.
    if len(records) != len(table) + len(ragged) + 1:
        records = np.arange(1, len(table) + len(ragged) + 2, dtype=np.int64)
    for number, expected, actual in ragged:
        line = int(records[number - 1]) if 0 < number <= len(records) else number
        problems.add(Problem("E-ROW-RAGGED", f"row has {actual} fields, the header has "
                             f"{expected}", file=name, row=line, expected=f"{expected} fields"))
    good = np.ones(len(records), dtype=bool)
    good[0] = False
    for number, _, _ in ragged:
        if 0 < number <= len(records):
            good[number - 1] = False
    columns = [(c, _text(pl.Series(c, table.column(i))))
               for i, c in enumerate(table.column_names)]
    return columns, records[good]


def record_lines(raw: bytes) -> np.ndarray:
    """The line (1-based) on which each non-blank CSV record starts, header included.

    Vectorised over the newlines: a newline ends a record unless an odd number of quotes
    precedes it (it is inside a quoted value; an escaped quote ``""`` counts twice).
    Memory stays proportional to the number of lines and quotes, not of bytes.
    """
    data = np.frombuffer(raw, dtype=np.uint8)
    newlines = np.flatnonzero(data == ord("\n"))
    quotes = np.flatnonzero(data == ord('"'))
    ends = newlines[np.searchsorted(quotes, newlines) % 2 == 0] if len(quotes) else newlines
    starts = np.concatenate(([0], ends + 1))
    length = np.concatenate((ends, [len(data)])) - starts
    first = data[np.minimum(starts, max(len(data) - 1, 0))] if len(data) else starts
    blank = (length == 0) | ((length == 1) & (first == ord("\r")))
    blank |= (starts == 0) & (length == 3) & raw.startswith(b"\xef\xbb\xbf")
    lines: np.ndarray = (np.searchsorted(newlines, starts) + 1)[~blank].astype(np.int64)
    return lines


def _read_parquet(path: Path, problems: Problems) -> tuple[Columns, np.ndarray] | None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    name = str(path)
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowException, OSError, ValueError) as exc:
        problems.add(Problem("E-FILE-FORMAT", f"not a readable Parquet file ({exc})",
                             file=name, expected="a Parquet file"))
        return None
    names = [str(n).strip() for n in schema.names]
    doubled = sorted({n for n in names if names.count(n) > 1})
    for column in doubled:
        problems.add(Problem("E-COLUMN-DUPLICATE", f"column {column!r} appears more than "
                             "once", file=name, column=column, value=column,
                             expected="each column name once"))
    refused = False
    for stored, column in zip(schema, names, strict=True):
        if column.startswith("__index_level_"):
            continue  # a pandas index, left out whatever its type
        kind = stored.type.value_type if pa.types.is_dictionary(stored.type) else stored.type
        if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)
                or pa.types.is_string_view(kind) or pa.types.is_integer(kind)
                or pa.types.is_floating(kind) or pa.types.is_boolean(kind)
                or pa.types.is_decimal(kind) or pa.types.is_null(kind)):
            refused = True
            problems.add(Problem("E-COLUMN-TYPE", f"column {column!r} holds values of type "
                                 f"{stored.type}, which returns cannot have", file=name,
                                 column=column, value=str(stored.type),
                                 expected="text, whole numbers, numbers or true/false"))
    if doubled or refused:
        return None
    try:
        frame = pl.read_parquet(path, columns=[f.name for f in schema
                                              if not f.name.startswith("__index_level_")])
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException, OSError,
            ValueError) as exc:  # a damaged file can make the reader panic
        problems.add(Problem("E-FILE-FORMAT", f"not a readable Parquet file ({exc})",
                             file=name, expected="a Parquet file"))
        return None
    columns: Columns = [(c, _text(frame[c]) if c.strip().lower() in TEXT_COLUMNS
                         else _value(frame[c])) for c in frame.columns]
    return columns, np.arange(1, frame.height + 1, dtype=np.int64)


def _value(series: pl.Series) -> pl.Series:
    """A stored value column: whole numbers and numbers stay numbers; anything else is
    text. A stored NaN is not a missing value (null is): its column is read as text, so
    that it is seen (as ``NaN``)."""
    if series.dtype.is_integer():
        return series.cast(pl.Int64)
    if series.dtype.is_float() or series.dtype.is_decimal():
        number = series.cast(pl.Float64)
        return number.cast(pl.String) if number.is_nan().any() else number
    return _text(series)


def _text(series: pl.Series) -> pl.Series:
    """Any column as text; codes and periods stay text even when a Parquet writer stored
    them as numbers (2024, not 2024.0), true and false are spelt as Python does."""
    dtype = series.dtype
    if dtype == pl.String:
        return series
    if dtype == pl.Boolean:
        return series.replace_strict({True: "True", False: "False"}, return_dtype=pl.String)
    if dtype.is_float() or dtype.is_decimal():
        number = series.cast(pl.Float64)
        whole = (number == number.floor()) & (number.abs() < 1e15)
        return pl.select(pl.when(whole).then(number.cast(pl.Int64, strict=False)
                                             .cast(pl.String))
                         .otherwise(number.cast(pl.String))).to_series().alias(series.name)
    return series.cast(pl.String)


def read_reference(path: Path, problems: Problems) -> dict[str, str] | None:
    """Authority codes and names from a reference CSV (authority_code, authority_name)."""
    name = str(path)
    if not path.is_file():
        problems.add(Problem("E-FILE-NOT-FOUND", "reference file does not exist", file=name))
        return None
    what = sniff(path)
    if what is not None:
        problems.add(Problem("E-FILE-FORMAT", f"the reference file is {what}", file=name,
                             expected="CSV text (UTF-8)"))
        return None
    read = _read_csv(path, problems)
    if read is None:
        return None
    named = _name_columns(read[0], 1, name, problems)
    if named is None or problems.has_errors():
        return None
    frame = dict(named)
    missing = [c for c in ("authority_code", "authority_name") if c not in frame]
    if missing:
        problems.add(Problem("E-COLUMN-MISSING", f"missing column(s): {', '.join(missing)}",
                             file=name, row=1, column=missing[0],
                             expected="authority_code, authority_name"))
        return None
    codes = frame["authority_code"].str.strip_chars().to_list()
    return dict(zip(codes, frame["authority_name"].str.strip_chars().to_list(), strict=True))
