"""Inputs published under another name: the file's column (or long indicator) read as the
input the pack declares, so a file scores as downloaded."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from perfassess.io.read import SourceTable
from perfassess.spec.pack import Pack


def published_names(tables: list[SourceTable], pack: Pack) -> list[SourceTable]:
    """The tables with each input's published name (``column:``) read as its id; values
    fed from other packs already carry ids. Locations still name the file's column."""
    names = {spec.column: spec.id for spec in pack.inputs if spec.column is not None}
    if not names:
        return tables
    out = []
    for source in tables:
        indicator = source.table["indicator"]
        if source.derived or not indicator.isin(list(names)).any():
            out.append(source)
            continue
        table = source.table.copy()
        table["indicator"] = _renamed(indicator, names)
        out.append(replace(source, table=table))
    return out


def _renamed(indicator: pd.Series, names: dict[str, str]) -> pd.Series:
    """Published names replaced by ids; a categorical column keeps its codes (its
    categories are renamed), unless a file holds both a name and its id."""
    if isinstance(indicator.dtype, pd.CategoricalDtype):
        renamed = [names.get(c, c) for c in indicator.cat.categories]
        if len(set(renamed)) == len(renamed):
            return indicator.cat.rename_categories(renamed)
        indicator = indicator.astype(object)
    return indicator.replace(names)
