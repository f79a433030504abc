"""Read an Excel workbook's sheet as text cells, numbered by the rows Excel shows."""

from __future__ import annotations

import array
import datetime as dt
import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import IO, Any

import numpy as np
import pandas as pd

from perfassess.core.problems import Problem, Problems

EXCEL_SUFFIXES = (".xlsx", ".xlsm")

# Excel's own limits: a sheet it writes never goes beyond them.
MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
MAX_CELL_TEXT = 32_767
# What a workbook may expand to: its parts together at most 1 GiB, and no part over 10 MiB
# expanding more than 100-fold (sheet XML compresses 10- to 30-fold; a zip bomb, thousands).
MAX_EXPANDED = 1 << 30
MAX_RATIO = 100
LARGE_PART = 10 << 20
# A sheet whose rows under the header would be mostly empty cells (far-apart cells under a
# header of thousands of columns) would cost far more to lay out than its cells: refused
# beyond this many empty cells for each cell given.
MAX_SPARSITY = 64
# A sheet part at least this large could hold more rows than Excel's: its rows are counted
# before they are read (an Excel row takes at least ten bytes of XML).
COUNT_ROWS_OVER = 10 << 20
# How many rows with a value, from the top, are searched for the header: title rows are a
# few, and the search stays bounded however the sheet is built.
HEADER_SEARCH = 20
KEY_COLUMNS = ("authority_code", "period")

_DATE, _TIMEDELTA, _PERCENT = 1, 2, 3
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


class _Refused(Exception):
    """A problem that stops reading the workbook (carried out of the parse)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def read_xlsx(path: Any, sheet: str | None, problems: Problems, header_row: int | None = None
              ) -> tuple[pd.DataFrame, np.ndarray, int] | None:
    """The sheet as text, each row's Excel number, and the header's row number; structural
    problems go to ``problems``.

    The header is row ``header_row`` when given; otherwise the first of the sheet's first
    :data:`HEADER_SEARCH` rows with a value that names both key columns (``authority_code``
    and ``period``), or, when none does, its first row with a value. Rows above a header
    found that way are skipped with one warning (W-ROWS-ABOVE-HEADER).

    Cells keep what the user sees: text stays text, whole numbers have no ``.0``, a cell
    formatted as a percentage reads ``12%`` (Excel stores 0.12), errors such as ``#DIV/0!``
    stay as written. Formulas give the value Excel last calculated; one with no saved value
    is an error. The sheet's XML is read as a stream, so the work follows the cells it
    holds, not the size it declares.
    """
    name = str(path)
    if not zipfile.is_zipfile(path):
        problems.add(Problem("E-FILE-FORMAT", "not an Excel workbook (an .xlsx file is a zip "
                             "archive; this is not)", file=name,
                             expected="an .xlsx workbook"))
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            _check_expansion(archive, name)
            return _read_book(archive, name, sheet, problems, header_row)
    except _Refused as refused:
        problems.add(refused.problem)
        return None
    except (zipfile.BadZipFile, zlib.error, KeyError, ValueError, IndexError, EOFError,
            SyntaxError, NotImplementedError, RuntimeError) as exc:
        # A damaged or foreign archive: a missing part, bad XML (ParseError is a
        # SyntaxError; a refused DTD a ValueError), a corrupt stream.
        problems.add(Problem("E-FILE-FORMAT", f"the workbook cannot be read "
                             f"({type(exc).__name__}: {exc})", file=name,
                             expected="an .xlsx workbook"))
        return None


def _check_expansion(archive: zipfile.ZipFile, name: str) -> None:
    """Refuse a workbook whose parts declare more than it may expand to (Python's zipfile
    never yields more than a part declares, so the declaration bounds the work)."""
    total = 0
    for info in archive.infolist():
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > LARGE_PART and ratio > MAX_RATIO:
            raise _Refused(Problem(
                "E-FILE-LIMIT", f"part {info.filename} expands {ratio:,.0f}-fold, to "
                f"{info.file_size:,} bytes (a zip bomb?); a workbook part over "
                f"{LARGE_PART >> 20} MiB may expand at most {MAX_RATIO}-fold", file=name,
                value=info.filename, expected=f"parts expanding at most {MAX_RATIO}-fold"))
    if total > MAX_EXPANDED:
        raise _Refused(Problem(
            "E-FILE-LIMIT", f"the workbook expands to {total:,} bytes; at most "
            f"{MAX_EXPANDED >> 30} GiB is read", file=name,
            expected=f"a workbook expanding to at most {MAX_EXPANDED >> 30} GiB"))


_ROOT = re.compile(rb"<[A-Za-z_]")
_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([^\"']*)[\"']")


def _batches(stream: IO[bytes], events: tuple[str, ...]
             ) -> Iterator[Iterator[tuple[str, Any]]]:
    """ElementTree's events over a workbook part, a batch per chunk read, refusing any DTD
    first: returns come from anyone, and without a DTD no entity can be declared (no
    expansion, no external entities). The check is on the bytes before the root element,
    in UTF-8 or ASCII (all Excel writes), so the fast C parser reads the rest."""
    from xml.etree.ElementTree import XMLPullParser

    head = stream.read(1 << 16)
    text = head.removeprefix(b"\xef\xbb\xbf")
    root = _ROOT.search(text)
    declared = _ENCODING.match(text)
    encoding = declared.group(1).decode("ascii", "replace").lower() if declared else "utf-8"
    if (root is None and len(head) == 1 << 16) or b"\x00" in head[:1024] or (
            encoding not in ("utf-8", "utf8", "us-ascii", "ascii")):
        raise ValueError("a workbook part is not UTF-8 XML")
    if b"<!DOCTYPE" in text[: root.start() if root else len(text)]:
        raise ValueError("a workbook part declares a DTD (workbooks never do; entities in "
                         "it could expand without bound)")
    parser: Any = XMLPullParser(events)  # type: ignore[arg-type]
    chunk = head
    while chunk:
        parser.feed(chunk)
        yield parser.read_events()
        chunk = stream.read(1 << 12)
    parser.close()
    yield parser.read_events()


def _local(tag: str) -> str:
    return tag[tag.rfind("}") + 1:]


def _attribute(element: Any, local: str) -> str | None:
    """An attribute by its local name, whatever its namespace (r:id)."""
    for key, value in element.attrib.items():
        if _local(key) == local:
            return str(value)
    return None


def _iterparse(stream: IO[bytes], events: tuple[str, ...]) -> Iterator[tuple[str, Any]]:
    for batch in _batches(stream, events):
        yield from batch


def _elements(archive: zipfile.ZipFile, part: str) -> Iterator[Any]:
    with archive.open(part) as stream:
        for _, element in _iterparse(stream, ("end",)):
            yield element


def _resolve(base: str, target: str) -> str:
    """A relationship's target as a part name in the archive."""
    if target.startswith("/"):
        return target.lstrip("/")
    parts: list[str] = []
    for piece in (str(PurePosixPath(base).parent) + "/" + target).split("/"):
        if piece in ("", "."):
            continue
        if piece == "..":
            if parts:
                parts.pop()
        else:
            parts.append(piece)
    return "/".join(parts)


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """A part's relationships: id -> (type's last word, part name)."""
    folder, _, file = part.rpartition("/")
    rels = f"{folder}/_rels/{file}.rels" if folder else f"_rels/{file}.rels"
    if rels not in archive.namelist():
        return {}
    out = {}
    for element in _elements(archive, rels):
        if _local(element.tag) == "Relationship" and element.get("TargetMode") != "External":
            kind = str(element.get("Type", "")).rsplit("/", 1)[-1]
            out[str(element.get("Id"))] = (kind, _resolve(part, str(element.get("Target", ""))))
    return out


def _read_book(archive: zipfile.ZipFile, name: str, sheet: str | None, problems: Problems,
               header_row: int | None) -> tuple[pd.DataFrame, np.ndarray, int] | None:
    documents = [p for kind, p in _relationships(archive, "").values()
                 if kind == "officeDocument"] if "_rels/.rels" in archive.namelist() else []
    book = documents[0] if documents else "xl/workbook.xml"
    rels = _relationships(archive, book)
    sheets: list[tuple[str, str]] = []
    epoch = dt.datetime(1899, 12, 30)
    for element in _elements(archive, book):
        tag = _local(element.tag)
        if tag == "sheet":
            target = rels.get(_attribute(element, "id") or "")
            if target is not None and target[0] == "worksheet":
                sheets.append((str(element.get("name", "")), target[1]))
        elif tag == "workbookPr" and element.get("date1904") in ("1", "true"):
            epoch = dt.datetime(1904, 1, 1)
    if not sheets:
        problems.add(Problem("E-FILE-EMPTY", "the workbook has no worksheets", file=name))
        return None
    titles = [title for title, _ in sheets]
    if sheet is not None and sheet not in titles:
        problems.add(Problem("E-SHEET-NOT-FOUND", f"no sheet {sheet!r}; the workbook has "
                             + ", ".join(repr(s) for s in titles), file=name, value=sheet,
                             expected="one of " + ", ".join(titles)))
        return None
    title, part = sheets[titles.index(sheet)] if sheet is not None else sheets[0]
    kinds = {kind: target for kind, target in rels.values()}
    strings = _shared_strings(archive, kinds.get("sharedStrings"))
    styles = _styles(archive, kinds.get("styles"))
    if archive.getinfo(part).file_size > COUNT_ROWS_OVER:
        _count_rows(archive, part, name)
    rows = _Sheet(strings, styles, epoch, name, problems)
    with archive.open(part) as stream:
        rows.read(stream)
    if not rows.numbers and not rows.refused:
        problems.add(_no_data(archive, sheets, title, name))
        return None
    return rows.table(title, header_row)


def _no_data(archive: zipfile.ZipFile, sheets: list[tuple[str, str]], title: str, name: str
             ) -> Problem:
    """The empty sheet's problem, naming the other sheets that have data (and their rows)."""
    filled = [(other, rows) for other, part in sheets if other != title
              for rows in [_tags(archive, part)] if rows]
    if not filled:
        return Problem("E-FILE-EMPTY", f"sheet {title!r} is empty, as is every other sheet "
                       "of the workbook", file=name, value=title)
    listed = ", ".join(f"{other!r} ({rows:,} row{'s' * (rows != 1)})" for other, rows in filled)
    return Problem("E-FILE-EMPTY", f"sheet {title!r} has no data; sheets with data: {listed} "
                   f"— use --sheet {filled[0][0]}", file=name, value=title,
                   expected="a sheet with data: " + ", ".join(o for o, _ in filled))


def _tags(archive: zipfile.ZipFile, part: str) -> int:
    """Rows holding a value in a sheet, counted in its bytes (a byte scan, not a parse, so
    a workbook of many large sheets costs one pass over each): a row's closing tag, where
    the sheet has any stored value at all."""
    closed = values = 0
    tail = b""
    with archive.open(part) as stream:
        while chunk := stream.read(1 << 22):
            # A tag split between chunks is whole in the window; one wholly in the tail
            # was counted with the chunk before.
            window = tail + chunk
            closed += window.count(b":row>") - tail.count(b":row>")
            closed += window.count(b"</row>") - tail.count(b"</row>")
            values += window.count(b"<v>") + window.count(b"<is>") + window.count(b":v>")
            tail = chunk[-5:]
    return closed if values else 0


def _count_rows(archive: zipfile.ZipFile, part: str, name: str) -> None:
    """Refuse a sheet of more rows than Excel's before reading any: counting the row
    tags in its bytes is many times faster than parsing the rows up to the limit."""
    rows = 0
    tail = b""
    with archive.open(part) as stream:
        while chunk := stream.read(1 << 22):
            # A tag split between two chunks is seen whole in the tail (one byte short of
            # the tag, so none is counted twice).
            window = tail + chunk
            rows += window.count(b"<row ") + window.count(b"<row>")
            tail = chunk[-4:]
    if rows > MAX_ROWS:
        raise _Refused(Problem(
            "E-FILE-LIMIT", f"the sheet has {rows:,} rows; Excel's sheets end at row "
            f"{MAX_ROWS:,}", file=name, value=f"{rows:,} rows",
            expected=f"at most {MAX_ROWS:,} rows"))


def _unescape(text: str) -> str:
    """Excel writes characters XML cannot hold as ``_xHHHH_`` (and a literal ``_x`` as
    ``_x005F_x``)."""
    if "_x" not in text:
        return text
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def _string_item(element: Any) -> str:
    """A shared or inline string: its text runs, without phonetic guides."""
    pieces = []
    for child in element:
        tag = _local(child.tag)
        if tag == "t":
            pieces.append(child.text or "")
        elif tag == "r":
            pieces.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return _unescape("".join(pieces))


def _shared_strings(archive: zipfile.ZipFile, part: str | None) -> list[str]:
    if part is None or part not in archive.namelist():
        return []
    strings = []
    for element in _elements(archive, part):
        if _local(element.tag) == "si":
            strings.append(_string_item(element))
            element.clear()
    return strings


def _styles(archive: zipfile.ZipFile, part: str | None) -> list[int]:
    """For each cell style, whether it shows numbers as dates, durations or percentages."""
    from openpyxl.styles.numbers import (
        BUILTIN_FORMATS,
        is_date_format,
        is_timedelta_format,
    )

    if part is None or part not in archive.namelist():
        return []
    formats: dict[int, str] = dict(BUILTIN_FORMATS)
    styles: list[int] = []
    with archive.open(part) as stream:
        cell_xfs = False
        for event, element in _iterparse(stream, ("start", "end")):
            tag = _local(element.tag)
            if tag == "cellXfs":
                cell_xfs = event == "start"
            elif event == "end" and tag == "numFmt":
                formats[int(element.get("numFmtId", "0"))] = str(element.get("formatCode", ""))
            elif event == "end" and tag == "xf" and cell_xfs:
                code = formats.get(int(element.get("numFmtId", "0")), "General")
                styles.append(_TIMEDELTA if is_timedelta_format(code) else
                              _DATE if is_date_format(code) else
                              _PERCENT if "%" in code else 0)
    return styles


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + (ord(letter.upper()) - 64)
    return number


class _Sheet:
    """A worksheet's cells as they stream past: only the cells present are kept (as column
    numbers and text per row), with the rows Excel numbers them by."""

    def __init__(self, strings: list[str], styles: list[int], epoch: dt.datetime, name: str,
                 problems: Problems) -> None:
        self.strings = strings
        self.styles = styles
        self.epoch = epoch
        self.name = name
        self.problems = problems
        # Rows with a value (their numbers, and how many cells each), and every cell given,
        # row after row: flat, to be laid out in whole-array operations. Kept in arrays and
        # one buffer of UTF-8 (not lists of objects), so the garbage collector has nothing
        # to walk however long the sheet.
        self.numbers = array.array("q")
        self.counts = array.array("q")
        self.columns = array.array("q")
        self.text_ends = array.array("q")
        self.text_data = bytearray()
        self.refused = False  # a cell was an error: the sheet is not laid out
        # Style numbers (as written) that show a number as it is: no date, no percent.
        self.plain = {None, *(str(i) for i, kind in enumerate(styles) if not kind)}
        self._letters: dict[str, int] = {}

    def read(self, stream: IO[bytes]) -> None:
        number = 0
        row_tag = ""
        rows: Any = None  # sheetData, the rows' parent
        for batch in _batches(stream, ("start", "end")):
            for event, element in batch:
                tag = element.tag
                if event == "start":
                    if rows is None and _local(tag) == "sheetData":
                        rows = element
                    continue
                if tag != row_tag:
                    if row_tag or _local(tag) != "row":
                        continue
                    row_tag = tag
                    self._tags(tag[:-3])
                given = element.get("r")
                number = int(given) if given else number + 1
                if number > MAX_ROWS or number < 1:
                    raise _Refused(Problem(
                        "E-FILE-LIMIT", f"the sheet has a row {number:,}; Excel's sheets end "
                        f"at row {MAX_ROWS:,}", file=self.name, row=number,
                        expected=f"at most {MAX_ROWS:,} rows"))
                self._row(element, number)
            if rows is not None:  # memory follows a batch of rows, not the sheet
                del rows[:]

    def _tags(self, namespace: str) -> None:
        """The sheet's tags spelt in its namespace (compared as they are, row by row)."""
        self.c, self.v, self.f, self.inline = (namespace + t for t in ("c", "v", "f", "is"))

    def _row(self, row: Any, number: int) -> None:
        columns: list[int] = []
        texts: list[str] = []
        column = 0
        v_tag, plain, strings = self.v, self.plain, self.strings
        for cell in row:
            if cell.tag != self.c:
                continue
            ref = cell.get("r")
            if ref:
                letters = ref.rstrip("0123456789$")
                known = self._letters.get(letters)
                if known is None:
                    if not (letters.isascii() and letters.isalpha()):
                        raise ValueError(f"cell reference {ref!r} in row {number}")
                    known = self._letters[letters] = _column_number(letters)
                column = known
            else:
                column += 1
            if column > MAX_COLUMNS or column < 1:
                raise _Refused(Problem(
                    "E-FILE-LIMIT", f"a cell in column {column:,}; Excel's sheets end at "
                    f"column {_letters(MAX_COLUMNS)} ({MAX_COLUMNS:,})", file=self.name,
                    row=number, value=ref, expected=f"at most {MAX_COLUMNS:,} columns"))
            # The usual cells, a plain whole number or a shared string, read straight off;
            # anything else (formulas, dates, percentages, inline text) by _text.
            text = None
            if len(cell) == 1:
                saved = cell[0].text
                kind = cell.get("t")
                if cell[0].tag == v_tag and saved and cell.get("s") in plain:
                    if kind is None or kind == "n":
                        if saved.isdigit() and (saved[0] != "0" or len(saved) == 1):
                            text = saved
                    elif kind == "s":
                        text = strings[int(saved)]
                        if len(text) > MAX_CELL_TEXT:
                            text = None
            if text is None:
                text = self._text(cell, number, column)
            if text:
                columns.append(column - 1)
                texts.append(text)
        if texts:
            self.numbers.append(number)
            self.counts.append(len(texts))
            self.columns.extend(columns)
            data, ends = self.text_data, self.text_ends
            for text in texts:
                data += text.encode("utf-8", "surrogatepass")
                ends.append(len(data))

    def _text(self, cell: Any, number: int, column: int) -> str:
        kind = cell.get("t")
        saved: str | None = None
        formula = False
        text = ""
        for part in cell:
            tag = part.tag
            if tag == self.v:
                saved = part.text or ""
            elif tag == self.f:
                formula = True
            elif tag == self.inline:
                text = _string_item(part)
        # Excel saves every result it calculated, an empty text as t="str" with an empty
        # <v>; a program that cannot calculate writes the formula with no or an empty <v>.
        if formula and (saved is None or (not saved and kind != "str")):
            self.problems.add(Problem(
                "E-CELL-FORMULA", f"cell {_letters(column)}{number} holds a formula "
                "with no saved value (the workbook was written by a program and never "
                "calculated): open and save it in Excel, or give values", file=self.name,
                row=number, column=_letters(column), value=_formula(cell),
                expected="a value (or a formula Excel has calculated)"))
            self.refused = True
            return ""
        if kind == "inlineStr":
            pass
        elif not saved:
            return ""
        elif kind is None or kind == "n":
            return self._number(saved, cell.get("s"))
        elif kind == "s":
            text = self.strings[int(saved)]
        elif kind == "str" or kind == "e":
            text = saved
        elif kind == "b":
            text = "TRUE" if saved.strip() in ("1", "true") else "FALSE"
        elif kind == "d":
            text = _iso(saved)
        else:
            text = saved
        if len(text) > MAX_CELL_TEXT:
            self.problems.add(Problem(
                "E-CELL-TOO-LONG", f"cell {_letters(column)}{number} holds "
                f"{len(text):,} characters; Excel's cells hold at most {MAX_CELL_TEXT:,}",
                file=self.name, row=number, column=_letters(column),
                value=text[:40] + "...", expected=f"at most {MAX_CELL_TEXT:,} characters"))
            self.refused = True
            return ""
        return text

    def _number(self, saved: str, style: str | None) -> str:
        kind = self.styles[int(style)] if style and int(style) < len(self.styles) else 0
        value: int | float
        try:
            value = int(saved)
        except ValueError:
            value = float(saved)
        if not kind:
            return str(value) if isinstance(value, int) else _text(value, False)
        if kind in (_DATE, _TIMEDELTA):
            from openpyxl.utils.datetime import from_excel

            try:
                return _text(from_excel(value, self.epoch, timedelta=kind == _TIMEDELTA),
                             False)
            except (OverflowError, ValueError):
                return "#VALUE!"  # a date beyond the calendar: shown as Excel shows it
        return _text(value, kind == _PERCENT)

    def table(self, title: str, header_row: int | None = None
              ) -> tuple[pd.DataFrame, np.ndarray, int] | None:
        """The header (see :func:`read_xlsx`) and the rows under it, laid out."""
        if self.refused:
            return None
        numbers = np.frombuffer(self.numbers, dtype=np.int64)
        counts = np.frombuffer(self.counts, dtype=np.int64)
        text = self._texts()
        start = self._header(title, numbers, counts, text, header_row)
        if start is None:
            return None
        # The rows above the header are dropped: the cells from the header's on.
        skip = int(counts[:start].sum())
        numbers, counts, text = numbers[start:], counts[start:], text[skip:]
        row = np.repeat(np.arange(len(numbers)), counts)
        column = np.frombuffer(self.columns, dtype=np.int64)[skip:]
        first = int(counts[0])
        width = int(column[:first].max()) + 1
        header = np.full(width, "", dtype=object)
        header[column[:first]] = text[:first]
        under = row > 0
        outside = np.flatnonzero(under & (column >= width))
        if len(outside):
            # The first value beyond the headed columns in each row that has one.
            _, firsts = np.unique(row[outside], return_index=True)
            room = max(self.problems.limit - self.problems.counts.get("E-CELL-UNHEADED", 0),
                       0)
            for at in outside[firsts[:room]]:
                letters = _letters(int(column[at]) + 1)
                line = int(numbers[row[at]])
                self.problems.add(Problem(
                    "E-CELL-UNHEADED", f"a value in cell {_cell(title, letters, line)}, "
                    f"and column {letters} has no header",
                    file=self.name, row=line, column=letters,
                    value=str(text[at]),
                    expected=f"values only under the {width} headed columns"))
            if len(firsts) > room:
                self.problems.counts["E-CELL-UNHEADED"] = (
                    self.problems.counts.get("E-CELL-UNHEADED", 0) + len(firsts) - room)
        inside = under & (column < width)
        body = np.unique(row[inside])
        if len(body) * width > MAX_SPARSITY * len(text) + (1 << 20):
            self.problems.add(Problem(
                "E-FILE-LIMIT", f"the sheet's {len(body):,} rows under a header of "
                f"{width:,} columns are almost all empty ({len(text):,} cells given)",
                file=self.name, row=int(numbers[0]),
                expected="a table whose rows fill most of its headed columns"))
            return None
        position = np.full(len(numbers), -1, dtype=np.int64)
        position[body] = np.arange(len(body))
        grid = np.full((len(body), width), "", dtype=object)
        grid[position[row[inside]], column[inside]] = text[inside]
        frame = pd.DataFrame(grid, columns=pd.Index(header, dtype=object), dtype=object)
        return frame, numbers[body], int(numbers[0])

    def _header(self, title: str, numbers: np.ndarray, counts: np.ndarray, text: np.ndarray,
                header_row: int | None) -> int | None:
        """The index (among the rows with a value) of the header row, or None (a problem)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if header_row is not None:
            at = np.flatnonzero(numbers == header_row)
            if not len(at):
                last = int(numbers[-1])
                self.problems.add(Problem(
                    "E-HEADER-ROW", f"row {header_row:,} of sheet {title!r} is empty"
                    + (f" (the sheet's last row with a value is row {last:,})"
                       if header_row > last else ""), file=self.name, row=header_row,
                    value=str(header_row), expected="a row of the sheet that holds the header"))
                return None
            return int(at[0])
        searched = min(len(numbers), HEADER_SEARCH)
        cells = int(counts[:searched].sum())
        rows = np.repeat(np.arange(searched), counts[:searched])
        # Arrow's kernels, not numpy's fixed-width strings: a long cell costs its length.
        spelt = pa.array(text[:cells], type=pa.large_string())
        named = np.asarray(pc.utf8_lower(pc.utf8_trim_whitespace(spelt)).to_numpy(
            zero_copy_only=False), dtype=object)
        has = [np.isin(np.arange(searched), rows[named == key]) for key in KEY_COLUMNS]
        found = np.flatnonzero(np.logical_and.reduce(has))
        start = int(found[0]) if len(found) else 0
        if start:
            skipped = numbers[:start]
            spelt = (f"row {int(skipped[0]):,}" if start == 1
                     else f"rows {int(skipped[0]):,}–{int(skipped[-1]):,}")
            self.problems.add(Problem(
                "W-ROWS-ABOVE-HEADER", f"{spelt} of sheet {title!r} skipped: the header is "
                f"row {int(numbers[start]):,}, the first to name "
                + " and ".join(KEY_COLUMNS), file=self.name, row=int(numbers[start]),
                value=str(text[0])))
        return start

    def _texts(self) -> np.ndarray:
        """Every cell's text, from the buffer, as an object array."""
        import pyarrow as pa

        ends = np.frombuffer(self.text_ends, dtype=np.int64)
        offsets = np.concatenate([np.zeros(1, dtype=np.int64), ends])
        spelt = pa.LargeStringArray.from_buffers(len(ends), pa.py_buffer(offsets),
                                                 pa.py_buffer(bytes(self.text_data)))
        return np.asarray(spelt.to_numpy(zero_copy_only=False), dtype=object)


def _cell(title: str, letters: str, row: int) -> str:
    """A cell as Excel's formulas name it: Returns!F7, 'Q1 data'!F7."""
    plain = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", title) is not None
    sheet = title if plain else "'" + title.replace("'", "''") + "'"
    return f"{sheet}!{letters}{row}"


def _formula(cell: Any) -> str:
    for part in cell:
        if _local(part.tag) == "f":
            return "=" + (part.text or "") if part.text else "(a shared formula)"
    return ""


def _iso(saved: str) -> str:
    """A cell stored as an ISO 8601 date (t="d")."""
    try:
        return _text(dt.datetime.fromisoformat(saved.strip()), False)
    except ValueError:
        return saved


def _text(value: object, percent: bool) -> str:
    """A cell as the text a person reads in it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        number = float(value)
        if percent:
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
