"""The trace spelt a batch at a time: the same table, texts and Parquet bytes as all at once."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from perfassess.engine.fields import (
    BOOLEAN,
    INTEGER,
    NUMBER,
    TEXT,
    FieldType,
    Spelt,
    format_values,
    label_type,
    spell,
)
from perfassess.engine.frame import TRACE_COLUMNS, Trace, TraceChunk
from perfassess.io.write import ROW_GROUP, write_parquet
from tests.conftest import run_long
from tests.unit.test_steps import limit_pack

NAN = float("nan")


@pytest.mark.parametrize(("values", "ftype", "expected"), [
    ([1.5, NAN, -0.0, 0.0, 1.5, 1e20], NUMBER, ["1.5", "", "-0", "0", "1.5", "1e+20"]),
    ([3.0, NAN, -2.0, 3.0], INTEGER, ["3", "", "-2", "3"]),
    ([1.0, 0.0, NAN], BOOLEAN, ["true", "false", ""]),
    ([2.0, NAN, 0.0], label_type("grades", ("Poor", "Fair", "Good")), ["Good", "", "Poor"]),
])
def test_spelt_codes_give_the_texts_format_values_gives(values: list[float], ftype: FieldType,
                                                          expected: list[str]) -> None:
    spelt = spell(np.array(values), ftype)
    assert list(spelt.text()) == expected == list(format_values(np.array(values), ftype))
    assert len(spelt.words) <= len(values) + 1  # each distinct value spelt once


def test_text_fields_are_spelt_as_given_with_missing_as_empty() -> None:
    assert list(spell(np.array(["a", None, "b"], dtype=object), TEXT).text()) == ["a", "", "b"]


def test_where_puts_a_word_in_place_of_the_masked_values() -> None:
    spelt = spell(np.array([1.0, 2.0, 1.0]), NUMBER).where(np.array([False, True, False]), "n/a")
    assert list(spelt.text()) == ["1", "n/a", "1"]


def _trace() -> tuple[Trace, pd.DataFrame]:
    """Chunks with every kind of text part, out of the frame's row order."""
    keys = pd.DataFrame({"authority_code": ["A", "B", "C", "D"], "period": ["1", "1", "2", "2"]})
    trace = Trace()
    status = np.array([0, 1, 2], dtype=np.int8)
    trace.add(TraceChunk(np.array([3, 0, 2]), "s1", "x",
                         Spelt(np.array([1, 0, 1]), np.array(["p", "q"], dtype=object)),
                         "r1", status, np.array(["why", "not", "why"], dtype=object), "value",
                         {"from_value": pa.array(["f1", "f2", "f3"], pa.large_string())}))
    trace.add(TraceChunk(np.array([1, 3]), "s2", "y", np.array(["v", None], dtype=object),
                         np.array(["a", "b"], dtype=object), status[:2], "same", "row_fired"))
    return trace, keys


def test_batches_of_any_size_make_the_whole_trace_in_row_then_step_order() -> None:
    trace, keys = _trace()
    whole = trace.to_table(keys)
    assert whole.column_names == list(TRACE_COLUMNS)
    assert whole.to_pylist()[:3] == [
        dict(zip(TRACE_COLUMNS, row, strict=True)) for row in [
            ("A", "1", 0, "s1", "x", "p", "r1", "reconstructed", "not", "value", "", "f2", "",
             ""),
            ("B", "1", 1, "s2", "y", "v", "a", "documented", "same", "row_fired", "", "", "",
             ""),
            ("C", "2", 0, "s1", "x", "q", "r1", "illustrative", "why", "value", "", "f3", "",
             "")]]
    assert whole.to_pylist()[4]["value"] is None  # a missing text stays missing
    assert {whole.schema.field(c).type for c in TRACE_COLUMNS if c != "seq"} == {
        pa.large_string()}
    for rows in (1, 2, 4, 100):
        parts = list(trace.batches(keys, rows))
        assert all(p.num_rows == rows for p in parts[:-1])
        assert pa.concat_tables(parts).equals(whole)


def test_an_empty_trace_is_a_table_of_the_trace_columns() -> None:
    table = Trace().to_table(pd.DataFrame({"authority_code": [], "period": []}))
    assert table.column_names == list(TRACE_COLUMNS) and table.num_rows == 0


def test_the_pandas_trace_is_the_written_table(tmp_path: Path) -> None:
    result = run_long(limit_pack(), [("A", "2001", "j", "Yes"), ("A", "2001", "s", 35),
                                     ("A", "2001", "n", 50)])
    assert result.trace.equals(result.trace_table.to_pandas())
    write_parquet(result.evaluation.trace_batches(ROW_GROUP), tmp_path / "streamed.parquet")
    write_parquet(result.trace, tmp_path / "whole.parquet")
    assert _sha(tmp_path / "streamed.parquet") == _sha(tmp_path / "whole.parquet")


def test_parts_of_a_row_group_each_write_the_bytes_of_the_whole_table(tmp_path: Path) -> None:
    n = 2 * ROW_GROUP + 5
    table = pa.table({"i": pa.array(np.arange(n) % 7),
                      "t": pa.array(np.array(["a", "bb", "c"], dtype=object)[np.arange(n) % 3],
                                    pa.large_string())})
    write_parquet(table, tmp_path / "whole.parquet")
    rows = write_parquet((table.slice(s, ROW_GROUP) for s in range(0, n, ROW_GROUP)),
                         tmp_path / "parts.parquet")
    assert rows == n
    assert _sha(tmp_path / "parts.parquet") == _sha(tmp_path / "whole.parquet")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
