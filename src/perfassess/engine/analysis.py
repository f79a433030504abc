"""Static checks of decision tables over every combination of the values their fields can take.

For each ``decide`` step the fields its conditions read are traced back to fields with a
finite set of values: label inputs (their vocabulary), integer inputs with a min and a max,
the outputs of bands, maps, decisions and caps (their possible results). Fields computed
from such fields (``count(...)``, ``min(group)``, sums, roundings) are not enumerated but
computed, by running the pack's own steps over the grid, so only reachable combinations
are checked. A group read only through quantifiers (``none(level2 < 2)``) is symmetric,
so its members are enumerated as multisets, not tuples. Every row's compiled condition
is then evaluated over the whole grid at once, which shows:

- a gap: a combination no row covers, when the table has no default;
- an overlap: a combination two rows match under hit policy ``unique``;
- a row that can never fire: never true, or (hit policy ``first``/``priority``) always
  preceded by earlier rows, which are named.

A table reading a field with no finite set of values (a plain number, a standardised
score) or with more than ``MAX_COMBINATIONS`` combinations is not checked, and says so.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import pandas as pd

from perfassess.engine.dataflow import outputs
from perfassess.engine.expr import Call, In, Name, Node, ZeroDivisor, children, parse
from perfassess.engine.fields import FieldType, repeated
from perfassess.engine.frame import Frame, Trace
from perfassess.engine.plan import Plan, YamlPath
from perfassess.engine.steps.registry import kind_of
from perfassess.spec.pack import DecideStep, StepBase

MAX_COMBINATIONS = 1_000_000
MAX_INTEGER_VALUES = 1_000  # an integer input with more values counts as unbounded
MAX_FINDINGS_PER_KIND = 5
_SYMMETRIC = frozenset({"count", "any", "all", "none", "min", "max", "sum", "mean",
                        "n_present"})


@dataclass(frozen=True)
class Finding:
    """One problem found in a pack, located by its YAML path (in the expanded pack)."""

    code: str
    message: str
    path: YamlPath


class Unanalysable(Exception):
    """A field whose values cannot be enumerated; the message says why."""


@dataclass
class Domain:
    """The values a field can take: codes as the frame stores them (NaN = no value), whether
    each is n/a, and how to spell each for people."""

    values: list[float]
    na: list[bool]
    spelt: list[str]

    def key(self) -> tuple[tuple[float | None, bool, str], ...]:
        return tuple((None if math.isnan(v) else v, n, s)
                     for v, n, s in zip(self.values, self.na, self.spelt, strict=True))


@dataclass
class TableChecks:
    findings: list[Finding] = field(default_factory=list)
    summaries: list[str] = field(default_factory=list)  # what was checked, table by table


def check_tables(plan: Plan, max_combinations: int = MAX_COMBINATIONS) -> TableChecks:
    """Every step of the plan whose kind has a static check (decision tables: gaps,
    overlaps and dead rows)."""
    checks = TableChecks()
    for index, step in enumerate(plan.pack.steps):
        check = kind_of(step).check
        if check is not None:
            found = check(plan, index, max_combinations)
            checks.findings += found.findings
            checks.summaries += found.summaries
    return checks


def check_decision_table(plan: Plan, index: int, max_combinations: int) -> TableChecks:
    """One decision table, checked over every combination of its fields' values."""
    step = cast(DecideStep, plan.pack.steps[index])  # the kind whose check this is
    path: YamlPath = ("steps", index)
    try:
        table = _Table(plan, index, step, max_combinations)
        found = table.check()
        return TableChecks(found, [
            f"{step.id}: {len(step.rules)} rows, hit policy {step.hit_policy}, checked "
            f"{table.checked_what}: " + (f"{len(found)} problem(s)" if found else
                                         "no gaps, overlaps or dead rows")])
    except Unanalysable as exc:
        finding = Finding("W-PACK-UNCHECKED", f"decision table {step.id!r} cannot be fully "
                          f"checked: {exc}", path)
    except Exception as exc:
        finding = Finding("W-PACK-UNCHECKED", f"decision table {step.id!r} could not be "
                          f"checked ({type(exc).__name__}: {exc})", path)
    return TableChecks([finding], [f"{step.id}: not checked ({finding.message})"])


@dataclass
class _State:
    """What tracing the table's fields back has found so far (copied to try alternatives)."""

    leaves: dict[str, Domain] = field(default_factory=dict)
    derived: set[str] = field(default_factory=set)
    expanded: set[int] = field(default_factory=set)
    texts: list[str] = field(default_factory=list)  # expressions evaluated on the grid
    individual: set[str] = field(default_factory=set)  # fields read one by one
    symmetric: set[str] = field(default_factory=set)  # groups read only as a whole

    def copy(self) -> _State:
        return _State(dict(self.leaves), set(self.derived), set(self.expanded),
                      list(self.texts), set(self.individual), set(self.symmetric))


class _Table:
    def __init__(self, plan: Plan, index: int, step: DecideStep, max_combinations: int) -> None:
        self.plan = plan
        self.pack = plan.pack
        self.schema = plan.schema
        self.index = index
        self.step = step
        self.max_combinations = max_combinations
        self.checked_what = "nothing"
        self.step_of = {s.id: j for j, s in enumerate(self.pack.steps)}
        self.inputs = {spec.id: spec for spec in self.pack.inputs}
        # Fields every row reaching the table has: required inputs and earlier `require`s.
        self.present = {spec.id for spec in self.pack.inputs if spec.required}
        for earlier in self.pack.steps[:index]:
            requires = kind_of(earlier).requires
            if requires is not None:
                self.present.update(requires(earlier, self.schema))

    # ------------------------------------------------------------------ tracing fields

    def trace(self, coarse: bool) -> _State:
        state = _State()
        reads = self.condition_fields(state)
        for name in reads:
            self.resolve(name, state, coarse)
        # A field an earlier `require` insists on, computed from fields already on the grid,
        # is computed too, so the combinations those rows never reach are left out.
        for name in sorted(self.present - set(self.inputs)):
            trial = state.copy()
            try:
                self.resolve(name, trial, coarse)
            except Unanalysable:
                continue
            if set(trial.leaves) <= set(state.leaves):
                _adopt(state, trial)
        return state

    def condition_fields(self, state: _State) -> list[str]:
        names: list[str] = []
        for i, row in enumerate(self.step.rules):
            compiled = self.schema.compile(row.when, ("steps", self.index, "rules", i, "when"))
            names += sorted(compiled.fields - set(names))
            self.note_text(row.when, state)
        return names

    def note_text(self, text: str, state: _State) -> None:
        state.texts.append(text)
        _usage(parse(text), self.schema.groups, state)

    def resolve(self, name: str, state: _State, coarse: bool) -> None:
        if name in state.leaves or name in state.derived:
            return
        producer = self.schema.producer.get(name)
        if producer == "input":
            state.leaves[name] = self.input_domain(name)
            return
        if producer == "parameter":  # a constant: the one value the pack declares
            value = self.schema.parameters[name][0]
            state.leaves[name] = Domain([value], [False], [f"{value:g}"])
            return
        if producer is None or producer not in self.step_of:
            raise Unanalysable(f"field {name!r} has no producer")
        j = self.step_of[producer]
        step = self.pack.steps[j]
        if coarse:
            domain = self.type_domain(name)
            if domain is not None:
                state.leaves[name] = domain
                return
        trial = state.copy()
        try:
            for read in self.step_reads(step, trial):
                self.resolve(read, trial, coarse)
        except Unanalysable as exc:
            domain = self.type_domain(name)
            if domain is None:
                raise Unanalysable(f"{name!r} is computed from fields without a finite set of "
                                   f"values ({exc})") from None
            state.leaves[name] = domain
            return
        trial.expanded.add(j)
        trial.derived.update(outputs(step))
        _adopt(state, trial)

    def step_reads(self, step: StepBase, state: _State) -> list[str]:
        """The fields a step reads (noting its expressions), or Unanalysable."""
        enumerate_step = kind_of(step).enumerate
        if enumerate_step is None:
            raise Unanalysable(f"{step.kind} step {step.id!r} depends on the whole population")
        reads = enumerate_step(step, self.schema)
        if reads.whole_group is not None:
            state.symmetric.add(reads.whole_group)
        else:
            state.individual.update(reads.fields)
        names = list(reads.fields)
        for text, want in reads.texts:
            names += sorted(self.schema.compile(text, (), want).fields)
            self.note_text(text, state)
        return names

    def input_domain(self, name: str) -> Domain:
        spec = self.inputs[name]
        ftype = self.schema.fields[name]
        if ftype.kind == "label":
            assert ftype.vocabulary is not None
            values = [float(i) for i in range(len(ftype.vocabulary))]
        elif ftype.kind == "integer" and spec.min is not None and spec.max is not None \
                and spec.max - spec.min < MAX_INTEGER_VALUES:
            values = [float(v) for v in range(math.ceil(spec.min), math.floor(spec.max) + 1)]
        else:
            bounds = " (an integer input needs min and max)" if ftype.kind == "integer" else ""
            raise Unanalysable(f"input {name!r} is a {ftype.kind} without a finite set of "
                               f"values{bounds}")
        return self.domain(name, values, ftype, may_be_missing=name not in self.present,
                           may_be_na=spec.na is not None)

    def type_domain(self, name: str) -> Domain | None:
        """The values a derived field can take by its producer's kind, or None."""
        values = self.finite_values(name)
        if values is None:
            return None
        return self.domain(name, values, self.schema.fields[name],
                           may_be_missing=not self.guaranteed(name), may_be_na=False)

    def finite_values(self, name: str) -> list[float] | None:
        ftype = self.schema.fields[name]
        if ftype.kind == "label":
            assert ftype.vocabulary is not None
            return [float(i) for i in range(len(ftype.vocabulary))]
        producer = self.schema.producer.get(name)
        if producer == "input":
            try:
                return [v for v in self.input_domain(name).values if not math.isnan(v)]
            except Unanalysable:
                return None
        if producer not in self.step_of:
            return None
        step = self.pack.steps[self.step_of[producer]]
        return kind_of(step).outcomes(step, name, self.schema, self.finite_values)

    def guaranteed(self, name: str) -> bool:
        """Whether every row reaching the table has a value for this field."""
        if name in self.present:
            return True
        producer = self.schema.producer.get(name)
        if producer not in self.step_of:
            return False
        step = self.pack.steps[self.step_of[producer]]
        return kind_of(step).complete(step, self.guaranteed)

    def domain(self, name: str, values: list[float], ftype: FieldType, *,
               may_be_missing: bool, may_be_na: bool) -> Domain:
        spelt = [_spell(v, ftype) for v in values]
        na = [False] * len(values)
        if may_be_na:
            values, na, spelt = [*values, math.nan], [*na, True], [*spelt, "n/a"]
        if may_be_missing:
            values, na, spelt = [*values, math.nan], [*na, False], [*spelt, "missing"]
        return Domain(values, na, spelt)

    # ------------------------------------------------------------------ the grid

    def check(self) -> list[Finding]:
        try:
            state = self.trace(coarse=False)
            grid = self.grid(state)
        except Unanalysable:
            state = self.trace(coarse=True)  # fewer, coarser fields: may still be checkable
            grid = self.grid(state)
        return self.findings(state, grid)

    def grid(self, state: _State) -> _Grid:
        dims = self.dimensions(state)
        sizes = [d.size for d in dims]
        total = math.prod(sizes)
        if total > self.max_combinations:
            names = ", ".join(d.name for d in dims)
            raise Unanalysable(f"{total:,} combinations of {names} (the limit is "
                               f"{self.max_combinations:,})")
        picks = np.unravel_index(np.arange(total), sizes) if dims else ()
        return _Grid(dims, [np.asarray(p) for p in picks], total)

    def dimensions(self, state: _State) -> list[_Dimension]:
        reads_period = any(_reads_period(parse(text)) for text in state.texts)
        grouped: set[str] = set()
        dims: list[_Dimension] = []
        for group in sorted(state.symmetric):
            members = self.schema.groups[group]
            others = {m for g in state.symmetric - {group} for m in self.schema.groups[g]}
            domains = [state.leaves.get(m) for m in members]
            if (any(d is None for d in domains) or state.individual & set(members)
                    or others & set(members) or grouped & set(members)
                    or len({d.key() for d in domains if d is not None}) != 1):
                continue
            domain = domains[0]
            assert domain is not None
            count = math.comb(len(domain.values) + len(members) - 1, len(members))
            if count > self.max_combinations:  # refuse before building them
                raise Unanalysable(f"{count:,} combinations of group {group!r} alone (the "
                                   f"limit is {self.max_combinations:,})")
            combos = np.array(list(itertools.combinations_with_replacement(
                range(len(domain.values)), len(members))), dtype=np.int64)
            dims.append(_Dimension(group, len(combos), members, domain, combos))
            grouped.update(members)
        for name in self.field_order():
            if name in state.leaves and name not in grouped:
                domain = state.leaves[name]
                dims.append(_Dimension(name, len(domain.values), [name], domain, None))
        rank = {name: i for i, name in enumerate(self.field_order())}
        dims.sort(key=lambda d: min(rank.get(m, len(rank)) for m in d.members))
        if reads_period:
            dims.append(self.period_dimension(state))
        return dims

    def field_order(self) -> list[str]:
        """Inputs in pack order, then step outputs in step order (for stable messages)."""
        order = [spec.id for spec in self.pack.inputs] + list(self.schema.parameters)
        for step in self.pack.steps:
            order += outputs(step)
        return order

    def period_dimension(self, state: _State) -> _Dimension:
        """Periods stand for themselves by the literals compared with them: each literal and a
        point just after it, within the pack's years."""
        periods = self.pack.periods
        marks = {periods.first, *(p for p in [periods.last] if p)}
        for text in state.texts:
            marks.update(_period_literals(parse(text)))
        points: list[str] = []
        spelt: list[str] = []
        for mark in sorted(marks):
            # "\x01" sorts after the mark and before any longer period (numpy drops "\x00").
            after = mark + "\x01"
            for point, spell in ((mark, f"period {mark}"), (after, f"period after {mark}")):
                if periods.contains(point) and point not in points:
                    points.append(point)
                    spelt.append(spell)
        order = sorted(range(len(points)), key=lambda i: points[i])
        domain = Domain([float(i) for i in range(len(order))], [False] * len(order),
                        [spelt[i] for i in order])
        return _Dimension("period", len(order), [], domain, None,
                          [points[i] for i in order])

    def run(self, state: _State, grid: _Grid) -> tuple[dict[str, np.ndarray], np.ndarray, Frame]:
        n = grid.total
        values: dict[str, np.ndarray] = {}
        na: dict[str, np.ndarray] = {}
        period = repeated(self.pack.periods.first, n)
        for dim, pick in zip(grid.dims, grid.picks, strict=True):
            codes = np.asarray(dim.domain.values)
            flags = np.asarray(dim.domain.na)
            if dim.points is not None:
                period = np.asarray(dim.points, dtype=object)[pick]
                continue
            for pos, member in enumerate(dim.members):
                chosen = dim.combos[pick, pos] if dim.combos is not None else pick
                values[member] = codes[chosen]
                if flags.any():
                    na[member] = flags[chosen]
        keys = pd.DataFrame({"authority_code": repeated("", n), "period": period})
        parameters, _ = self.plan.parameter_columns(n)  # steps read them (cuts, weights)
        frame = Frame(keys=keys, values=parameters | values, types=dict(self.schema.fields),
                      status={k: np.zeros(n, dtype=np.int8) for k in values}, na=na,
                      trace=Trace("none"))
        offset = len(self.plan.runners) - len(self.pack.steps)
        for j in sorted(state.expanded):
            try:
                self.plan.runners[offset + j](frame)
            except ZeroDivisor as exc:
                raise Unanalysable(f"step {self.pack.steps[j].id!r} divides by zero in some "
                                   f"combinations ({exc.text!r})") from None
        active = np.ones(n, dtype=bool)
        for name in self.present & set(frame.values):
            active &= ~(np.isnan(frame.values[name]) & ~frame.na.get(name, np.zeros(n, bool)))
        return frame.env(), active, frame

    def findings(self, state: _State, grid: _Grid) -> list[Finding]:
        env, active, frame = self.run(state, grid)
        step = self.step
        order = list(range(len(step.rules)))
        if step.hit_policy == "priority":
            order.sort(key=lambda i: -step.rules[i].priority)
        hits = np.vstack([
            self.schema.compile(step.rules[i].when, ()).truth(env, grid.total).t
            for i in order])
        columns = np.flatnonzero(active)
        hits = hits[:, columns]
        checked = len(columns)
        what = (f"over {checked:,} combination{'s' * (checked != 1)} of "
                + (", ".join(d.name for d in grid.dims) or "no fields"))
        self.checked_what = what
        path: YamlPath = ("steps", self.index)
        out: list[Finding] = []
        if checked == 0:
            return out

        def show(column: int) -> str:
            return self.describe(grid, frame, int(columns[column]))

        matched = hits.any(axis=0)
        no_default = step.default is None
        if no_default and not matched.all():
            first = int(np.argmin(matched))
            count = int((~matched).sum())
            out.append(Finding("E-PACK-GAP", f"decision table {step.id!r} has no default and "
                               f"no row covers {count:,} of {checked:,} combinations, e.g. "
                               f"{show(first)}", (*path, "rules")))
        if step.hit_policy == "unique":
            pairs = 0
            for a, b in itertools.combinations(range(len(order)), 2):
                both = hits[a] & hits[b]
                if both.any() and pairs < MAX_FINDINGS_PER_KIND:
                    pairs += 1
                    ra, rb = step.rules[order[a]], step.rules[order[b]]
                    out.append(Finding(
                        "E-PACK-OVERLAP", f"rows {ra.id!r} and {rb.id!r} of {step.id!r} both "
                        f"match (hit policy unique) for {int(both.sum()):,} combinations, e.g. "
                        f"{show(int(np.argmax(both)))}", (*path, "rules", order[b])))
        earlier = np.zeros(hits.shape[1], dtype=bool)
        dead = 0
        for k, i in enumerate(order):
            row = step.rules[i]
            rpath = (*path, "rules", i)
            if not hits[k].any():
                dead += 1
                out.append(Finding("E-PACK-UNREACHABLE", f"row {row.id!r} of {step.id!r} is "
                                   f"never true {what}", rpath))
            elif step.hit_policy != "unique" and not (hits[k] & ~earlier).any():
                shadows = [step.rules[order[m]].id for m in range(k)
                           if (hits[m] & hits[k]).any()]
                dead += 1
                out.append(Finding("E-PACK-UNREACHABLE", f"row {row.id!r} of {step.id!r} can "
                                   "never fire: every combination it matches is matched first "
                                   f"by row{'s' * (len(shadows) != 1)} "
                                   + ", ".join(repr(s) for s in shadows), rpath))
            earlier |= hits[k]
            if dead >= MAX_FINDINGS_PER_KIND:
                break
        return out

    def describe(self, grid: _Grid, frame: Frame, column: int) -> str:
        """One combination, spelt: each enumerated field, then the table's own fields."""
        parts = []
        for dim, pick in zip(grid.dims, grid.picks, strict=True):
            choice = int(pick[column])
            if dim.combos is not None:
                members = [dim.domain.spelt[c] for c in dim.combos[choice]]
                parts.append(f"{dim.name} = [{', '.join(members)}] (in any order)")
            elif dim.points is not None:
                parts.append(dim.domain.spelt[choice])
            else:
                parts.append(f"{dim.name} = {dim.domain.spelt[choice]}")
        shown = {m for d in grid.dims for m in d.members}
        direct = sorted({f for r in self.step.rules
                         for f in self.schema.compile(r.when, ()).fields} - shown)
        if direct:
            parts.append("so " + ", ".join(
                f"{f} = {_spell(float(frame.values[f][column]), self.schema.fields[f])}"
                for f in direct if f in frame.values))
        return "; ".join(parts)


@dataclass
class _Dimension:
    """One axis of the grid: a field, or a symmetric group enumerated as multisets."""

    name: str
    size: int
    members: list[str]
    domain: Domain
    combos: np.ndarray | None  # multisets of domain positions, one row each (groups)
    points: list[str] | None = None  # the period strings (the period axis)


@dataclass
class _Grid:
    dims: list[_Dimension]
    picks: list[np.ndarray]  # per dimension, the choice on every grid row
    total: int


def _adopt(state: _State, trial: _State) -> None:
    state.leaves, state.derived, state.expanded = trial.leaves, trial.derived, trial.expanded
    state.texts, state.individual, state.symmetric = (trial.texts, trial.individual,
                                                      trial.symmetric)


def _usage(node: Node, groups: dict[str, list[str]], state: _State) -> None:
    """Note which fields an expression reads one by one and which groups only as a whole."""
    stack: list[tuple[Node, frozenset[str]]] = [(node, frozenset())]
    while stack:
        sub, whole = stack.pop()
        if isinstance(sub, Name):
            if sub.name in groups:
                if sub.name not in whole:
                    state.individual.update(groups[sub.name])
            elif sub.name != "period":
                state.individual.add(sub.name)
            continue
        if isinstance(sub, Call) and sub.name in _SYMMETRIC and len(sub.args) == 1:
            named = {n.name for n in _names(sub.args[0]) if n.name in groups}
            state.symmetric.update(named)
            stack.append((sub.args[0], whole | frozenset(named)))
            continue
        stack.extend((child, whole) for child in children(sub))


def _names(node: Node) -> list[Name]:
    found: list[Name] = []
    stack = [node]
    while stack:
        sub = stack.pop()
        if isinstance(sub, Name):
            found.append(sub)
        stack.extend(children(sub))
    return found


def _reads_period(node: Node) -> bool:
    return any(n.name == "period" for n in _names(node))


def _period_literals(node: Node) -> set[str]:
    """Quoted periods compared with ``period`` anywhere in the expression."""
    from perfassess.engine.expr import Binary, Str

    out: set[str] = set()
    stack = [node]
    while stack:
        sub = stack.pop()
        if isinstance(sub, Binary):
            sides = (sub.left, sub.right)
            if any(isinstance(side, Name) and side.name == "period" for side in sides):
                out.update(side.value for side in sides if isinstance(side, Str))
        if isinstance(sub, In) and isinstance(sub.operand, Name) and \
                sub.operand.name == "period":
            out.update(i.value for i in sub.items if isinstance(i, Str))
        stack.extend(children(sub))
    return out


def _spell(value: float, ftype: FieldType) -> str:
    if math.isnan(value):
        return "missing"
    if ftype.kind == "label" and ftype.vocabulary is not None:
        return repr(ftype.vocabulary[int(value)])
    return f"{value:g}"
