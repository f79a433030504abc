"""The condition language over a battery of expressions that uses every operator and
function, on data with gaps, signed zeros, infinities, labels, groups and periods: the
compiled Polars expressions give, bit for bit, what a plain row-by-row reading of the
language's rules gives (Python floats, None for missing)."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping

import numpy as np
import polars as pl
import pytest

from perfassess.engine.expr import (
    Binary,
    BoolLit,
    Call,
    In,
    Name,
    Node,
    Num,
    Str,
    Unary,
    children,
    compile_expression,
    parse,
    reduce_arrays,
)
from perfassess.engine.fields import BOOLEAN, INTEGER, NUMBER, PERIOD, label_type

NAN = np.nan
SERVING = label_type("serving", ("No", "Some", "Most", "Yes"))
PROSPECTS = label_type("prospects", ("Poor", "Uncertain", "Promising", "Excellent"))
SCHEMA = {"x": NUMBER, "y": NUMBER, "z": NUMBER, "i": INTEGER, "j": INTEGER,
          "a": SERVING, "b": SERVING, "p": PROSPECTS, "f": BOOLEAN, "period": PERIOD}
GROUPS = {"g": ["x", "y", "z"], "ints": ["i", "j"], "labels": ["a", "b"], "ps": ["p"],
          "empty": []}
N = 700


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



# ----------------------------------------------------------------------- the reference

Row = Mapping[str, object]
Value = float | bool | str | None


def present(v: object) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)  # type: ignore[arg-type]


def read(node: Node, row: Row, bind: Mapping[str, str]) -> Value:
    """One row's value of an expression, by the language's rules, one operator at a time."""
    if isinstance(node, Num | Str | BoolLit):
        return node.value
    if isinstance(node, Name):
        name = bind.get(node.name, node.name)
        if name == "period":
            return str(row["#period"])
        v = present(row[name])
        if SCHEMA[name].kind == "boolean":
            return None if v is None else (True if v > 0 else (False if v == 0 else None))
        return v
    if isinstance(node, Unary):
        inner = read(node.operand, row, bind)
        if inner is None:
            return None
        return (not inner) if node.op == "not" else -number(inner)
    if isinstance(node, Binary):
        return binary(node, row, bind)
    if isinstance(node, In):
        v = read(node.operand, row, bind)
        if v is None:
            return None
        wanted = [code(node.operand, item.value) if isinstance(item, Str)
                  and not isinstance(v, str) else item.value for item in node.items]
        hit = number(v) in wanted if not isinstance(v, str) else v in wanted
        return hit != node.negate
    assert isinstance(node, Call)
    return call(node, row, bind)


def number(v: Value) -> float:
    return float(v)  # true is 1, false is 0


def code(side: Node, label: str) -> float:
    """A quoted label's position in the vocabulary of the label field on the other side."""
    names = [n.name for n in walk(side) if isinstance(n, Name)]
    vocabulary = next(SCHEMA[GROUPS.get(n, [n])[0] if n in GROUPS else n].vocabulary
                      for n in names if (GROUPS.get(n) or [n])[0] in SCHEMA)
    assert vocabulary is not None
    return float([v.lower() for v in vocabulary].index(label.lower()))


def walk(node: Node) -> list[Node]:
    return [node, *(sub for child in children(node) for sub in walk(child))]


def binary(node: Binary, row: Row, bind: Mapping[str, str]) -> Value:
    a, b = read(node.left, row, bind), read(node.right, row, bind)
    if node.op in ("and", "or"):
        if node.op == "and":
            return False if a is False or b is False else (None if None in (a, b) else True)
        return True if a is True or b is True else (None if None in (a, b) else False)
    if a is None or b is None:
        return None
    if isinstance(a, str) != isinstance(b, str) and not (
            (isinstance(a, str) and isinstance(node.right, Name) and node.right.name == "period")
            or (isinstance(b, str) and isinstance(node.left, Name) and node.left.name == "period")):
        a = code(node.right, a) if isinstance(a, str) else a
        b = code(node.left, b) if isinstance(b, str) else b
    if node.op in ("==", "!=", "<", "<=", ">", ">="):
        x, y = (a, b) if isinstance(a, str) else (number(a), number(b))
        return {"==": x == y, "!=": x != y, "<": x < y, "<=": x <= y, ">": x > y,  # type: ignore[operator]
                ">=": x >= y}[node.op]  # type: ignore[operator]
    x, y = number(a), number(b)
    if node.op == "/":
        if y == 0:
            return None
        out = x / y
        return out if math.isfinite(out) else None
    out = x + y if node.op == "+" else (x - y if node.op == "-" else x * y)
    return None if math.isnan(out) else out


def members(node: Node, bind: Mapping[str, str]) -> list[dict[str, str]] | None:
    found = {bind.get(n.name, n.name) for n in walk(node)
             if isinstance(n, Name) and bind.get(n.name, n.name) in GROUPS}
    if not found:
        return None
    group = found.pop()
    return [{**bind, group: m} for m in GROUPS[group]]


def call(node: Call, row: Row, bind: Mapping[str, str]) -> Value:
    name = node.name
    if name in ("present", "missing", "na"):
        arg = node.args[0]
        assert isinstance(arg, Name)
        target = bind.get(arg.name, arg.name)
        na = bool(row.get(f"{target}#na", False))
        here = present(row[target]) is not None
        return here if name == "present" else (na if name == "na" else not here and not na)
    if name in ("count", "any", "all", "none"):
        binds = members(node.args[0], bind) or []
        answers = [read(node.args[0], row, b) for b in binds]
        t, f = answers.count(True), answers.count(False)
        return {"count": float(t), "any": t > 0, "none": t == 0, "all": f == 0}[name]
    if name == "abs":
        v = read(node.args[0], row, bind)
        return None if v is None else abs(number(v))
    if name == "ordinal":
        v = read(node.args[0], row, bind)
        return None if v is None else number(v) + 1
    binds = members(node.args[0], bind) if len(node.args) == 1 else None
    parts = ([read(node.args[0], row, b) for b in binds] if binds is not None
             else [read(arg, row, bind) for arg in node.args])
    values = [number(v) for v in parts if v is not None]
    if not parts:  # a group without members: missing, even its n_present
        return None
    if name == "n_present":
        return float(len(values))
    if not values:
        return None
    if name == "coalesce":
        return values[0]
    if name in ("min", "max"):
        out = values[0]
        for v in values[1:]:  # of equal values the later one, as NumPy's fmin/fmax do
            out = v if (v <= out if name == "min" else v >= out) else out
        return out
    total = 0.0  # from +0.0: a sum of -0.0 alone is +0.0
    for v in values:
        total += v
    if name == "mean":
        total /= len(values)
    return None if math.isnan(total) else total


def rows(env: Mapping[str, np.ndarray]) -> list[dict[str, object]]:
    periods = env["#periods"]
    out = []
    for k in range(N):
        row: dict[str, object] = {name: float(env[name][k]) for name in SCHEMA if name != "period"}
        row["x#na"] = bool(env["x#na"][k])
        row["#period"] = periods[env["#period"][k]]
        out.append(row)
    return out


def reference(text: str, env: Mapping[str, np.ndarray]) -> list[Value]:
    tree = parse(text)
    return [read(tree, row, {}) for row in rows(env)]


def as_floats(answers: list[Value]) -> np.ndarray:
    return np.array([NAN if v is None else number(v) for v in answers], dtype=np.float64)


def bits_equal(got: np.ndarray, want: np.ndarray) -> bool:
    """The same values, NaN for NaN, and the same sign of every zero."""
    if got.shape != want.shape or got.dtype != want.dtype:
        return False
    same_sign = np.signbit(got) == np.signbit(want)
    return bool(np.array_equal(got, want, equal_nan=True) and same_sign[~np.isnan(want)].all())


# ----------------------------------------------------------------------- the tests

@pytest.mark.parametrize("text", CONDITIONS)
def test_conditions_are_true_false_or_unknown_as_the_rules_say(text: str) -> None:
    env = environment(1)
    truth = compile_expression(text, SCHEMA, GROUPS).truth(env, N)
    want = reference(text, env)
    assert list(truth.t) == [v is True for v in want]
    assert list(truth.f) == [v is False for v in want]


@pytest.mark.parametrize("text", VALUES + CONDITIONS)
def test_values_are_the_bits_the_rules_give(text: str) -> None:
    env = environment(2)
    got = compile_expression(text, SCHEMA, GROUPS, want="value").values(env, N)
    assert bits_equal(got, as_floats(reference(text, env)))


def status_of(node: Node, row: Row, statuses: Mapping[str, int]) -> int:
    """The least certain status among the fields read and present; coalesce's is its first
    present argument's (the first argument's where none is)."""
    if isinstance(node, Call) and node.name == "coalesce":
        for arg in node.args:
            if read(arg, row, {}) is not None:
                return status_of(arg, row, statuses)
        return status_of(node.args[0], row, statuses)
    names = {GROUPS.get(n.name, [n.name]) and n.name for n in walk(node) if isinstance(n, Name)}
    fields = {m for n in names for m in GROUPS.get(n, [n]) if m != "period"}
    return max([statuses[f] for f in fields if present(row[f]) is not None], default=0)


@pytest.mark.parametrize("text", [
    "coalesce(z, y, x)", "coalesce(x / y, z, 0)", "coalesce(a, b)", "coalesce(z, coalesce(y, x))",
    "coalesce(mean(g), i)", "x + y", "mean(g)", "count(g > 1)"])
def test_statuses_follow_the_values_read(text: str) -> None:
    env = environment(3)
    rng = np.random.default_rng(4)
    statuses = {name: rng.integers(0, 3, size=N).astype(np.int8) for name in SCHEMA}
    got = compile_expression(text, SCHEMA, GROUPS, want="value").status(env, statuses, N)
    tree = parse(text)
    want = [status_of(tree, row, {k: int(v[i]) for k, v in statuses.items()})
            for i, row in enumerate(rows(env))]
    assert list(got) == want


@pytest.mark.parametrize("name", ["sum", "mean", "min", "max", "n_present"])
def test_aggregate_reductions_are_the_bits_the_rules_give(name: str) -> None:
    env = environment(5)
    got = reduce_arrays(name, [env[k] for k in ("x", "y", "z", "i")] + [np.full(N, NAN)], N)
    assert bits_equal(got, as_floats(reference(f"{name}(x, y, z, i)", env)))


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
    got = compile_expression(text, SCHEMA, GROUPS, want="value").values(env, N)
    assert time.perf_counter() - start < 10
    assert bits_equal(got, as_floats(reference(text, env)))


def test_signed_zeros_by_hand() -> None:
    zeros = {"x": np.array([-0.0, 0.0, -0.0, NAN]), "y": np.array([-0.0, -0.0, 0.0, -0.0]),
             "z": np.array([NAN, NAN, NAN, NAN])}
    def signs(text: str) -> list[str]:
        out = compile_expression(text, SCHEMA, GROUPS, want="value").values(zeros, 4)
        return ["nan" if np.isnan(v) else ("-" if np.signbit(v) else "+") for v in out]
    assert signs("sum(x, y)") == ["+", "+", "+", "+"]
    assert signs("x + y") == ["-", "+", "+", "nan"]
    assert signs("x + 0") == ["+", "+", "+", "nan"]
    assert signs("0 - x") == ["+", "+", "+", "nan"]  # Polars alone: -x, so -0.0 for 0.0
    assert signs("min(x, y)") == ["-", "-", "+", "-"]
    assert signs("max(x, y)") == ["-", "-", "+", "-"]
    assert signs("coalesce(z, x, y)") == ["-", "+", "-", "-"]
    assert signs("sum(z)") == ["nan"] * 4


def test_the_compiled_polars_expression_runs_on_a_polars_frame() -> None:
    # What a step will do once the frame is Polars: add the shared columns, then the
    # expression, with the names Compiled.program reads.
    env = environment(7)
    text = "count(g > 1) >= 1 and coalesce(z, x) / 3 < 1 or sum(g > 0) == 2 or na(x)"
    compiled = compile_expression(text, SCHEMA, GROUPS)
    columns = {name: pl.Series(name, env[name], nan_to_null=True) for name in SCHEMA
               if name != "period"}
    frame = pl.DataFrame([*columns.values(), pl.Series("x#na", env["x#na"]),
                          pl.Series("#one", np.ones(N))])
    assert set(compiled.program.inputs) <= set(frame.columns)
    for name, expr in compiled.program.lets:
        frame = frame.with_columns(expr.alias(name))
    got = frame.select(compiled.expr.fill_null(False)).to_series().to_numpy()
    assert list(got) == list(compiled.truth(env, N).t)
    assert list(got) == [v is True for v in reference(text, env)]
