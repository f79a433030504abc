"""take_attributes: the first value given in file order, one row per authority and period
sorted as text, whatever order or dtype the keys arrive in."""

from __future__ import annotations

import pandas as pd

from perfassess.core.problems import Problems
from perfassess.io.read import SourceTable
from perfassess.packs import load_pack
from perfassess.validate.attributes import take_attributes


def _long(file: str, rows: list[tuple[str, str, str, str]]) -> SourceTable:
    codes, periods, indicators, values = (list(c) for c in zip(*rows, strict=True))
    table = pd.DataFrame({
        "authority_code": codes,
        # Categories in first-seen order, which is not the text order.
        "period": pd.Categorical(periods, categories=list(dict.fromkeys(periods))),
        "indicator": pd.Categorical(indicators),
        "value": values, "authority_name": None, "note": None,
        "_line": range(2, 2 + len(rows)), "_column": "value"})
    return SourceTable(file=file, layout="long", table=table)


def test_first_value_in_file_order_kept_rows_sorted_and_other_rows_left() -> None:
    problems = Problems()
    first = _long("a.csv", [("X2", "2025", "region", " North "), ("X1", "2025", "region", ""),
                            ("X1", "2024", "region", "South"), ("X1", "2024", "s1", "3")])
    second = _long("b.csv", [("X1", "2025", "region", "East"),
                             ("X1", "2024", "region", "West"), ("X2", "2025", "kind", "UA")])
    tables, wide = take_attributes([first, second], ["region", "kind", "county"],
                                   load_pack("cqc-la-2024").pack, problems)
    assert wide is not None
    assert wide.to_dict("records") == [
        {"authority_code": "X1", "period": "2024", "region": "South", "kind": "", "county": ""},
        {"authority_code": "X1", "period": "2025", "region": "East", "kind": "", "county": ""},
        {"authority_code": "X2", "period": "2025", "region": "North", "kind": "UA",
         "county": ""}]
    assert [list(t.table["indicator"].astype(str)) for t in tables] == [["s1"], []]
    found = [(p.code, p.file, p.row, p.value, p.expected) for p in problems]
    assert found == [("W-ATTRIBUTE-CONFLICT", "b.csv", 3, "West", "South"),
                     ("W-ATTRIBUTE-MISSING", None, None, "county", "a column county")]
