"""Logical input hashes: the same data hashes the same however it is written, and only then."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st

from perfassess.core.problems import Problems
from perfassess.io.hashing import _NUMBER as hashing_number
from perfassess.io.hashing import canonical_text, logical_sha256
from perfassess.io.read import read_one

LONG = ("authority_code,authority_name,period,indicator,value\n"
        "E1,Alpha,2024,q1,3\n"
        "E1,Alpha,2024,q2,Most\n"
        "E2,Beta,2024,q1,2.5\n"
        "E2,Beta,2024,q2,n/a\n")
WIDE = ("authority_code,authority_name,period,q1,q2\n"
        "E1,Alpha,2024,3,Most\n"
        "E2,Beta,2024,2.5,n/a\n")


def hash_of(path: Path) -> str:
    problems = Problems()
    source = read_one(path, problems)
    assert source is not None, list(problems)
    return logical_sha256([source.table])


def test_numbers_are_canonical_and_text_is_kept() -> None:
    values = pd.Series(["3", "3.0", " +3 ", "03", "3e0", "0.10", "-0", "Most", "most", "",
                        None, "1,000", "n/a"], dtype=object)
    assert list(canonical_text(values)) == ["3", "3", "3", "3", "3", "0.1", "0", "Most",
                                            "most", "", "", "1,000", "n/a"]
    stored = pd.Series([3.0, 2.5, float("nan"), -0.0])
    assert list(canonical_text(stored)) == ["3", "2.5", "", "0"]
    assert list(canonical_text(pd.Series([3, 12], dtype="int64"))) == ["3", "12"]


def test_csv_parquet_wide_long_and_row_order_hash_the_same(
        write: Callable[[str, str | bytes], Path], tmp_path: Path) -> None:
    long_csv = write("long.csv", LONG)
    wide_csv = write("wide.csv", WIDE)
    lines = LONG.splitlines()
    shuffled = write("shuffled.csv", "\n".join([lines[0], lines[4], lines[2], lines[1],
                                                lines[3]]) + "\n")
    reordered_columns = write("cols.csv", "period,value,indicator,authority_code,authority_name\n"
                              "2024,3,q1,E1,Alpha\n2024,Most,q2,E1,Alpha\n"
                              "2024,2.5,q1,E2,Beta\n2024,n/a,q2,E2,Beta\n")
    parquet = tmp_path / "long.parquet"
    # Numbers stored as numbers where they are numbers; the text column must stay text.
    pq.write_table(pa.table({
        "authority_code": ["E1", "E1", "E2", "E2"], "authority_name": ["Alpha"] * 2 + ["Beta"] * 2,
        "period": [2024, 2024, 2024, 2024], "indicator": ["q1", "q2", "q1", "q2"],
        "value": ["3.0", "Most", "2.50", "n/a"]}), parquet)
    hashes = {p.name: hash_of(p) for p in (long_csv, wide_csv, shuffled, reordered_columns,
                                            parquet)}
    assert len(set(hashes.values())) == 1, hashes


def test_a_blank_cell_is_the_same_as_an_absent_row(write: Callable[[str, str], Path]) -> None:
    wide = write("wide.csv", "authority_code,period,q1,q2\nE1,2024,3,\n")
    long = write("long.csv", "authority_code,period,indicator,value\nE1,2024,q1,3\n")
    assert hash_of(wide) == hash_of(long)


def test_every_change_of_content_changes_the_hash(write: Callable[[str, str], Path]) -> None:
    base = hash_of(write("base.csv", LONG))
    edits = {
        "a value": LONG.replace("E2,Beta,2024,q1,2.5", "E2,Beta,2024,q1,2.6"),
        "a label's case": LONG.replace("Most", "most"),
        "a name": LONG.replace("Alpha", "Alfa"),
        "a period": LONG.replace("E2,Beta,2024,q1", "E2,Beta,2025,q1"),
        "an extra authority with no values": LONG + "E3,Gamma,2024,q1,\n",
        "a repeated row": LONG + "E1,Alpha,2024,q1,3\n",
    }
    for i, (what, text) in enumerate(edits.items()):
        assert hash_of(write(f"edit{i}.csv", text)) != base, what


def test_inputs_split_over_files_hash_the_same_as_one(write: Callable[[str, str], Path]) -> None:
    lines = LONG.splitlines()
    one, two = write("one.csv", "\n".join(lines[:3]) + "\n"), write(
        "two.csv", "\n".join([lines[0], *lines[3:]]) + "\n")
    problems = Problems()
    tables = [t.table for t in (read_one(one, problems), read_one(two, problems))
              if t is not None]
    assert logical_sha256(tables) == hash_of(write("all.csv", LONG))


def test_separators_inside_text_cannot_make_two_tables_collide() -> None:
    one = pd.DataFrame({"authority_code": ["E1"], "period": ["2024"], "indicator": ["q"],
                        "value": ["a\tb"], "note": ["x\ny"]})
    other = pd.DataFrame({"authority_code": ["E1"], "period": ["2024"], "indicator": ["q"],
                          "value": ["a\\tb"], "note": ["x\\ny"]})
    assert logical_sha256([one]) != logical_sha256([other])


def _reference_sha256(tables: list[pd.DataFrame]) -> str:
    """The documented definition, spelt out row by row in plain Python (small tables only)."""
    def field(value: object, is_value: bool) -> str:
        if value is None or (isinstance(value, float) and value != value):
            return ""
        text = str(value).strip() if not isinstance(value, float) else repr(value)
        if is_value:
            try:
                number = float(text) if re.fullmatch(hashing_number, text) else None
            except ValueError:
                number = None
            if number is not None and math.isfinite(number):
                text = repr(number + 0.0).removesuffix(".0")
        return (text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
                .replace("\r", "\\r"))

    rows = [{c: field(r.get(c), c == "value") for c in
             ("authority_code", "period", "indicator", "value", "authority_name", "note")}
            for t in tables for r in t.to_dict("records")]
    digest = hashlib.sha256()
    for name, columns, required, distinct in (
            ("keys", ("authority_code", "period"), None, True),
            ("values", ("authority_code", "period", "indicator", "value"), "value", False),
            ("names", ("authority_code", "authority_name"), "authority_name", True),
            ("notes", ("authority_code", "period", "indicator", "note"), "note", False)):
        lines = [tuple(r[c] for c in columns) for r in rows if required is None or r[required]]
        digest.update(f"[{name}]\n".encode())
        for line in sorted(set(lines) if distinct else lines):
            digest.update(("\t".join(line) + "\n").encode())
    return "sha256:" + digest.hexdigest()


_TEXT = st.text(alphabet=st.sampled_from(["a", "B", "é", " ", "\t", "\\", "\n", "\x01", "1",
                                          "0", ".", "ß"]), max_size=4)
_VALUE = st.one_of(st.none(), _TEXT, st.sampled_from(["3", "3.0", " +3", "0.10", "-0", "1e2",
                                                       "n/a", "nan", "inf"]))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.tuples(st.sampled_from(["E1", "E2", "e1", "E10"]),
                                   st.sampled_from(["2024", "2025"]), _TEXT, _VALUE,
                                   st.one_of(st.none(), _TEXT), st.one_of(st.none(), _TEXT)),
                         max_size=12), min_size=1, max_size=3),
       st.sampled_from(["object", "category", "string[pyarrow]"]))
def test_the_vectorised_hash_is_the_documented_definition(
        tables: list[list[tuple[str, str, str, str | None, str | None, str | None]]],
        key_dtype: str) -> None:
    frames = []
    for rows in tables:
        frame = pd.DataFrame(rows, columns=["authority_code", "period", "indicator", "value",
                                            "authority_name", "note"], dtype=object)
        # As io.read gives key columns, or as a caller of score_table might.
        for column in ("authority_code", "period", "indicator"):
            frame[column] = frame[column].astype(key_dtype)
        frames.append(frame)
    assert logical_sha256(frames) == _reference_sha256(frames)


def test_stored_numbers_hash_as_the_documented_definition() -> None:
    frame = pd.DataFrame({"authority_code": ["E2", "E1", "E1"], "period": ["2024"] * 3,
                          "indicator": ["q", "q", "r"], "value": [2.5, 3.0, float("nan")]})
    assert logical_sha256([frame]) == _reference_sha256([frame])


def test_rows_already_in_order_hash_as_rows_that_must_be_sorted() -> None:
    # Rows in order take a path with no sort; repeats of an authority-period and of whole
    # rows check that the keys section still keeps each key once.
    rows = [("E1", "2024", "q", 1.0), ("E1", "2024", "q", 1.0), ("E1", "2024", "r", 2.0),
            ("E1", "2025", "q", 3.0), ("E2", "2024", "q", float("nan")), ("E2", "2024", "r", 4.0)]
    ordered = pd.DataFrame(rows, columns=["authority_code", "period", "indicator", "value"])
    for column in ("authority_code", "period", "indicator"):
        ordered[column] = ordered[column].astype("category")
    backwards = ordered.iloc[::-1].reset_index(drop=True)
    assert logical_sha256([ordered]) == logical_sha256([backwards]) \
        == _reference_sha256([ordered])
