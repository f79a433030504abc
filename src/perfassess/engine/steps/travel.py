"""travel: compare each authority's value with its previous period's (direction of travel)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from perfassess.engine.fields import INTEGER, NUMBER, FieldType, label_type
from perfassess.engine.frame import Frame
from perfassess.engine.plan import PlanError, Runner, Schema, YamlPath
from perfassess.engine.steps.common import numeric_input, rule_status
from perfassess.engine.steps.registry import KindDoc, StepKind
from perfassess.spec.pack import TravelStep

DIRECTIONS = ("new", "declined", "unchanged", "improved")
DIRECTION = label_type("direction_of_travel", DIRECTIONS)


def prepare(step: TravelStep, schema: Schema, path: YamlPath) -> Runner:
    in_type = schema.require_field(step.input, (*path, "input"))
    if not in_type.is_ordered:
        raise PlanError("E-PACK-TYPE", f"field {step.input!r} is {in_type.kind}; direction of "
                        "travel needs an ordered field", (*path, "input"))
    score_type = None
    if step.score is not None:
        score_type = schema.require_field(step.score, (*path, "score"))
        numeric_input(step.score, score_type.kind, (*path, "score"))
    wanted = {"previous_score", "score_change"} & set(step.outputs)
    if wanted and step.score is None:
        raise PlanError("E-PACK-SCHEMA", f"output {sorted(wanted)[0]!r} needs `score`",
                        (*path, "outputs"))
    status = rule_status(step, None, path)
    change_type = INTEGER if in_type.kind in ("label", "integer") else NUMBER
    types: dict[str, FieldType] = {"previous": in_type, "change": change_type,
                                   "direction": DIRECTION}
    if score_type is not None:
        types["previous_score"] = score_type
        types["score_change"] = NUMBER if score_type.kind == "number" else INTEGER
    for role, name in step.outputs.items():
        schema.define(name, types[role], step.id, (*path, "outputs", role))

    def run(frame: Frame) -> None:
        current = frame.values[step.input]
        traced = frame.trace.wants(step.id)
        previous, previous_period = _previous(frame, step.input, in_type, traced)
        change = current - previous
        direction = np.sign(change)
        if step.better != "higher":
            np.negative(direction, out=direction)
        direction += 2
        direction[np.isnan(previous)] = 0
        direction[np.isnan(current)] = np.nan
        # A change is as sure as the less certain of the two values it compares.
        st = np.maximum(np.maximum(frame.max_status([step.input]),
                                   _previous_status(frame, step.input)), status)
        values = {"previous": previous, "change": change, "direction": direction}
        if step.score is not None and score_type is not None:
            before, _ = _previous(frame, step.score, score_type, False)
            values["previous_score"] = before
            values["score_change"] = frame.values[step.score] - before
        for role, name in step.outputs.items():
            frame.set(name, values[role], types[role], st)
        if traced:
            assert previous_period is not None
            new = np.isnan(previous)
            reason = np.where(new, "no earlier value for this authority",
                              "compared with period " + previous_period.astype(object))
            outcome = np.where(new, "no_previous", "compared").astype(object)
            compared_with = np.where(new, "", previous_period).astype(object)
            for name in step.outputs.values():
                frame.record(step.id, name, step.id, reason.astype(object), outcome,
                             details={"previous_period": compared_with})
    return run


def _above(values: np.ndarray) -> np.ndarray:
    """Each row's value in the row above (the first row's own)."""
    out = np.empty_like(values)
    out[:1] = values[:1]
    out[1:] = values[:-1]
    return out


def _previous_status(frame: Frame, name: str) -> np.ndarray:
    known = frame.same_authority_above() & _above(~np.isnan(frame.values[name]))
    return np.where(known, _above(frame.status[name]), 0).astype(np.int8)


def _previous(frame: Frame, name: str, ftype: FieldType, with_period: bool
              ) -> tuple[np.ndarray, np.ndarray | None]:
    """The field's value in the authority's latest earlier period, and (if asked) that
    period.

    Rows are sorted by authority then period (by draw first in a sensitivity run), so
    within the run the previous period is the row above when it is the same authority.
    Where the run has no earlier period for an authority, the history of an earlier run is
    consulted.
    """
    same = frame.same_authority_above()
    previous = _above(frame.values[name])
    previous[~same] = np.nan
    consult = frame.history is not None and name in frame.history.columns
    if not (with_period or consult):
        return previous, None
    period_codes, period_labels = frame.period_index()
    periods = period_labels[period_codes]
    previous_period = np.where(same, _above(periods), "")
    if consult:
        assert frame.history is not None
        codes = frame.keys["authority_code"].to_numpy()
        earlier = _from_history(frame.history, name, ftype, codes, periods)
        fill = ~same & ~np.isnan(earlier[0])
        previous = np.where(fill, earlier[0], previous)
        previous_period = np.where(fill, earlier[1], previous_period)
    return previous, previous_period


def _from_history(history: pd.DataFrame, name: str, ftype: FieldType, codes: np.ndarray,
                  periods: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each row, the latest history value for its authority before its period."""
    past = history[["authority_code", "period", name]].dropna()
    past = past.assign(authority_code=past["authority_code"].astype(str),
                       period=past["period"].astype(str))
    if ftype.kind == "label":
        assert ftype.vocabulary is not None
        lookup = {label: float(i) for i, label in enumerate(ftype.vocabulary)}
        number = past[name].astype(str).map(lookup)
    else:
        number = pd.to_numeric(past[name], errors="coerce")
    past = past.assign(_value=number).dropna(subset=["_value"])
    # merge_asof wants numeric keys: rank every period (as text) in one sorted list.
    order = np.unique(np.concatenate([periods, past["period"].to_numpy(dtype=str)]))
    here = pd.DataFrame({"authority_code": codes, "_key": np.searchsorted(order, periods),
                         "_row": np.arange(len(codes))}).sort_values("_key", kind="stable")
    past = past.assign(_key=np.searchsorted(order, past["period"].to_numpy(dtype=str)),
                       _period=past["period"]).sort_values("_key", kind="stable")
    joined = pd.merge_asof(here, past[["authority_code", "_key", "_value", "_period"]],
                           on="_key", by="authority_code", allow_exact_matches=False)
    joined = joined.sort_values("_row")
    return (joined["_value"].to_numpy(dtype=np.float64),
            joined["_period"].astype(object).where(joined["_period"].notna(), "")
            .to_numpy(dtype=str))


DOC = KindDoc(
    summary="Direction of travel: each authority's value against its previous period's.",
    keys={
        "input": "The field compared: a number, integer or label.",
        "better": "Which values are better: `higher` or `lower` (for labels, higher is "
                  "later in the vocabulary).",
        "score": "A numeric field compared the same way, for the outputs `previous_score` "
                 "and `score_change`.",
        "outputs": "The fields to write, by role: `previous`, `change`, `direction`, "
                   "`previous_score` and `score_change` (the last two need `score`).",
    },
    semantics=(
        "The previous value is the authority's value in its latest earlier period in the "
        "run (rows run by authority, then period); where that value is missing there is no "
        "previous value (an earlier period's is not used).",
        "For an authority's first period in the run, the results of an earlier run given "
        "as `perfassess score --previous` are consulted: its latest value there before "
        "this period (missing values there are passed over).",
        "`direction` is a label of `new`, `declined`, `unchanged`, `improved`: by the sign "
        "of `change` (reversed with `better: lower`), `new` where there is no previous "
        "value, and missing where the current value is missing.",
        "`change` = current − previous; for labels, the difference of their positions in "
        "the vocabulary (an integer).",
        "Status: the least certain of the current value's, the previous value's and the "
        "step's.",
    ),
    example="""\
id: travel
kind: travel
title: Change since the authority's previous rated period
input: rating
better: higher
outputs: {previous: previous_rating, direction: direction_of_travel}
status: documented
""")

KIND = StepKind(
    TravelStep, prepare, reads=lambda s, schema: {s.input} | ({s.score} if s.score else set()),
    writes=lambda s: list(s.outputs.values()),
    doc=DOC)
