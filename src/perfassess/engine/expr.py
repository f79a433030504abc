"""The condition language: a small grammar parsed by hand, compiled to Polars expressions.

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
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from perfassess.engine.fields import BOOLEAN, INTEGER, NUMBER, FieldType


class ExpressionError(ValueError):
    """An expression that does not parse or does not type-check, with its position."""

    def __init__(self, message: str, text: str, position: int) -> None:
        self.message = message
        self.text = text
        self.position = position
        pointer = " " * position + "^"
        super().__init__(f"{message} at position {position + 1}\n  {text}\n  {pointer}")


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
            if tok.text in _PYTHON_WORDS:
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
StatusFn = Callable[[Env, Env, int], np.ndarray]

# Columns an expression may read besides its fields: each row's period as text, a field's
# n/a mask (name + NA), and a column of ones that makes a constant a whole column.
PERIOD_COLUMN = "#period"
NA = "#na"
ONE = "#one"
_INF = float("inf")
_NAN = float("nan")


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


class Scope(dict[str, np.ndarray]):
    """The fields one step reads, and what its expressions have already worked out from
    them (results shared between conditions; nobody writes into them)."""

    def __init__(self, fields: Mapping[str, np.ndarray]) -> None:
        super().__init__(fields)
        self.memo: dict[str, pl.Series] = {}  # shared sub-results, by their shape
        self.columns: dict[str, pl.Series] = {}  # the fields as Polars columns


@dataclass(frozen=True)
class Program:
    """A Polars expression and the shared sub-results it reads, each computed once, in order,
    as a column named by its shape (which no field name can be)."""

    expr: pl.Expr
    lets: tuple[tuple[str, pl.Expr], ...] = ()

    @property
    def inputs(self) -> tuple[str, ...]:
        """The columns the frame must give: fields, n/a masks, #period, #one."""
        bound = {name for name, _ in self.lets}
        roots = {r for e in (self.expr, *(e for _, e in self.lets)) for r in e.meta.root_names()}
        return tuple(sorted(roots - bound))

    def run(self, env: Env, n: int, *outputs: pl.Expr) -> list[pl.Series]:
        """Over the rows of ``env``, the outputs made of the expression (by default the
        expression itself); a constant is repeated to ``n`` rows."""
        scope = env if isinstance(env, Scope) else None
        frame = pl.DataFrame([_column(name, env, n, scope) for name in self.inputs]
                             or [pl.Series(ONE, np.ones(n))])
        for name, expr in self.lets:
            if scope is not None and name in scope.memo:
                frame = frame.with_columns(scope.memo[name])
                continue
            frame = frame.with_columns(expr.alias(name))
            if scope is not None:
                scope.memo[name] = frame.get_column(name)
        names = [f"#out{i}" for i in range(len(outputs) or 1)]
        frame = frame.with_columns(e.alias(k) for e, k in zip(outputs or (self.expr,), names,
                                                               strict=True))
        return [frame.get_column(k) for k in names]

    def floats(self, env: Env, n: int, *, writable: bool = False) -> np.ndarray:
        """The expression's values as numbers, NaN for missing (filling nulls in the query
        is about three times faster than letting to_numpy do it)."""
        values, = self.run(env, n, self.expr.cast(pl.Float64).fill_null(_NAN))
        out: np.ndarray = values.to_numpy(writable=writable)
        return out


def _column(name: str, env: Env, n: int, scope: Scope | None) -> pl.Series:
    if scope is not None and name in scope.columns:
        return scope.columns[name]
    if name == PERIOD_COLUMN:
        periods = pl.Series(name, np.asarray(env["#periods"]), dtype=pl.String)
        series = periods.gather(np.asarray(env["#period"]))
    elif name == ONE:
        series = pl.Series(name, np.ones(n))
    elif name.endswith(NA):
        mask = env.get(name)
        series = pl.Series(name, np.zeros(n, dtype=bool) if mask is None
                           else np.asarray(mask, dtype=bool))
    else:
        series = pl.Series(name, np.asarray(env[name], dtype=np.float64), nan_to_null=True)
    if scope is not None:
        scope.columns[name] = series
    return series


@dataclass(frozen=True)
class Compiled:
    """A type-checked expression: its result type, the fields it reads, its Polars program,
    and how sure its value is (by default the least certain field it read)."""

    text: str
    result: FieldType  # BOOLEAN for conditions
    fields: frozenset[str]
    program: Program = field(repr=False)
    condition: bool = True  # the program gives true/false/null rather than numbers
    _status: StatusFn | None = field(default=None, repr=False)

    @property
    def expr(self) -> pl.Expr:
        return self.program.expr

    def status(self, env: Env, statuses: Env, n: int) -> np.ndarray:
        return (self._status or fields_status(self.fields))(env, statuses, n)

    def truth(self, env: Env, n: int) -> Truth:
        assert self.condition
        e = self.program.expr
        t, f = self.program.run(env, n, e.fill_null(False), (~e).fill_null(False))
        return Truth(t.to_numpy(), f.to_numpy())

    def values(self, env: Env, n: int) -> np.ndarray:
        return self.program.floats(env, n)


_QUANTIFIERS = {"count", "any", "all", "none"}
FUNCTIONS = {"min", "max", "sum", "mean", "n_present", "coalesce", "abs", "ordinal", "present",
             "missing", "na"} | _QUANTIFIERS


@dataclass(frozen=True)
class _Typed:
    """A compiled sub-expression: 'bool', a field type, or a literal awaiting context."""

    kind: str  # "bool" | "value" | "string" | "period"
    ftype: FieldType | None
    expr: pl.Expr
    fields: frozenset[str]
    literal: str | None = None
    pos: int = 0
    status: StatusFn | None = None  # set where the value reads only some of its fields


def whole(expr: pl.Expr) -> pl.Expr:
    """A constant as a column of it. Polars divides by a constant as by its reciprocal and
    takes x + 0 for x, neither of which is IEEE arithmetic (x / 3, -0.0 + 0)."""
    return expr if expr.meta.root_names() else pl.col(ONE) * expr


def arithmetic(op: str, left: pl.Expr, right: pl.Expr) -> pl.Expr:
    """+ - * / as NumPy does them, with a missing value for NaN (inf - inf) and for any
    non-finite quotient (division by zero)."""
    a, b = whole(left), whole(right)
    if op == "/":
        return (a / b).replace([_INF, -_INF, _NAN], None)
    out = a + b if op == "+" else (a - b if op == "-" else a * b)
    return out.replace([_NAN], None)


def reduction(name: str, parts: Sequence[pl.Expr]) -> pl.Expr:
    """min, max, sum, mean, n_present or coalesce over the present values of each row.

    sum adds the present members in order starting from +0.0 (as NumPy's nansum: a sum of
    -0.0 alone is +0.0), mean divides that by the count present; min and max keep the last
    of equal members, as NumPy's fmin/fmax over arrays do (max(0.0, -0.0) is -0.0). None
    present: missing. sum and mean read each part twice: give them columns, not compound ones."""
    if not parts:
        return pl.lit(None, dtype=pl.Float64)
    if name == "coalesce":
        return pl.coalesce(parts)
    count = pl.sum_horizontal([p.is_not_null() for p in parts])
    if name == "n_present":
        return whole(count.cast(pl.Float64))
    if name in ("min", "max"):
        return (pl.min_horizontal if name == "min" else pl.max_horizontal)(parts)
    total = pl.col(ONE) * 0.0
    for part in parts:
        total = total + whole(part).fill_null(0.0)
    if name == "mean":
        total = total / whole(count.cast(pl.Float64))
    return pl.when(count > 0).then(total.replace([_NAN], None))


def reduce_arrays(name: str, columns: Iterable[np.ndarray], n: int) -> np.ndarray:
    """:func:`reduction` over whole arrays (NaN for missing), as the aggregate step needs."""
    env = {f"m{i}": column for i, column in enumerate(columns)}
    names = list(env)
    program = Program(reduction(name, [pl.col(c) for c in names]).cast(pl.Float64))
    return program.floats(env, n, writable=True)


class _Compiler:
    def __init__(self, text: str, schema: Mapping[str, FieldType],
                 groups: Mapping[str, Sequence[str]]) -> None:
        self.text = text
        self.schema = schema
        self.groups = groups
        self.lets: dict[str, pl.Expr] = {}

    def fail(self, message: str, pos: int) -> None:
        raise ExpressionError(message, self.text, pos)

    def share(self, expr: pl.Expr, key: str) -> pl.Expr:
        """A compound expression read more than once, as a column computed once (an
        expression that repeats a compound one grows exponentially with nesting)."""
        if expr.meta.is_column() or expr.meta.is_literal():
            return expr
        name = f"#{key}"
        self.lets.setdefault(name, whole(expr))  # a constant too, as a whole column
        return pl.col(name)

    def compile(self, node: Node, bind: Mapping[str, str]) -> _Typed:
        if isinstance(node, Num):
            return _Typed("value", NUMBER, pl.lit(node.value, dtype=pl.Float64), frozenset(),
                          pos=node.pos)
        if isinstance(node, Str):
            return _Typed("string", None, pl.lit(None), frozenset(), node.value, node.pos)
        if isinstance(node, BoolLit):
            return _Typed("bool", BOOLEAN, pl.lit(node.value, dtype=pl.Boolean), frozenset(),
                          pos=node.pos)
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
            return _Typed("period", ftype, pl.col(PERIOD_COLUMN), frozenset(), pos=node.pos)
        column = pl.col(name)
        if ftype.kind == "boolean":
            flag = pl.when(column > 0).then(True).when(column == 0).then(False)
            return _Typed("bool", BOOLEAN, flag, frozenset({name}), pos=node.pos)
        return _Typed("value", ftype, column, frozenset({name}), pos=node.pos)

    def as_bool(self, typed: _Typed) -> pl.Expr:
        if typed.kind != "bool":
            self.fail("expected a condition (true/false), found a value", typed.pos)
        return typed.expr

    def as_value(self, typed: _Typed) -> pl.Expr:
        if typed.kind == "period":
            self.fail("period can only be compared with a quoted period, e.g. "
                      "period >= '2003'", typed.pos)
        if typed.kind == "string":
            self.fail(f"a quoted label {typed.literal!r} can only be compared with a label "
                      "field", typed.pos)
        if typed.kind == "bool":
            return typed.expr.cast(pl.Float64)
        return typed.expr

    def as_number(self, typed: _Typed, what: str) -> pl.Expr:
        if typed.kind == "value" and typed.ftype is not None and typed.ftype.kind == "label":
            self.fail(f"{what} needs a number; labels are ordered but not numbers "
                      "(use ordinal(x) for the position)", typed.pos)
        return self.as_value(typed)

    # -- operators
    def compile_unary(self, node: Unary, bind: Mapping[str, str]) -> _Typed:
        inner = self.compile(node.operand, bind)
        if node.op == "not":
            return _Typed("bool", BOOLEAN, ~self.as_bool(inner), inner.fields, pos=node.pos)
        return _Typed("value", NUMBER, -self.as_number(inner, "'-'"), inner.fields,
                      pos=node.pos)

    def compile_logic(self, node: Binary, bind: Mapping[str, str]) -> _Typed:
        left = self.compile(node.left, bind)
        right = self.compile(node.right, bind)
        a, b = self.as_bool(left), self.as_bool(right)
        expr = a & b if node.op == "and" else a | b  # Kleene: unknown and false is false
        return _Typed("bool", BOOLEAN, expr, left.fields | right.fields, pos=node.pos)

    def compile_arith(self, node: Binary, bind: Mapping[str, str]) -> _Typed:
        left = self.compile(node.left, bind)
        right = self.compile(node.right, bind)
        expr = arithmetic(node.op, self.as_number(left, f"'{node.op}'"),
                          self.as_number(right, f"'{node.op}'"))
        return _Typed("value", NUMBER, expr, left.fields | right.fields, pos=node.pos)

    def label_code(self, ftype: FieldType, literal: str, pos: int) -> float:
        assert ftype.vocabulary is not None
        lowered = literal.strip().lower()
        for i, label in enumerate(ftype.vocabulary):
            if label.lower() == lowered:
                return float(i)
        self.fail(f"{literal!r} is not a label of vocabulary {ftype.vocabulary_name!r} "
                  f"({', '.join(ftype.vocabulary)})", pos)
        raise AssertionError

    def operand_pair(self, left: _Typed, right: _Typed, pos: int) -> tuple[pl.Expr, pl.Expr]:
        """Both sides of a comparison as numbers, labels as their codes."""
        for a, b in ((left, right), (right, left)):
            if a.kind == "string":
                if b.kind == "value" and b.ftype is not None and b.ftype.kind == "label":
                    code = pl.lit(self.label_code(b.ftype, a.literal or "", a.pos))
                    other = self.as_value(b)
                    return (code, other) if a is left else (other, code)
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
        return self.as_value(left), self.as_value(right)

    def compile_compare(self, node: Binary, bind: Mapping[str, str]) -> _Typed:
        left = self.compile(node.left, bind)
        right = self.compile(node.right, bind)
        if left.kind == "period" or right.kind == "period":
            return self.compile_period(node.op, left, right, node.pos)
        a, b = self.operand_pair(left, right, node.pos)
        return _Typed("bool", BOOLEAN, _COMPARE[node.op](a, b), left.fields | right.fields,
                      pos=node.pos)

    def compile_period(self, op: str, left: _Typed, right: _Typed, pos: int) -> _Typed:
        """``period`` against a quoted period, compared as text (``'2002' < '2003'``)."""
        if left.kind != "period":
            left, right = right, left
            op = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
        if right.kind != "string" or right.literal is None:
            self.fail("period can only be compared with a quoted period, e.g. period == '2002'",
                      pos)
        literal = pl.lit(right.literal or "", dtype=pl.String)
        return _Typed("bool", BOOLEAN, _COMPARE[op](left.expr, literal), frozenset(), pos=pos)

    def compile_in(self, node: In, bind: Mapping[str, str]) -> _Typed:
        operand = self.compile(node.operand, bind)
        if operand.kind == "period":
            wanted = []
            for item in node.items:
                if not isinstance(item, Str):
                    self.fail("period is compared with quoted periods", item.pos)
                    raise AssertionError
                wanted.append(item.value)
            hit = operand.expr.is_in(wanted)
            return _Typed("bool", BOOLEAN, ~hit if node.negate else hit, frozenset(),
                          pos=node.pos)
        value = self.as_value(operand)
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
        hit = value.is_in(codes)  # a missing value: unknown
        return _Typed("bool", BOOLEAN, ~hit if node.negate else hit, operand.fields,
                      pos=node.pos)

    # -- functions
    def group_members(self, node: Node, bind: Mapping[str, str]) -> tuple[str | None, list[str]]:
        """The single group named inside a quantifier's argument, and its members."""
        found: set[str] = set()
        stack = [node]
        while stack:
            sub = stack.pop()
            if isinstance(sub, Name) and bind.get(sub.name, sub.name) in self.groups:
                found.add(bind.get(sub.name, sub.name))
            elif isinstance(sub, In):
                stack.append(sub.operand)
            else:
                stack.extend(children(sub))
        if len(found) > 1:
            self.fail(f"one group at a time inside a quantifier (found {sorted(found)})",
                      node.pos)
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
        if name == "abs":
            if len(node.args) != 1:
                self.fail("abs takes one argument", node.pos)
            inner = self.compile(node.args[0], bind)
            return _Typed("value", NUMBER, self.as_number(inner, "abs").abs(), inner.fields,
                          pos=node.pos)
        return self.compile_reduction(node, bind)

    def member_values(self, node: Call, bind: Mapping[str, str]
                      ) -> tuple[list[_Typed], list[str]]:
        """The arguments (or a group's members), each with its shape."""
        if not node.args:
            self.fail(f"{node.name} needs at least one argument", node.pos)
        if len(node.args) == 1:
            group, members = self.group_members(node.args[0], bind)
            if group is not None:
                binds = [{**bind, group: m} for m in members]
                return ([self.compile(node.args[0], b) for b in binds],
                        [shape(node.args[0], b) for b in binds])
        return ([self.compile(arg, bind) for arg in node.args],
                [shape(arg, bind) for arg in node.args])

    def compile_quantifier(self, node: Call, bind: Mapping[str, str]) -> _Typed:
        if len(node.args) != 1:
            self.fail(f"{node.name} takes one condition over a group, e.g. "
                      f"{node.name}(level1 < 3)", node.pos)
        group, members = self.group_members(node.args[0], bind)
        if group is None:
            self.fail(f"{node.name}(...) needs a group inside its condition", node.pos)
        parts = [self.compile(node.args[0], {**bind, group: m}) for m in members]  # type: ignore[dict-item]
        conditions = [self.as_bool(p) for p in parts]
        fields = frozenset().union(*(p.fields for p in parts))
        # How many members are definitely true (for all: definitely false), counted once per
        # scope: the rows of a decision table repeat the same quantifiers.
        kind = node.name
        wanted = [(~c if kind == "all" else c).fill_null(False) for c in conditions]
        counted = (pl.sum_horizontal(wanted).cast(pl.Float64) if wanted
                   else pl.lit(0.0, dtype=pl.Float64))
        which = "false" if kind == "all" else "true"
        counts = self.share(counted, f"{which} {shape(node.args[0], bind)}")
        if kind == "count":
            return _Typed("value", INTEGER, counts, fields, pos=node.pos)
        return _Typed("bool", BOOLEAN, counts > 0 if kind == "any" else counts == 0, fields,
                      pos=node.pos)

    def compile_presence(self, node: Call, bind: Mapping[str, str]) -> _Typed:
        if len(node.args) != 1 or not isinstance(node.args[0], Name):
            self.fail(f"{node.name} takes one field name", node.pos)
        arg = node.args[0]
        assert isinstance(arg, Name)
        target = bind.get(arg.name, arg.name)
        if target not in self.schema:
            self.fail(f"unknown field {target!r}", arg.pos)
        na = pl.col(target + NA)
        if node.name == "na":
            expr = na
        elif node.name == "present":
            expr = pl.col(target).is_not_null()
        else:
            expr = pl.col(target).is_null() & ~na
        return _Typed("bool", BOOLEAN, expr, frozenset({target}), pos=node.pos)

    def compile_ordinal(self, node: Call, bind: Mapping[str, str]) -> _Typed:
        if len(node.args) != 1:
            self.fail("ordinal takes one label field", node.pos)
        inner = self.compile(node.args[0], bind)
        if inner.ftype is None or inner.ftype.kind != "label":
            self.fail("ordinal needs a label field", node.pos)
        return _Typed("value", INTEGER, self.as_value(inner) + 1.0, inner.fields, pos=node.pos)

    def compile_reduction(self, node: Call, bind: Mapping[str, str]) -> _Typed:
        parts, shapes = self.member_values(node, bind)
        name = node.name
        keep_label = name in ("min", "max", "coalesce")
        types = {p.ftype for p in parts if p.kind == "value"}
        if any(p.kind == "string" for p in parts):
            self.fail(f"{name} takes fields or numbers, not quoted labels", node.pos)
        labels = {t for t in types if t is not None and t.kind == "label"}
        if labels and (not keep_label or len(types) != 1):
            self.fail(f"{name} cannot mix labels with numbers or other vocabularies", node.pos)
        exprs = [self.as_value(p) for p in parts] if labels else [
            self.as_number(p, name) for p in parts]
        fields = frozenset().union(*(p.fields for p in parts))
        result = next(iter(labels)) if labels else (
            INTEGER if types and all(t == INTEGER for t in types) and name != "mean"
            else NUMBER)
        if name in ("sum", "mean"):  # they read each part twice: its value and presence
            exprs = [self.share(e, s) for e, s in zip(exprs, shapes, strict=True)]
        expr = reduction(name, exprs)
        if name == "n_present":
            return _Typed("value", INTEGER, expr, fields, pos=node.pos)
        status = self.first_present_status(parts, exprs) if name == "coalesce" else None
        return _Typed("value", result, expr, fields, pos=node.pos, status=status)

    def first_present_status(self, parts: list[_Typed], exprs: list[pl.Expr]) -> StatusFn:
        """coalesce's value comes from its first present argument, and so does its status
        (the first argument's where none is present)."""
        statuses = [p.status or fields_status(p.fields) for p in parts]
        first = pl.coalesce([pl.when(e.is_not_null()).then(pl.lit(i))
                             for i, e in enumerate(exprs)]).fill_null(0)
        program = Program(first, tuple(self.lets.items()))

        def status(env: Env, known: Env, n: int) -> np.ndarray:
            out: np.ndarray = statuses[0](env, known, n)
            source = program.floats(env, n)
            for i, st in enumerate(statuses[1:], start=1):
                here = source == i
                if here.any():
                    np.copyto(out, st(env, known, n), where=here)
            return out
        return status


# A comparison with a missing side is unknown (null), as Polars compares.
_COMPARE: dict[str, Callable[[pl.Expr, pl.Expr], pl.Expr]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge}


def compile_expression(text: str, schema: Mapping[str, FieldType],
                       groups: Mapping[str, Sequence[str]] | None = None,
                       *, want: str = "bool") -> Compiled:
    """Parse and type-check ``text`` against the fields in ``schema``.

    ``want`` is "bool" for conditions or "value" for arithmetic (compute steps).
    """
    tree = parse(text)
    compiler = _Compiler(text, schema, groups or {})
    typed = compiler.compile(tree, {})
    if want == "bool":
        expr = compiler.as_bool(typed)
    else:
        expr = typed.expr if typed.kind == "bool" else compiler.as_value(typed)
    program = Program(expr, tuple(compiler.lets.items()))
    if typed.kind == "bool":
        return Compiled(text, BOOLEAN, typed.fields, program)
    assert typed.ftype is not None
    return Compiled(text, typed.ftype, typed.fields, program, condition=False,
                    _status=typed.status)
