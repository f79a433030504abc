"""Read returns (CSV, Parquet, Excel; long or wide) into long tables that remember where rows
came from."""

from __future__ import annotations

import collections
import csv
import fnmatch
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from perfassess.core.problems import Problem, Problems
from perfassess.io.xlsx import EXCEL_SUFFIXES, MAX_COLUMNS, read_xlsx
from perfassess.narrow import int_type

KEY_COLUMNS = ("authority_code", "period")
LONG_COLUMNS = ("authority_code", "period", "indicator", "value")
OPTIONAL_COLUMNS = ("authority_name", "note")
KNOWN_COLUMNS = (*LONG_COLUMNS, *OPTIONAL_COLUMNS)
KEY_SEPARATOR = "|"  # between the parts of a composite key (--key a --key b -> "a|b")
ROW_KEY = "@row"  # --key @row: each row's 1-based position among its file's data rows
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")
_MONTH_YEAR = re.compile(r"\s*([A-Za-z]+)\s+([0-9]{4})\s*")


@dataclass(frozen=True)
class Layout:
    """How a file as published says who and when, when not by ``authority_code`` and
    ``period`` columns: the key column(s) (or ``@row``), the name column, the period of a
    file that has none or the column holding it, and the attribute patterns (so that a key
    or name column also declared an attribute is carried too)."""

    key: tuple[str, ...] = ()
    name: str | None = None
    period: str | None = None
    period_column: str | None = None
    months: bool = False  # read "October 2025" (or "Oct 2025") as 2025-10
    carry: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.key or self.name or self.period or self.period_column or self.months)

    def given(self) -> dict[str, object]:
        """What was declared, for the manifest (only the parts given)."""
        return {k: v for k, v in (("key", list(self.key)), ("name", self.name),
                                  ("period", self.period),
                                  ("period_column", self.period_column)) if v}


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
    header_row: int | None = None  # where a wide file's indicator names are (None: Parquet)


def read_returns(paths: list[Path], problems: Problems,
                 sheet: str | None = None, header_row: int | None = None,
                 layout: Layout | None = None) -> list[SourceTable]:
    """Read every file; structural problems are added to ``problems`` and the file skipped.

    ``sheet`` names the worksheet to read from Excel inputs (default: the first);
    ``header_row`` the row of it that holds the header (default: found, see read_xlsx);
    ``layout`` the columns that stand for authority_code, authority_name and period.
    """
    tables = []
    for path in paths:
        table = read_one(path, problems, sheet, header_row, layout)
        if table is not None:
            tables.append(table)
    return tables


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


def read_one(path: Path, problems: Problems, sheet: str | None = None,
             header_row: int | None = None, layout: Layout | None = None
             ) -> SourceTable | None:
    name = str(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        problems.add(Problem("E-FILE-NOT-FOUND", "this is a folder, not a file" if
                             path.is_dir() else "input file does not exist", file=name))
        return None
    try:
        return _read(path, suffix, problems, sheet, header_row, layout)
    except OSError as exc:  # unreadable (permissions, a device, a vanished file)
        problems.add(Problem("E-FILE-FORMAT", f"the file cannot be read ({exc.strerror or exc})",
                             file=name))
        return None


def _read(path: Path, suffix: str, problems: Problems, sheet: str | None,
          header_at: int | None = None, layout: Layout | None = None) -> SourceTable | None:
    name = str(path)
    if header_at not in (None, 1) and suffix not in EXCEL_SUFFIXES:
        # Only a sheet's rows are searched for the header; a CSV's is its first line.
        problems.add(Problem("E-HEADER-ROW", f"--header-row {header_at} applies to Excel "
                             "inputs only; this file's header is its first line", file=name,
                             value=str(header_at), expected="an .xlsx input, or no "
                             "--header-row"))
        return None
    what = sniff(path)
    header_row: int | None = 1
    frame: pd.DataFrame | None = None
    lines: np.ndarray | None = None
    if suffix == ".parquet":
        if what != PARQUET:
            problems.add(Problem("E-FILE-FORMAT", f"named .parquet but is {what or 'text'}",
                                 file=name, expected="a Parquet file"))
            return None
        frame = _read_parquet(path, problems)
        # Row numbers 1..n, in 32 bits while they fit: half the memory of int64 at millions.
        lines = np.arange(1, len(frame) + 1, dtype=int_type(len(frame), np.int32)) \
            if frame is not None else None
        header_row = None  # Parquet has no header row; rows are counted from 1
    elif suffix in (".csv", ".txt"):
        if what is not None:
            hint = "; save it as .xlsx, or export it as CSV UTF-8" if (
                "Excel" in what or "zip" in what) else ""
            problems.add(Problem("E-FILE-FORMAT", f"named {suffix} but is {what}{hint}",
                                 file=name, expected="CSV text (UTF-8)"))
            return None
        read = _read_csv(path, problems)
        if read is not None:
            frame, lines = read
    elif suffix in EXCEL_SUFFIXES:
        if what is not None and "zip" not in what:
            problems.add(Problem("E-FILE-FORMAT", f"named {suffix} but is {what}", file=name,
                                 expected="an .xlsx workbook"))
            return None
        book = read_xlsx(path, sheet, problems, header_at)
        if book is not None:
            frame, lines, header_row = book
    elif suffix == ".xls":
        problems.add(Problem("E-FILE-FORMAT", "old-style .xls workbooks are not read",
                             file=name, expected="an .xlsx workbook, CSV (UTF-8) or Parquet"))
        return None
    else:
        problems.add(Problem("E-FILE-FORMAT", f"unsupported file type {suffix or '(none)'!r}",
                             file=name, expected=".csv, .parquet or .xlsx"))
        return None
    if frame is None or lines is None:
        return None
    if suffix not in (".csv", ".txt"):  # (a CSV file's text is checked as it is read)
        check_text(frame, lines, header_row, name, problems)
    return _to_long(frame, lines, header_row, name, problems,
                    excel=suffix in EXCEL_SUFFIXES, layout=layout)


# C0 controls but tab, LF and CR (structure, and line breaks inside quoted values), DEL and
# the C1 controls, and the bidirectional embeddings, overrides and isolates
# (U+202A-U+202E, U+2066-U+2069): invisible, and they change what a value means or shows.
_CONTROL_RE2 = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\x{202A}-\x{202E}\x{2066}-\x{2069}]"
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Bytes that may start a control character in UTF-8 text (C0 but tab, LF and CR; DEL; the
# lead bytes of C1 and of the bidirectional controls): all other bytes are deleted at once.
_SUSPECT = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0xC2, 0xE2])
_NOT_SUSPECT = bytes(b for b in range(256) if b not in _SUSPECT)


def _has_control(raw: bytes) -> bool:
    """Whether UTF-8 bytes hold any control character: one ``bytes.translate`` (GB/s) in
    the usual case; the lead bytes of C1 and bidi controls, where present (a pound sign, a
    curly quote), are checked with their next bytes in NumPy."""
    rest = raw.translate(None, _NOT_SUSPECT)
    if not rest:
        return False
    if rest.translate(None, b"\xc2\xe2"):
        return True  # a C0 control or DEL
    data = np.frombuffer(raw, dtype=np.uint8)
    at = np.flatnonzero(data[:-1] == 0xC2)
    if len(at) and ((data[at + 1] >= 0x80) & (data[at + 1] <= 0x9F)).any():
        return True
    at = np.flatnonzero(data[:-2] == 0xE2)
    second, third = data[at + 1], data[at + 2]
    bidi = ((second == 0x80) & (third >= 0xAA) & (third <= 0xAE)) | (
        (second == 0x81) & (third >= 0xA6) & (third <= 0xA9))
    return bool(bidi.any())


_CONTROL_NAMES = {0x00: "NUL", 0x1B: "ESC", 0x7F: "DEL"}


def escaped(text: str, limit: int = 80) -> str:
    """Text with its control and bidirectional characters written as escapes (``\\x00``,
    ``\\u202e``), cut to ``limit`` characters."""
    shown = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                         else f"\\u{ord(m.group()):04x}", text)
    return shown if len(shown) <= limit else shown[:limit] + "..."


def _control_message(text: str) -> str:
    found = _CONTROL.search(text)
    assert found is not None
    point = ord(found.group())
    name = _CONTROL_NAMES.get(point)
    what = (f"a {name} character (U+{point:04X})" if name else
            f"a bidirectional control (U+{point:04X})" if point >= 0x202A else
            f"a control character (U+{point:04X})")
    return f"the text holds {what}: {escaped(text)}"


def _control_rows(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the cells whose text holds a control character, and those texts:
    one regular expression over the column's distinct values (a categorical's categories)
    or over the whole column, in Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    none = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object)
    if isinstance(series.dtype, pd.CategoricalDtype):
        labels = series.cat.categories
        if not (pd.api.types.is_string_dtype(labels) or labels.dtype == object):
            return none
        found = _control_rows(pd.Series(labels.to_numpy(dtype=object), dtype=object))[0]
        if not len(found):
            return none
        codes = np.asarray(series.array.codes)
        rows = np.flatnonzero(np.isin(codes, found))
        return rows, np.asarray(labels.to_numpy(dtype=object)[codes[rows]], dtype=object)
    if not (pd.api.types.is_string_dtype(series.dtype) or series.dtype == object):
        return none
    try:
        array = pa.array(series, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return none  # not a text column (a Parquet float column showing its NaNs as text)
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return none
    hit = pc.match_substring_regex(array, _CONTROL_RE2)
    if not pc.any(hit).as_py():
        return none
    rows = np.flatnonzero(pc.fill_null(hit, False).to_numpy(zero_copy_only=False))
    return rows, np.asarray(series.to_numpy(dtype=object)[rows], dtype=object)


def check_text(frame: pd.DataFrame, lines: np.ndarray, header: int | None, name: str,
               problems: Problems) -> bool:
    """Refuse control characters in column names and cells (every one found is reported,
    up to the catalogue's cap; the rest of the file is still checked, for one pass of
    problems); True when there are none."""
    clean = True
    for i, column in enumerate(frame.columns):
        label = str(column)
        if _CONTROL.search(label):
            clean = False
            problems.add(Problem("E-TEXT-CONTROL", "column name: " + _control_message(label),
                                 file=name, row=header, column=i + 1, value=escaped(label),
                                 expected="text without control characters"))
    for i, rows, texts in _control_cells(frame):
        clean = False
        room = max(problems.limit - problems.counts.get("E-TEXT-CONTROL", 0), 0)
        for row, text in zip(rows[:room], texts[:room], strict=True):
            problems.add(Problem("E-TEXT-CONTROL", _control_message(str(text)), file=name,
                                 row=int(lines[row]), column=str(frame.columns[i]),
                                 value=escaped(str(text)),
                                 expected="text without control characters"))
        if len(rows) > room:
            problems.counts["E-TEXT-CONTROL"] = (
                problems.counts.get("E-TEXT-CONTROL", 0) + len(rows) - room)
    return clean


def _control_cells(frame: pd.DataFrame) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """Each column with control characters: its position, the rows and their texts. A
    sheet of text cells (Excel) is searched as one array, whatever its width; otherwise
    column by column."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if len(frame.columns) > 16 and all(pd.api.types.is_object_dtype(d) for d in frame.dtypes):
        grid = frame.to_numpy(dtype=object)
        try:
            flat = pa.array(grid.ravel(), type=pa.string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            flat = None
        if flat is not None:
            hit = pc.match_substring_regex(flat, _CONTROL_RE2)
            if not pc.any(hit).as_py():
                return
            cells = np.flatnonzero(pc.fill_null(hit, False).to_numpy(zero_copy_only=False))
            rows, columns = np.divmod(cells, grid.shape[1])
            for i in np.unique(columns):
                mine = rows[columns == i]
                yield int(i), mine, grid[mine, i]
            return
    for i in range(len(frame.columns)):
        rows, texts = _control_rows(frame.iloc[:, i])
        if len(rows):
            yield i, rows, texts


def _to_long(frame: pd.DataFrame, lines: np.ndarray, header: int | None, name: str,
             problems: Problems, *, excel: bool = False, layout: Layout | None = None
             ) -> SourceTable | None:
    """Check the columns, then turn a long or wide table into the long form."""
    named = _name_columns(frame, header, name, problems)
    if named is None:
        return None
    frame = named
    if len(frame) == 0:
        problems.add(Problem("E-FILE-EMPTY", "the file has a header but no data rows",
                             file=name))
        return None
    if layout:
        laid = _lay_out(frame, header, name, problems, layout)
        if laid is None:
            return None
        frame = laid
        if layout.key and layout.key != (ROW_KEY,) and "indicator" not in frame.columns:
            frame, lines = _unique_keys(frame, lines, name, problems, layout)
    missing = [c for c in KEY_COLUMNS if c not in frame.columns]
    if missing:
        given = layout is not None and bool(layout.key or layout.period or layout.period_column)
        hint = "" if given else (" (a file that names them otherwise, or has no period "
                                 "column: --key COLUMN, --period PERIOD; see README)")
        problems.add(Problem("E-COLUMN-MISSING", f"missing column(s): {', '.join(missing)}"
                             + (_separator_hint(list(frame.columns), excel) or hint), file=name,
                             row=header,
                             column=missing[0],
                             expected="authority_code, period, then indicator, value (long) "
                                      "or one column per indicator (wide)"))
        return None
    if "indicator" in frame.columns or "value" in frame.columns:
        absent = [c for c in ("indicator", "value") if c not in frame.columns]
        if absent:
            problems.add(Problem("E-COLUMN-MISSING", f"long format needs column {absent[0]!r}",
                                 file=name, row=header, column=absent[0],
                                 expected="authority_code, period, indicator, value"))
            return None
        long = pd.DataFrame({
            "authority_code": frame["authority_code"],
            "period": frame["period"],
            "indicator": frame["indicator"],
            "value": frame["value"],
            "authority_name": _optional(frame, "authority_name"),
            "note": _optional(frame, "note"),
            "_line": lines,
            "_column": _repeat(["value"], len(frame)),
        }, copy=False)
        return SourceTable(name, "long", long)
    indicators = [c for c in frame.columns if c not in KEY_COLUMNS and c not in OPTIONAL_COLUMNS]
    if not indicators:
        problems.add(Problem("E-COLUMN-MISSING", "no indicator columns", file=name, row=header,
                             expected="one column per indicator id after authority_code, "
                                      "period"))
        return None
    n = len(frame)
    k = len(indicators)
    values = frame[indicators]
    long = pd.DataFrame({
        "authority_code": _tile(frame["authority_code"], k),
        "period": _tile(frame["period"], k),
        "indicator": _repeat(indicators, n),
        "value": values.to_numpy().T.reshape(-1),
        "authority_name": (_tile(frame["authority_name"], k)
                           if "authority_name" in frame.columns else _absent(n * k)),
        "note": _tile(frame["note"], k) if "note" in frame.columns else _absent(n * k),
        "_line": np.tile(lines, k),
        "_column": _repeat(indicators, n),
    }, copy=False)
    return SourceTable(name, "wide", long, header_row=header)


def _lay_out(frame: pd.DataFrame, header: int | None, name: str, problems: Problems,
             layout: Layout) -> pd.DataFrame | None:
    """The frame with authority_code, authority_name and period made from the columns
    ``layout`` names (those columns taken out, unless an attribute pattern carries them);
    None, with the problems added, when a named column is missing or one is given twice."""
    columns = list(frame.columns)
    found = True

    def column(wanted: str, what: str) -> str | None:
        nonlocal found
        if wanted in columns:
            return wanted
        folded = [c for c in columns if str(c).lower() == wanted.lower()]
        if len(folded) == 1:
            return str(folded[0])
        found = False
        problems.add(Problem("E-COLUMN-MISSING", f"the {what} column {wanted!r} is not in the "
                             f"file (it has {_listing(columns)})", file=name, row=header,
                             column=wanted, value=wanted, expected=f"a column {wanted}"))
        return None

    def twice(standard: str, given: str, what: str) -> None:
        nonlocal found
        found = False
        problems.add(Problem("E-COLUMN-TWICE", f"the file has a column {standard!r} and "
                             f"{what} gives it too ({given}): which is meant?", file=name,
                             row=header, column=standard, value=standard,
                             expected=f"no {standard} column, or no {what}"))

    rows = layout.key == (ROW_KEY,)
    keys = [] if rows else [column(k, "key") for k in layout.key]
    who = column(layout.name, "name") if layout.name else None
    when = column(layout.period_column, "period") if layout.period_column else None
    if layout.key and "authority_code" in columns and keys != ["authority_code"]:
        twice("authority_code", " + ".join(layout.key), "the key")
    if who not in (None, "authority_name") and "authority_name" in columns:
        twice("authority_name", str(layout.name), "the name")
    if layout.period is not None and (when is not None or "period" in columns):
        twice(when or "period", layout.period, "the period given")
    elif when not in (None, "period") and "period" in columns:
        twice("period", str(layout.period_column), "the period column")
    if not found:
        return None
    out = frame.copy(deep=False)
    taken = [c for c in (*keys, who, when) if c is not None]
    if rows:
        out["authority_code"] = pd.Series(np.arange(1, len(frame) + 1).astype(str),
                                          index=frame.index, dtype=object)
    elif keys:
        parts = [_as_text(frame[k]).astype(object).astype(str).str.strip() for k in keys]
        joined = parts[0]
        for part in parts[1:]:  # a few key columns, each whole
            joined = joined + KEY_SEPARATOR + part
        blank = np.logical_or.reduce([(p == "").to_numpy() for p in parts])
        out["authority_code"] = joined.where(~blank, "")
    if who is not None:
        out["authority_name"] = _as_text(frame[who])
    if layout.period is not None:
        out["period"] = pd.Categorical.from_codes(np.zeros(len(frame), dtype=np.int8),
                                                  categories=pd.Index([layout.period]))
    elif when is not None:
        out["period"] = _as_text(frame[when])
    if layout.months and "period" in out.columns:
        out["period"] = _months(out["period"])
    gone = [c for c in dict.fromkeys(taken) if c not in KNOWN_COLUMNS
            and not any(fnmatch.fnmatchcase(c, p) for p in layout.carry)]
    return out.drop(columns=gone)


def _unique_keys(frame: pd.DataFrame, lines: np.ndarray, name: str, problems: Problems,
                 layout: Layout) -> tuple[pd.DataFrame, np.ndarray]:
    """A wide file keyed by named columns holds one row per authority and period: a key
    on two rows is E-KEY-DUPLICATE naming both lines (two homes of one name would
    otherwise be merged, or one dropped when their values agree); the later rows are
    dropped so that no per-value duplicate is reported as well."""
    keys = frame[["authority_code", "period"]].astype(str)
    later = keys.duplicated(keep="first").to_numpy() & (keys["authority_code"] != "").to_numpy()
    if not later.any():
        return frame, lines
    code = keys["authority_code"].to_numpy()
    first_line = pd.Series(lines).groupby([code, keys["period"].to_numpy()]).transform(
        "first").to_numpy()
    at = np.flatnonzero(later)
    room = max(problems.limit - problems.counts.get("E-KEY-DUPLICATE", 0), 0)
    periods = keys["period"].to_numpy()
    source = " + ".join(layout.key)
    for i in at[:room].tolist():  # bounded by the problems' limit
        when = "" if layout.period is not None else f" in {periods[i]}"
        problems.add(Problem("E-KEY-DUPLICATE", f"key {code[i]!r} (from {source}) is on rows "
                             f"{first_line[i]} and {lines[i]}{when}: a key names one row "
                             "(the later one is not read)", file=name, row=int(lines[i]),
                             column=layout.key[0], value=str(code[i]),
                             expected="each key on one row"))
    if len(at) > room:
        problems.counts["E-KEY-DUPLICATE"] = (
            problems.counts.get("E-KEY-DUPLICATE", 0) + len(at) - room)
    return frame[~later], lines[~later]


def _listing(columns: list[Any], most: int = 8) -> str:
    shown = ", ".join(repr(str(c)) for c in columns[:most])
    return shown + (f" and {len(columns) - most} more" if len(columns) > most else "")


def _months(periods: pd.Series) -> pd.Series:
    """Periods written as a month and year ("October 2025", "Oct 2025") as 2025-10; once
    per distinct value. Anything else is left as written (and checked as a period)."""
    series = periods if isinstance(periods.dtype, pd.CategoricalDtype) else \
        periods.astype(object).astype("category")
    labels = [str(c) for c in series.cat.categories]
    renamed = []
    for label in labels:  # distinct values: a few per file
        match = _MONTH_YEAR.fullmatch(label)
        word = match.group(1).lower() if match else ""
        month = next((i for i, m in enumerate(_MONTHS, start=1)
                      if len(word) >= 3 and m.startswith(word)), None)
        renamed.append(f"{match.group(2)}-{month:02d}" if match and month else label)
    if renamed == labels:
        return periods
    codes = series.cat.codes.to_numpy()
    unique = list(dict.fromkeys(renamed))
    remap = np.append(np.array([unique.index(r) for r in renamed], dtype=np.int64), -1)
    return pd.Series(pd.Categorical.from_codes(remap[codes], categories=pd.Index(unique)),
                     index=periods.index)


def _tile(series: pd.Series, k: int) -> pd.Categorical[Any] | np.ndarray:
    """A column repeated k times (a wide file's keys, once per indicator column)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return pd.Categorical.from_codes(np.tile(series.cat.codes.to_numpy(), k),
                                         dtype=series.dtype)
    tiled: np.ndarray = np.tile(series.to_numpy(dtype=object), k)
    return tiled


def _optional(frame: pd.DataFrame, column: str) -> pd.Series | pd.Categorical:
    return frame[column] if column in frame.columns else _absent(len(frame))


def _absent(n: int) -> pd.Categorical:
    """An optional column the file does not have: all missing, one byte a row (a column of
    None would cost a pointer a row, and its making dominated reading large files)."""
    return pd.Categorical.from_codes(np.full(n, -1, dtype=np.int8),
                                     categories=pd.Index([], dtype=object))


def _repeat(names: list[str], n: int) -> pd.Categorical:
    """Each name n times, in order, as codes into the names."""
    codes: np.ndarray = np.repeat(np.arange(len(names), dtype=int_type(len(names))), n)
    return pd.Categorical.from_codes(codes, categories=pd.Index(names, dtype=object))


def _name_columns(frame: pd.DataFrame, header: int | None, name: str,
                  problems: Problems) -> pd.DataFrame | None:
    """Trim column names, spell the known ones in lower case, drop empty unnamed columns;
    duplicate names are an error (which of the two would be meant?)."""
    columns = [str(c).strip() for c in frame.columns]
    columns = [c.lower() if c.lower() in KNOWN_COLUMNS else c for c in columns]
    keep = []
    for i, column in enumerate(columns):
        if column.startswith("__index_level_"):
            continue  # a pandas index written into a Parquet file
        if column == "":
            cells = frame.iloc[:, i]
            if cells.isna().all() or (cells.astype(str).str.strip() == "").all():
                continue  # a trailing separator or an empty spreadsheet column
            problems.add(Problem("W-UNKNOWN-INDICATOR", f"column {i + 1} has no name; its "
                                 "values are ignored", file=name, row=header,
                                 column=i + 1, value=""))
            continue
        keep.append(i)
    seen: dict[str, int] = {}
    duplicated = False
    for i in keep:
        column = columns[i]
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
    out = frame.iloc[:, keep]
    out.columns = pd.Index([columns[i] for i in keep], dtype=object)
    return out


def _separator_hint(columns: list[str], excel: bool = False) -> str:
    if len(columns) == 1:
        for sep, what in ((";", "semicolons"), ("\t", "tabs"), ("|", "pipes")):
            if sep in columns[0] and excel:
                return (f" (the header is one cell of names separated by {what}: split the "
                        "column with Excel's Data > Text to Columns)")
            if sep in columns[0]:
                return f" (the header seems to be separated by {what}; use commas)"
    return ""


def _read_csv(path: Path, problems: Problems) -> tuple[pd.DataFrame, np.ndarray] | None:
    """Read every column as text with pyarrow (strict about column counts).

    Returns the frame and each row's line number as the user counts them in a text editor
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
    if len(header) > MAX_COLUMNS:
        problems.add(Problem("E-FILE-LIMIT", f"the header has {len(header):,} columns; at most "
                             f"{MAX_COLUMNS:,} (Excel's limit) are read", file=name, row=1,
                             expected=f"at most {MAX_COLUMNS:,} columns"))
        return None
    ragged: list[tuple[int, int, int]] = []

    def invalid(row: pacsv.InvalidRow) -> str:
        ragged.append((row.number or 0, row.expected_columns, row.actual_columns))
        return "skip"

    # pyarrow reads in blocks (1 MiB by default) and cannot hold a value longer than a
    # block: read again in one block the size of the file when a value is that long.
    block = 1 << 20
    table: Any = None
    while True:
        ragged.clear()
        try:
            table = pacsv.read_csv(
                pa.py_buffer(raw),
                read_options=pacsv.ReadOptions(use_threads=False, block_size=block),
                parse_options=pacsv.ParseOptions(invalid_row_handler=invalid,
                                                 newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(
                    column_types={c: pa.string() for c in header}, strings_can_be_null=False,
                    quoted_strings_can_be_null=False, null_values=[]))
            break
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            whole = min(len(raw) + 1, (1 << 31) - 1)
            if "block" in str(exc) and block < whole:
                block = whole
                continue
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
    if any(f.type != pa.string() for f in table.schema):
        table = table.cast(pa.schema([(f.name, pa.string()) for f in table.schema]))
    for i, column in enumerate(table.column_names):
        if _is_text_key(column):  # codes repeat across rows: integer codes into a dictionary
            table = table.set_column(i, column, table.column(i).dictionary_encode())
    frame = table.to_pandas()
    if _has_control(raw):
        check_text(frame, records[good], 1, name, problems)
    return frame, records[good]


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


def _read_parquet(path: Path, problems: Problems) -> pd.DataFrame | None:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    name = str(path)
    try:
        schema = pq.read_schema(path)
        # Key columns repeat a few values millions of times: decode them straight into
        # dictionaries (integer codes) instead of one string per row; so do a text value
        # column's few spellings (labels, n/a, small numbers).
        keys = [f.name for f in schema if pa.types.is_string(f.type) and (
            _is_text_key(f.name) or str(f.name).strip().lower() == "value")]
        if len(schema) > MAX_COLUMNS:
            problems.add(Problem("E-FILE-LIMIT", f"the file has {len(schema):,} columns; at "
                                 f"most {MAX_COLUMNS:,} (Excel's limit) are read", file=name,
                                 expected=f"at most {MAX_COLUMNS:,} columns"))
            return None
        unsupported = [f for f in schema if not _supported(f.type)]
        for f in unsupported:
            problems.add(Problem("E-COLUMN-TYPE", f"column {f.name!r} holds values of type "
                                 f"{f.type}, which returns do not use", file=name,
                                 column=f.name, value=str(f.type), expected=SUPPORTED_TYPES))
        if unsupported:
            return None
        table = pq.ParquetFile(path, read_dictionary=keys).read()
    except (pa.ArrowException, OSError, ValueError) as exc:
        problems.add(Problem("E-FILE-FORMAT", f"not a readable Parquet file ({exc})",
                             file=name, expected="a Parquet file"))
        return None
    names = [str(n).strip() for n in table.column_names]
    counted = collections.Counter(names)
    doubled = sorted(n for n, count in counted.items() if count > 1)
    if doubled:
        for column in doubled:
            problems.add(Problem("E-COLUMN-DUPLICATE", f"column {column!r} appears more than "
                                 "once", file=name, column=column, value=column,
                                 expected="each column name once"))
        return None
    columns: dict[str, pd.Series] = {}
    for field, chunked in zip(table.schema, table.columns, strict=True):
        column = field.name
        try:
            if pa.types.is_floating(field.type) and pc.any(pc.is_nan(chunked)).as_py():
                # A stored NaN is not a missing value (null is): keep it visible as text.
                series = chunked.to_pandas().astype(object)
                nan = pc.fill_null(pc.is_nan(chunked), False).to_numpy(zero_copy_only=False)
                columns[column] = series.where(~nan, "NaN")
            elif pa.types.is_boolean(field.type):
                columns[column] = chunked.to_pandas().astype(object)
            elif pa.types.is_dictionary(field.type) or (_is_text_key(column)
                                                        and pa.types.is_string(field.type)):
                # Codes repeat across rows: keep them as integer codes into a dictionary.
                columns[column] = _categorical(chunked if pa.types.is_dictionary(field.type)
                                               else chunked.dictionary_encode())
            else:
                columns[column] = chunked.to_pandas()
        except (pa.ArrowException, ValueError, TypeError) as exc:
            problems.add(Problem("E-FILE-FORMAT", f"column {column!r} cannot be read "
                                 f"({exc})", file=name, column=column))
            return None
    frame = pd.DataFrame(columns, copy=False)
    for column in frame.columns:
        if str(column).strip().lower() in (*KEY_COLUMNS, "indicator", *OPTIONAL_COLUMNS):
            frame[column] = _as_text(frame[column])
    return frame


SUPPORTED_TYPES = ("text, whole or decimal numbers, true/false, dates, timestamps or nulls "
                   "(text and whole numbers may be dictionary-encoded)")


def _supported(kind: Any) -> bool:
    """Whether a Parquet column's type is one returns are read from: text, numbers,
    booleans, dates and timestamps, nulls. Bytes, lists, structs, maps, unions, durations,
    times of day and intervals are not (they would be misread as text, or not read)."""
    import pyarrow as pa

    t = pa.types
    if t.is_dictionary(kind):
        value = kind.value_type
        return bool(t.is_string(value) or t.is_large_string(value) or t.is_integer(value))
    return bool(t.is_null(kind) or t.is_boolean(kind) or t.is_integer(kind)
                or t.is_floating(kind) or t.is_decimal(kind) or t.is_string(kind)
                or t.is_large_string(kind) or t.is_date(kind) or t.is_timestamp(kind))


def _categorical(chunked: Any) -> pd.Series:
    """A dictionary-encoded Arrow column as a pandas categorical, its categories left in
    Arrow: pandas' own conversion spells every distinct value as a Python string, which
    at millions of authorities took longer than reading the file."""
    import pyarrow as pa

    if chunked.num_chunks == 0:
        return pd.Series(pd.Categorical([]), dtype="category")
    value_type = chunked.type.value_type
    if not pa.types.is_string(value_type) and not pa.types.is_large_string(value_type):
        return pd.Series(chunked.to_pandas())
    codes, dictionary = _merged_dictionaries(chunked)
    # Categories as pandas' own Arrow-backed text (str): a missing cell reads as NaN, as it
    # did from a plain text column.
    categories = pd.Index(dictionary.to_pandas())
    # copy=False: pandas would otherwise copy the codes it is given.
    return pd.Series(pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories),
                                               validate=False), copy=False)


def _merged_dictionaries(chunked: Any) -> tuple[np.ndarray, Any]:
    """Row groups' dictionaries merged into one (each value once, in order of first
    appearance, as Arrow's ``unify_dictionaries`` does), and every row's code into it, in
    the narrowest integer pandas keeps for that many categories (so it is not copied).

    A file written in authority order has row groups' dictionaries that, laid end to end,
    never go down (a group boundary may repeat an authority): then merging only drops
    those repeats, with no hashing of millions of codes.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    dictionaries = [c.dictionary for c in chunked.chunks]
    whole = dictionaries[0] if len(dictionaries) == 1 else pa.concat_arrays(dictionaries)
    if len(whole) < 2 or (whole.null_count == 0
                          and pc.all(pc.less_equal(whole[:-1], whole[1:])).as_py()):
        first = np.ones(len(whole), dtype=bool)
        first[1:] = pc.not_equal(whole[:-1], whole[1:]).to_numpy(zero_copy_only=False)
        merged = whole.filter(pa.array(first)) if not first.all() else whole
        position = np.cumsum(first) - 1
    else:
        merged = pc.unique(whole)
        position = pc.index_in(whole, value_set=merged).to_numpy(zero_copy_only=False)
    dtype = int_type(len(merged))
    codes: np.ndarray = np.empty(len(chunked), dtype=dtype)
    start = offset = 0
    for chunk, dictionary in zip(chunked.chunks, dictionaries, strict=True):
        # This group's codes -> merged codes; a null row takes the extra last entry, -1.
        mapping: np.ndarray = np.append(position[offset:offset + len(dictionary)], -1).astype(dtype)
        indices = chunk.indices
        if indices.null_count:
            indices = indices.fill_null(len(dictionary))
        np.take(mapping, indices.to_numpy(zero_copy_only=False),
                out=codes[start:start + len(chunk)])
        start += len(chunk)
        offset += len(dictionary)
    return codes, merged


def _is_text_key(column: str) -> bool:
    return str(column).strip().lower() in (*KEY_COLUMNS, "indicator", *OPTIONAL_COLUMNS)


def _as_text(series: pd.Series) -> pd.Series:
    """Codes and periods stay strings even when a Parquet writer stored them as numbers."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        categories = series.cat.categories
        if pd.api.types.is_string_dtype(categories) or categories.dtype == object:
            return series
        return series.astype(object).pipe(_as_text)
    if series.dtype == object:
        return series.where(series.notna(), "").astype(str)
    if pd.api.types.is_integer_dtype(series):
        return series.astype("Int64").astype(str).replace("<NA>", "")
    if pd.api.types.is_float_dtype(series):
        whole = series.notna() & (series == np.floor(series)) & (series.abs() < 1e15)
        text = series.astype(str).where(series.notna(), "")
        return text.where(~whole, series.where(whole, 0).astype(np.int64).astype(str))
    return series.astype(str).replace({"nan": "", "None": "", "NaT": ""})


def read_reference(path: Path, problems: Problems) -> dict[str, str] | None:
    """Authority codes and names from a reference CSV (authority_code, authority_name)."""
    frame = read_reference_table(path, problems)
    if frame is None:
        return None
    return dict(zip(frame["authority_code"], frame["authority_name"], strict=True))


def read_reference_table(path: Path, problems: Problems) -> pd.DataFrame | None:
    """A reference CSV as text, its codes and names stripped; None (and a problem) if it
    cannot be read or lacks authority_code or authority_name."""
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
    frame = _name_columns(read[0], 1, name, problems)
    if frame is None or problems.has_errors():
        return None
    missing = [c for c in ("authority_code", "authority_name") if c not in frame.columns]
    if missing:
        problems.add(Problem("E-COLUMN-MISSING", f"missing column(s): {', '.join(missing)}",
                             file=name, row=1, column=missing[0],
                             expected="authority_code, authority_name"))
        return None
    return frame.assign(authority_code=frame["authority_code"].str.strip(),
                        authority_name=frame["authority_name"].str.strip())
