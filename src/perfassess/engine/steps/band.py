"""band: a number to an ordinal band by ordered cut points, with polarity and closed side."""

from __future__ import annotations

from typing import Literal

import numpy as np

from perfassess.engine.fields import INTEGER, NUMBER, FieldType
from perfassess.engine.frame import Frame
from perfassess.engine.plan import PlanError, Runner, Schema, YamlPath
from perfassess.engine.steps.common import numeric_input, rule_status
from perfassess.engine.steps.registry import Enumeration, KindDoc, StepKind, codes
from perfassess.spec.pack import BandStep


def _interval(lo: float | None, hi: float | None, closed: str) -> str:
    def spell(x: float) -> str:
        return f"{x:g}"
    if lo is None:
        return f"< {spell(hi)}" if closed == "left" else f"<= {spell(hi)}"  # type: ignore[arg-type]
    if hi is None:
        return f">= {spell(lo)}" if closed == "left" else f"> {spell(lo)}"
    return f"[{spell(lo)}, {spell(hi)})" if closed == "left" else f"({spell(lo)}, {spell(hi)}]"


def prepare(step: BandStep, schema: Schema, path: YamlPath) -> Runner:
    in_type = schema.require_field(step.input, (*path, "input"))
    numeric_input(step.input, in_type.kind, (*path, "input"))
    status = rule_status(step, None, path)
    out_type: FieldType
    if step.vocabulary is not None:
        out_type = schema.vocabulary(step.vocabulary, (*path, "vocabulary"))
        assert out_type.vocabulary is not None
        if step.labels is None:
            if len(out_type.vocabulary) != len(step.cuts) + 1:
                raise PlanError("E-PACK-CUTS", f"{len(step.cuts)} cut points make "
                                f"{len(step.cuts) + 1} bands but vocabulary "
                                f"{step.vocabulary!r} has {len(out_type.vocabulary)} labels",
                                (*path, "cuts"))
            codes = [float(i) for i in range(len(out_type.vocabulary))]
            if step.polarity == "lower":
                codes.reverse()
        else:
            codes = [schema.literal(label, out_type, (*path, "labels", i))
                     for i, label in enumerate(step.labels)]
    else:
        assert step.labels is not None
        if any(isinstance(label, str) for label in step.labels):
            raise PlanError("E-PACK-LABEL", "text labels need a vocabulary", (*path, "labels"))
        out_type = INTEGER if all(float(x).is_integer() for x in step.labels) else NUMBER
        codes = [float(x) for x in step.labels]
    schema.define(step.output, out_type, step.id, (*path, "output"))

    # A cut may name a parameter: its declared value here, its row's value when run.
    declared = [cut if isinstance(cut, float) else
                schema.parameter(cut, (*path, "cuts", i))[0] for i, cut in enumerate(step.cuts)]
    for i in range(1, len(declared)):
        if declared[i] <= declared[i - 1]:
            raise PlanError("E-PACK-CUTS", f"cut points must rise strictly: {declared[i - 1]:g} "
                            f"then {declared[i]:g}", (*path, "cuts", i))
    named = [cut for cut in step.cuts if isinstance(cut, str)]
    if named:
        status = max(status, *(schema.parameters[name][1] for name in named))
    cuts = np.asarray(declared, dtype=np.float64)
    lookup = np.asarray(codes, dtype=np.float64)
    bounds = [None, *declared, None]
    reasons = np.array([f"{step.input} {_interval(bounds[i], bounds[i + 1], step.closed)}"
                        for i in range(len(codes))] + [f"{step.input} missing"], dtype=object)
    side: Literal["left", "right"] = "right" if step.closed == "left" else "left"

    def band_index(frame: Frame, x: np.ndarray) -> np.ndarray:
        """How many cuts each value has passed (as searchsorted counts them); 0 if missing.
        A pass over the column per cut costs less than a binary search per row, for the
        few cuts a band has."""
        index = np.zeros(frame.n, dtype=np.int64 if len(step.cuts) > 127 else np.int8)
        passed = np.empty(frame.n, dtype=bool)
        if named:
            # Cuts that vary by row: each row's cuts sorted, so varied cuts that cross keep
            # the bands in order.
            rows = np.sort(np.vstack([frame.values[cut] if isinstance(cut, str) else
                                      np.full(frame.n, cut) for cut in step.cuts]), axis=0)
            cut_rows: list[np.ndarray | np.float64] = list(rows)
        else:
            cut_rows = list(cuts)
        compare = np.greater_equal if side == "right" else np.greater
        for cut in cut_rows:
            compare(x, cut, out=passed)
            np.add(index, passed, out=index)
        return index

    def run(frame: Frame) -> None:
        x = frame.values[step.input]
        missing = np.isnan(x)
        idx = band_index(frame, x)
        out = lookup.take(idx)
        out[missing] = np.nan
        st = np.maximum(frame.status[step.input], status)
        frame.set(step.output, out, out_type, st)
        if frame.trace.wants(step.id):
            frame.record(step.id, step.output, step.id,
                         reasons[np.where(missing, len(codes), idx)])
    return run


DOC = KindDoc(
    summary="A number to an ordinal band by ordered cut points (n cuts make n + 1 bands).",
    keys={
        "input": "The numeric field to band (number, integer or boolean).",
        "output": "The field written: the band's label or number.",
        "cuts": "The cut points, strictly rising: numbers, or names of parameters (a "
                "sensitivity run then varies them).",
        "closed": "Which end of a band holds its cut: `left` makes bands [low, high), so a "
                  "value equal to a cut falls in the band above it; `right` makes bands "
                  "(low, high], so it falls in the band below.",
        "polarity": "Without `labels`: `higher` gives the lowest values the vocabulary's "
                    "first (worst) label, `lower` gives them its last (best) label; `range` "
                    "needs `labels`. Not used when `labels` are given.",
        "vocabulary": "The vocabulary of the output's labels. Without `labels` it must have "
                      "exactly one label more than there are cuts (E-PACK-CUTS).",
        "labels": "Each band's value, lowest values first, one more than the cuts: labels "
                  "of `vocabulary`, or numbers when no vocabulary is named. A step needs "
                  "`labels` or `vocabulary`.",
    },
    semantics=(
        "A value's band is the number of cuts it has passed: with `closed: left` it passes "
        "a cut it is greater than or equal to, with `closed: right` a cut it is greater "
        "than.",
        "A missing input gives a missing output (trace reason `<input> missing`).",
        "A cut naming a parameter stands at the parameter's declared value when the pack "
        "is planned (the declared cuts must rise strictly), and at each draw's value in a "
        "sensitivity run; where drawn cuts cross, each row's cuts are sorted, so the bands "
        "keep their order.",
        "Number labels make an integer output when every label is a whole number, else a "
        "number; text labels need `vocabulary` (E-PACK-LABEL).",
        "Status: the least certain of the input's, the step's and that of any parameter "
        "named in `cuts`.",
    ),
    example="""\
id: service.band
kind: band
title: Service score to its band
input: service_score
output: service_band
cuts: [40, 60, 80]
closed: left
vocabulary: four_bands
status: reconstructed
""")

KIND = StepKind(
    BandStep, prepare,
    reads=lambda s, schema: {s.input} | {cut for cut in s.cuts if isinstance(cut, str)},
    writes=lambda s: [s.output],
    enumerate=lambda s, schema: Enumeration([s.input]),
    outcomes=lambda s, name, schema, inner: (
        codes(s.labels, name, schema) if s.labels is not None else None),
    complete=lambda s, guaranteed: guaranteed(s.input),
    doc=DOC)
