"""compare_neighbours: each value against the median of its authority's listed comparators."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from perfassess.core.pinned import PinnedFileError, read_pinned
from perfassess.engine.fields import INTEGER, NUMBER
from perfassess.engine.frame import Frame
from perfassess.engine.plan import PlanError, Runner, Schema, YamlPath
from perfassess.engine.steps.common import numeric_input, rule_status
from perfassess.engine.steps.registry import KindDoc, StepKind
from perfassess.spec.pack import ComparatorTable, CompareNeighboursStep


def read_comparators(table: ComparatorTable, folder: Path | None,
                     path: YamlPath) -> pd.DataFrame:
    """The (authority, comparator) pairs of a table inside the pack folder, checked against
    its declared hash; a pair listed twice counts twice, as the list gives it."""
    where = (*path, "comparators", "file")
    try:
        data = read_pinned(folder, table.file, table.sha256, "comparator table")
    except PinnedFileError as exc:
        raise PlanError("E-PACK-TABLE", str(exc), (*path, "comparators", exc.key)) from None
    try:
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False,
                            encoding="utf-8-sig")
    except (ValueError, UnicodeDecodeError) as exc:
        raise PlanError("E-PACK-TABLE", f"{table.file} is not a readable UTF-8 CSV file: "
                        f"{exc}", where) from None
    for role, column in (("authority_column", table.authority_column),
                         ("comparator_column", table.comparator_column)):
        if column not in frame.columns:
            raise PlanError("E-PACK-TABLE", f"{table.file} has no column {column!r} "
                            f"(its columns: {', '.join(map(str, frame.columns))})",
                            (*path, "comparators", role))
    pairs = pd.DataFrame({"authority": frame[table.authority_column].str.strip(),
                          "comparator": frame[table.comparator_column].str.strip()})
    blank = (pairs["authority"] == "") | (pairs["comparator"] == "")
    if blank.any():
        line = int(np.flatnonzero(blank.to_numpy())[0]) + 2
        raise PlanError("E-PACK-TABLE", f"{table.file} line {line}: blank authority or "
                        "comparator code", where)
    return pairs


def prepare(step: CompareNeighboursStep, schema: Schema, path: YamlPath) -> Runner:
    in_type = schema.require_field(step.input, (*path, "input"))
    numeric_input(step.input, in_type.kind, (*path, "input"))
    unit_type = schema.require_field(step.unit, (*path, "unit"))
    numeric_input(step.unit, unit_type.kind, (*path, "unit"))
    if "center" not in step.outputs or "score" not in step.outputs:
        raise PlanError("E-PACK-SCHEMA", "compare_neighbours needs 'center' and 'score' "
                        "outputs", (*path, "outputs"))
    status = rule_status(step, None, path)
    pairs = read_comparators(step.comparators, schema.folder, path)
    listed = pairs.groupby("authority").size()
    for role, name in step.outputs.items():
        schema.define(name, INTEGER if role == "count" else NUMBER, step.id,
                      (*path, "outputs", role))

    def run(frame: Frame) -> None:
        x = frame.values[step.input]
        unit = frame.values[step.unit]
        codes = frame.keys["authority_code"].to_numpy()
        period = frame.period_codes()
        present = ~np.isnan(x)
        # Join every (authority, comparator) pair onto the comparators' values of each period,
        # then one grouped median: no loop over authorities.
        offered = pd.DataFrame({"comparator": codes[present], "period": period[present],
                                "value": x[present]})
        joined = pairs.merge(offered, on="comparator", how="inner")
        grouped = joined.groupby(["authority", "period"])["value"]
        rows = pd.MultiIndex.from_arrays([codes, period])
        center = grouped.median().reindex(rows).to_numpy(dtype=np.float64)
        count = grouped.size().reindex(rows).fillna(0).to_numpy(dtype=np.float64)
        n_listed = listed.reindex(codes).fillna(0).to_numpy(dtype=np.int64)
        with np.errstate(divide="ignore", invalid="ignore"):
            score = (x - center) / unit
        score = np.where(np.isfinite(score), score, np.nan)
        st = np.maximum(np.maximum(frame.status[step.input], frame.status[step.unit]),
                        status).astype(np.int8)

        counted = np.char.add(np.char.add("median of ", count.astype(np.int64).astype(str)),
                              np.char.add(" of ", n_listed.astype(str)))
        center_reason = np.where(
            n_listed == 0, "no comparator list for this authority",
            np.where(count == 0, "no listed comparator has a value",
                     np.char.add(counted, " listed comparators with a value"))).astype(object)
        score_reason = np.where(
            np.isnan(center), center_reason,
            np.where(~present, f"{step.input} missing",
                     np.where(np.isnan(unit), f"{step.unit} missing",
                              np.where(np.isnan(score), f"{step.unit} is zero: no distance",
                                       np.char.add(counted, f" comparators, in units of "
                                                            f"{step.unit}"))))).astype(object)
        center_outcome = np.select([n_listed == 0, count == 0],
                                   ["no_comparators", "no_comparator_value"], "value")
        score_outcome = np.select(
            [np.isnan(center), ~present | np.isnan(unit), np.isnan(score)],
            [center_outcome, "input_missing", "zero_unit"], "value").astype(object)
        outputs = {"center": (center, NUMBER, center_reason, center_outcome.astype(object)),
                   "score": (score, NUMBER, score_reason, score_outcome),
                   "count": (count, INTEGER, center_reason, center_outcome.astype(object))}
        for role, name in step.outputs.items():
            values, ftype, reason, outcome = outputs[role]
            frame.set(name, values, ftype, st)
            frame.record(step.id, name, step.id, reason, outcome,
                         keep_missing=role == "score")
    return run


DOC = KindDoc(
    summary="Each value against the median of its authority's listed comparators in the "
            "same period.",
    keys={
        "input": "The numeric field to compare.",
        "comparators": "The list of each authority's comparators: a CSV file in the pack "
                       "folder.",
        "comparators.file": "The CSV file, relative to the pack folder (it must lie inside "
                            "it).",
        "comparators.sha256": "The file's SHA-256 (64 lowercase hex digits): the pack's "
                              "content hash covers the list, and a file that does not match "
                              "is refused (E-PACK-TABLE) before any data is read.",
        "comparators.authority_column": "The file's column of the authority whose "
                                        "comparator a line lists.",
        "comparators.comparator_column": "The file's column of the comparator.",
        "unit": "A numeric field the distance is measured in, row by row: score = (value − "
                "center) / unit.",
        "outputs": "The fields to write, by role: `center` and `score` (both required), and "
                   "`count`.",
    },
    semantics=(
        "Each line of the file pairs an authority with one comparator (codes are trimmed "
        "of spaces; a blank code is an error); a pair listed twice counts twice.",
        "`center` is the median of the comparators' values in the same period, over the "
        "comparators in the run that have a value there; `count` (an integer) is how many "
        "values that was.",
        "An authority with no list, or none of whose comparators has a value, gets a "
        "missing center and score and a count of 0 (trace outcomes `no_comparators`, "
        "`no_comparator_value`).",
        "The center is worked out even where the authority's own value is missing; its "
        "score is then missing (`input_missing`), as it is where `unit` is missing; a unit "
        "of zero gives a missing score (`zero_unit`).",
        "Status: the least certain of the input's, the unit's and the step's.",
    ),
    example="""\
id: delays.neighbours
kind: compare_neighbours
title: Delayed discharges against the nearest neighbours
input: delayed_discharges
comparators:
  file: nearest_neighbours.csv
  sha256: 780eb439040226e95f12304f50e2f180c9115681be41aafcb9ed122bb09b09eb
unit: delayed_discharges_sd
outputs: {center: delays_neighbour_median, score: delays_vs_neighbours, count: delays_n}
status: illustrative
""")

KIND = StepKind(
    CompareNeighboursStep, prepare, reads=lambda s, schema: {s.input, s.unit},
    writes=lambda s: list(s.outputs.values()),
    doc=DOC)
