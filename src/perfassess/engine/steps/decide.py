"""decide: a decision table with first, unique or priority hit policy and a default."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from perfassess.engine.fields import INTEGER, NUMBER, FieldType
from perfassess.engine.frame import Frame
from perfassess.engine.plan import PlanError, Runner, Schema, YamlPath
from perfassess.engine.steps.common import rule_status
from perfassess.engine.steps.registry import (
    Enumeration,
    KindDoc,
    Rule,
    StepKind,
    codes,
    expression_fields,
)
from perfassess.spec.pack import DecideStep

if TYPE_CHECKING:
    from perfassess.engine.analysis import TableChecks
    from perfassess.engine.plan import Plan


def prepare(step: DecideStep, schema: Schema, path: YamlPath) -> Runner:
    out_type: FieldType
    if step.vocabulary is not None:
        out_type = schema.vocabulary(step.vocabulary, (*path, "vocabulary"))
    else:
        thens = [row.then for row in step.rules]
        if step.default is not None and step.default.then is not None:
            thens.append(step.default.then)
        text = [t for t in thens if isinstance(t, str)]
        if text:
            raise PlanError("E-PACK-LABEL", f"{text[0]!r} is text: name the step's vocabulary "
                            "to produce labels", (*path, "vocabulary"))
        out_type = INTEGER if all(float(t).is_integer() for t in thens) else NUMBER
    ids: set[str] = set()
    rows = []
    for i, row in enumerate(step.rules):
        rpath = (*path, "rules", i)
        if row.id in ids:
            raise PlanError("E-PACK-DUPLICATE", f"row id {row.id!r} is used twice",
                            (*rpath, "id"))
        ids.add(row.id)
        cond = schema.compile(row.when, (*rpath, "when"))
        value = schema.literal(row.then, out_type, (*rpath, "then"))
        rows.append((row, cond, value, rule_status(row, step, rpath)))
    if step.hit_policy == "priority":
        rows.sort(key=lambda r: -r[0].priority)  # stable: equal priorities keep their order
    default = None
    if step.default is not None:
        dpath = (*path, "default")
        default = (step.default, schema.literal(step.default.then, out_type, (*dpath, "then")),
                   rule_status(step.default, step, dpath))
    all_fields = frozenset().union(*(r[1].fields for r in rows))
    schema.define(step.output, out_type, step.id, (*path, "output"))

    rule_ids = np.array([f"{step.id}/{r[0].id}" for r in rows]
                        + [f"{step.id}/{default[0].id}" if default else f"{step.id}/-",
                           f"{step.id}/-"], dtype=object)
    reasons = np.array([f"matched: {r[0].when}" for r in rows]
                       + [default[0].reason if default and default[0].reason
                          else "no row matched: default", "no row matched",
                          "more than one row matched (hit policy unique)"], dtype=object)
    outcomes = np.array(["row_fired"] * len(rows) + ["default", "no_match", "clash"],
                        dtype=object)
    decision_rows = np.array([r[0].id for r in rows] + [default[0].id if default else "", "",
                                                       ""], dtype=object)
    n_rows = len(rows)

    values = np.array([r[2] for r in rows] + [default[1] if default else np.nan])
    unmatched_at = n_rows if default else n_rows + 1  # the rule id and reason of no match

    def run(frame: Frame) -> None:
        env = frame.env()
        n = frame.n
        # Row by row of the table, each authority takes the first row that holds for it.
        choice = np.full(n, n_rows, dtype=np.int16 if n_rows < 32000 else np.int64)
        status = np.empty(n, dtype=np.int8)
        undecided = np.ones(n, dtype=bool)
        hit_count = np.zeros(n, dtype=np.int64) if step.hit_policy == "unique" else None
        for i, (_, cond, _, st) in enumerate(rows):
            if hit_count is None and not undecided.any():
                break  # every authority has its row: the rest of the table changes nothing
            hits = cond.truth(env, n).t
            taken = hits & undecided
            np.putmask(choice, taken, i)
            np.putmask(status, taken, np.maximum(frame.max_status(cond.fields), st))
            undecided &= ~hits
            if hit_count is not None:
                hit_count += hits
        np.copyto(status, np.maximum(frame.max_status(all_fields), default[2] if default else 0),
                  where=undecided)
        out = values[choice]
        reason_idx = choice.copy()
        reason_idx[undecided] = unmatched_at
        if hit_count is not None:
            clash = hit_count > 1
            out[clash] = np.nan
            reason_idx[clash] = n_rows + 2
        frame.set(step.output, out, out_type, status)
        rows_unmatched = np.flatnonzero(frame.active & np.isnan(out))
        unexplained = rows_unmatched[frame.note[rows_unmatched] == ""]
        frame.note[unexplained] = f"{step.id}: " + reasons[reason_idx[unexplained]]
        frame.lost_at[unexplained] = step.id
        if frame.trace.wants(step.id):
            rule_idx = choice.copy()
            rule_idx[undecided] = unmatched_at
            frame.record(step.id, step.output, rule_ids[rule_idx], reasons[reason_idx],
                         outcomes[reason_idx], details={"decision_row": decision_rows[reason_idx]},
                         keep_missing=True)
    return run


def _rules(step: DecideStep) -> list[Rule]:
    rows = [Rule(row.id, row, row.note or "", f"{row.when} -> {row.then}")
            for row in step.rules]
    return rows + ([Rule(step.default.id, step.default)] if step.default is not None else [])


def _check(plan: Plan, index: int, max_combinations: int) -> TableChecks:
    from perfassess.engine.analysis import check_decision_table

    return check_decision_table(plan, index, max_combinations)


DOC = KindDoc(
    summary="A decision table: rows of conditions, each with the value it gives, a hit "
            "policy and a default.",
    keys={
        "output": "The field written.",
        "vocabulary": "The vocabulary of the output's labels; without one, every `then` "
                      "must be a number.",
        "hit_policy": "Which row decides: `first`, `unique` or `priority` (see below).",
        "rules": "The rows of the table, in order.",
        "rules.id": "The row's id, unique in the step; the rule's id is `step/row`.",
        "rules.when": "The row's condition (see the expression language below).",
        "rules.then": "The value the row gives: a label of `vocabulary`, or a number.",
        "rules.priority": "`priority` only: rows with a higher priority are tried first.",
        "default": "What a row of the data gets when no row of the table holds for it.",
        "default.id": "The default's id (the rule's id is `step/default`).",
        "default.reason": "Why a row gets the default, for people: its trace reason and, "
                          "where it leaves no rating, the rating_note (default `no row "
                          "matched: default`).",
        "default.then": "The default's value: a label of `vocabulary`, a number, or null "
                        "(no value).",
    },
    semantics=(
        "A row holds only where its condition is definitely true: a comparison with a "
        "missing value is unknown, and an unknown condition does not hold.",
        "`first`: each row of the data takes the first row of the table, in the order "
        "written, that holds for it.",
        "`priority`: as `first`, with the rows tried from the highest `priority` down; rows "
        "of equal priority keep their written order.",
        "`unique`: the one row that holds; where more than one holds, the output is missing "
        "(trace outcome `clash`, reason `more than one row matched (hit policy unique)`).",
        "Where no row holds: the default's value (`then: null` leaves it missing, outcome "
        "`default`); without a default the output is missing (outcome `no_match`).",
        "Where the output is missing, the reason (no row matched, or a clash) becomes the "
        "row's `rating_note` and the not-rated warning (W-NOT-RATED) names this step, "
        "unless an earlier step gave the row a reason already.",
        "Output type: labels of `vocabulary`; otherwise integer when every `then` (the "
        "default's included) is a whole number, else a number.",
        "Status: the deciding row's (its own, or else the step's), made less certain by the "
        "fields its condition reads; for the default, by the fields any row reads.",
        "`perfassess rules check` runs the table over the values its fields can take and "
        "reports gaps, overlaps and rows that can never decide.",
    ),
    example="""\
id: overall
kind: decide
title: Overall rating from the two scores
output: rating
vocabulary: stars
hit_policy: first
rules:
  - {id: r1, when: "service >= 3 and capacity >= 3", then: three}
  - {id: r2, when: "service >= 2", then: two}
  - {id: r3, when: "service >= 1", then: one, status: reconstructed}
default: {then: zero}
status: documented
""")

KIND = StepKind(
    DecideStep, prepare,
    reads=lambda s, schema: expression_fields([row.when for row in s.rules], schema),
    writes=lambda s: [s.output], explains_rating=True, rules=_rules,
    enumerate=lambda s, schema: Enumeration([], tuple((row.when, "bool") for row in s.rules)),
    outcomes=lambda s, name, schema, inner: codes(
        [row.then for row in s.rules] + ([s.default.then] if s.default is not None else []),
        name, schema),
    complete=lambda s, guaranteed: (s.hit_policy != "unique" and s.default is not None
                                    and s.default.then is not None),
    check=_check,
    doc=DOC)
