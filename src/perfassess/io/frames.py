"""In-memory tables (pandas, Polars, Arrow) read as returns, as a Parquet file's rows are."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from perfassess.core.problems import Problems
from perfassess.io.read import Layout, SourceTable, _as_text, _is_text_key, _to_long
from perfassess.narrow import int_type


def is_table(value: object) -> bool:
    """Whether ``value`` is a table perfassess can take as it is: a pandas DataFrame, a
    Polars DataFrame or LazyFrame, a pyarrow Table, or anything else with ``to_pandas()``
    or the Arrow stream interface (``__arrow_c_stream__``)."""
    return isinstance(value, pd.DataFrame) or _is_lazy(value) or any(
        callable(getattr(value, name, None)) for name in ("to_pandas", "__arrow_c_stream__"))


def as_pandas(table: Any) -> pd.DataFrame:
    """The table as a pandas DataFrame (a pandas one as it is: it is not modified)."""
    if isinstance(table, pd.DataFrame):
        return table
    if _is_lazy(table):
        table = table.collect()
    if callable(getattr(table, "to_pandas", None)):
        frame = table.to_pandas()
    else:
        import pyarrow as pa

        frame = pa.table(table).to_pandas()
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{type(table).__name__}.to_pandas() gave no pandas DataFrame")
    return frame


def read_frame(table: Any, name: str, problems: Problems, layout: Layout | None = None
               ) -> SourceTable | None:
    """A table in the long or wide layout of an input file; rows are counted from 1 in the
    table's order (as a Parquet file's are), and structural problems name it ``name``."""
    frame = as_pandas(table)
    if any(level is not None for level in frame.index.names):
        frame = frame.reset_index()  # keys kept in a named index are columns too
    else:
        frame = frame.copy(deep=False)  # columns are replaced below, never the caller's
    for column in frame.columns:
        if _is_text_key(column):
            frame[column] = _as_text(frame[column])
    lines: np.ndarray = np.arange(1, len(frame) + 1, dtype=int_type(len(frame), np.int32))
    return _to_long(frame, lines, None, name, problems, layout=layout)


def _is_lazy(value: object) -> bool:
    """A Polars LazyFrame (or the like): a query to ``collect()`` into a table."""
    return type(value).__module__.split(".")[0] == "polars" and callable(
        getattr(value, "collect", None))
