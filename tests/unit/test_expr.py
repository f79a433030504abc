"""The condition language: parsing, type checks, three-valued logic, group quantifiers."""

from __future__ import annotations

import re

import numpy as np
import pytest

from perfassess.engine.expr import ExpressionError, ZeroDivisor, compile_expression, parse
from perfassess.engine.fields import INTEGER, NUMBER, PERIOD, label_type

SERVING = label_type("serving", ("No", "Some", "Most", "Yes"))
SCHEMA = {"a": SERVING, "b": SERVING, "x": INTEGER, "y": INTEGER, "z": INTEGER, "v": NUMBER,
          "period": PERIOD}
GROUPS = {"g": ["x", "y", "z"], "labels": ["a", "b"]}
NAN = np.nan
ENV = {
    "a": np.array([0, 2, NAN, 3.0]), "b": np.array([1, 1, 1, 1.0]),
    "x": np.array([1, 3, 3, NAN]), "y": np.array([3, 3, 1, NAN]), "z": np.array([NAN, 4, 4, 4.0]),
    "v": np.array([0.5, -2, 10, NAN]),
    "#period": np.array([0, 1, 2, 2]), "#periods": np.array(["2002", "2003", "2004"]),
}


def truth(text: str) -> list[str]:
    """'T', 'F' or '?' per row."""
    t = compile_expression(text, SCHEMA, GROUPS).truth(ENV, 4)
    return ["T" if a else ("F" if b else "?") for a, b in zip(t.t, t.f, strict=True)]


def values(text: str) -> list[float]:
    return list(compile_expression(text, SCHEMA, GROUPS, want="value").values(ENV, 4))


def test_label_comparison_uses_vocabulary_order_and_ignores_case() -> None:
    assert truth("a >= 'most'") == ["F", "T", "?", "T"]
    assert truth("a < b") == ["T", "F", "?", "F"]


def test_missing_values_make_comparisons_unknown_not_false() -> None:
    assert truth("a == 'No'") == ["T", "F", "?", "F"]
    assert truth("not a == 'No'") == ["F", "T", "?", "T"]
    assert truth("a != 'No'") == ["F", "T", "?", "T"]


def test_kleene_and_or() -> None:
    # unknown and false is false; unknown or true is true
    assert truth("a == 'No' and b == 'No'") == ["F", "F", "F", "F"]
    assert truth("a == 'No' or b == 'Some'") == ["T", "T", "T", "T"]
    assert truth("a == 'Yes' or b == 'No'") == ["F", "F", "?", "T"]


def test_in_and_not_in() -> None:
    assert truth("a in ['No', 'Some']") == ["T", "F", "?", "F"]
    assert truth("a not in ['No', 'Some']") == ["F", "T", "?", "T"]
    assert truth("x in [1, 2]") == ["T", "F", "F", "?"]


def test_quantifiers_range_over_present_members() -> None:
    assert truth("none(g < 3)") == ["F", "T", "F", "T"]
    assert truth("any(g == 4)") == ["F", "T", "T", "T"]
    assert truth("all(g >= 3)") == ["F", "T", "F", "T"]
    assert values("count(g == 3)") == [1, 2, 1, 0]
    assert truth("count(g < 2) <= 1") == ["T", "T", "T", "T"]


def test_reductions_skip_missing_and_keep_label_type() -> None:
    assert values("min(g)") == [1, 3, 1, 4]
    assert values("max(x, y)")[:3] == [3, 3, 3]
    assert np.isnan(values("max(x, y)")[3])
    assert values("n_present(g)") == [2, 3, 3, 1]
    assert values("mean(g)")[0] == 2.0
    assert values("coalesce(z, x)")[:3] == [1, 4, 4]
    assert values("min(labels)")[:2] == [0, 1]
    assert values("mean(ordinal(labels))")[0] == 1.5


def test_arithmetic() -> None:
    assert values("x * 2 + 1")[:3] == [3, 7, 7]
    assert values("x / (y + 1)")[:3] == [0.25, 0.75, 1.5]
    assert values("abs(v)")[:3] == [0.5, 2, 10]
    assert values("-v")[1] == 2


def test_division_by_zero_is_refused_on_the_rows_it_happens_unless_the_pack_says_otherwise(
) -> None:
    with pytest.raises(ZeroDivisor) as caught:
        values("x / (y - 3)")  # rows 0 and 1 divide by zero; row 3 has no dividend
    assert list(caught.value.rows) == [0, 1] and caught.value.position == 2
    lenient = compile_expression("x / (y - 3)", SCHEMA, GROUPS, want="value",
                                 zero_division="missing").values(ENV, 4)
    assert np.isnan(lenient[:2]).all() and lenient[2] == -1.5
    # Rows not rated any more do not count.
    inactive = {**ENV, "#active": np.array([False, False, True, True])}
    assert compile_expression("x / (y - 3)", SCHEMA, GROUPS,
                              want="value").values(inactive, 4)[2] == -1.5


def test_div_says_what_a_zero_divisor_gives() -> None:
    out = values("div(x, y - 3)")
    assert np.isnan(out[:2]).all() and out[2] == -1.5 and np.isnan(out[3])
    assert values("div(x, y - 3, 0)")[:3] == [0, 0, -1.5]
    assert np.isnan(values("div(x, y - 3, 0)")[3])  # a missing dividend stays missing
    assert values("div(x, y - 3, v)")[:2] == [0.5, -2]


def test_if_divides_only_on_the_rows_of_its_branch() -> None:
    assert values("if(y != 3, x / (y - 3), 0)")[:3] == [0, 0, -1.5]
    with pytest.raises(ZeroDivisor):
        values("if(y == 3, x / (y - 3), 0)")


def test_a_literal_zero_divisor_is_a_static_error() -> None:
    with pytest.raises(ExpressionError, match="division by zero"):
        compile_expression("x / 0", SCHEMA, GROUPS, want="value", zero_division="missing")


@pytest.mark.parametrize(("text", "expected"), [
    ("round(v)", [1, -2, 10]),
    ("round(v + 0.05, 1)", [0.6, -2, 10.1]),
    ("round(x * 0.25, 0, 'half_even')", [0, 1, 1]),
    ("round(v, 0, 'floor')", [0, -2, 10]),
    ("round(v, 0, 'ceil')", [1, -2, 10]),
    ("round(v - 0.9, 0, 'trunc')", [0, -2, 9]),
    ("round(x * 45, -1)", [50, 140, 140]),
])
def test_round_rounds_as_the_round_step_does(text: str, expected: list[float]) -> None:
    assert values(text)[:3] == pytest.approx(expected)
    assert np.isnan(values(text)[3])


def test_round_to_whole_numbers_is_an_integer() -> None:
    assert compile_expression("round(v)", SCHEMA, GROUPS, want="value").result == INTEGER
    assert compile_expression("round(v, 1)", SCHEMA, GROUPS, want="value").result == NUMBER


@pytest.mark.parametrize("text", [
    "(x > 1) + (y > 1)", "if(x > 1, y > 1, 0)", "sum(x > 1, y > 1)", "-(x > 1)",
    "(x > 1) * 3", "(x > 1) == 1", "round(x > 1)",
])
def test_a_condition_used_as_a_number_is_refused_with_a_hint(text: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression(text, SCHEMA, GROUPS, want="value")
    assert "is not a number" in caught.value.message
    assert "count(...)" in caught.value.message and "if(condition, 1, 0)" in caught.value.message


def test_period_compares_as_text() -> None:
    assert truth("period == '2002'") == ["T", "F", "F", "F"]
    assert truth("period >= '2003'") == ["F", "T", "T", "T"]
    assert truth("period < '2003'") == ["T", "F", "F", "F"]
    assert truth("period > '2002-03'") == ["F", "T", "T", "T"]
    assert truth("period in ['2002', '2004']") == ["T", "F", "T", "T"]
    assert truth("'2003' >= period") == ["T", "T", "F", "F"]


def test_fields_read_are_reported() -> None:
    compiled = compile_expression("none(g < 3) and a == 'Yes'", SCHEMA, GROUPS)
    assert compiled.fields == frozenset({"x", "y", "z", "a"})


@pytest.mark.parametrize(("text", "message", "position"), [
    ("a > 3", "cannot compare a label with a number", 2),
    ("a == 'Maybe'", "not a label of vocabulary 'serving'", 5),
    ("x = 3", "use == to compare", 2),
    ("os.system('x')", "attribute access is not allowed", 2),
    ("__import__('os')", "unknown function '__import__'", 0),
    ("open('f')", "unknown function 'open'", 0),
    ("x < 3 < 4", "cannot be chained", 6),
    ("(x > 1", "expected ')'", 6),
    ("g > 1", "can only be used inside", 0),
    ("count(x > 1)", "needs a group", 0),
    ("q > 1", "unknown field 'q'", 0),
    ("x > 'No'", "can only be compared with a label field", 4),
    ("x +", "expected a value", 3),
    ("", "empty expression", 0),
    ("'unterminated", "unterminated string", 0),
    ("x > 1 y", "expected an operator", 6),
    ("a and b", "expected a condition", 0),
    ("period + 1", "period can only be compared", 0),
    ("x[0]", "expected an operator", 1),
    ("lambda: 1", "unexpected character ':'", 6),
])
def test_errors_name_the_problem_and_its_position(text: str, message: str, position: int) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression(text, SCHEMA, GROUPS)
    assert message in caught.value.message
    assert caught.value.position == position


def test_parse_never_evaluates_python() -> None:
    # A Python expression that would have side effects is just a parse error here.
    with pytest.raises(ExpressionError):
        parse("__import__('os').system('echo hacked')")


def test_math_functions_give_missing_outside_their_domain() -> None:
    assert values("sqrt(v)")[0] == pytest.approx(0.5 ** 0.5)
    assert np.isnan(values("sqrt(v)")[1])  # sqrt(-2)
    assert values("ln(v)")[2] == pytest.approx(np.log(10))
    assert np.isnan(values("ln(v)")[1]) and np.isnan(values("ln(x - 1)")[0])  # ln(0)
    assert values("exp(x)")[0] == pytest.approx(np.e)
    assert values("pow(x, 2)")[:3] == [1, 9, 9]
    assert np.isnan(values("pow(v, 0.5)")[1])  # a negative to a fractional power
    assert values("clip(v, 0, 5)")[:3] == [0.5, 0, 5]
    assert all(np.isnan(values(f)[3]) for f in ("sqrt(v)", "exp(v)", "clip(v, 0, 5)"))


def test_if_is_three_valued() -> None:
    assert values("if(x > 2, 10, 20)")[:3] == [20, 10, 10]
    assert np.isnan(values("if(x > 2, 10, 20)")[3])  # x missing: the condition is unknown
    assert values("if(v > 0, v, 0 - v)")[:3] == [0.5, 2, 10]


@pytest.mark.parametrize(("text", "message"), [
    ("sqrt(x, y)", "sqrt takes 1 argument: sqrt(x)"),
    ("clip(x, 1)", "clip takes 3 arguments: clip(x, low, high)"),
    ("if(x, 1, 2)", "expected a condition (true/false), found a value"),
    ("if(x > 1, 2)", "if takes three arguments: if(condition, then, else)"),
    ("x if y else z", "'if' is Python"),
    ("sqrt(a)", "sqrt needs a number; labels are ordered but not numbers"),
    ("round(v, 1.5)", "round's digits must be a whole number written out"),
    ("round(v, x)", "round's digits must be a whole number written out"),
    ("round(v, 0, 'up')", "round's method is one of half_up, half_even, floor, ceil"),
    ("round(v, 0, half_up)", "round's method is one of"),
    ("round()", "round takes one to three arguments"),
    ("div(x)", "div takes two or three arguments"),
])
def test_function_errors_say_how_to_call_them(text: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=re.escape(message)):
        compile_expression(text, SCHEMA, GROUPS, want="value")
