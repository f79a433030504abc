"""Property tests: whatever bytes, rows, packs or expressions come in, the only outcomes are a
result or catalogued problems, never an exception."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfassess.api import score, validate
from perfassess.core.problems import CATALOGUE, Problems, ProblemsFound
from perfassess.engine.expr import ExpressionError, compile_expression, parse
from perfassess.engine.fields import INTEGER, NUMBER, label_type
from perfassess.io.read import read_one
from perfassess.io.yaml_source import YamlError, parse_yaml
from perfassess.packs import LoadedPack, load_pack, pack_from_data

BOUNDED = settings(max_examples=200, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow])
PACKS: dict[str, LoadedPack] = {}


def pack(pack_id: str) -> LoadedPack:
    if pack_id not in PACKS:
        PACKS[pack_id] = load_pack(pack_id)
    return PACKS[pack_id]


def catalogued(problems: Problems) -> None:
    for code in problems.counts:
        assert code in CATALOGUE, code
    for problem in problems:
        assert isinstance(problem.message, str) and problem.message


@contextmanager
def in_file(name: str, content: bytes) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="perfassess-fuzz-") as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        yield path


def valid_workbook() -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["authority_code", "period", "indicator", "value"])
    sheet.append(["E1", "2024", "qs1_assessing_needs", 3])
    sink = io.BytesIO()
    book.save(sink)
    return sink.getvalue()


def valid_parquet() -> bytes:
    sink = io.BytesIO()
    pq.write_table(pa.table({"authority_code": ["E1"], "period": ["2024"],
                             "qs1_assessing_needs": [3.0]}), sink)
    return sink.getvalue()


WORKBOOK = valid_workbook()
PARQUET = valid_parquet()


def mutated(base: bytes) -> st.SearchStrategy[bytes]:
    """``base`` with a few bytes overwritten, or cut short."""
    edits = st.lists(st.tuples(st.integers(0, len(base) - 1), st.integers(0, 255)),
                     max_size=8)
    cut = st.integers(1, len(base))

    def apply(pair: tuple[list[tuple[int, int]], int]) -> bytes:
        data = bytearray(base[: pair[1]])
        for pos, value in pair[0]:
            if pos < len(data):
                data[pos] = value
        return bytes(data)
    return st.tuples(edits, cut).map(apply)


def check_file(name: str, content: bytes) -> None:
    with in_file(name, content) as path:
        problems = Problems()
        table = read_one(path, problems)
        catalogued(problems)
        if table is not None:
            checked = validate(pack("cqc-la-2024"), [path])
            catalogued(checked.problems)


@BOUNDED
@given(st.binary(max_size=2000), st.sampled_from(["r.csv", "r.parquet", "r.xlsx", "r.txt"]))
def test_random_bytes_give_a_table_or_catalogued_problems(content: bytes, name: str) -> None:
    check_file(name, content)


@BOUNDED
@given(mutated(WORKBOOK))
def test_damaged_workbooks_give_catalogued_problems(content: bytes) -> None:
    check_file("r.xlsx", content)


@BOUNDED
@given(mutated(PARQUET))
def test_damaged_parquet_gives_catalogued_problems(content: bytes) -> None:
    check_file("r.parquet", content)


CELLS = st.one_of(
    st.sampled_from(["", " ", "3", "4", "1", "2.5", "1,234", "12%", "-", "n/a", "NaN", "inf",
                     "#DIV/0!", "E1", "E2", "2024", "1999", "qs1_assessing_needs",
                     "qs7_safeguarding", "Most", "yes", "No", "Excellent", " poor ", "2002",
                     "2005", "adults_serving", '"', "\r", "\n", ",", "\x00"]),
    st.text(max_size=12),
)
HEADERS = st.sampled_from([
    ["authority_code", "period", "indicator", "value"],
    ["authority_code", "period", "qs1_assessing_needs", "qs7_safeguarding"],
    ["authority_code", "authority_name", "period", "indicator", "value", "note"],
    ["authority_code", "period", "value"],
    ["period", "indicator", "value", "value"],
    ["authority_code", "period", "adults_serving", "children_serving", "adults_prospects",
     "children_prospects"],
    ["authority_code", "period", "corporate_assessment", "use_of_resources", "housing"],
])


@BOUNDED
@given(st.sampled_from(["cqc-la-2024", "ss-stars-2002", "cpa-2005"]), HEADERS,
       st.lists(st.lists(CELLS, min_size=0, max_size=7), max_size=12))
def test_random_rows_validate_and_score_or_give_catalogued_problems(
        pack_id: str, header: list[str], rows: list[list[str]]) -> None:
    sink = io.StringIO()
    writer = csv.writer(sink, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    with in_file("r.csv", sink.getvalue().encode("utf-8", "surrogatepass")) as path:
        checked = validate(pack(pack_id), [path])
        catalogued(checked.problems)
        if not checked.problems.has_errors():
            result = score(pack(pack_id), [path])
            assert len(result.ratings) == len(checked.returns.keys)


SCHEMA = {"x": NUMBER, "n": INTEGER, "a": INTEGER, "b": INTEGER,
          "j": label_type("serving", ("No", "Some", "Most", "Yes"))}
GROUPS = {"g": ["a", "b"]}
TOKENS = st.sampled_from(["x", "n", "j", "g", "a", "period", "1", "2.5", "'Most'", "'2003'",
                          "==", "!=", "<", "<=", ">", ">=", "and", "or", "not", "in", "[",
                          "]", "(", ")", ",", "+", "-", "*", "/", "count", "any", "none",
                          "min", "max", "coalesce", "present", "na", "ordinal", "abs",
                          "true", "false", "__class__", ".", "import", "lambda", "'"])


def compile_or_refuse(text: str) -> None:
    try:
        parse(text)
    except ExpressionError as exc:
        assert 0 <= exc.position <= len(text)
        return
    for want in ("bool", "value"):
        try:
            compile_expression(text, SCHEMA, GROUPS, want=want)
        except ExpressionError as exc:
            assert exc.message


@BOUNDED
@given(st.text(max_size=200))
def test_random_strings_parse_or_give_an_expression_error(text: str) -> None:
    compile_or_refuse(text)


@BOUNDED
@given(st.lists(TOKENS, max_size=25).map(" ".join))
def test_random_token_soup_parses_or_gives_an_expression_error(text: str) -> None:
    compile_or_refuse(text)


@BOUNDED
@given(st.text(max_size=300))
def test_random_yaml_parses_or_gives_a_yaml_error(text: str) -> None:
    try:
        parse_yaml(text, "pack.yaml")
    except YamlError as exc:
        assert exc.code in CATALOGUE and exc.mark.line >= 1


PACK_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False),
              st.sampled_from(["x", "No", "serving", "first", "decide", "band", "1.0.0",
                               "x >= 'Most'", "rating"])),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(
                                ["id", "kind", "input", "output", "when", "then", "rules",
                                 "cuts", "labels", "vocabulary", "status", "type"]), inner,
                                max_size=4)),
    max_leaves=12)


@BOUNDED
@given(st.fixed_dictionaries({
    "vocabularies": st.just({"serving": ["No", "Some", "Most", "Yes"]}),
    "inputs": st.lists(st.dictionaries(st.sampled_from(["id", "title", "type", "vocabulary",
                                                        "min", "max", "required"]),
                                       PACK_VALUES, max_size=5), max_size=3),
    "steps": st.lists(st.dictionaries(st.sampled_from(["id", "kind", "input", "output",
                                                       "cuts", "labels", "vocabulary",
                                                       "rules", "status", "hit_policy"]),
                                      PACK_VALUES, max_size=6), max_size=3),
}))
def test_random_packs_load_or_give_catalogued_problems(parts: dict[str, object]) -> None:
    data = {"id": "fuzz", "title": "Fuzz", "version": "1.0.0", "assessor": "tests",
            "periods": {"first": "2000"}, "rating": {"field": "rating"},
            "outputs": ["rating"], **parts}
    try:
        pack_from_data(data)
    except ProblemsFound as exc:
        catalogued(exc.problems)


@pytest.mark.parametrize("text", ["x >= 'Most'", "count(g == 1) <= 1 and n in [1, 2]"])
def test_the_property_checks_accept_valid_expressions(text: str) -> None:
    compile_expression(text.replace("x >= 'Most'", "j >= 'Most'"), SCHEMA, GROUPS)
