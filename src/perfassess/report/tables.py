"""Whole-column preparation for a pack's reports, done once before any area is built.

The trace split by area (input rows apart), ratings and outputs spelt for people, each
input's text, percentile and strip position per row, and the national spread of each input
drawn once per period.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from perfassess.core.people import DIGITS
from perfassess.core.people import number_text as number_text
from perfassess.engine.fields import format_values, repeated
from perfassess.engine.steps.limit import CAP_OUTCOMES
from perfassess.report import svg
from perfassess.report.change import changes, positions
from perfassess.report.data import RunData
from perfassess.report.environment import markdown_cell
from perfassess.report.facts import PackFacts, number
from perfassess.report.solidity import StabilityRows, prepare
from perfassess.report.spelt import escaped, marked
from perfassess.report.words import standings

QUANTILES = (0.0, 0.25, 0.5, 0.75, 1.0)
TRACE_COLUMNS = ("seq", "step", "field", "value", "rule_id", "status", "reason", "outcome")


@dataclass
class Slices:
    """Trace rows grouped by ratings row: row i's are ``columns[c][starts[i]:starts[i+1]]``."""

    columns: dict[str, list[Any]]
    starts: list[int]

    @classmethod
    def of(cls, trace: pd.DataFrame, at: np.ndarray, n: int) -> Slices:
        """Slices of ``trace`` whose row k belongs to ratings row ``at[k]`` (-1: to none)."""
        keep = at >= 0
        order = np.argsort(at[keep], kind="stable")
        starts = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(at[keep], minlength=n), out=starts[1:])
        taken = np.flatnonzero(keep)[order]
        return cls({c: _taken(trace[c], taken) for c in TRACE_COLUMNS}, starts.tolist())

    def rows(self, i: int) -> range:
        return range(self.starts[i], self.starts[i + 1])


@dataclass
class Tables:
    """Whole-column preparation shared by every report of one run (no loop per authority)."""

    ratings: pd.DataFrame
    previous: pd.DataFrame  # report.change.changes(): previous_period ... status
    columns: dict[str, list[Any]]  # ratings columns, spelt for people
    changes: dict[str, list[Any]]
    steps: Slices  # the trace of every step, by area
    sources: Slices  # the trace's input rows: value as spelt, where it came from
    inputs: dict[str, dict[str, Any]]  # input id -> lists: text/present/na/pct/n/x
    spreads: dict[tuple[str, str], tuple[dict[str, Any], Markup]]  # (input, period) ->
    # the national spread's figures, and its strip drawn but for the dot
    have_inputs: bool
    stability: StabilityRows | None = None  # how solid each rating is, when analysed


def _taken(column: pd.Series, rows: np.ndarray) -> list[Any]:
    """``column``'s values at ``rows`` as a list, each distinct value one Python object
    (a trace repeats few texts many times: making one per cell was most of the cost)."""
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    distinct: np.ndarray = np.asarray(uniques, dtype=object) if not isinstance(
        uniques, pd.api.extensions.ExtensionArray) else uniques.to_numpy(dtype=object)
    out: list[Any] = distinct[codes[rows]].tolist()
    return out


def _spelt_column(column: pd.Series, digits: int = DIGITS) -> list[str]:
    """A ratings column for people: numbers by ``number`` (to ``digits`` places), labels as
    they are, '' if missing."""
    values = column.to_numpy(dtype=object)
    missing = pd.isna(column).to_numpy()
    if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(
            column.dtype):
        numbers = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64,
                                                                   na_value=np.nan)
        unique, inverse = np.unique(np.where(missing, 0.0, numbers), return_inverse=True)
        spelt = np.array([number(float(u), digits) for u in unique], dtype=object)[inverse]
    else:
        spelt = np.array([str(v) for v in values], dtype=object) if len(values) else (
            np.array([], dtype=object))
    spelt[missing] = ""
    return list(spelt)


def _spell_trace(facts: PackFacts, fields: list[Any], values: list[Any]) -> list[str]:
    """Trace values as people read them (``str``); numbers of number fields by ``number``,
    to the places the pack declares for the field (``digits``). Each distinct value is
    spelt once."""
    field_at, field_names = pd.factorize(np.asarray(fields, dtype=object),
                                         use_na_sentinel=False)
    value_at, distinct = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=False)
    texts = np.array([str(v) for v in distinct], dtype=object)
    out = texts[value_at]
    numeric: dict[int, list[int]] = {}  # digits -> the codes of number fields shown so
    for code, f in enumerate(field_names):
        t = facts.field_type(str(f))
        if t is not None and t.kind == "number":
            numeric.setdefault(facts.pack.digits.get(str(f), DIGITS), []).append(code)
    for digits, codes in numeric.items():
        mask = np.isin(field_at, codes) & (out != "")
        wanted, inverse = np.unique(value_at[mask], return_inverse=True)
        spelt = np.array([number_text(t, digits) for t in texts[wanted]], dtype=object)
        out[mask] = spelt[inverse]
    result: list[str] = out.tolist()
    return result


def _describe_steps(facts: PackFacts, columns: dict[str, list[Any]]) -> None:
    """Add to the trace's step rows what area reports show of each, spelt once per pack:
    the step's kind and title, the rule within it and that rule's status, and ``final``
    (the row gives the field's value as the report shows it: not a single cap's verdict)."""
    step_at, steps = _distinct(columns["step"])
    rule_at, rules = _distinct(columns["rule_id"])
    statuses = facts.rule_status

    def per_row(at: np.ndarray, spelt: list[Any]) -> np.ndarray:
        out: np.ndarray = np.array(spelt, dtype=object)[at]
        return out

    kind = per_row(step_at, [facts.kinds.get(s, "input") for s in steps])
    # A rule's own status, else its step's.
    own = per_row(rule_at, [statuses.get(r) or "" for r in rules])
    rule_status = np.where(own != "", own, per_row(step_at, [statuses.get(s, "") for s in steps]))
    columns["step"], columns["rule_id"] = (per_row(step_at, steps).tolist(),
                                           per_row(rule_at, rules).tolist())
    for c in ("field", "status", "reason", "outcome"):
        columns[c] = _text(columns[c])
    columns["seq"] = np.asarray(columns["seq"], dtype=np.int64).tolist()
    columns["kind"] = kind.tolist()
    columns["title"] = per_row(step_at, [facts.step_titles.get(s, "") for s in steps]).tolist()
    columns["rule"] = per_row(rule_at, [r.partition("/")[2] for r in rules]).tolist()
    columns["rule_status"] = rule_status.tolist()
    columns["final"] = [outcome not in CAP_OUTCOMES for outcome in columns["outcome"]]


def _text(values: list[Any]) -> list[str]:
    """A trace column as text. Its values are str but where missing (then spelt by ``str``
    as the reports always did)."""
    if not pd.isna(np.asarray(values, dtype=object)).any():
        return values
    return [str(v) for v in values]


def _distinct(values: list[Any]) -> tuple[np.ndarray, list[str]]:
    """Codes into the distinct values, and those values as text (``str``, as of None)."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=False)
    return codes, [str(u) for u in uniques]


def prepare_tables(data: RunData, facts: PackFacts) -> Tables:
    ratings = data.ratings.reset_index(drop=True)
    n = len(ratings)
    previous = changes(ratings, data.trace, facts)
    trace = data.trace
    if len(trace):
        at = positions(ratings, trace["authority_code"], trace["period"])
        is_input = (trace["step"].astype(str) == "input").to_numpy()
        steps = Slices.of(trace, np.where(is_input, -1, at), n)
        steps.columns["value"] = _spell_trace(facts, steps.columns["field"],
                                              steps.columns["value"])
        sources = Slices.of(trace, np.where(is_input, at, -1), n)
    else:
        empty: dict[str, list[Any]] = {c: [] for c in TRACE_COLUMNS}
        steps = Slices(empty, [0] * (n + 1))
        sources = Slices(dict(empty), [0] * (n + 1))
    _describe_steps(facts, steps.columns)
    columns = {c: ratings[c].to_numpy(dtype=object).tolist()
               for c in ("authority_code", "authority_name", "period", "rating_status",
                         "rating_note")}
    columns["rating"] = _spelt_column(ratings["rating"],
                                      facts.pack.digits.get(facts.pack.rating.field, DIGITS))
    for name in facts.pack.outputs:
        if name in ratings.columns and name not in columns:
            columns[name] = _spelt_column(ratings[name],
                                          facts.pack.digits.get(name, DIGITS))
    change_cols = {c: previous[c].tolist() for c in previous.columns}
    inputs: dict[str, dict[str, Any]] = {}
    spreads: dict[tuple[str, str], tuple[dict[str, Any], Markup]] = {}
    if data.inputs is not None and data.na is not None:
        arrays, spreads = _prepare_inputs(data, facts, ratings)
        inputs = _area_columns(facts, ratings, arrays, spreads, sources, data.notes)
    stability = prepare(data.stability, ratings) if data.stability is not None else None
    return Tables(ratings, previous, columns, change_cols, steps, sources, inputs, spreads,
                  data.inputs is not None, stability)


def _area_columns(facts: PackFacts, ratings: pd.DataFrame,
                  inputs: dict[str, dict[str, np.ndarray]],
                  spreads: dict[tuple[str, str], tuple[dict[str, Any], Markup]],
                  sources: Slices, notes: pd.DataFrame) -> dict[str, dict[str, list[Any]]]:
    """Each input's entry with what its row in an area report shows, per ratings row:
    ``shown``, ``note``, ``source`` (where the value came from), and for its national
    position ``distributed``, ``figures`` (the period's spread), ``percentile``, ``count``
    and ``svg`` (the dot strip drawn); as lists, which areas index fastest."""
    n = len(ratings)
    period_at, period_names = pd.factorize(ratings["period"].astype(str).to_numpy(dtype=object))
    note_at = positions(ratings, notes["authority_code"], notes["period"])
    notes = notes.assign(_at=note_at)[note_at >= 0].drop_duplicates(
        ["_at", "indicator"], keep="last")  # as a dict of notes would keep them
    note_field = notes["indicator"].astype(str).to_numpy(dtype=object)
    note_at, note_text = notes["_at"].to_numpy(), notes["note"].astype(str).to_numpy(dtype=object)
    owner = np.repeat(np.arange(n), np.diff(sources.starts))
    source_at, source_fields = _distinct(sources.columns["field"])
    field_code = {name: k for k, name in enumerate(source_fields)}
    source_reason = np.asarray(_text(sources.columns["reason"]), dtype=object)
    for spec in facts.pack.inputs:
        entry = inputs[spec.id]
        present = entry["present"]
        mine = note_field == spec.id
        entry["note"] = repeated("", n)
        entry["note"][note_at[mine]] = note_text[mine]
        has_note = np.zeros(n, dtype=bool)
        has_note[note_at[mine]] = True
        rows = np.flatnonzero(source_at == field_code.get(spec.id, -1))
        last = rows[np.r_[owner[rows][1:] != owner[rows][:-1], True]] if len(rows) else rows
        entry["source"] = repeated("", n)
        entry["source"][owner[last]] = source_reason[last]  # the last, as a dict would keep
        always = spec.required or spec.domain is not None or spec.id in facts.bands
        entry["shown"] = present | entry["na"] | always | has_note
        # Worth a word on an area page only where others in the same period returned it.
        returned = np.bincount(period_at[present], minlength=len(period_names)) > 0
        entry["others_returned"] = ~entry["shown"] & returned[period_at]
        found = [spreads.get((spec.id, p)) for p in period_names] + [None]
        ends = np.array([svg.strip_end(f[0]) if f else "" for f in found], dtype=object)
        distributed = np.zeros(n, dtype=bool)
        if "pct" in entry:
            has_spread = np.array([f is not None for f in found], dtype=bool)
            distributed = present & has_spread[period_at] & (entry["n"] >= 2)
        entry["distributed"] = distributed
        entry["figures"] = np.array([f[0] if f else None for f in found], dtype=object)[
            period_at]
        entry["svg"] = repeated(None, n)
        entry["percentile"] = entry["count"] = np.zeros(n, dtype=np.int64)
        entry["standing"] = np.where(distributed, entry.get("standing", ""), "")
        # The national-position cell, spelt once per pack: the strip, then the standing.
        position = repeated("", n)
        if distributed.any():
            starts = np.array([f[1] if f else "" for f in found], dtype=object)
            drawn = svg.strips(starts[period_at[distributed]], entry["x"][distributed],
                               ends[period_at[distributed]])
            entry["svg"][distributed] = svg.as_markup(drawn)
            position[distributed] = drawn + " " + escaped(entry["standing"][distributed])
            entry["percentile"] = np.where(distributed, entry["pct"], 0).astype(np.int64)
            entry["count"] = np.where(distributed, entry["n"], 0).astype(np.int64)
        entry["position"] = np.array(svg.as_markup(position), dtype=object)
        entry.update(_value_cells(entry, facts.units.get(spec.id, "")))
    return {name: {k: v.tolist() for k, v in entry.items()} for name, entry in inputs.items()}


def _value_cells(entry: dict[str, np.ndarray], unit: str) -> dict[str, np.ndarray]:
    """The value cell of an input's row on every area page, spelt once per pack: ``cell``
    (markup) and ``cell_md`` — the value and unit, n/a or "no return", and any note."""
    present, na, text, note = entry["present"], entry["na"], entry["text"], entry["note"]
    absent = np.where(na, "n/a", "no return").astype(object)
    html = np.where(present, escaped(text) + (f" {escape(unit)}" if unit else ""), absent)
    md = np.where(present, marked(text) + (f" {markdown_cell(unit)}" if unit else ""), absent)
    noted = note != ""
    if noted.any():
        html[noted] = html[noted] + "<br><small>" + escaped(note[noted]) + "</small>"
        md[noted] = md[noted] + " (" + marked(note[noted]) + ")"
    return {"cell": np.array(svg.as_markup(html), dtype=object), "cell_md": md}


def _prepare_inputs(data: RunData, facts: PackFacts, ratings: pd.DataFrame
                    ) -> tuple[dict[str, dict[str, np.ndarray]],
                               dict[tuple[str, str], tuple[dict[str, Any], Markup]]]:
    assert data.inputs is not None and data.na is not None
    periods = ratings["period"].astype(str)
    numeric = [s.id for s in facts.pack.inputs if s.type in ("number", "integer")]
    frame = data.inputs[numeric].reset_index(drop=True) if numeric else pd.DataFrame(
        index=ratings.index)
    by_period = frame.groupby(periods)
    ranks = by_period.rank(method="average")
    counts = frame.notna().groupby(periods).transform("sum")
    pct = (ranks - 0.5) / counts * 100.0
    spreads: dict[tuple[str, str], tuple[dict[str, Any], Markup]] = {}
    x_columns: dict[str, np.ndarray] = {}
    standing = standings(frame, periods, {s.id: s.polarity for s in facts.pack.inputs},
                         facts.pack.authority.plural) if numeric else {}
    if numeric:
        q = by_period.quantile(np.asarray(QUANTILES))
        for input_id in numeric:
            x_columns[input_id] = np.full(len(ratings), np.nan)
        declared = {s.id: (s.min, s.max) for s in facts.pack.inputs}
        for period, row in q.groupby(level=0):
            rows = (periods == period).to_numpy()
            for input_id in numeric:
                spread = [float(v) for v in row[input_id].to_numpy()]
                if any(math.isnan(v) for v in spread):
                    continue
                # The input's axis: its declared scale where it has one (a 3 of 1-4 sits
                # at the same place in every row and period), else the period's range.
                low, high = declared[input_id]
                lo, hi = (low, high) if low is not None and high is not None and high > low \
                    else (spread[0], spread[-1])

                def x(v: Any, lo: float = lo, hi: float = hi) -> Any:
                    return np.round(2 + 100 * (v - lo) / (hi - lo), 1) if hi > lo else (
                        v * 0 + 52.0)

                figures = dict(zip(("min", "q1", "median", "q3", "max"),
                                   (number(v) for v in spread), strict=True))
                figures.update(axis_lo=number(lo), axis_hi=number(hi))
                xs = [float(x(v)) for v in spread]
                spreads[(input_id, str(period))] = (
                    dict(figures, x_q1=xs[1], x_median=xs[2], x_q3=xs[3]),
                    svg.strip_start(figures, xs[1], xs[2], xs[3], xs[0], xs[4]))
                x_columns[input_id][rows] = x(frame[input_id].to_numpy(dtype=np.float64)[rows])
    inputs: dict[str, dict[str, Any]] = {}
    for spec in facts.pack.inputs:
        ftype = facts.loaded.plan.input_types[spec.id]
        raw = data.inputs[spec.id].to_numpy()
        if spec.type == "text":
            text = format_values(raw.astype(object), ftype)
            present = text != ""
        else:
            values = raw.astype(np.float64)
            text = format_values(values, ftype)
            present = ~np.isnan(values)
        entry: dict[str, np.ndarray] = {
            "text": text, "present": present, "na": data.na[spec.id].to_numpy(dtype=bool)}
        if spec.id in pct:
            entry["pct"] = np.floor(pct[spec.id].to_numpy(dtype=np.float64) + 0.5)
            entry["n"] = counts[spec.id].to_numpy(dtype=np.float64)
            entry["x"] = x_columns[spec.id]
            entry["standing"] = standing[spec.id]
        inputs[spec.id] = entry
    return inputs, spreads
