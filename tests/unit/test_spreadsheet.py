"""CSV cells a spreadsheet would run as formulas get a leading quote; Parquet stays exact."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from perfassess.io.spreadsheet import original_text, spreadsheet_safe
from perfassess.io.write import write_csv, write_csv_and_parquet

HOSTILE = ["=cmd|' /C calc'!A0", '+HYPERLINK("http://x")', "@SUM(A1)", "-2+3", "\tx", "\rx",
           "\uff1d1+1", "-", "'=already quoted"]
PLAIN = ["-2", "-0.5", "+3", "-1e5", "Hartlepool", "", "'t Hooft", "a=b", " =1"]


def test_formula_text_is_quoted_and_plain_text_and_numbers_are_not() -> None:
    table = pa.table({"name": HOSTILE + PLAIN})
    safe = spreadsheet_safe(table)["name"].to_pylist()
    assert safe == ["'" + v for v in HOSTILE] + PLAIN


def test_number_columns_keep_their_negative_numbers() -> None:
    table = pa.table({"change": pa.array([-2, 3, -1], pa.int64()),
                      "score": pa.array([-0.5, None, 2.5]),
                      "name": ["-2+3", "a", None]})
    safe = spreadsheet_safe(table)
    assert safe["change"].equals(table["change"]) and safe["score"].equals(table["score"])
    assert safe["name"].to_pylist() == ["'-2+3", "a", None]


def test_a_dictionary_column_is_quoted_through_its_dictionary() -> None:
    names = pa.array(["=1+1", "ok", "=1+1", None]).dictionary_encode()
    safe = spreadsheet_safe(pa.table({"rating": names}))["rating"]
    assert pa.types.is_dictionary(safe.type)
    assert safe.to_pylist() == ["'=1+1", "ok", "'=1+1", None]


def test_a_table_with_nothing_to_quote_is_returned_as_it_is() -> None:
    table = pa.table({"name": ["Hartlepool", "-2"], "n": [1, -2],
                      "rating": pa.array(["Good", "Good"]).dictionary_encode()})
    assert spreadsheet_safe(table) is table


def test_the_quoting_is_undone_exactly() -> None:
    values = HOSTILE + PLAIN + ["''=a", "'-2", "'"]
    csv_text = spreadsheet_safe(pa.table({"v": values}))["v"].to_pylist()
    assert original_text(pd.Series(csv_text, dtype=object)).tolist() == values


@pytest.mark.parametrize("both", [True, False])
def test_the_csv_is_safe_and_the_parquet_exact(tmp_path: Path, both: bool) -> None:
    frame = pd.DataFrame({"authority_name": HOSTILE + PLAIN,
                          "rating_change": range(-9, len(HOSTILE + PLAIN) - 9)})
    csv_path, parquet_path = tmp_path / "ratings.csv", tmp_path / "ratings.parquet"
    if both:
        write_csv_and_parquet(frame, csv_path, parquet_path, rows_at_a_time=4)
        assert pq.read_table(parquet_path)["authority_name"].to_pylist() == HOSTILE + PLAIN
    else:
        write_csv(frame, csv_path)
    with open(csv_path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert [r[0] for r in rows[1:]] == ["'" + v for v in HOSTILE] + PLAIN
    assert [r[1] for r in rows[1:]] == [str(n) for n in frame["rating_change"]]
    assert b"\n-9\n" not in csv_path.read_bytes() and b",-9\n" in csv_path.read_bytes()
