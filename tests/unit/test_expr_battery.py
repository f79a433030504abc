"""The Polars compiler gives the NumPy compiler's answers bit for bit, over a battery of
expressions that uses every operator and function on data with gaps, signed zeros and
infinities."""

from __future__ import annotations

import time

import numpy as np
import pytest

from perfassess.engine import expr as numpy_expr
from perfassess.engine import expr_polars
from perfassess.engine.fields import BOOLEAN, INTEGER, NUMBER, PERIOD, label_type

NAN = np.nan
SERVING = label_type("serving", ("No", "Some", "Most", "Yes"))
PROSPECTS = label_type("prospects", ("Poor", "Uncertain", "Promising", "Excellent"))
SCHEMA = {"x": NUMBER, "y": NUMBER, "z": NUMBER, "i": INTEGER, "j": INTEGER,
          "a": SERVING, "b": SERVING, "p": PROSPECTS, "f": BOOLEAN, "period": PERIOD}
GROUPS = {"g": ["x", "y", "z"], "ints": ["i", "j"], "labels": ["a", "b"], "ps": ["p"], "empty": []}
N = 3000


def environment(seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    numbers = [-2.5, -1.0, -0.0, 0.0, 0.1, 1.0, 3.0, 3.25, 36.0, 1e300, -1e300, 7e-310,
               np.inf, -np.inf, NAN, NAN]
    env = {name: rng.choice(numbers, size=N) for name in ("x", "y", "z")}
    env |= {name: rng.choice([-3.0, -0.0, 0.0, 1.0, 2.0, 3.0, 4.0, NAN], size=N)
            for name in ("i", "j")}
    env |= {name: rng.choice([0.0, 1.0, 2.0, 3.0, NAN], size=N) for name in ("a", "b", "p")}
    env["f"] = rng.choice([0.0, 1.0, NAN], size=N)
    env["x#na"] = np.isnan(env["x"]) & (rng.random(N) < 0.5)
    env["#periods"] = np.array(["2002", "2003", "2003-04", "2004"])
    env["#period"] = rng.integers(0, 4, size=N)
    return env


CONDITIONS = [
    "x == 3", "3 == x", "x != 0", "0 != x", "x < 0", "0 < x", "x <= -0", "x > 1e300",
    "x >= y", "x != y", "i == j", "true", "false", "not true",
    "a == 'No'", "'most' <= a", "a != 'Yes'", "a < b", "a == b", "p >= 'promising'",
    "x > 1 and y < 1", "x > 1 or y < 1", "not (x > 1 and not y < 1)",
    "(x > 0 or y > 0) and (z > 0 or i > 0)", "x in [0, 3, 1e300]", "x not in [-0, 0.1]",
    "a in ['No', 'Most']", "a not in ['Yes']", "i in [-3, 4]",
    "period == '2003'", "period != '2003'", "period < '2003-04'", "period <= '2003'",
    "period > '2002-05'", "period >= '2004'", "'2003' > period", "'2003' <= period",
    "period in ['2002', '2004']", "period not in ['2003', '2099']",
    "period >= '2003' and x < y",
    "f", "not f", "f and x > 0", "f or x > 0", "f == (x > 0)",
    "present(x)", "missing(x)", "na(x)", "missing(y)", "na(y)", "present(a)",
    "any(g > 1)", "all(g > 1)", "none(g > 1)", "count(g > 1) >= 2", "count(g < 3) <= 1",
    "any(g == 0)", "all(labels >= 'Some')", "none(labels < 'Most')",
    "count(labels == 'Yes') == 1 and any(ps >= 'Promising')", "any(empty > 1)",
    "all(empty > 1)", "all(ints == i)", "any(present(g))", "none(missing(g))",
    "count(g > 1) + count(g < 1) == 3", "(x > 1) == (y > 1)", "(x > 1) != f",
    "x + y > 2", "x / y < 1", "min(g) == 0", "max(labels) >= 'Most'",
    "coalesce(a, b) == 'Some'", "ordinal(a) > 2", "n_present(g) >= 2", "sum(g) > 1",
    "mean(g) > 0", "abs(x) < 1", "-x > 0",
]

VALUES = [
    "x", "a", "f", "x > 1", "x + y", "x - y", "x * y", "x / y", "x + 0", "0 + x", "x - 0",
    "0 - x", "x - -0", "-0 + x", "x * 0", "0 * x", "x * -1", "x / 1", "x / 3", "x / 36",
    "x / 0.1", "1 / x", "3 / x", "x / 0", "x / (y - y)", "1 / 3", "2 / 3 * 100", "-0",
    "0 - 0", "-(0)", "x / 4 * 100", "(x + y) / 2", "i / 3", "x * 1e300", "x - x",
    "x * 1e300 * 1e300 - y * 1e300 * 1e300", "-x", "--x", "abs(x)", "abs(-x)", "abs(-0)",
    "x + y * z - i / j", "x / y / z / 3",
    "min(g)", "max(g)", "sum(g)", "mean(g)", "n_present(g)", "coalesce(z, y, x)",
    "min(x, y)", "max(x, 0)", "max(0, x)", "min(-0, x)", "sum(x, -0)", "sum(-0, -0)",
    "sum(x, y, 3)", "sum(1, 2)", "mean(1, 2, 4)", "mean(x, 3)", "sum(-g)", "mean(g > 1)",
    "sum(g / 3)", "min(g * 2)", "max(-g)", "min(ints)", "max(ints)", "sum(ints)",
    "mean(ints)", "n_present(ints)", "sum(empty)", "min(empty)", "n_present(empty)",
    "coalesce(empty)", "min(labels)", "max(labels)", "max(a, b)", "coalesce(a, b)",
    "coalesce(b, a)", "ordinal(a)", "ordinal(max(labels))", "mean(ordinal(labels))",
    "sum(ordinal(labels))", "count(g > 1)", "count(labels == 'Yes')", "count(g == g)",
    "count(g > 1) / 2", "count(empty > 1)", "sum(count(g > 1), x)",
    "sum(sum(x, y), sum(y, z))", "mean(mean(g), x / 3)", "coalesce(x / y, z, 0)",
    "coalesce(mean(g), 1)", "n_present(x / y, z)", "x + count(g > 1)", "sum(f, x)",
    "min(x, y) / max(y, z)", "abs(min(g)) - abs(max(g))",
]


def bits_equal(got: np.ndarray, want: np.ndarray) -> bool:
    """The same values, NaN for NaN, and the same sign of every zero."""
    if got.shape != want.shape or got.dtype != want.dtype:
        return False
    if got.dtype.kind != "f":
        return bool(np.array_equal(got, want))
    same_sign = np.signbit(got) == np.signbit(want)
    return bool(np.array_equal(got, want, equal_nan=True) and same_sign[~np.isnan(want)].all())


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("text", CONDITIONS)
def test_conditions_give_the_same_truth(text: str, seed: int) -> None:
    env = environment(seed)
    with np.errstate(all="ignore"):
        old = numpy_expr.compile_expression(text, SCHEMA, GROUPS).truth(env, N)
    new = expr_polars.compile_expression(text, SCHEMA, GROUPS).truth(env, N)
    assert bits_equal(np.asarray(new.t, dtype=bool), np.asarray(old.t, dtype=bool))
    assert bits_equal(np.asarray(new.f, dtype=bool), np.asarray(old.f, dtype=bool))
    assert (~(old.t & old.f)).all()


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("text", VALUES + CONDITIONS)
def test_values_are_the_same_bits(text: str, seed: int) -> None:
    env = environment(seed)
    with np.errstate(all="ignore"):
        old_c = numpy_expr.compile_expression(text, SCHEMA, GROUPS, want="value")
        old = np.asarray(old_c.values(env, N), dtype=np.float64)
    new_c = expr_polars.compile_expression(text, SCHEMA, GROUPS, want="value")
    assert new_c.result == old_c.result and new_c.fields == old_c.fields
    new = new_c.values(env, N)
    assert bits_equal(new, np.broadcast_to(old, (N,)).copy())


@pytest.mark.parametrize("text", [
    "coalesce(z, y, x)", "coalesce(x / y, z, 0)", "coalesce(a, b)", "coalesce(z, coalesce(y, x))",
    "coalesce(mean(g), i)", "x + y", "mean(g)", "count(g > 1)"])
def test_statuses_are_the_same(text: str) -> None:
    env = environment(3)
    rng = np.random.default_rng(4)
    statuses = {name: rng.integers(0, 3, size=N).astype(np.int8) for name in SCHEMA}
    with np.errstate(all="ignore"):
        old = numpy_expr.compile_expression(text, SCHEMA, GROUPS, want="value").status(
            env, statuses, N)
    new = expr_polars.compile_expression(text, SCHEMA, GROUPS, want="value").status(
        env, statuses, N)
    assert np.array_equal(new, old)


@pytest.mark.parametrize("name", ["sum", "mean", "min", "max", "n_present"])
def test_aggregate_reductions_are_the_same_bits(name: str) -> None:
    env = environment(5)
    columns = [env[k] for k in ("x", "y", "z", "i")] + [np.full(N, NAN)]
    with np.errstate(all="ignore"):
        old = numpy_expr.reduce_columns(name, iter(columns), N)
    assert bits_equal(expr_polars.reduce_arrays(name, iter(columns), N), old)


@pytest.mark.parametrize("text", [
    "sum(" * 30 + "x" + ", y)" * 30,
    "mean(" * 30 + "x" + ", y)" * 30,
    "min(" * 30 + "x" + ", y)" * 30,
    "coalesce(" * 30 + "x" + ", y)" * 30,
    "x" + " / y" * 90,
    "x" + " - y" * 90,
    "abs(" * 30 + "x" + ")" * 30 + " + 1",
])
def test_nesting_at_the_bounds_costs_little(text: str) -> None:
    # An expression that repeats a compound one would double in size at every level.
    env = environment(6)
    start = time.perf_counter()
    with np.errstate(all="ignore"):
        old = numpy_expr.compile_expression(text, SCHEMA, GROUPS, want="value").values(env, N)
    new = expr_polars.compile_expression(text, SCHEMA, GROUPS, want="value").values(env, N)
    assert bits_equal(new, old)
    assert time.perf_counter() - start < 10
