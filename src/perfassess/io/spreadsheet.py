"""Text cells a spreadsheet would run as formulas, neutralised with a leading quote for CSV."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

# What makes Excel, LibreOffice and Google Sheets read a cell as a formula (or, for tab and
# carriage return, hide a formula after them): OWASP's list, and the full-width forms that
# East Asian input methods turn into the same characters.
TRIGGERS = "=+-@\t\r\uff1d\uff0b\uff0d\uff20"
# Quotes already in front count too ('=x becomes ''=x), so the quoting can be undone exactly.
_STARTS = r"^'*[=+\-@\t\r\x{FF1D}\x{FF0B}\x{FF0D}\x{FF20}]"  # TRIGGERS, for RE2
_QUOTED = "^'+[" + re.escape(TRIGGERS) + "]"  # a cell spreadsheet_safe quoted
# A plain number a spreadsheet reads as that number, never as a formula: -2, +3, -0.5, -1e5.
_NUMBER = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
QUOTE = "'"


def spreadsheet_safe(table: pa.Table) -> pa.Table:
    """``table`` with every text cell that starts with a formula character (after any
    quotes) prefixed by ``'``, unless it is a plain number such as ``-2``; number columns
    and other cells untouched. :func:`original_text` undoes it.

    Whole columns at a time (Arrow's compute kernels); a column with nothing to change, the
    usual case, is returned as it is, and a dictionary column changes its dictionary only.
    """
    for i, column in enumerate(table.columns):
        safe = _safe_column(column)
        if safe is not column:
            table = table.set_column(i, table.schema.field(i), safe)
    return table


def _safe_column(column: pa.ChunkedArray) -> pa.ChunkedArray:
    import pyarrow as pa

    kind = column.type
    if pa.types.is_dictionary(kind):
        if not _is_text(kind.value_type):
            return column
        old = column.chunks  # Arrow makes new wrappers on each access: keep these
        chunks = [_safe_dictionary(chunk) for chunk in old]
        if all(a is b for a, b in zip(chunks, old, strict=True)):
            return column
        return pa.chunked_array(chunks, type=kind)
    if not _is_text(kind):
        return column
    safe = _safe_text(column)
    return column if safe is None else safe


def _safe_dictionary(chunk: pa.DictionaryArray) -> pa.DictionaryArray:
    import pyarrow as pa

    safe = _safe_text(chunk.dictionary)
    if safe is None:
        return chunk
    return pa.DictionaryArray.from_arrays(chunk.indices, safe)


def _safe_text(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray | None:
    """The values with the risky ones quoted, or None when none is risky."""
    import pyarrow.compute as pc

    starts = pc.fill_null(pc.match_substring_regex(values, _STARTS), False)
    if not pc.any(starts).as_py():
        return None
    risky = pc.and_(starts, pc.invert(pc.fill_null(pc.match_substring_regex(values, _NUMBER),
                                                   False)))
    if not pc.any(risky).as_py():
        return None
    return pc.if_else(risky, pc.utf8_replace_slice(values, start=0, stop=0,
                                                   replacement=QUOTE), values)


def original_text(column: pd.Series) -> pd.Series:
    """A column of a CSV written through :func:`spreadsheet_safe`, read as text, as it
    was before: the one quote put in front of a formula character taken off again."""
    quoted = column.str.match(_QUOTED)
    return column.where(~quoted, column.str.slice(1))


def _is_text(kind: pa.DataType) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))
