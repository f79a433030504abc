"""The condition language: a small grammar parsed by hand, compiled to vectorised functions.

Grammar (lowest precedence first)::

    expr       := or
    or         := and ("or" and)*
    and        := not ("and" not)*
    not        := "not" not | comparison
    comparison := sum (("=="|"!="|"<"|"<="|">"|">=") sum | ["not"] "in" list)?
    sum        := product (("+"|"-") product)*
    product    := unary (("*"|"/") unary)*
    unary      := "-" unary | atom
    atom       := NUMBER | STRING | "true" | "false" | NAME | NAME "(" args ")" | "(" expr ")"
    list       := "[" literal ("," literal)* "]"

Names are fields or groups; functions are a fixed list (no attribute access, no other calls).
Logic is three-valued: a comparison with a missing value is unknown, and a decision row
fires only when its condition is definitely true. Quantifiers over a group (count, any,
all, none, min, max, sum, mean, n_present) range over the members that are present.
"""

from __future__ import annotations

import keyword
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from perfassess.core.people import listing
from perfassess.engine.fields import BOOLEAN, INTEGER, NUMBER, FieldType
from perfassess.engine.numbers import ROUND_METHODS, round_values


class ExpressionError(ValueError):
    """An expression that does not parse or does not type-check, with its position."""

    def __init__(self, message: str, text: str, position: int) -> None:
        self.message = message
        self.text = text
        self.position = position
        pointer = " " * position + "^"
        super().__init__(f"{message} at position {position + 1}\n  {text}\n  {pointer}")


class ZeroDivisor(ValueError):
    """A division by zero the expression did not say what to make of, and the frame rows
    (positions) where it happened."""

    def __init__(self, text: str, position: int, rows: np.ndarray) -> None:
        self.text = text
        self.position = position
        self.rows = rows
        super().__init__(f"division by zero at position {position + 1} of {text!r} "
                         f"({len(rows)} row(s))")

    def __reduce__(self) -> tuple[type[ZeroDivisor], tuple[str, int, np.ndarray]]:
        return ZeroDivisor, (self.text, self.position, self.rows)


# --------------------------------------------------------------------------- tokens

@dataclass(frozen=True)
class Token:
    kind: str  # NUMBER STRING NAME OP EOF
    text: str
    pos: int


_OPERATORS = ("==", "!=", "<=", ">=", "<", ">", "(", ")", "[", "]", ",", "+", "-", "*", "/")
KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false"})
_PYTHON_WORDS = frozenset(keyword.kwlist) - KEYWORDS
_DIGITS = frozenset("0123456789")
_NAME_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_NAME_CHARS = _NAME_START | _DIGITS
# Packs come from anyone: bound what one expression may cost to parse and compile.
MAX_LENGTH = 4000  # characters
MAX_NESTING = 32  # brackets, calls, not and unary minus inside one another
MAX_DEPTH = 100  # levels of the syntax tree (a chain a + b + c ... counts each operator)


def tokenize(text: str) -> list[Token]:
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression is {len(text)} characters long; the limit is "
                              f"{MAX_LENGTH}", text[:60] + "…", 0)
    tokens: list[Token] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch in _DIGITS or (ch == "." and i + 1 < n and text[i + 1] in _DIGITS):
            j = i
            while j < n and (text[j] in _DIGITS or text[j] == "."):
                j += 1
            if j < n and text[j] in "eE":
                k = j + 1
                if k < n and text[k] in "+-":
                    k += 1
                if k < n and text[k] in _DIGITS:
                    j = k
                    while j < n and text[j] in _DIGITS:
                        j += 1
            literal = text[i:j]
            if literal.count(".") > 1:
                raise ExpressionError(f"malformed number {literal!r}", text, i)
            if not math.isfinite(float(literal)):
                raise ExpressionError(f"number {literal!r} is too large", text, i)
            tokens.append(Token("NUMBER", literal, i))
            i = j
            continue
        if ch in _NAME_START:
            j = i
            while j < n and text[j] in _NAME_CHARS:
                j += 1
            tokens.append(Token("NAME", text[i:j], i))
            i = j
            continue
        if ch in "'\"":
            j = text.find(ch, i + 1)
            if j < 0:
                raise ExpressionError("unterminated string", text, i)
            tokens.append(Token("STRING", text[i + 1 : j], i))
            i = j + 1
            continue
        for op in _OPERATORS:
            if text.startswith(op, i):
                tokens.append(Token("OP", op, i))
                i += len(op)
                break
        else:
            hints = {"=": " (use == to compare)", ".": " (attribute access is not allowed)",
                     ";": " (one expression only)", "`": "", "\\": ""}
            hint = hints.get(ch, "")
            raise ExpressionError(f"unexpected character {ch!r}{hint}", text, i)
    tokens.append(Token("EOF", "", n))
    return tokens


# --------------------------------------------------------------------------- syntax tree

@dataclass(frozen=True)
class Num:
    value: float
    pos: int


@dataclass(frozen=True)
class Str:
    value: str
    pos: int


@dataclass(frozen=True)
class BoolLit:
    value: bool
    pos: int


@dataclass(frozen=True)
class Name:
    name: str
    pos: int


@dataclass(frozen=True)
class Unary:
    op: str
    operand: Node
    pos: int


@dataclass(frozen=True)
class Binary:
    op: str  # + - * / == != < <= > >= and or
    left: Node
    right: Node
    pos: int


@dataclass(frozen=True)
class In:
    operand: Node
    items: tuple[Node, ...]
    negate: bool
    pos: int


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]
    pos: int


Node = Num | Str | BoolLit | Name | Unary | Binary | In | Call
_COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.nesting = 0

    def nest(self, tok: Token) -> None:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise ExpressionError(f"expression nested too deeply (more than {MAX_NESTING} "
                                  "levels of brackets, calls or operators)", self.text, tok.pos)

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def at_keyword(self, word: str) -> bool:
        tok = self.peek()
        return tok.kind == "NAME" and tok.text == word

    def at_op(self, op: str) -> bool:
        tok = self.peek()
        return tok.kind == "OP" and tok.text == op

    def expect_op(self, op: str) -> Token:
        if not self.at_op(op):
            self.fail(f"expected {op!r}")
        return self.take()

    def fail(self, message: str) -> None:
        tok = self.peek()
        found = "end of expression" if tok.kind == "EOF" else repr(tok.text)
        if tok.kind == "NAME" and tok.text in _PYTHON_WORDS:
            found += f" ({tok.text!r} is Python, not part of the condition language)"
        raise ExpressionError(f"{message}, found {found}", self.text, tok.pos)

    def parse(self) -> Node:
        if self.peek().kind == "EOF":
            raise ExpressionError("empty expression", self.text, 0)
        node = self.parse_or()
        if self.peek().kind != "EOF":
            self.fail("expected an operator or the end of the expression")
        deepest, pos = _depth(node)
        if deepest > MAX_DEPTH:
            raise ExpressionError(f"expression too deep ({deepest} levels; the limit is "
                                  f"{MAX_DEPTH}): use a group and sum/count instead of a "
                                  "long chain", self.text, pos)
        return node

    def parse_or(self) -> Node:
        node = self.parse_and()
        while self.at_keyword("or"):
            tok = self.take()
            node = Binary("or", node, self.parse_and(), tok.pos)
        return node

    def parse_and(self) -> Node:
        node = self.parse_not()
        while self.at_keyword("and"):
            tok = self.take()
            node = Binary("and", node, self.parse_not(), tok.pos)
        return node

    def parse_not(self) -> Node:
        if self.at_keyword("not"):
            tok = self.take()
            self.nest(tok)
            node = Unary("not", self.parse_not(), tok.pos)
            self.nesting -= 1
            return node
        return self.parse_comparison()

    def parse_comparison(self) -> Node:
        left = self.parse_sum()
        tok = self.peek()
        if tok.kind == "OP" and tok.text in _COMPARISONS:
            self.take()
            right = self.parse_sum()
            if self.peek().kind == "OP" and self.peek().text in _COMPARISONS:
                self.fail("comparisons cannot be chained; join them with 'and'")
            return Binary(tok.text, left, right, tok.pos)
        if self.at_keyword("in"):
            self.take()
            return In(left, self.parse_list(), False, tok.pos)
        if self.at_keyword("not"):
            nxt = self.tokens[self.i + 1]
            if nxt.kind == "NAME" and nxt.text == "in":
                self.take()
                self.take()
                return In(left, self.parse_list(), True, tok.pos)
        return left

    def parse_list(self) -> tuple[Node, ...]:
        self.expect_op("[")
        items: list[Node] = []
        while True:
            tok = self.peek()
            if tok.kind == "NUMBER":
                self.take()
                items.append(Num(float(tok.text), tok.pos))
            elif tok.kind == "OP" and tok.text == "-" and self.tokens[self.i + 1].kind == "NUMBER":
                self.take()
                num = self.take()
                items.append(Num(-float(num.text), tok.pos))
            elif tok.kind == "STRING":
                self.take()
                items.append(Str(tok.text, tok.pos))
            else:
                self.fail("expected a number or a quoted label in the list")
            if self.at_op(","):
                self.take()
                continue
            self.expect_op("]")
            return tuple(items)

    def parse_sum(self) -> Node:
        node = self.parse_product()
        while self.at_op("+") or self.at_op("-"):
            tok = self.take()
            node = Binary(tok.text, node, self.parse_product(), tok.pos)
        return node

    def parse_product(self) -> Node:
        node = self.parse_unary()
        while self.at_op("*") or self.at_op("/"):
            tok = self.take()
            node = Binary(tok.text, node, self.parse_unary(), tok.pos)
        return node

    def parse_unary(self) -> Node:
        if self.at_op("-"):
            tok = self.take()
            self.nest(tok)
            node = Unary("-", self.parse_unary(), tok.pos)
            self.nesting -= 1
            return node
        return self.parse_atom()

    def parse_atom(self) -> Node:
        tok = self.peek()
        if tok.kind == "NUMBER":
            self.take()
            return Num(float(tok.text), tok.pos)
        if tok.kind == "STRING":
            self.take()
            return Str(tok.text, tok.pos)
        if tok.kind == "OP" and tok.text == "(":
            self.take()
            self.nest(tok)
            node = self.parse_or()
            self.expect_op(")")
            self.nesting -= 1
            return node
        if tok.kind == "NAME":
            if tok.text in ("true", "false"):
                self.take()
                return BoolLit(tok.text == "true", tok.pos)
            if tok.text in KEYWORDS:
                self.fail("expected a value")
            called = self.tokens[self.i + 1].text == "("  # if(c, a, b) is ours; `if` is not
            if tok.text in _PYTHON_WORDS and not (tok.text == "if" and called):
                hint = {"True": "true", "False": "false", "None": "missing(x)"}.get(tok.text)
                raise ExpressionError(
                    f"{tok.text!r} is Python, not part of the condition language"
                    + (f" (write {hint})" if hint else ""), self.text, tok.pos)
            self.take()
            if self.at_op("("):
                self.take()
                self.nest(tok)
                args: list[Node] = []
                if not self.at_op(")"):
                    args.append(self.parse_or())
                    while self.at_op(","):
                        self.take()
                        args.append(self.parse_or())
                self.expect_op(")")
                self.nesting -= 1
                return Call(tok.text, tuple(args), tok.pos)
            return Name(tok.text, tok.pos)
        self.fail("expected a value")
        raise AssertionError("unreachable")


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, In):
        return (node.operand, *node.items)
    if isinstance(node, Call):
        return node.args
    return ()


def _depth(root: Node) -> tuple[int, int]:
    """The depth of the tree and the position of its deepest node (without recursion)."""
    deepest, pos = 0, root.pos
    stack = [(root, 1)]
    while stack:
        node, level = stack.pop()
        if level > deepest:
            deepest, pos = level, node.pos
        stack.extend((child, level + 1) for child in children(node))
    return deepest, pos


def parse(text: str) -> Node:
    """Parse an expression into its syntax tree, or raise ExpressionError."""
    if not isinstance(text, str):
        raise ExpressionError("an expression must be a string", str(text), 0)
    return _Parser(text).parse()


# --------------------------------------------------------------------------- compiled values

Env = Mapping[str, np.ndarray]


class Scope(dict[str, np.ndarray]):
    """The fields one step reads, and what its expressions have already worked out from
    them (results shared between conditions; nobody writes into them)."""

    def __init__(self, fields: Mapping[str, np.ndarray]) -> None:
        super().__init__(fields)
        self.memo: dict[str, object] = {}


def shape(node: Node, bind: Mapping[str, str]) -> str:
    """An expression's structure as text, names bound, positions left out: two pieces of
    text that compute the same thing have the same shape."""
    if isinstance(node, Num | Str | BoolLit):
        return repr(node.value)
    if isinstance(node, Name):
        return bind.get(node.name, node.name)
    if isinstance(node, Unary | Binary):
        head = node.op
    elif isinstance(node, In):
        head = "not in" if node.negate else "in"
    else:
        head = node.name
    return f"({head} {' '.join(shape(c, bind) for c in children(node))})"


@dataclass
class Truth:
    """Three-valued truth as two masks: definitely true, definitely false (else unknown)."""

    t: np.ndarray
    f: np.ndarray


StatusFn = Callable[[Env, Env, int], np.ndarray]


def fields_status(fields: frozenset[str]) -> StatusFn:
    """The least certain status among the fields read, row by row; a missing value adds
    nothing (a rule that produced no value cannot have decided anything)."""
    def status(env: Env, statuses: Env, n: int) -> np.ndarray:
        out = np.zeros(n, dtype=np.int8)
        for name in fields:
            # Codes are never negative: a field whose status is all 0 adds nothing, and
            # finding that out costs far less than finding which of its values are present.
            if name in statuses and statuses[name].any():
                values = env[name]
                present = ~np.isnan(values) if values.dtype.kind == "f" else True
                np.maximum(out, statuses[name], out=out, where=present)
        return out
    return status


@dataclass(frozen=True)
class Compiled:
    """A type-checked expression: its result type, the fields it reads, how to evaluate it,
    and how sure its value is (by default the least certain field it read)."""

    text: str
    result: FieldType  # BOOLEAN for conditions
    fields: frozenset[str]
    _fn: Callable[[Env, int], object] = field(repr=False)
    _status: StatusFn | None = field(default=None, repr=False)

    def status(self, env: Env, statuses: Env, n: int) -> np.ndarray:
        return (self._status or fields_status(self.fields))(env, statuses, n)

    def truth(self, env: Env, n: int) -> Truth:
        out = self._fn(env, n)
        assert isinstance(out, Truth)
        return out

    def values(self, env: Env, n: int) -> np.ndarray:
        out = self._fn(env, n)
        if isinstance(out, Truth):
            return np.where(out.t, 1.0, np.where(out.f, 0.0, np.nan))
        assert isinstance(out, np.ndarray)
        return out


@dataclass(frozen=True)
class _Typed:
    """A compiled sub-expression: 'bool', a field type, or a literal awaiting context."""

    kind: str  # "bool" | "value" | "string" | "period"
    ftype: FieldType | None
    fn: Callable[[Env, int], object]
    fields: frozenset[str]
    literal: str | None = None
    pos: int = 0
    status: StatusFn | None = None  # set where the value reads only some of its fields
    constant: float | None = None  # a number literal's value (used as a scalar)
    fresh: bool = False  # its value is a new array of its own, which its user may write into


_NUMERIC_FUNCS = {"min", "max", "sum", "mean"}
_QUANTIFIERS = {"count", "any", "all", "none"}
# One number to one number; a value outside the function's domain (sqrt of a negative, ln of
# zero or less) is missing, as a division by zero is.
_MATH: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "abs": np.abs,
    "sqrt": lambda x: np.sqrt(np.where(x >= 0, x, np.nan)),
    "ln": lambda x: np.log(np.where(x > 0, x, np.nan)),
    "exp": np.exp,
}
FUNCTIONS = _NUMERIC_FUNCS | _QUANTIFIERS | set(_MATH) | {
    "n_present", "present", "missing", "na", "coalesce", "ordinal", "pow", "clip", "if",
    "round", "div"}
# What '/' makes of a zero divisor (under a present dividend) unless the expression says
# otherwise with div(a, b, otherwise): "error" stops the run with a located problem,
# "missing" gives a missing value.
ZERO_DIVISION = ("error", "missing")
_BOOL_AS_NUMBER = ("a condition (true/false) is not a number: count conditions over a group "
                   "with count(...), or write if(condition, 1, 0)")


class _Compiler:
    def __init__(self, text: str, schema: Mapping[str, FieldType],
                 groups: Mapping[str, Sequence[str]], zero_division: str = "error") -> None:
        self.text = text
        self.schema = schema
        self.groups = groups
        self.zero_division = zero_division

    def fail(self, message: str, pos: int) -> None:
        raise ExpressionError(message, self.text, pos)

    def compile(self, node: Node, bind: Mapping[str, str]) -> _Typed:
        if isinstance(node, Num):
            value = node.value
            return _Typed("value", NUMBER, lambda env, n: np.full(n, value), frozenset(),
                          pos=node.pos, constant=value)
        if isinstance(node, Str):
            return _Typed("string", None, lambda env, n: None, frozenset(), node.value, node.pos)
        if isinstance(node, BoolLit):
            flag = node.value
            return _Typed("bool", BOOLEAN, lambda env, n: Truth(np.full(n, flag),
                                                                np.full(n, not flag)),
                          frozenset(), pos=node.pos)
        if isinstance(node, Name):
            return self.compile_name(node, bind)
        if isinstance(node, Unary):
            return self.compile_unary(node, bind)
        if isinstance(node, Binary):
            if node.op in ("and", "or"):
                return self.compile_logic(node, bind)
            if node.op in _COMPARISONS:
                return self.compile_compare(node, bind)
            return self.compile_arith(node, bind)
        if isinstance(node, In):
            return self.compile_in(node, bind)
        if isinstance(node, Call):
            return self.compile_call(node, bind)
        raise AssertionError(node)

    # -- names
    def compile_name(self, node: Name, bind: Mapping[str, str]) -> _Typed:
        name = bind.get(node.name, node.name)
        if name in self.groups:
            self.fail(f"group {name!r} can only be used inside count/any/all/none/min/max/"
                      "sum/mean/n_present", node.pos)
        ftype = self.schema.get(name)
        if ftype is None:
            self.fail(f"unknown field {name!r}", node.pos)
            raise AssertionError
        if ftype.kind == "text":
            self.fail(f"field {name!r} is text and cannot be used in a condition", node.pos)
        if ftype.kind == "period":
            return _Typed("period", ftype, lambda env, n: env["#period"], frozenset(),
                          pos=node.pos)
        if ftype.kind == "boolean":
            def read_bool(env: Env, n: int) -> Truth:
                v = env[name]
                return Truth(v > 0, v == 0)
            return _Typed("bool", BOOLEAN, read_bool, frozenset({name}), pos=node.pos)
        return _Typed("value", ftype, lambda env, n: env[name], frozenset({name}), pos=node.pos)

    def as_bool(self, typed: _Typed) -> Callable[[Env, int], Truth]:
        if typed.kind != "bool":
            self.fail("expected a condition (true/false), found a value", typed.pos)
        return typed.fn  # type: ignore[return-value]

    def as_value(self, typed: _Typed) -> Callable[[Env, int], np.ndarray]:
        if typed.kind == "period":
            self.fail("period can only be compared with a quoted period, e.g. "
                      "period >= '2003'", typed.pos)
        if typed.kind == "string":
            self.fail(f"a quoted label {typed.literal!r} can only be compared with a label "
                      "field", typed.pos)
        if typed.kind == "bool":
            self.fail(_BOOL_AS_NUMBER, typed.pos)
        return typed.fn  # type: ignore[return-value]

    def as_number(self, typed: _Typed, what: str) -> Callable[[Env, int], np.ndarray]:
        if typed.kind == "value" and typed.ftype is not None and typed.ftype.kind == "label":
            self.fail(f"{what} needs a number; labels are ordered but not numbers "
                      "(use ordinal(x) for the position)", typed.pos)
        return self.as_value(typed)

    # -- operators
    def compile_unary(self, node: Unary, bind: Mapping[str, str]) -> _Typed:
        inner = self.compile(node.operand, bind)
        if node.op == "not":
            fn = self.as_bool(inner)

            def negate(env: Env, n: int) -> Truth:
                tr = fn(env, n)
                return Truth(tr.f, tr.t)
            return _Typed("bool", BOOLEAN, negate, inner.fields, pos=node.pos)
        num = self.as_number(inner, "'-'")
        return _Typed("value", NUMBER, lambda env, n: -num(env, n), inner.fields, pos=node.pos)

    def compile_logic(self, node: Binary, bind: Mapping[str, str]) -> _Typed:
        left = self.compile(node.left, bind)
        right = self.compile(node.right, bind)
        lf, rf = self.as_bool(left), self.as_bool(right)
        if node.op == "and":
            def both(env: Env, n: int) -> Truth:
                a, b = lf(env, n), rf(env, n)
                return Truth(a.t & b.t, a.f | b.f)
            fn = both
        else:
            def either(env: Env, n: int) -> Truth:
                a, b = lf(env, n), rf(env, n)
                return Truth(a.t | b.t, a.f & b.f)
            fn = either
        return _Typed("bool", BOOLEAN, fn, left.fields | right.fields, pos=node.pos)

    def compile_arith(self, node: Binary, bind: Mapping[str, str]) -> _Typed:
        left = self.compile(node.left, bind)
        right = self.compile(node.right, bind)
        lf, rf = _scalar_sides(left, right, self.as_number(left, f"'{node.op}'"),
                               self.as_number(right, f"'{node.op}'"))
        ufunc = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}[node.op]
        # A side that is a new array of our own takes the result (one array less per operator).
        reuse = 0 if left.fresh and left.constant is None else (
            1 if right.fresh and right.constant is None else None)
        divide = node.op == "/"
        if divide and right.constant == 0:
            self.fail("division by zero", node.pos)
        strict = divide and self.zero_division == "error" and right.constant is None
        text, pos = self.text, node.pos

        def arith(env: Env, n: int) -> np.ndarray:
            a, b = lf(env, n), rf(env, n)
            if strict:  # before the result may be written into a or b
                check_divisor(env, n, a, b, text, pos)
            with np.errstate(divide="ignore", invalid="ignore"):
                out: np.ndarray = ufunc(a, b, out=(a, b)[reuse] if reuse is not None else None)
                if divide:
                    out[~np.isfinite(out)] = np.nan  # division by zero gives a missing value
            return out
        return _Typed("value", NUMBER, arith, left.fields | right.fields, pos=node.pos,
                      fresh=True)

    def label_code(self, ftype: FieldType, literal: str, pos: int) -> float:
        assert ftype.vocabulary is not None
        lowered = literal.strip().lower()
        for i, label in enumerate(ftype.vocabulary):
            if label.lower() == lowered:
                return float(i)
        self.fail(f"{literal!r} is not a label of vocabulary {ftype.vocabulary_name!r} "
                  f"({', '.join(ftype.vocabulary)})", pos)
        raise AssertionError

    def operand_pair(self, left: _Typed, right: _Typed, pos: int
                     ) -> tuple[Callable[[Env, int], np.ndarray], Callable[[Env, int], np.ndarray]]:
        """Resolve both sides of a comparison to numeric arrays (a literal to a scalar),
        mapping labels to codes."""
        for a, b in ((left, right), (right, left)):
            if a.kind == "string":
                if b.kind == "value" and b.ftype is not None and b.ftype.kind == "label":
                    lit = _scalar(self.label_code(b.ftype, a.literal or "", a.pos))
                    other = self.as_value(b)
                    return (lit, other) if a is left else (other, lit)
                self.fail(f"a quoted label {a.literal!r} can only be compared with a label "
                          "field", a.pos)
        lt, rt = left.ftype, right.ftype
        l_label = left.kind == "value" and lt is not None and lt.kind == "label"
        r_label = right.kind == "value" and rt is not None and rt.kind == "label"
        if l_label != r_label:
            self.fail("cannot compare a label with a number", pos)
        if l_label and r_label and lt != rt:
            self.fail(f"cannot compare labels of different vocabularies "
                      f"({lt.vocabulary_name if lt else ''} and "
                      f"{rt.vocabulary_name if rt else ''})", pos)
        return _scalar_sides(left, right, self.as_value(left), self.as_value(right))

    def compile_compare(self, node: Binary, bind: Mapping[str, str]) -> _Typed:
        left = self.compile(node.left, bind)
        right = self.compile(node.right, bind)
        if left.kind == "period" or right.kind == "period":
            return self.compile_period(node.op, left, right, node.pos)
        lf, rf = self.operand_pair(left, right, node.pos)
        op = node.op

        ufunc = {"==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
                 ">": np.greater, ">=": np.greater_equal}[op]

        def compare(env: Env, n: int) -> Truth:
            a, b = lf(env, n), rf(env, n)
            known = np.isnan(a)
            if np.ndim(b) != 0 or np.isnan(b):
                known |= np.isnan(b)
            np.logical_not(known, out=known)
            hit = ufunc(a, b)
            # Every comparison but != is false with a missing side, so hit is already known.
            if op == "!=":
                hit &= known
            false = ~hit
            false &= known
            return Truth(hit, false)
        return _Typed("bool", BOOLEAN, compare, left.fields | right.fields, pos=node.pos)

    def compile_period(self, op: str, left: _Typed, right: _Typed, pos: int) -> _Typed:
        """``period`` against a quoted period, compared as text (``'2002' < '2003'``)."""
        if left.kind != "period":
            left, right = right, left
            op = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
        if right.kind != "string" or right.literal is None:
            self.fail("period can only be compared with a quoted period, e.g. period == '2002'",
                      pos)
        literal = right.literal or ""

        def compare(env: Env, n: int) -> Truth:
            hit = period_mask(env, op, literal)
            return Truth(hit, ~hit)
        return _Typed("bool", BOOLEAN, compare, frozenset(), pos=pos)

    def compile_in(self, node: In, bind: Mapping[str, str]) -> _Typed:
        operand = self.compile(node.operand, bind)
        if operand.kind == "period":
            wanted = []
            for item in node.items:
                if not isinstance(item, Str):
                    self.fail("period is compared with quoted periods", item.pos)
                    raise AssertionError
                wanted.append(item.value)
            negate_period = node.negate

            def member_period(env: Env, n: int) -> Truth:
                hit = np.zeros(n, dtype=bool)
                for literal in wanted:
                    hit |= period_mask(env, "==", literal)
                if negate_period:
                    hit = ~hit
                return Truth(hit, ~hit)
            return _Typed("bool", BOOLEAN, member_period, frozenset(), pos=node.pos)
        fn = self.as_value(operand)
        ftype = operand.ftype
        codes: list[float] = []
        for item in node.items:
            if isinstance(item, Str):
                if ftype is None or ftype.kind != "label":
                    self.fail("a quoted label in a list needs a label field on the left",
                              item.pos)
                    raise AssertionError
                codes.append(self.label_code(ftype, item.value, item.pos))
            else:
                assert isinstance(item, Num)
                if ftype is not None and ftype.kind == "label":
                    self.fail("a label field can only be tested against quoted labels",
                              item.pos)
                codes.append(item.value)
        members = np.array(codes)
        negate = node.negate

        def member(env: Env, n: int) -> Truth:
            v = fn(env, n)
            known = ~np.isnan(v)
            hit = np.isin(v, members)
            if negate:
                hit = ~hit
            return Truth(hit & known, ~hit & known)
        return _Typed("bool", BOOLEAN, member, operand.fields, pos=node.pos)

    # -- functions
    def group_members(self, node: Node, bind: Mapping[str, str]) -> tuple[str | None, list[str]]:
        """The single group named inside a quantifier's argument, and its members."""
        found: set[str] = set()

        def walk(sub: Node) -> None:
            if isinstance(sub, Name) and bind.get(sub.name, sub.name) in self.groups:
                found.add(bind.get(sub.name, sub.name))
            elif isinstance(sub, Unary):
                walk(sub.operand)
            elif isinstance(sub, Binary):
                walk(sub.left)
                walk(sub.right)
            elif isinstance(sub, In):
                walk(sub.operand)
            elif isinstance(sub, Call):
                for arg in sub.args:
                    walk(arg)
        walk(node)
        if len(found) > 1:
            self.fail(f"one group at a time inside a quantifier (found {listing(sorted(found))})",
                      node_pos(node))
        if not found:
            return None, []
        group = found.pop()
        return group, list(self.groups[group])

    def compile_call(self, node: Call, bind: Mapping[str, str]) -> _Typed:
        name = node.name
        if name not in FUNCTIONS:
            self.fail(f"unknown function {name!r} (allowed: {', '.join(sorted(FUNCTIONS))})",
                      node.pos)
        if name in _QUANTIFIERS:
            return self.compile_quantifier(node, bind)
        if name in ("present", "missing", "na"):
            return self.compile_presence(node, bind)
        if name == "ordinal":
            return self.compile_ordinal(node, bind)
        if name in _MATH or name in ("pow", "clip"):
            return self.compile_math(node, bind)
        if name == "if":
            return self.compile_if(node, bind)
        if name == "round":
            return self.compile_round(node, bind)
        if name == "div":
            return self.compile_div(node, bind)
        return self.compile_reduction(node, bind)

    def compile_round(self, node: Call, bind: Mapping[str, str]) -> _Typed:
        """round(x, digits, method): the round step's rounding; digits (a whole number,
        default 0) and method (default 'half_up') are literals."""
        usage = "round(x), round(x, digits) or round(x, digits, 'method')"
        if not 1 <= len(node.args) <= 3:
            self.fail(f"round takes one to three arguments: {usage}", node.pos)
        inner = self.compile(node.args[0], bind)
        fn = self.as_number(inner, "round")
        digits, method = 0, "half_up"
        if len(node.args) > 1:
            arg = node.args[1]
            negative = isinstance(arg, Unary) and arg.op == "-" and isinstance(arg.operand, Num)
            number = arg.operand if isinstance(arg, Unary) and negative else arg
            if not isinstance(number, Num) or number.value != int(number.value):
                self.fail(f"round's digits must be a whole number written out: {usage}",
                          arg.pos)
            assert isinstance(number, Num)
            digits = -int(number.value) if negative else int(number.value)
        if len(node.args) > 2:
            arg = node.args[2]
            if not isinstance(arg, Str) or arg.value not in ROUND_METHODS:
                self.fail(f"round's method is one of {listing(list(ROUND_METHODS))}, quoted",
                          arg.pos)
            assert isinstance(arg, Str)
            method = arg.value

        def rounded(env: Env, n: int) -> np.ndarray:
            x = np.broadcast_to(np.asarray(fn(env, n), dtype=np.float64), (n,))
            return round_values(x, digits, method)
        return _Typed("value", INTEGER if digits <= 0 else NUMBER, rounded, inner.fields,
                      pos=node.pos, fresh=True)

    def compile_div(self, node: Call, bind: Mapping[str, str]) -> _Typed:
        """div(a, b): a / b, missing where b is zero; div(a, b, otherwise): ``otherwise``
        where b is zero. A missing a or b gives a missing value."""
        if len(node.args) not in (2, 3):
            self.fail("div takes two or three arguments: div(a, b) or div(a, b, otherwise)",
                      node.pos)
        parts = [self.compile(arg, bind) for arg in node.args]
        fns = [self.as_number(p, "div") for p in parts]
        fields = frozenset().union(*(p.fields for p in parts))

        def divide(env: Env, n: int) -> np.ndarray:
            a, b, *rest = (np.broadcast_to(np.asarray(f(env, n), dtype=np.float64), (n,))
                           for f in fns)
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                out = np.divide(a, b)
            out[~np.isfinite(out)] = np.nan
            if rest:
                zero = (b == 0) & ~np.isnan(a)
                np.copyto(out, rest[0], where=zero)
            return out
        return _Typed("value", NUMBER, divide, fields, pos=node.pos, fresh=True)

    def compile_math(self, node: Call, bind: Mapping[str, str]) -> _Typed:
        """abs, sqrt, ln, exp (one number), pow(x, y), clip(x, low, high): missing in,
        missing out."""
        name = node.name
        arity = {"pow": 2, "clip": 3}.get(name, 1)
        if len(node.args) != arity:
            shape_of = {"pow": "pow(x, y)", "clip": "clip(x, low, high)"}.get(name, f"{name}(x)")
            self.fail(f"{name} takes {arity} argument{'s' * (arity > 1)}: {shape_of}", node.pos)
        parts = [self.compile(arg, bind) for arg in node.args]
        nums = [self.as_number(p, name) for p in parts]
        fields = frozenset().union(*(p.fields for p in parts))
        one = _MATH.get(name)

        def apply(env: Env, n: int) -> np.ndarray:
            xs = [np.broadcast_to(np.asarray(f(env, n), dtype=np.float64), (n,)) for f in nums]
            with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
                if one is not None:
                    out = one(xs[0])
                elif name == "pow":
                    out = np.power(xs[0], xs[1])
                else:  # clip: a bound that is missing leaves that side open
                    out = np.fmin(np.fmax(xs[0], xs[1]), xs[2])
                    out = np.where(np.isnan(xs[0]), np.nan, out)
            return np.where(np.isfinite(out), out, np.nan)
        return _Typed("value", NUMBER, apply, fields, pos=node.pos, fresh=True)

    def compile_if(self, node: Call, bind: Mapping[str, str]) -> _Typed:
        """if(condition, then, else): an unknown condition gives a missing value."""
        if len(node.args) != 3:
            self.fail("if takes three arguments: if(condition, then, else)", node.pos)
        condition = self.compile(node.args[0], bind)
        cond = self.as_bool(condition)
        then, other = (self.compile(arg, bind) for arg in node.args[1:])
        then_fn, other_fn = self.as_number(then, "if"), self.as_number(other, "if")
        whole = all(t.ftype is not None and t.ftype.kind == "integer" for t in (then, other))
        fields = condition.fields | then.fields | other.fields
        # A branch is worked out for every row but used only where it is chosen: a division
        # by zero counts only on the rows of its own branch (if(b != 0, a / b, 0) is fine).
        guard = [_divides(arg) for arg in node.args[1:]]

        def choose(env: Env, n: int) -> np.ndarray:
            tr = cond(env, n)
            a = np.broadcast_to(np.asarray(then_fn(narrowed(env, tr.t) if guard[0] else env, n),
                                           dtype=np.float64), (n,))
            b = np.broadcast_to(np.asarray(other_fn(narrowed(env, tr.f) if guard[1] else env,
                                                    n), dtype=np.float64), (n,))
            return np.where(tr.t, a, np.where(tr.f, b, np.nan))
        return _Typed("value", INTEGER if whole else NUMBER, choose, fields,
                      pos=node.pos, fresh=True)

    def member_values(self, node: Call, bind: Mapping[str, str]
                      ) -> tuple[list[_Typed], str | None]:
        if not node.args:
            self.fail(f"{node.name} needs at least one argument", node.pos)
        if len(node.args) == 1:
            group, members = self.group_members(node.args[0], bind)
            if group is not None:
                return [self.compile(node.args[0], {**bind, group: m}) for m in members], group
        return [self.compile(arg, bind) for arg in node.args], None

    def compile_quantifier(self, node: Call, bind: Mapping[str, str]) -> _Typed:
        if len(node.args) != 1:
            self.fail(f"{node.name} takes one condition over a group, e.g. "
                      f"{node.name}(level1 < 3)", node.pos)
        group, members = self.group_members(node.args[0], bind)
        if group is None:
            self.fail(f"{node.name}(...) needs a group inside its condition", node.pos)
        parts = [self.compile(node.args[0], {**bind, group: m}) for m in members]  # type: ignore[dict-item]
        fns = [self.as_bool(p) for p in parts]
        fields = frozenset().union(*(p.fields for p in parts))

        # The rows of a decision table repeat the same quantifiers (none(level1 < 2) and
        # count(level1 < 2) count alike): one scope counts each once.
        key = "counts " + shape(node.args[0], bind)
        small = np.uint8 if len(fns) < 256 else np.int64

        def counts(env: Env, n: int) -> tuple[np.ndarray, np.ndarray]:
            memo = env.memo if isinstance(env, Scope) else {}
            if key not in memo:
                t = np.zeros(n, dtype=small)
                f = np.zeros(n, dtype=small)
                for fn in fns:
                    tr = fn(env, n)
                    np.add(t, tr.t, out=t)
                    np.add(f, tr.f, out=f)
                memo[key] = (t, f)
            found: tuple[np.ndarray, np.ndarray] = memo[key]  # type: ignore[assignment]
            return found

        kind = node.name
        if kind == "count":
            def count(env: Env, n: int) -> np.ndarray:
                return counts(env, n)[0].astype(np.float64)
            return _Typed("value", INTEGER, count, fields, pos=node.pos, fresh=True)

        def quantify(env: Env, n: int) -> Truth:
            t, f = counts(env, n)
            hit = t > 0 if kind == "any" else (t == 0 if kind == "none" else f == 0)
            return Truth(hit, ~hit)
        return _Typed("bool", BOOLEAN, quantify, fields, pos=node.pos)

    def compile_presence(self, node: Call, bind: Mapping[str, str]) -> _Typed:
        if len(node.args) != 1 or not isinstance(node.args[0], Name):
            self.fail(f"{node.name} takes one field name", node.pos)
        arg = node.args[0]
        assert isinstance(arg, Name)
        target = bind.get(arg.name, arg.name)
        if target not in self.schema:
            self.fail(f"unknown field {target!r}", arg.pos)
        kind = node.name

        def presence(env: Env, n: int) -> Truth:
            if kind == "na":
                hit = env.get(f"{target}#na", np.zeros(n, dtype=bool)).astype(bool)
            else:
                values = env[target]
                hit = ~np.isnan(values) if kind == "present" else np.isnan(values)
                if kind == "missing" and f"{target}#na" in env:
                    hit = hit & ~env[f"{target}#na"].astype(bool)
            return Truth(hit, ~hit)
        return _Typed("bool", BOOLEAN, presence, frozenset({target}), pos=node.pos)

    def compile_ordinal(self, node: Call, bind: Mapping[str, str]) -> _Typed:
        if len(node.args) != 1:
            self.fail("ordinal takes one label field", node.pos)
        inner = self.compile(node.args[0], bind)
        if inner.ftype is None or inner.ftype.kind != "label":
            self.fail("ordinal needs a label field", node.pos)
        fn = self.as_value(inner)
        return _Typed("value", INTEGER, lambda env, n: fn(env, n) + 1.0, inner.fields,
                      pos=node.pos)

    def compile_reduction(self, node: Call, bind: Mapping[str, str]) -> _Typed:
        parts, _ = self.member_values(node, bind)
        name = node.name
        keep_label = name in ("min", "max", "coalesce")
        types = {p.ftype for p in parts if p.kind == "value"}
        if any(p.kind == "string" for p in parts):
            self.fail(f"{name} takes fields or numbers, not quoted labels", node.pos)
        labels = {t for t in types if t is not None and t.kind == "label"}
        if labels and (not keep_label or len(types) != 1):
            self.fail(f"{name} cannot mix labels with numbers or other vocabularies", node.pos)
        fns = [self.as_value(p) for p in parts] if labels else [
            self.as_number(p, name) for p in parts]
        fields = frozenset().union(*(p.fields for p in parts))
        result = next(iter(labels)) if labels else (
            INTEGER if types and all(t == INTEGER for t in types) and name != "mean"
            else NUMBER)

        def reduce(env: Env, n: int) -> np.ndarray:
            if not fns:
                return np.full(n, np.nan)
            return reduce_columns(name, (fn(env, n) for fn in fns), n)
        if name == "n_present":
            return _Typed("value", INTEGER, reduce, fields, pos=node.pos, fresh=True)
        status = _first_present_status(parts, fns) if name == "coalesce" else None
        return _Typed("value", result, reduce, fields, pos=node.pos, status=status, fresh=True)


def reduce_columns(name: str, columns: Iterator[np.ndarray], n: int) -> np.ndarray:
    """min, max, sum, mean, n_present or coalesce over the present values of each row,
    member by member into one array (no stack of every member: at millions of rows each
    copy of a column is a fresh allocation)."""
    if name == "coalesce":
        out = np.array(next(columns), dtype=np.float64)
        for column in columns:
            gap = np.isnan(out)
            if not gap.any():
                break
            np.copyto(out, column, where=gap)
        return out
    count = np.zeros(n)
    present = np.empty(n, dtype=bool)
    if name in ("min", "max"):
        out = np.full(n, np.inf if name == "min" else -np.inf)
        # fmin/fmax keep the other side of a missing value: min/max over present values
        # without a mask (which is about four times slower).
        extreme = np.fmin if name == "min" else np.fmax
    else:
        out = np.zeros(n)
        extreme = None
    for column in columns:
        np.isnan(column, out=present)
        np.logical_not(present, out=present)
        if not present.any():
            continue  # a member missing everywhere (an input no file gave) adds nothing
        np.add(count, present, out=count)
        if extreme is not None:
            extreme(out, column, out=out)
        elif name != "n_present":
            # Adding only the present values is nansum's sum exactly: it starts from +0.0
            # and adds 0.0 for a missing value, which never changes a sum that is not -0.0.
            # (A masked ufunc is about three times slower: mask only if need be.)
            np.add(out, column, out=out, where=True if present.all() else present)
    if name == "n_present":
        return count
    if name == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            np.divide(out, count, out=out)
    out[count == 0] = np.nan
    return out


def node_pos(node: Node) -> int:
    return node.pos


def _divides(root: Node) -> bool:
    """Whether an expression holds a '/' (which may refuse a zero divisor)."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, Binary) and node.op == "/":
            return True
        stack.extend(children(node))
    return False


def narrowed(env: Env, rows: np.ndarray) -> Env:
    """The same fields, for working out a value that is used only on ``rows``."""
    child = Scope(env)
    child.memo = env.memo if isinstance(env, Scope) else {}
    active = env.get("#active")
    child["#active"] = rows if active is None else rows & active
    return child


def check_divisor(env: Env, n: int, a: np.ndarray, b: np.ndarray, text: str, pos: int) -> None:
    """Refuse a zero divisor under a present dividend, on the rows the value is used on."""
    zero = b == 0
    if not np.any(zero):
        return
    bad = np.broadcast_to(zero & ~np.isnan(a), (n,))
    active = env.get("#active")
    if active is not None:
        bad = bad & active
    if bad.any():
        raise ZeroDivisor(text, pos, np.flatnonzero(bad))


def _first_present_status(parts: list[_Typed],
                          fns: list[Callable[[Env, int], np.ndarray]]) -> StatusFn:
    """coalesce's value comes from its first present argument, and so does its status
    (the first argument's where none is present)."""
    statuses = [p.status or fields_status(p.fields) for p in parts]

    def status(env: Env, known: Env, n: int) -> np.ndarray:
        out: np.ndarray = statuses[0](env, known, n)
        gap = np.isnan(fns[0](env, n))
        for fn, st in zip(fns[1:], statuses[1:], strict=True):
            if not gap.any():
                break
            here = gap & ~np.isnan(fn(env, n))
            np.copyto(out, st(env, known, n), where=here)
            gap &= ~here
        return out
    return status


def _scalar_sides(left: _Typed, right: _Typed, lf: Callable[[Env, int], np.ndarray],
                  rf: Callable[[Env, int], np.ndarray]
                  ) -> tuple[Callable[[Env, int], np.ndarray], Callable[[Env, int], np.ndarray]]:
    """A number literal beside an array is used as a scalar: no column of n copies of it."""
    if left.constant is not None and right.constant is None:
        return _scalar(left.constant), rf
    if right.constant is not None and left.constant is None:
        return lf, _scalar(right.constant)
    return lf, rf


def _scalar(value: float) -> Callable[[Env, int], np.ndarray]:
    """A literal as one number, which numpy broadcasts against a column."""
    number = np.float64(value)

    def constant(env: Env, n: int) -> np.ndarray:
        return number  # type: ignore[return-value]
    return constant


def period_mask(env: Env, op: str, literal: str) -> np.ndarray:
    """Rows whose period compares so with ``literal``, using the sorted distinct periods."""
    periods = env["#periods"]
    codes: np.ndarray = np.asarray(env["#period"])
    left = int(np.searchsorted(periods, literal, side="left"))
    right = int(np.searchsorted(periods, literal, side="right"))
    within = (codes >= left) & (codes < right)
    masks: dict[str, np.ndarray] = {
        "==": within, "!=": ~within, "<": codes < left, "<=": codes < right,
        ">": codes >= right, ">=": codes >= left}
    return masks[op]


def compile_expression(text: str, schema: Mapping[str, FieldType],
                       groups: Mapping[str, Sequence[str]] | None = None,
                       *, want: str = "bool", zero_division: str = "error") -> Compiled:
    """Parse and type-check ``text`` against the fields in ``schema``.

    ``want`` is "bool" for conditions or "value" for arithmetic (compute steps);
    ``zero_division`` what '/' makes of a zero divisor (see ZERO_DIVISION).
    """
    tree = parse(text)
    compiler = _Compiler(text, schema, groups or {}, zero_division)
    typed = compiler.compile(tree, {})
    if want == "bool":
        fn = compiler.as_bool(typed)
        return Compiled(text, BOOLEAN, typed.fields, fn)
    if typed.kind == "bool":
        return Compiled(text, BOOLEAN, typed.fields, typed.fn)
    value_fn = compiler.as_value(typed)
    assert typed.ftype is not None
    return Compiled(text, typed.ftype, typed.fields, value_fn, typed.status)


@dataclass(frozen=True)
class FunctionDoc:
    """A function of the language as docs/steps.md describes it: how it is called, what it
    gives, and what it does with missing values."""

    signature: str
    meaning: str
    missing: str


_OVER = ("over its arguments, or over a group's members when its one argument names a "
         "group (`{f}(level1)`, `{f}(level1 * 2)`)")
FUNCTION_DOCS: dict[str, FunctionDoc] = {
    "min": FunctionDoc("min(a, b, ...)", "The smallest value " + _OVER.format(f="min") +
                       "; labels of one vocabulary give a label (the worst).",
                       "Over the present values; missing when none is present."),
    "max": FunctionDoc("max(a, b, ...)", "The largest value " + _OVER.format(f="max") +
                       "; labels of one vocabulary give a label (the best).",
                       "Over the present values; missing when none is present."),
    "sum": FunctionDoc("sum(a, b, ...)", "The total " + _OVER.format(f="sum") +
                       "; an integer when every argument is.",
                       "Over the present values; missing when none is present."),
    "mean": FunctionDoc("mean(a, b, ...)", "The mean " + _OVER.format(f="mean") + ".",
                        "Over the present values; missing when none is present."),
    "n_present": FunctionDoc("n_present(a, b, ...)", "How many of the values are present, " +
                             _OVER.format(f="n_present") + ".", "Never missing (0 when "
                             "none is present); a value marked n/a is not present."),
    "coalesce": FunctionDoc("coalesce(a, b, ...)", "The first present value, in the order "
                            "given (labels of one vocabulary give a label); its status is "
                            "that argument's.", "Missing when none is present."),
    "count": FunctionDoc("count(condition)", "How many members of the group named in the "
                         "condition it is definitely true for (`count(level1 < 2)`).",
                         "A member where the condition is unknown is not counted; never "
                         "missing."),
    "any": FunctionDoc("any(condition)", "True when the condition is definitely true for "
                       "some member of the group named in it.", "Never unknown: members "
                       "where it is unknown do not count, so it is false if no member "
                       "makes it true."),
    "all": FunctionDoc("all(condition)", "True when the condition is definitely false for no "
                       "member of the group named in it.", "Never unknown: members where "
                       "it is unknown do not count against it (every member missing gives "
                       "true)."),
    "none": FunctionDoc("none(condition)", "True when the condition is definitely true for "
                        "no member of the group named in it.", "Never unknown: members "
                        "where it is unknown do not count."),
    "present": FunctionDoc("present(field)", "True where the field has a value.",
                           "Never unknown; a value marked n/a is not present."),
    "missing": FunctionDoc("missing(field)", "True where the field has no value and is not "
                           "marked n/a.", "Never unknown."),
    "na": FunctionDoc("na(field)", "True where the field's value is marked n/a.",
                      "Never unknown."),
    "ordinal": FunctionDoc("ordinal(label)", "A label's position in its vocabulary, 1 for "
                           "the first (worst) label.", "Missing in, missing out."),
    "abs": FunctionDoc("abs(x)", "The absolute value.", "Missing in, missing out."),
    "sqrt": FunctionDoc("sqrt(x)", "The square root.", "Missing in, missing out; missing "
                        "for a negative number."),
    "ln": FunctionDoc("ln(x)", "The natural logarithm.", "Missing in, missing out; missing "
                      "for zero or a negative number."),
    "exp": FunctionDoc("exp(x)", "e to the power x.", "Missing in, missing out; missing "
                       "where the result overflows."),
    "pow": FunctionDoc("pow(x, y)", "x to the power y.", "Missing if either is; missing "
                       "where the result is not a finite number (`pow(0, -1)`, "
                       "`pow(-8, 0.5)`)."),
    "clip": FunctionDoc("clip(x, low, high)", "x held within [low, high].", "Missing where "
                        "x is; a missing bound leaves that side open."),
    "round": FunctionDoc("round(x, digits, 'method')", "x rounded as the round step rounds: "
                         "`digits` a whole number written out (default 0; negative rounds "
                         "to tens, hundreds), `method` one of `half_up` (the default, away "
                         "from zero), `half_even`, `floor`, `ceil`, `trunc`, quoted.",
                         "Missing where x is; an integer when digits is 0 or less."),
    "div": FunctionDoc("div(a, b, otherwise)", "a / b, saying what a zero divisor gives: "
                       "missing (`div(a, b)`) or `otherwise`.",
                       "Missing where a or b is; unlike `/`, a zero b is never an error."),
    "if": FunctionDoc("if(condition, then, else)", "`then` where the condition is true, "
                      "`else` where it is false (numbers; an integer when both are).",
                      "Missing where the condition is unknown."),
}
