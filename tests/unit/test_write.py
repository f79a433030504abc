"""Results files: CSV written a slice at a time on several threads is the one-pass file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from perfassess.io.write import write_csv, write_csv_and_parquet, write_parquet


def awkward(rows: int) -> pd.DataFrame:
    """Texts that need quoting, missing values, floats with long spellings, categories."""
    rng = np.random.default_rng(7)
    names = np.array(['Plain', 'With, comma', 'With "quote"', 'Line\nbreak', '', None],
                     dtype=object)
    return pd.DataFrame({
        "authority_code": [f"E{i:07d}" for i in range(rows)],
        "authority_name": names[rng.integers(0, len(names), rows)],
        "score": np.where(rng.random(rows) < 0.2, np.nan, rng.random(rows) * 100 / 3),
        "rating": pd.Categorical(rng.choice(["Good", "Poor", None], rows),
                                 categories=["Poor", "Good"], ordered=True),
        "count": rng.integers(-5, 5, rows),
    })


@pytest.mark.parametrize("rows", [0, 1, 7, 8, 9, 50])
def test_slices_on_threads_write_the_one_pass_files(tmp_path: Path, rows: int) -> None:
    frame = awkward(rows)
    write_csv(frame, tmp_path / "one.csv")
    write_parquet(frame, tmp_path / "one.parquet")
    # Slices of 8 rows: boundaries fall inside the table, at its end, and past it.
    write_csv_and_parquet(frame, tmp_path / "many.csv", tmp_path / "many.parquet",
                          rows_at_a_time=8)
    one = (tmp_path / "one.csv").read_bytes()
    assert (tmp_path / "many.csv").read_bytes() == one
    assert one.count(b'"authority_code"') == 1  # one header, whatever the slices
    assert (tmp_path / "many.parquet").read_bytes() == (tmp_path / "one.parquet").read_bytes()
    assert pq.read_table(tmp_path / "many.parquet").num_rows == rows
