"""The evaluation frame: one row per authority and period, one float column per field."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa

from perfassess.core.workers import cores
from perfassess.engine.fields import STATUSES, FieldType, Spelt, read_only, repeated, spell

if TYPE_CHECKING:
    from perfassess.engine.expr import Scope

TraceMode = Literal["full", "summary", "none"]
# A text column of a trace chunk: one text for every row, a text per row (an object array,
# or an Arrow array when nearly all differ), or codes into the distinct texts.
Text: TypeAlias = "str | np.ndarray | pa.Array | Spelt"
# The trace's columns: where, which step and field, the value and the rule that decided it,
# its status, the reason for people, then the facts for programs (docs/trace.md): the
# outcome's code and the details some outcomes have ('' elsewhere).
DETAILS = ("decision_row", "from_value", "to_value", "previous_period")
TRACE_COLUMNS = ("authority_code", "period", "seq", "step", "field", "value", "rule_id",
                 "status", "reason", "outcome", *DETAILS)


@dataclass
class TraceChunk:
    rows: np.ndarray  # row positions in the frame
    step: str
    field: str
    value: Text
    rule_id: Text
    status: np.ndarray  # int8 status codes
    reason: Text
    outcome: Text
    details: dict[str, Text] | None = None  # by name, of DETAILS
    # A rule's verdict on the rows (a cap fired), not the value: its status is the rule's.
    verdict: bool = False


@dataclass
class Trace:
    """Collects, step by step, what each step produced for each row and which rule decided."""

    mode: TraceMode = "full"
    chunks: list[TraceChunk] = field(default_factory=list)
    # In summary mode, the steps whose rows explain a rating (decisions, caps, requirements,
    # the rating itself); every other step's rows are not kept.
    summary_steps: frozenset[str] = frozenset()

    def wants(self, step: str) -> bool:
        if self.mode == "none":
            return False
        return self.mode == "full" or step in self.summary_steps

    def add(self, chunk: TraceChunk) -> None:
        if len(chunk.rows) == 0 or not self.wants(chunk.step):
            return
        self.chunks.append(chunk)

    def to_table(self, keys: pd.DataFrame) -> pa.Table:
        """The trace as one Arrow table (:meth:`batches`, one after the other)."""
        return pa.concat_tables(list(self.batches(keys)))

    def batches(self, keys: pd.DataFrame, rows: int = 1 << 20) -> Iterator[pa.Table]:
        """The trace, ``rows`` rows at a time, row by row in the frame's order and step by
        step within a row; text as ``large_string``.

        Each text column is held as codes into its distinct texts (docs/engine.md), and only
        a batch's rows are spelt out, on another core while the last batch is used: the
        whole trace of a large run is several times its ratings and never all in memory.
        """
        if not self.chunks:
            yield pa.table({c: pa.nulls(0) for c in TRACE_COLUMNS})
            return
        where = np.concatenate([c.rows for c in self.chunks])
        chunk = np.concatenate([np.full(len(c.rows), i, dtype=np.int32)
                                for i, c in enumerate(self.chunks)])
        order = np.lexsort((chunk, where))
        lengths = [len(c.rows) for c in self.chunks]
        texts: dict[str, list[Text]] = {
            "step": [c.step for c in self.chunks], "field": [c.field for c in self.chunks],
            "value": [c.value for c in self.chunks], "rule_id": [c.rule_id for c in self.chunks],
            "reason": [c.reason for c in self.chunks],
            "outcome": [c.outcome for c in self.chunks],
            **{name: [(c.details or {}).get(name, "") for c in self.chunks] for name in DETAILS}}
        codes = _words(keys["authority_code"].to_numpy())
        periods = _words(keys["period"].to_numpy())
        # Arrow's take and NumPy's gathers let go of the GIL: the columns are coded side by
        # side, and the next batch is spelt while this one is written.
        with ThreadPoolExecutor(max_workers=cores()) as pool:
            coded = dict(zip(texts, pool.map(lambda parts: _coded(parts, lengths),
                                             texts.values()), strict=True))
            coded["status"] = _Coded(_words(np.array(STATUSES, dtype=object)),
                                     np.concatenate([c.status for c in self.chunks]), False)

            def batch(start: int) -> pa.Table:
                at = order[start:start + rows]
                of = chunk[at]
                row = pa.array(where[at])
                return pa.table({"authority_code": codes.take(row), "period": periods.take(row),
                                 "seq": pa.array(of),
                                 **{name: text.spelt(at, of) for name, text in coded.items()}}
                                ).select(list(TRACE_COLUMNS))

            ahead: deque[Future[pa.Table]] = deque()
            for start in range(0, len(order), rows):
                ahead.append(pool.submit(batch, start))
                if len(ahead) > cores():
                    yield ahead.popleft().result()
            while ahead:
                yield ahead.popleft().result()

@dataclass(frozen=True)
class _Coded:
    """One text column of the trace as codes into ``words``: a code for each chunk (when
    every chunk has one text for all its rows), or for each row, in the chunks' order."""

    words: pa.Array
    codes: np.ndarray
    by_chunk: bool

    def spelt(self, at: np.ndarray, chunk: np.ndarray) -> pa.Array:
        """The texts of the rows at these positions of the chunks' order (in ``chunk``)."""
        spelt: pa.Array = self.words.take(pa.array(self.codes[chunk if self.by_chunk else at]))
        return spelt


def _coded(parts: list[Text], lengths: list[int]) -> _Coded:
    """A text column from each chunk's part: a Spelt part is codes already, one text is one
    code, and a text array is put as codes by equality (a step writes few distinct texts)."""
    if all(isinstance(part, str) for part in parts):
        distinct, inverse = np.unique(np.array(parts, dtype=object), return_inverse=True)
        return _Coded(_words(distinct), inverse.reshape(-1), by_chunk=True)
    found: list[pa.Array] = []
    codes: list[np.ndarray] = []
    base = 0
    for part, n in zip(parts, lengths, strict=True):
        if isinstance(part, str):
            here, texts = np.zeros(n, dtype=np.intp), _words(np.array([part], dtype=object))
        elif isinstance(part, Spelt):
            here, texts = part.codes, _words(part.words)
        elif isinstance(part, pa.Array):  # texts that are nearly all different
            here, texts = np.arange(n), part
        else:
            here, distinct = pd.factorize(part, use_na_sentinel=False)  # None as NaN: null
            texts = pa.array(np.asarray(distinct, dtype=object), pa.large_string(),
                             from_pandas=True)
        codes.append(here + base)
        found.append(texts)
        base += len(texts)
    return _Coded(pa.concat_arrays(found), np.concatenate(codes), by_chunk=False)


def _words(texts: np.ndarray) -> pa.Array:
    return pa.array(texts, pa.large_string())


@dataclass
class Frame:
    keys: pd.DataFrame  # authority_code, period; sorted, unique
    values: dict[str, np.ndarray]
    types: dict[str, FieldType]
    status: dict[str, np.ndarray]
    na: dict[str, np.ndarray]
    trace: Trace
    # Results of earlier runs (authority_code, period, fields as spelt), for steps that look
    # back beyond the periods of this run.
    history: pd.DataFrame | None = None
    # In a sensitivity run, the draw of each row: draws are separate worlds, so a population
    # (a period) and an authority's previous period are looked for within the row's draw.
    draw: np.ndarray | None = None
    active: np.ndarray = field(init=False)
    note: np.ndarray = field(init=False)
    # The step that took each row's rating away ('' where none did), kept whatever the trace
    # mode: the W-NOT-RATED warning names it.
    lost_at: np.ndarray = field(init=False)
    _periods: tuple[np.ndarray, np.ndarray] | None = field(init=False, default=None)
    _same_above: np.ndarray | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.active = np.ones(self.n, dtype=bool)
        self.note = repeated("", self.n)
        self.lost_at = repeated("", self.n)

    @property
    def n(self) -> int:
        return len(self.keys)

    def env(self) -> Scope:
        """The fields as expressions read them, for one step's run."""
        from perfassess.engine.expr import Scope

        env = Scope(self.values)
        for name, mask in self.na.items():
            env[f"{name}#na"] = mask
        env["#period"], env["#periods"] = self.period_index()
        env["#active"] = self.active  # rows a division by zero would matter on
        return env

    def period_index(self) -> tuple[np.ndarray, np.ndarray]:
        """Each row's period as a code into the sorted distinct periods (computed once)."""
        if self._periods is None:
            codes, periods = pd.factorize(self.keys["period"], sort=True)
            self._periods = (np.asarray(codes), np.asarray(periods, dtype=object).astype(str))
        return self._periods

    def borrow_indexes(self, other: Frame) -> None:
        """Use another frame's period index, computed once for the same keys."""
        self._periods = other.period_index()

    def period_codes(self) -> np.ndarray:
        """Each row's population: its period (within its draw, in a sensitivity run)."""
        codes, periods = self.period_index()
        if self.draw is None:
            return codes
        period_codes: np.ndarray = np.asarray(self.draw, dtype=np.int64) * len(periods) + codes
        return period_codes

    def same_authority_above(self) -> np.ndarray:
        """Whether each row's authority (and draw) is that of the row above it (computed
        once: comparing millions of codes as text is not free)."""
        if self._same_above is None:
            codes = self.keys["authority_code"].to_numpy()
            same = np.zeros(self.n, dtype=bool)
            same[1:] = codes[1:] == codes[:-1]
            if self.draw is not None:
                same[1:] &= self.draw[1:] == self.draw[:-1]
            same.flags.writeable = False
            self._same_above = same
        return self._same_above

    def max_status(self, fields: frozenset[str] | set[str] | list[str]) -> np.ndarray:
        """The least certain status among these fields, row by row; a missing value adds
        nothing (a rule that produced no value cannot have decided anything)."""
        from perfassess.engine.expr import fields_status

        return fields_status(frozenset(fields))(self.values, self.status, self.n)

    def set(self, name: str, values: np.ndarray, ftype: FieldType, status: np.ndarray) -> None:
        """Store a step's output; rows already excluded from rating get no value."""
        if ftype.kind == "text":
            values = np.where(self.active, values, "")
        elif self.active.all():
            # Stored as given, without a copy: no step writes into a stored field.
            values = read_only(np.asarray(values, dtype=np.float64))
        else:
            values = np.where(self.active, values, np.nan)
        self.values[name] = values
        self.types[name] = ftype
        self.status[name] = np.asarray(status, dtype=np.int8)

    def drop(self, name: str) -> None:
        """Free a field no later step reads."""
        self.values.pop(name, None)
        self.types.pop(name, None)
        self.status.pop(name, None)
        self.na.pop(name, None)

    def record(self, step: str, name: str, rule_id: np.ndarray | str,
               reason: np.ndarray | str, outcome: np.ndarray | str = "value", *,
               details: dict[str, np.ndarray | str] | None = None,
               keep_missing: bool = False) -> None:
        """Trace a field's value for every active row, with the outcome's code and details
        (arrays are per frame row); rows without a value are left out unless
        ``keep_missing`` (when the reason for the gap is worth reading)."""
        if not self.trace.wants(step):
            return
        keep = self.active
        if not keep_missing and self.types[name].kind != "text":
            keep = keep & ~np.isnan(self.values[name])
        rows = np.flatnonzero(keep)
        self.trace.add(TraceChunk(
            rows=rows, step=step, field=name, value=spell(self.values[name][rows],
                                                         self.types[name]),
            rule_id=rule_id if isinstance(rule_id, str) else rule_id[rows],
            status=self.status[name][rows],
            reason=reason if isinstance(reason, str) else reason[rows],
            outcome=outcome if isinstance(outcome, str) else outcome[rows],
            details={k: v if isinstance(v, str) else v[rows]
                     for k, v in (details or {}).items()}))
