"""Content hashes for files and tables, as written into manifests."""

from __future__ import annotations

import hashlib
import io
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from perfassess.io.read import SourceTable, from_pandas, sorted_codes

# A decimal number as text: what is read back as the same double hashes the same.
_NUMBER = r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
_COLUMNS = ("authority_code", "period", "indicator", "value", "authority_name", "note")
# name: (columns, column that must be non-blank, distinct rows only)
_SECTIONS: dict[str, tuple[tuple[str, ...], str | None, bool]] = {
    "keys": (("authority_code", "period"), None, True),
    "values": (("authority_code", "period", "indicator", "value"), "value", False),
    "names": (("authority_code", "authority_name"), "authority_name", True),
    "notes": (("authority_code", "period", "indicator", "note"), "note", False),
}
LOGICAL_SECTIONS = tuple(_SECTIONS)
_BATCH = 1 << 20  # rows spelt out as text at a time: bounds the memory the hash needs
_TAIL = 1 << 16  # combinations of trailing columns' words spelt in advance, at the most


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()


def canonical_values(values: pl.Series) -> pl.Series:
    """Values as canonical text: numbers (written or stored) as the shortest text that reads
    back as the same double (``3``, ``3.0``, ``+3`` and 3 all become ``3``), other text with
    surrounding spaces removed, a missing (or stored non-finite) number as ``""``. Case is
    kept."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if values.dtype.is_numeric():
        number = values.cast(pl.Float64)
        text = pl.Series(values.name, [""] * len(values), dtype=pl.String)
    else:
        text = _trimmed(values)
        number = text.cast(pl.Float64, strict=False).set(~text.str.contains(_NUMBER), None)
    finite = number.is_finite().fill_null(False)
    # Arrow spells a double as the shortest text that reads back as it (3.0 as 3).
    spelt = pl.Series(pc.cast(pc.add(number.to_arrow(), 0.0), pa.string()))
    return pl.select(pl.when(finite).then(spelt).otherwise(text)).to_series().alias(values.name)


def _trimmed(values: pl.Series) -> pl.Series:
    return values.cast(pl.String).str.strip_chars().fill_null("")


def _escaped(words: pl.Series) -> pl.Series:
    """Backslash, tab and line breaks escaped, so fields and rows stay apart."""
    if not words.str.contains(r"[\\\t\n\r]").any():
        return words
    for old, new in (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r")):
        words = words.str.replace_all(old, new, literal=True)
    return words


def logical_sha256(tables: Iterable[Any]) -> str:
    """Hash of what long tables say, not how they are written.

    Each table (Polars, or pandas) has ``authority_code``, ``period``, ``indicator``,
    ``value`` and optionally ``authority_name`` and ``note`` (as ``io.read`` gives them from
    long or wide files). The hash covers four sorted sections: the authority-periods present;
    every non-blank value as (code, period, indicator, canonical text); every authority's
    non-blank name; every non-blank note as (code, period, indicator, note). A section is its
    ``[name]`` line, then its rows as lines (fields escaped and joined by tabs), sorted field
    by field in code-point order. So CSV or Parquet, long or wide, row and column order, and
    a blank cell versus an absent row do not change it.
    """
    return logical_hashes(list(tables))[1]


def logical_hashes(tables: Sequence[Any]) -> tuple[list[str], str]:
    """``logical_sha256`` of each table (a ``SourceTable``, or a Polars or pandas long
    table) and of all of them together."""
    sources = [_source(t) for t in tables]
    each = [_digest([t]) for t in sources]
    return each, each[0] if len(each) == 1 else _digest(sources)


def _source(table: Any) -> SourceTable:
    if isinstance(table, SourceTable):
        return table
    return SourceTable("", "long", table if isinstance(table, pl.DataFrame)
                       else from_pandas(table))


def _digest(tables: list[SourceTable]) -> str:
    """The hash of the tables' rows together: each column as codes into its sorted words
    (distinct escaped canonical texts), so rows sort as integers and only distinct texts are
    canonicalised; the sorted rows are spelt back batch by batch."""
    words: dict[str, pl.Series] = {}
    codes: dict[str, pl.Series] = {}
    for name in _COLUMNS:
        words[name], codes[name] = _encode(tables, name)
    frame = pl.DataFrame(codes)
    digest = hashlib.sha256()
    for name, (columns, required, distinct) in _SECTIONS.items():
        part = frame.select(columns)
        if required is not None:
            part = part.filter(pl.col(required) > 0)  # the blank is word 0
        # The trailing columns with few words between them (period, indicator, most values)
        # become one: a code per combination, whose words are spelt once, tabs included.
        head, tail = list(columns), list[str]()
        while len(head) > 1 and math.prod([len(words[c]) for c in [head[-1], *tail]]) <= _TAIL:
            tail.insert(0, head.pop())
        spelling = {c: words[c] for c in head}
        if tail:
            combined = pl.lit(0, pl.Int64)
            for c in tail:
                combined = combined * len(words[c]) + pl.col(c).cast(pl.Int64)
            part = part.select(*head, tail=combined)
            spelling["tail"] = _combinations(words, tail)
        part = part.sort(part.columns)
        if distinct and part.height:  # a sorted row that repeats the one before it
            changed = pl.any_horizontal(pl.col(c).diff().fill_null(1) != 0
                                        for c in part.columns)
            part = part.filter(changed)
        digest.update(f"[{name}]\n".encode())
        for start in range(0, part.height, _BATCH):
            batch = part.slice(start, _BATCH)
            spelt = pl.DataFrame([spelling[c].gather(batch[c]).alias(c) for c in part.columns])
            lines = io.BytesIO()
            spelt.write_csv(lines, include_header=False, separator="\t", quote_style="never")
            digest.update(lines.getbuffer())
    return "sha256:" + digest.hexdigest()


def _combinations(words: dict[str, pl.Series], columns: list[str]) -> pl.Series:
    """Every combination of the columns' words, in the order of their mixed-radix codes,
    joined by tabs."""
    grid = pl.DataFrame({"_": [0]})
    for c in columns:
        grid = grid.join(pl.DataFrame({c: words[c]}), how="cross")
    return grid.select(pl.concat_str(columns, separator="\t")).to_series()


def _encode(tables: list[SourceTable], name: str) -> tuple[pl.Series, pl.Series]:
    """One column of several tables as its sorted words (the blank first) and every row's
    code into them."""
    local: list[tuple[pl.Series, pl.Series]] = []
    for table in tables:
        part = table.table[name] if name in table.table.columns else None
        if part is None or part.null_count() == len(part):  # absent, or never filled in
            local.append((pl.Series([""]), pl.zeros(table.table.height, pl.UInt32, eager=True)))
            continue
        if name == "value" and part.dtype.is_numeric():
            # Non-finite numbers hash as blanks, after every finite one: inf sorts last.
            values = part.cast(pl.Float64) + 0.0  # -0 is 0
            values = values.set(~values.is_finite().fill_null(False), float("inf"))
            distinct, code = sorted_codes(values)
            distinct = distinct.filter(distinct.is_finite())
        elif name == "value":
            distinct, code = sorted_codes(part.cast(pl.String).fill_null(""))
        else:
            distinct, code = table.codes(name)
        spelt = canonical_values(distinct) if name == "value" else _trimmed(distinct)
        local.append((pl.concat([_escaped(spelt), pl.Series([""])]), code))
    words = pl.concat([pl.Series([""]), *(w for w, _ in local)]).unique().sort()
    codes = [words.search_sorted(w).cast(pl.UInt32).gather(c) for w, c in local]
    return words, pl.concat(codes) if codes else pl.Series([], dtype=pl.UInt32)
