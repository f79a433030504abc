"""Each area report's own figures as CSV: every area's file spelt in one whole-column pass.

The cells are neutralised as ``ratings.csv``'s are (:func:`io.spreadsheet.spreadsheet_safe`),
so a name or note that starts with ``=`` never runs as a formula when the file is opened.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from perfassess.io.spreadsheet import spreadsheet_safe
from perfassess.report.facts import PackFacts
from perfassess.report.tables import Tables

COLUMNS = ("authority_code", "authority_name", "period", "kind", "field", "title", "value",
           "unit", "national_percentile")
HEADER = ",".join(COLUMNS) + "\n"


def area_csvs(facts: PackFacts, tables: Tables, outputs: list[str]) -> list[str]:
    """One CSV text per ratings row: its rating, its ``outputs`` and the inputs its area
    report shows, one figure a line, as the report spells them."""
    n = len(tables.ratings)
    columns = tables.columns
    pack = facts.pack
    blank = np.full(n, "", dtype=object)
    everyone = np.ones(n, dtype=bool)
    # One block per figure: (kind, field, title, unit, values, percentiles, shown).
    blocks: list[tuple[str, str, str, str, np.ndarray, np.ndarray, np.ndarray]] = [
        ("rating", pack.rating.field, facts.title(pack.rating.field), "",
         np.asarray(columns["rating"], dtype=object), blank, everyone)]
    for name in outputs:
        blocks.append(("output", name, facts.title(name), facts.units.get(name, ""),
                       np.asarray(columns[name], dtype=object), blank, everyone))
    if tables.have_inputs:
        for spec in pack.inputs:
            entry = tables.inputs[spec.id]
            present = np.asarray(entry["present"], dtype=bool)
            na = np.asarray(entry["na"], dtype=bool)
            value = np.where(present, np.asarray(entry["text"], dtype=object),
                             np.where(na, "n/a", ""))
            distributed = np.asarray(entry["distributed"], dtype=bool)
            percentile = np.where(distributed, np.asarray(entry["percentile"]).astype(str),
                                  "").astype(object)
            blocks.append(("input", spec.id, facts.title(spec.id), facts.units.get(spec.id, ""),
                           value,
                           percentile, np.asarray(entry["shown"], dtype=bool)))
    k = len(blocks)
    # Area-major order: area i's lines are consecutive, its figures in block order.
    shown = np.stack([b[6] for b in blocks], axis=1)  # n x k
    keep = shown.reshape(-1)

    # A figure's kind, field, title and unit repeat on every area's file, and an area's
    # code, name and period on each of its lines: each such text is made safe and quoted
    # once, then taken where it goes.
    def per_area(values: list[object] | np.ndarray) -> pa.Array:
        spelt = _cells(pa.array(np.asarray(values, dtype=object).astype(str), type=pa.string()))
        return spelt.take(pa.array(np.repeat(np.arange(n), k)[keep]))

    def per_block(index: int) -> pa.Array:
        spelt = _cells(pa.array([b[index] for b in blocks], type=pa.string()))
        return spelt.take(pa.array(np.tile(np.arange(k), n)[keep]))

    def cells(index: int) -> pa.Array:
        return _cells(pa.array(np.stack([b[index] for b in blocks], axis=1).reshape(-1)[keep]
                               .astype(str), type=pa.string()))

    names = np.asarray(columns["authority_name"], dtype=object)
    names = np.where(pd.isna(names), "", names)
    lines = pc.binary_join_element_wise(
        per_area(columns["authority_code"]), per_area(names), per_area(columns["period"]),
        per_block(0), per_block(1), per_block(2), cells(4), per_block(3), cells(5), ",")
    # Each line with its newline (joined to an empty text by one), so that an area's file
    # is its lines run together.
    spelt = pc.binary_join_element_wise(lines, "", "\n").to_pylist() if len(lines) else []
    starts = np.concatenate([[0], np.cumsum(shown.sum(axis=1))]).astype(np.int64).tolist()
    return [HEADER + "".join(spelt[a:b]) for a, b in pairwise(starts)]


def _cells(texts: pa.Array) -> pa.Array:
    """Texts as CSV cells: formulas neutralised, then quoted where need be."""
    safe = spreadsheet_safe(pa.table({"text": texts})).column(0).combine_chunks()
    return _quoted(safe)


def _quoted(column: pa.Array) -> pa.Array:
    """A text column as CSV cells: quoted, its quotes doubled, where it holds a comma, a
    quote or a line break; as it is otherwise."""
    needs = pc.match_substring_regex(column, r'[",\r\n]')
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(column, '"', '""'), '"', "")
    return pc.if_else(needs, quoted, column)
