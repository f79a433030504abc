"""The engine's whole-column shortcuts give what the plain formulas give, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from perfassess.engine.expr import Scope, compile_expression, parse, reduce_columns, shape
from perfassess.engine.fields import INTEGER, NUMBER
from tests.conftest import run_long, tiny_pack

NAN = np.nan


def members(seed: int) -> list[np.ndarray]:
    """Five columns: values with signed zeros and gaps, one missing everywhere, one full."""
    rng = np.random.default_rng(seed)
    n = 2000
    some = rng.choice([-2.5, -0.0, 0.0, 1.0, 3.25, 1e300, NAN], size=(3, n))
    return [*some, np.full(n, NAN), rng.normal(size=n)]


def stacked(name: str, columns: list[np.ndarray]) -> np.ndarray:
    """The reference: the members stacked, then reduced across the stack."""
    stack = np.vstack(columns)
    present = ~np.isnan(stack)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = {"sum": lambda: np.nansum(stack, axis=0),
               "mean": lambda: np.nansum(stack, axis=0) / present.sum(axis=0),
               "min": lambda: np.where(present, stack, np.inf).min(axis=0),
               "max": lambda: np.where(present, stack, -np.inf).max(axis=0),
               "n_present": lambda: present.sum(axis=0).astype(np.float64)}[name]()
    if name != "n_present":
        out[~present.any(axis=0)] = NAN
    return out


@pytest.mark.parametrize("name", ["sum", "mean", "min", "max", "n_present"])
@pytest.mark.parametrize("order", [[0, 1, 2, 3, 4], [3, 2, 0], [4], [3]])
def test_reductions_member_by_member_equal_the_stacked_ones(name: str, order: list[int]) -> None:
    columns = [members(7)[i] for i in order]
    got = reduce_columns(name, iter(columns), len(columns[0]))
    assert got.tobytes() == stacked(name, columns).tobytes()


def test_coalesce_takes_the_first_present_member() -> None:
    a = np.array([1.0, NAN, NAN, -0.0])
    b = np.array([2.0, 5.0, NAN, 7.0])
    c = np.array([3.0, 6.0, 8.0, NAN])
    got = reduce_columns("coalesce", iter([a, b, c]), 4)
    assert got.tobytes() == np.array([1.0, 5.0, 8.0, -0.0]).tobytes()
    assert np.isnan(a[1])  # the first member is not written into


SCHEMA = {"x": INTEGER, "y": INTEGER, "v": NUMBER}
ENV = {"x": np.array([1.0, 3.0, NAN, 2.0]), "y": np.array([2.0, NAN, 2.0, 2.0]),
       "v": np.array([0.0, 4.0, -1.0, NAN])}


def truth(text: str, env: dict[str, np.ndarray] | Scope = ENV) -> list[str]:
    t = compile_expression(text, SCHEMA, {"g": ["x", "y"]}).truth(env, 4)
    return ["T" if a else ("F" if b else "?") for a, b in zip(t.t, t.f, strict=True)]


@pytest.mark.parametrize(("text", "expected"), [
    ("x == 2", ["F", "F", "?", "T"]),
    ("2 == x", ["F", "F", "?", "T"]),
    ("x != 2", ["T", "T", "?", "F"]),
    ("2 != x", ["T", "T", "?", "F"]),
    ("x < 2", ["T", "F", "?", "F"]),
    ("2 < x", ["F", "T", "?", "F"]),
    ("x != y", ["T", "?", "?", "F"]),
])
def test_a_literal_on_either_side_compares_as_a_column_of_it_would(
        text: str, expected: list[str]) -> None:
    assert truth(text) == expected


def test_arithmetic_with_literals_leaves_its_operands_alone() -> None:
    before = {k: v.copy() for k, v in ENV.items()}
    expr = compile_expression("(x + v) / 2 * 100 - 1", SCHEMA, want="value")
    got = expr.values(ENV, 4)
    assert got.tobytes() == np.array([49.0, 349.0, NAN, NAN]).tobytes()
    for name, column in before.items():
        assert ENV[name].tobytes() == column.tobytes()
    assert np.isnan(compile_expression("x / (v - v)", SCHEMA, want="value",
                                       zero_division="missing").values(ENV, 4)).all()


def test_one_scope_counts_a_quantifier_once_and_answers_alike() -> None:
    scope = Scope(ENV)
    assert truth("none(g < 3)", scope) == ["F", "T", "F", "F"]
    assert truth("count(g < 3) >= 1", scope) == ["T", "F", "T", "T"]
    assert truth("count(g < 3) >= 2", scope) == truth("count(g < 3) >= 2") == ["T", "F", "F", "T"]
    assert len(scope.memo) == 1
    assert truth("any(g > 2)", scope) == ["F", "T", "F", "F"]
    assert len(scope.memo) == 2


def test_shape_ignores_positions_and_spacing_but_not_meaning() -> None:
    assert shape(parse("count(level1<2)"), {}) == shape(parse("count( level1 < 2.0 )"), {})
    assert shape(parse("x < 2"), {}) != shape(parse("x <= 2"), {})
    assert shape(parse("x < 2"), {"x": "a"}) != shape(parse("x < 2"), {"x": "b"})
    assert shape(parse("x in [1, 2]"), {}) != shape(parse("x not in [1, 2]"), {})


def test_require_names_each_rows_missing_fields_in_declared_order() -> None:
    inputs = [{"id": k, "title": k, "type": "integer"} for k in ("a", "b", "c")]
    steps = [{"id": "req", "kind": "require", "fields": ["a", "b", "c"],
              "status": "documented", "reason": "no rating: {missing} missing"},
             {"id": "sum", "kind": "compute", "expr": "a + b + c", "output": "out",
              "status": "documented"}]
    pack = tiny_pack(inputs, steps, rating="out")
    rows = [("A", "2001", "a", 1), ("A", "2001", "b", 1), ("A", "2001", "c", 1),
            ("B", "2001", "b", 1),
            ("C", "2001", "a", 1), ("C", "2001", "b", 1),
            ("D", "2001", "c", 1)]
    result = run_long(pack, rows)
    assert list(result.ratings["rating_note"]) == [
        "", "no rating: a, c missing", "no rating: c missing", "no rating: a, b missing"]
    assert list(result.ratings["rating_status"]) == ["documented", "", "", ""]


@pytest.mark.parametrize("k", [3, 17, 70])  # the bits of each row fit 16, 64 or no machine word
def test_require_names_missing_fields_however_many_it_checks(k: int) -> None:
    names = [f"f{i}" for i in range(k)]
    inputs = [{"id": n, "title": n, "type": "integer"} for n in names]
    steps = [{"id": "req", "kind": "require", "fields": names, "status": "documented",
              "reason": "missing {missing}"},
             {"id": "c", "kind": "compute", "expr": "f0", "output": "out",
              "status": "documented"}]
    rows = [("A", "2001", n, 1) for n in names] + [
        ("B", "2001", n, 1) for n in names if n not in ("f1", names[-1])]
    result = run_long(tiny_pack(inputs, steps, rating="out"), rows)
    assert list(result.ratings["rating_note"]) == ["", f"missing f1, f{k - 1}"]
