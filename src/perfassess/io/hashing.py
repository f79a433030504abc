"""Content hashes for files and tables, as written into manifests."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# A decimal number as text: what is read back as the same double hashes the same.
_NUMBER = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"
LOGICAL_SECTIONS = ("keys", "values", "names", "notes")


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
    every non-blank note as (code, period, indicator, note). So CSV or Parquet, long or wide,
    row and column order, and a blank cell versus an absent row do not change it.
    """
    return _hash_canonical([_canonical(t) for t in tables])


def logical_hashes(tables: list[pd.DataFrame]) -> tuple[list[str], str]:
    """``logical_sha256`` of each table and of all of them together, canonicalising once."""
    canonical = [_canonical(t) for t in tables]
    each = [_hash_canonical([c]) for c in canonical]
    return each, each[0] if len(each) == 1 else _hash_canonical(canonical)


_COLUMNS = ("authority_code", "period", "indicator", "value", "authority_name", "note")
_SECTIONS: dict[str, tuple[tuple[str, ...], str | None, bool]] = {
    # name: (columns, column that must be non-blank, distinct rows only)
    "keys": (("authority_code", "period"), None, True),
    "values": (("authority_code", "period", "indicator", "value"), "value", False),
    "names": (("authority_code", "authority_name"), "authority_name", True),
    "notes": (("authority_code", "period", "indicator", "note"), "note", False),
}


def _canonical(table: pd.DataFrame) -> pa.Table:
    """The table's fields as escaped canonical text, one Arrow column each."""
    columns = {}
    for name in _COLUMNS:
        if name not in table.columns:
            columns[name] = pa.array([""] * len(table), type=pa.string())
        elif name == "value":
            columns[name] = _escaped(_canonical_values(table[name]))
        else:
            columns[name] = _escaped(_text(table[name]))
    return pa.table(columns)


def _hash_canonical(tables: list[pa.Table]) -> str:
    empty = pa.table({c: pa.array([], type=pa.string()) for c in _COLUMNS})
    table = pa.concat_tables(tables) if tables else empty
    digest = hashlib.sha256()
    for name in LOGICAL_SECTIONS:
        columns, required, distinct = _SECTIONS[name]
        part = table
        if required is not None:
            part = part.filter(pc.not_equal(part[required], ""))
        digest.update(f"[{name}]\n".encode())
        digest.update(_sorted_lines([part[c] for c in columns], distinct))
    return "sha256:" + digest.hexdigest()


def _sorted_lines(columns: list[pa.ChunkedArray], distinct: bool) -> bytes:
    """Rows sorted field by field in code-point order (no locale), fields joined by tabs,
    each row ending in a newline, as one byte string; ``distinct`` drops repeated rows."""
    n = len(columns[0])
    if n == 0:
        return b""
    group = _row_groups(columns)
    order = np.argsort(group, kind="stable")
    if distinct:
        ordered = group[order]
        keep = np.ones(n, dtype=bool)
        keep[1:] = ordered[1:] != ordered[:-1]
        order = order[keep]
    rows = pc.binary_join_element_wise(*columns, "\t")
    rows = pc.binary_join_element_wise(rows, pa.scalar("", pa.string()), "\n")
    taken = pc.take(rows, pa.array(order))
    array = (taken.combine_chunks() if isinstance(taken, pa.ChunkedArray) else taken).cast(
        pa.large_string())
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)
    start, stop = int(offsets[array.offset]), int(offsets[array.offset + len(array)])
    data = array.buffers()[2]
    return data[start:stop].to_pybytes() if data is not None else b""


def _row_groups(columns: list[pa.ChunkedArray]) -> np.ndarray:
    """Each row's rank among the distinct rows, ordered field by field in code-point order.

    A field is looked at only for rows still tied on the fields before it, so a column of
    mostly distinct values (``value``) is rarely sorted as text at all.
    """
    n = len(columns[0])
    group = np.zeros(n, dtype=np.int64)
    for column in columns:
        tied = np.bincount(group)[group] > 1
        if not tied.any():
            break
        rows = np.flatnonzero(tied)
        rank = np.zeros(n, dtype=np.int64)
        rank[rows] = _ranks(pc.take(column, pa.array(rows)))
        _, group = np.unique(group * (int(rank.max()) + 1) + rank, return_inverse=True)
        group = group.astype(np.int64).reshape(-1)
    return group


def _ranks(column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Each value's position among the column's distinct values in code-point order."""
    encoded = pc.dictionary_encode(column)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    uniques = encoded.dictionary.to_pylist()
    rank = np.empty(len(uniques), dtype=np.int64)
    rank[sorted(range(len(uniques)), key=uniques.__getitem__)] = np.arange(len(uniques))
    indices = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    ranked: np.ndarray = np.take(rank, indices)
    return ranked


def _escaped(column: pa.Array) -> pa.Array:
    """Backslash, tab and line breaks escaped, so fields and rows stay apart."""
    if not pc.any(pc.match_substring_regex(column, r"[\\\t\n\r]")).as_py():
        return column
    for old, new in (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r")):
        column = pc.replace_substring(column, old, new)
    return column
