"""Attribute columns: text describing an authority (region, type), taken out of the returns
before they are read as indicators, and carried into the results."""

from __future__ import annotations

import fnmatch
from dataclasses import replace

import numpy as np
import pandas as pd

from perfassess.core.problems import Problem, Problems
from perfassess.io.read import SourceTable
from perfassess.spec.pack import Pack

RESERVED = ("authority_code", "authority_name", "period", "indicator", "value", "note",
            "rating", "rating_status", "rating_note")
KEYS = ["authority_code", "period", "attribute"]


def take_attributes(tables: list[SourceTable], names: list[str], pack: Pack,
                    problems: Problems) -> tuple[list[SourceTable], pd.DataFrame | None]:
    """The tables without the rows (a wide file's columns, a long file's indicators) of
    each attribute, and authority_code, period and a text column per attribute holding the
    first value given in file order (None when no attribute is declared).

    A name holding ``*``, ``?`` or ``[`` is a pattern (``*_DEN``): it stands for every
    column (a long file's indicator) it matches, each matched once by its name, not per row.
    """
    tables = list(tables)
    if not names:
        return tables, None
    names = _expand(tables, names, problems)
    clashes = {name: _clash(name, pack) for name in names}
    for name, what in clashes.items():
        if what:
            problems.add(Problem("E-ATTRIBUTE-CLASH", f"attribute {name!r} is {what}",
                                 value=name, expected="a column name of its own"))
    names = [name for name, what in clashes.items() if not what]
    parts: list[pd.DataFrame] = []
    present: set[str] = set()
    for k, source in enumerate(tables):
        if source.derived:
            continue
        t = source.table
        mine = t["indicator"].isin(names).to_numpy()
        if not mine.any():
            continue
        taken = t[mine]
        present.update(str(name) for name in taken["indicator"].unique())
        # Columns stay pandas columns (text stays text, keys stay categorical): no round
        # trip through Python objects for a file of many attributes.
        value = taken["value"]
        text = (value.astype(str) if not pd.api.types.is_string_dtype(value.dtype)
                or isinstance(value.dtype, pd.CategoricalDtype) else value)
        text = text.where(value.notna(), "").str.strip()
        given = (text != "").to_numpy()
        taken, text = taken[given], text[given]
        parts.append(pd.DataFrame({
            "authority_code": taken["authority_code"].to_numpy(),
            "period": taken["period"].array, "attribute": taken["indicator"].array,
            "value": text.array, "file": source.file, "line": taken["_line"].to_numpy(),
            "column": taken["_column"].array, "order": k}))
        tables[k] = replace(source, table=t[~mine].reset_index(drop=True))
    found = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        {c: pd.Series(dtype=object) for c in [*KEYS, "value", "file", "line", "column", "order"]})
    first = found
    if found.duplicated(KEYS).any():
        found = found.sort_values(["order", "line"], kind="stable")
        first = found.drop_duplicates(KEYS, keep="first")
        _conflicts(found, first, problems)
    for name in names:
        if name not in present:
            problems.add(Problem("W-ATTRIBUTE-MISSING", f"attribute {name!r} is declared but "
                                 "no file has it; its column in the results is empty",
                                 value=name, expected=f"a column {name}"))
    return tables, _spread(first, names)


def _spread(first: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """One row per authority and period (sorted as text), a text column per attribute name
    ('' where none is given): the pivot, done as one scatter into a grid."""
    keys = pd.MultiIndex.from_arrays([first["authority_code"], first["period"]])
    index = keys.unique()
    cells = np.full((len(index), len(names)), "", dtype=object)
    cells[index.get_indexer(keys), _codes(first["attribute"], names)] = (
        first["value"].to_numpy(dtype=object))
    wide = pd.DataFrame(cells, columns=names, dtype=object)
    wide.insert(0, "period", index.get_level_values(1).astype(str))
    wide.insert(0, "authority_code", index.get_level_values(0).astype(str))
    # A categorical key's level follows its categories, not the text: sort the few rows here.
    return wide.sort_values(["authority_code", "period"], kind="stable", ignore_index=True)


def _codes(values: pd.Series, names: list[str]) -> np.ndarray:
    """Each value's position in ``names`` (categorical values recoded, not spelt again)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.set_categories(names).cat.codes.to_numpy()
    return pd.Categorical(values.astype(str), categories=names).codes


def is_pattern(name: str) -> bool:
    return any(c in name for c in "*?[")


def _expand(tables: list[SourceTable], names: list[str], problems: Problems) -> list[str]:
    """The names with each pattern replaced by the columns it matches (in file order), a
    pattern that matches none warned of (W-ATTRIBUTE-MISSING)."""
    if not any(is_pattern(n) for n in names):
        return names
    seen: dict[str, None] = {}
    for source in tables:
        if source.derived:
            continue
        indicator = source.table["indicator"]
        distinct = (indicator.cat.categories if isinstance(indicator.dtype, pd.CategoricalDtype)
                    else pd.unique(indicator.astype(str)))
        seen.update(dict.fromkeys(str(c) for c in distinct))
    out: dict[str, None] = {}
    for name in names:
        if not is_pattern(name):
            out[name] = None
            continue
        matched = [c for c in seen if fnmatch.fnmatchcase(c, name)]
        if not matched:
            problems.add(Problem("W-ATTRIBUTE-MISSING", f"attribute pattern {name!r} matches "
                                 "no column of any file", value=name,
                                 expected=f"a column matching {name}"))
        out.update(dict.fromkeys(matched))
    return list(out)


def _clash(name: str, pack: Pack) -> str:
    """What else ``name`` already is ('' if nothing)."""
    if name in RESERVED:
        return "a column perfassess reads or writes"
    if pack.input(name) is not None:
        return "an input of the pack"
    return "an output of the pack" if name in pack.outputs else ""


def _conflicts(given: pd.DataFrame, first: pd.DataFrame, problems: Problems) -> None:
    """W-ATTRIBUTE-CONFLICT where a later row gives another value than the first."""
    if len(given) == len(first):  # every row is the first of its key: nothing to differ
        return
    joined = given.merge(first, on=KEYS, suffixes=("", "_first"))
    clash = joined[joined["value"] != joined["value_first"]]
    room = max(problems.limit - problems.counts.get("W-ATTRIBUTE-CONFLICT", 0), 0)
    for row in clash.head(room).to_dict("records"):
        problems.add(Problem(
            "W-ATTRIBUTE-CONFLICT",
            f"{row['attribute']} of {row['authority_code']} in {row['period']} is "
            f"{row['value']!r} here but {row['value_first']!r} at {row['file_first']}:"
            f"{row['line_first']}; the first is kept",
            file=str(row["file"]), row=int(row["line"]), column=str(row["column"]),
            value=str(row["value"]), expected=str(row["value_first"])))
    beyond = len(clash) - min(room, len(clash))
    if beyond:
        problems.counts["W-ATTRIBUTE-CONFLICT"] = (
            problems.counts.get("W-ATTRIBUTE-CONFLICT", 0) + beyond)
