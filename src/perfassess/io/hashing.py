"""Content hashes for files and tables, as written into manifests."""

from __future__ import annotations

import hashlib
import math
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# A decimal number as text: what is read back as the same double hashes the same.
_NUMBER = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"
LOGICAL_SECTIONS = ("keys", "values", "names", "notes")
T = TypeVar("T")
U = TypeVar("U")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()


def canonical_text(values: pd.Series) -> pd.Series:
    """Values as canonical text: numbers (written or stored) as the shortest text that reads
    back as the same double (``3``, ``3.0``, ``+3`` and 3 all become ``3``), other text with
    surrounding spaces removed, a missing value as ``""``. Case is kept.
    """
    return pd.Series(_canonical_values(values).to_pylist(), index=values.index, dtype=object)


def _canonical_values(values: pd.Series) -> pa.Array:
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
            values.dtype):
        number = pa.array(pd.to_numeric(values, errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan), from_pandas=True)
        return pc.fill_null(_shortest(number), "")
    text = _text(values)
    numeric = pc.match_substring_regex(text, _NUMBER)
    parsed = pc.if_else(numeric, text, pa.scalar(None, pa.string()))
    number = pc.cast(parsed, pa.float64())
    return pc.if_else(pc.fill_null(pc.is_finite(number), False), _shortest(number), text)


def _shortest(number: pa.Array) -> pa.Array:
    """Each double as the shortest text that reads back as it (``-0`` as ``0``); NaN as null."""
    finite = pc.if_else(pc.fill_null(pc.is_finite(number), False), pc.add(number, 0.0),
                        pa.scalar(None, pa.float64()))
    return pc.cast(finite, pa.string())


def _text(values: pd.Series) -> pa.Array:
    """Any column as trimmed text, missing as ""."""
    try:
        array = pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        array = pa.array(values.where(values.notna(), "").astype(str), type=pa.string())
    return pc.utf8_trim_whitespace(pc.fill_null(array, ""))


def logical_sha256(tables: Iterable[pd.DataFrame]) -> str:
    """Hash of what long tables say, not how they are written.

    Each table has ``authority_code``, ``period``, ``indicator``, ``value`` and optionally
    ``authority_name`` and ``note`` (as ``io.read`` produces them from long or wide files).
    The hash covers four sorted sections: the authority-periods present; every non-blank
    value as (code, period, indicator, canonical text); every authority's non-blank name;
    every non-blank note as (code, period, indicator, note). A section is its ``[name]``
    line, then its rows as lines (fields escaped and joined by tabs), sorted field by field
    in code-point order. So CSV or Parquet, long or wide, row and column order, and a blank
    cell versus an absent row do not change it.
    """
    return logical_hashes(list(tables))[1]


def logical_hashes(tables: list[pd.DataFrame]) -> tuple[list[str], str]:
    """``logical_sha256`` of each table and of all of them together, encoding once."""
    coded, words = _encode(tables)
    each = [_digest([table], words) for table in coded]
    return each, each[0] if len(each) == 1 else _digest(coded, words)


_COLUMNS = ("authority_code", "period", "indicator", "value", "authority_name", "note")
_SECTIONS: dict[str, tuple[tuple[str, ...], str | None, bool]] = {
    # name: (columns, column that must be non-blank, distinct rows only)
    "keys": (("authority_code", "period"), None, True),
    "values": (("authority_code", "period", "indicator", "value"), "value", False),
    "names": (("authority_code", "authority_name"), "authority_name", True),
    "notes": (("authority_code", "period", "indicator", "note"), "note", False),
}
_BATCH = 1 << 20  # rows spelt out as text at a time: bounds the memory the hash needs
_RADIX_LIMIT = 1 << 62  # rows sort as one integer while every column's codes fit in one

# Codes per column of each table: an unsigned integer per row into the column's ``words``.
_Coded = dict[str, np.ndarray]


def _encode(tables: list[pd.DataFrame]) -> tuple[list[_Coded], dict[str, pa.Array]]:
    """Every column of every table as codes into the column's distinct canonical texts,
    sorted in code-point order with the blank first (code 0): rows then sort as integers,
    and only distinct texts are ever canonicalised, escaped or compared."""
    coded: list[_Coded] = [{} for _ in tables]
    words: dict[str, pa.Array] = {}
    for name in _COLUMNS:
        local = [_local_codes(table, name) for table in tables]
        if len(local) == 1 and _sorted_words(local[0][1]):
            # Already distinct, sorted, the blank last: the words are its blank, then it
            # (the usual case for a Parquet file written in authority order).
            codes, dictionary = local[0]
            words[name] = pa.concat_arrays([dictionary[-1:], dictionary[:-1]])
            shift = np.arange(1, len(dictionary) + 1, dtype=_narrowest(len(dictionary)))
            shift[-1] = 0
            coded[0][name] = shift[codes]
            continue
        texts = pa.concat_arrays([pa.array([""], type=pa.string()),
                                  *(dictionary for _, dictionary in local)])
        distinct = pc.unique(texts)
        words[name] = pc.take(distinct, pc.sort_indices(distinct))
        for i, (codes, dictionary) in enumerate(local):
            position = pc.index_in(dictionary, value_set=words[name])
            coded[i][name] = np.asarray(position.to_numpy(zero_copy_only=False),
                                        dtype=_narrowest(len(words[name])))[codes]
    return coded, words


def _narrowest(words: int) -> np.dtype[Any]:
    """The smallest unsigned type for codes into ``words`` texts: a code per row of the
    returns, so at millions of rows a byte or two instead of eight matters."""
    return np.min_scalar_type(max(words - 1, 0))


def _sorted_words(dictionary: pa.Array) -> bool:
    """Whether a column's dictionary is its distinct non-blank texts in code-point order,
    then the blank (as ``_local_codes`` ends every dictionary)."""
    body = dictionary[:-1]
    if len(body) == 0:
        return True
    return bool(pc.all(pc.greater(body[:1], "")).as_py()) and (
        len(body) < 2 or bool(pc.all(pc.less(body[:-1], body[1:])).as_py()))


def _local_codes(table: pd.DataFrame, name: str) -> tuple[np.ndarray, pa.Array]:
    """One column as codes into a dictionary of its canonical, escaped texts; a missing
    value gets the dictionary's extra last entry, the blank."""
    n = len(table)
    blank = pa.array([""], type=pa.string())
    if name not in table.columns:
        return np.zeros(n, dtype=np.int8), blank
    column = table[name]
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy()
        uniques = pd.Series(column.cat.categories)  # left in Arrow when they are there
    else:
        try:
            array = pa.array(column, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            array = pa.array(column.where(column.notna(), "").astype(str), type=pa.string())
        if isinstance(array, pa.ChunkedArray):  # an Arrow-backed pandas column
            array = array.combine_chunks()
        if array.null_count == len(array):  # a column never filled in (names, notes)
            return np.zeros(n, dtype=np.int8), blank
        encoded = pc.dictionary_encode(array)
        codes = encoded.indices.fill_null(-1).to_numpy()
        uniques = encoded.dictionary.to_pandas()
    if len(codes) and codes.min() < 0:
        codes = np.where(codes < 0, len(uniques), codes)
    texts = _canonical_values(uniques) if name == "value" else _text(uniques)
    return codes, pa.concat_arrays([_escaped(texts), blank])


def _digest(tables: list[_Coded], words: dict[str, pa.Array]) -> str:
    codes = {name: tables[0][name] if len(tables) == 1 else
             np.concatenate([t[name] for t in tables]) for name in _COLUMNS}
    digest = hashlib.sha256()
    for name in LOGICAL_SECTIONS:
        columns, required, distinct = _SECTIONS[name]
        part = [codes[c] for c in columns]
        if required is not None:
            kept = codes[required] > 0
            if not kept.all():
                part = [c[kept] for c in part]
        digest.update(f"[{name}]\n".encode())
        spelling = _Spelling([words[c] for c in columns])
        batches = _sorted_rows(part, [len(words[c]) for c in columns], distinct)
        for lines in _in_order(spelling.lines, batches):
            digest.update(lines)
    return "sha256:" + digest.hexdigest()


def _in_order(function: Callable[[T], U], items: Iterable[T], workers: int = 2
              ) -> Iterator[U]:
    """``function`` of each item, made on ``workers`` threads, yielded in order; at most
    ``workers`` results wait, so memory stays bounded.

    Spelling a batch (Arrow) and hashing another (hashlib) both run without the GIL, so on
    several cores the spelling and the hash overlap instead of taking turns.
    """
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: deque[Future[U]] = deque()
        for item in items:
            pending.append(pool.submit(function, item))
            if len(pending) > workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _sorted_rows(columns: list[np.ndarray], sizes: list[int], distinct: bool
                 ) -> Iterable[list[np.ndarray]]:
    """The rows' codes in sorted order (``distinct``: repeats dropped), in batches."""
    n = len(columns[0])
    if n == 0:
        return
    if math.prod(sizes) < _RADIX_LIMIT:
        key = columns[0].astype(np.int64)
        for column, size in zip(columns[1:], sizes[1:], strict=True):
            key *= size
            key += column
        if bool(np.all(key[1:] >= key[:-1])):
            # Already in order (a file written in authority order): the rows' own codes are
            # the sorted rows, with no sort and no unpacking of keys (1-2 s at 18M rows).
            if distinct:
                first = np.concatenate(([True], key[1:] != key[:-1]))
                columns = [c[first] for c in columns]
            del key
            for start in range(0, len(columns[0]), _BATCH):
                yield [c[start:start + _BATCH] for c in columns]
            return
        # Stable sort: returns mostly come sorted by authority, which timsort finds in O(n).
        key = np.sort(key, kind="stable")
        if distinct:
            key = key[np.concatenate(([True], key[1:] != key[:-1]))]
        for start in range(0, len(key), _BATCH):
            yield _digits(key[start:start + _BATCH], sizes)
        return
    order = np.lexsort(columns[::-1])
    ordered = [c[order] for c in columns]
    if distinct:
        changed = np.zeros(n, dtype=bool)
        changed[0] = True
        for c in ordered:
            changed[1:] |= c[1:] != c[:-1]
        ordered = [c[changed] for c in ordered]
    for start in range(0, len(ordered[0]), _BATCH):
        yield [c[start:start + _BATCH] for c in ordered]


def _digits(key: np.ndarray, sizes: list[int]) -> list[np.ndarray]:
    """Mixed-radix keys back into one code per column."""
    out = []
    for size in reversed(sizes):
        key, digit = np.divmod(key, size)
        out.append(digit)
    return out[::-1]


class _Spelling:
    """Rows of codes spelt as lines: fields joined by tabs, each row ending in a newline.

    The trailing columns with few distinct texts (period, indicator, most values) are spelt
    once for every combination of them, newline included, so a row costs one join of a few
    texts instead of one per field and another for the newline.
    """

    TAIL_LIMIT = 1 << 16  # combinations spelt in advance, at the most

    def __init__(self, words: list[pa.Array]) -> None:
        self.words = words
        start, size = len(words) - 1, len(words[-1])
        while start > 0 and size * len(words[start - 1]) <= self.TAIL_LIMIT:
            start -= 1
            size *= len(words[start])
        self.start = start
        self.sizes = [len(w) for w in words[start:]]
        grid = np.indices(self.sizes).reshape(len(self.sizes), -1)
        fields = [pc.take(w, pa.array(g)) for w, g in zip(words[start:], grid, strict=True)]
        joined = fields[0] if len(fields) == 1 else pc.binary_join_element_wise(*fields, "\t")
        self.tail = pc.binary_join_element_wise(joined, pa.scalar("", pa.string()), "\n")

    def lines(self, rows: list[np.ndarray]) -> bytes | memoryview:
        combination = np.zeros(len(rows[0]), dtype=np.int64)
        for column, size in zip(rows[self.start:], self.sizes, strict=True):
            combination *= size
            combination += column
        fields = [pc.take(w, pa.array(r)) for w, r in zip(self.words[:self.start],
                                                         rows[:self.start], strict=True)]
        tail = pc.take(self.tail, pa.array(combination))
        text = pc.binary_join_element_wise(*fields, tail, "\t") if fields else tail
        offsets = np.frombuffer(text.buffers()[1], dtype=np.int32)
        start, stop = int(offsets[text.offset]), int(offsets[text.offset + len(text)])
        data = text.buffers()[2]
        return memoryview(data)[start:stop] if data is not None else b""


def _escaped(column: pa.Array) -> pa.Array:
    """Backslash, tab and line breaks escaped, so fields and rows stay apart."""
    if not pc.any(pc.match_substring_regex(column, r"[\\\t\n\r]")).as_py():
        return column
    for old, new in (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r")):
        column = pc.replace_substring(column, old, new)
    return column
