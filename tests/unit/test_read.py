"""Reading files: line numbers as a text editor shows them, column names, unreadable files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from perfassess.core.problems import Problems
from perfassess.io import read
from perfassess.io.read import read_one, record_lines


@pytest.mark.parametrize(("raw", "lines"), [
    (b"h\na\nb\n", [1, 2, 3]),
    (b"h\r\na\r\n\r\nb", [1, 2, 4]),  # a blank CRLF line is counted, not a record
    (b'h\n"two\nlines",x\nc\n', [1, 2, 4]),  # a quoted line break does not end a record
    (b'h\n"say ""hi""\nthere",x\nc\n', [1, 2, 4]),  # escaped quotes count twice
    (b"\n\nh\na", [3, 4]),
])
def test_record_lines_count_like_a_text_editor(raw: bytes, lines: list[int]) -> None:
    assert list(record_lines(raw)) == lines


def test_column_names_are_trimmed_and_standard_ones_case_blind(
        write: Callable[[str, str], Path]) -> None:
    path = write("r.csv", " Authority_Code ,PERIOD,Indicator,Value,\nE1,2024,q,3,\n")
    problems = Problems()
    table = read_one(path, problems)
    assert table is not None and not problems.items
    assert table.layout == "long"
    assert list(table.table["authority_code"]) == ["E1"]


def test_a_nameless_column_with_values_is_reported_and_ignored(
        write: Callable[[str, str], Path]) -> None:
    path = write("w.csv", "authority_code,period,,q1\nE1,2024,7,3\n")
    problems = Problems()
    table = read_one(path, problems)
    assert table is not None
    assert [(p.code, p.row, p.column) for p in problems] == [("W-UNKNOWN-INDICATOR", 1, 3)]
    assert list(table.table["indicator"]) == ["q1"]


def test_a_folder_or_an_unreadable_file_is_a_problem_not_a_crash(
        tmp_path: Path, write: Callable[[str, str], Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    problems = Problems()
    assert read_one(tmp_path, problems) is None
    path = write("r.csv", "authority_code,period,q\nE1,2024,3\n")

    def refuse(_: Path) -> str | None:
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(read, "sniff", refuse)
    assert read_one(path, problems) is None
    assert [(p.code, p.message) for p in problems] == [
        ("E-FILE-NOT-FOUND", "this is a folder, not a file"),
        ("E-FILE-FORMAT", "the file cannot be read (Permission denied)")]


def test_parquet_key_columns_keep_their_values_across_row_groups(tmp_path: Path) -> None:
    """Each row group has its own dictionary of codes; the categorical read must map every
    row back to its own text, whatever order the groups list them in."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    codes = ["E3", "E1", "E2", "E1", None, "E3", "E9", "E2"]
    periods = ["2024", "2025", "2024", "2024", "2025", "2025", "2024", "2025"]
    path = tmp_path / "groups.parquet"
    pq.write_table(pa.table({"authority_code": codes, "period": periods,
                             "indicator": ["q"] * 8, "value": [1.0, 2, 3, 4, 5, 6, 7, 8]}),
                   path, row_group_size=3)
    assert pq.ParquetFile(path).num_row_groups == 3
    problems = Problems()
    table = read_one(path, problems)
    assert table is not None
    got = [None if pd.isna(c) else c for c in table.table["authority_code"]]
    assert got == codes
    assert list(table.table["period"]) == periods
    assert list(table.table["authority_name"].isna()) == [True] * 8  # absent: all missing


def test_parquet_row_groups_written_in_authority_order_read_back_alike(tmp_path: Path) -> None:
    """The usual file: each row group holds the next authorities, so its dictionary follows
    on from the last one's and the groups' codes are laid end to end."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    codes = ["E1", "E1", "E2", "E3", None, "E4", "E5", "E5"]
    path = tmp_path / "ordered.parquet"
    pq.write_table(pa.table({"authority_code": codes, "period": ["2024"] * 8,
                             "indicator": ["q"] * 8, "value": [1.0, 2, 3, 4, 5, 6, 7, 8]}),
                   path, row_group_size=3)
    problems = Problems()
    table = read_one(path, problems)
    assert table is not None
    assert [None if pd.isna(c) else c for c in table.table["authority_code"]] == codes


def test_parquet_row_groups_sharing_an_authority_at_their_boundary(tmp_path: Path) -> None:
    """A row group may end partway through an authority's rows: the next group's dictionary
    then starts with the same code, which must be one category, not two."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    codes = ["E1", "E1", "E2", "E2", "E3", "E3", "E3", None, "E4"]
    values = ["1", "n/a", None, "2", "n/a", "3", "1", "4", "x"]
    path = tmp_path / "boundary.parquet"
    pq.write_table(pa.table({"authority_code": codes, "period": ["2024"] * 9,
                             "indicator": ["q"] * 9, "value": values}), path, row_group_size=3)
    # Groups: E1 E1 E2 | E2 E3 E3 | E3 - E4: dictionaries [E1 E2] [E2 E3] [E3 E4].
    table = read_one(path, Problems())
    assert table is not None
    column = table.table["authority_code"]
    assert list(column.cat.categories) == ["E1", "E2", "E3", "E4"]
    assert [None if pd.isna(c) else c for c in column] == codes
    # A text value column is read as codes too, its missing cells missing.
    assert [None if pd.isna(v) else v for v in table.table["value"]] == values
