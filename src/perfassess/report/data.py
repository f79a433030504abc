"""What reports read: a pack, its ratings and trace, and (within a run) the input values."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from perfassess.core.problems import Problem, Problems, ProblemsFound
from perfassess.core.results import ScoreResult
from perfassess.engine.frame import TRACE_COLUMNS
from perfassess.io.published import read_published_parquet
from perfassess.packs import LoadedPack
from perfassess.report.change import positions
from perfassess.report.solidity import StabilityView

RESULTS_CODES = ("E-RESULTS-UNREADABLE", "E-RESULTS-COLUMNS")


@dataclass
class RunData:
    """One pack's results, from a run in memory or from a published run folder.

    ``inputs`` and ``na`` are aligned row for row with ``ratings`` (one float column per
    input, labels as vocabulary positions). From a run folder they are read back from the
    trace's input rows; where the run kept no trace they are None and reports say so.
    """

    loaded: LoadedPack
    ratings: pd.DataFrame
    trace: pd.DataFrame
    inputs: pd.DataFrame | None = None
    na: pd.DataFrame | None = None
    notes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        {c: pd.Series([], dtype=object)
         for c in ("authority_code", "period", "indicator", "note")}))
    warnings: list[Problem] = field(default_factory=list)
    stability: StabilityView | None = None  # a sensitivity analysis of the same returns
    published: dict[str, str] = field(default_factory=dict)  # period -> YYYY-MM-DD
    history: pd.DataFrame | None = None  # an earlier run's ratings (``previous:``)
    groups: pd.DataFrame | None = None  # the reference's authority_code, type and region

    @classmethod
    def from_result(cls, result: ScoreResult, stability: StabilityView | None = None
                    ) -> RunData:
        returns = result.returns
        ids = [spec.id for spec in result.pack.pack.inputs]
        n = len(returns.keys)
        inputs = pd.DataFrame({i: returns.values.get(i, np.full(n, np.nan)) for i in ids})
        na = pd.DataFrame({i: returns.na.get(i, np.zeros(n, dtype=bool)) for i in ids})
        same = all(np.array_equal(returns.keys[c].to_numpy(dtype=object).astype(str),
                                  result.ratings[c].to_numpy(dtype=object).astype(str))
                   for c in ("authority_code", "period"))
        if not same:
            raise ValueError("returns and ratings are not in the same row order")
        # Reading warnings only: the pages list the authorities not rated themselves.
        warnings = [p for p in result.problems
                    if p.severity == "warning" and p.code != "W-NOT-RATED"]
        return cls(result.pack, result.ratings, result.trace, inputs, na, returns.notes,
                   warnings, stability)

    @classmethod
    def from_folder(cls, folder: Path, loaded: LoadedPack) -> RunData:
        """A published pack folder (ratings.parquet, trace.parquet, manifest.json)."""
        keys = ("authority_code", "authority_name", "period", "rating_status", "rating_note")
        ratings = read_published_parquet(folder / "ratings.parquet", [*keys, "rating"],
                                         codes=RESULTS_CODES, what="the published ratings")
        for column in keys:
            ratings[column] = ratings[column].astype(object)
        trace_path = folder / "trace.parquet"
        if trace_path.is_file():
            trace = read_published_parquet(trace_path, TRACE_COLUMNS, codes=RESULTS_CODES,
                                           what="the published trace (docs/trace.md)")
        else:
            trace = pd.DataFrame({c: pd.Series([], dtype=object) for c in TRACE_COLUMNS})
        trace = trace.astype({c: object for c in trace.columns if c != "seq"})
        inputs, na = _inputs_from_trace(loaded, ratings, trace)
        return cls(loaded, ratings, trace, inputs, na)


def _inputs_from_trace(loaded: LoadedPack, ratings: pd.DataFrame, trace: pd.DataFrame
                       ) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """Input values per ratings row, from the trace's input rows (values as spelt)."""
    rows = trace[trace["step"].astype(str) == "input"] if len(trace) else trace
    if not len(rows):
        return None, None
    n = len(ratings)
    at = positions(ratings, rows["authority_code"], rows["period"])
    fields = rows["field"].astype(str).to_numpy()
    spelt = rows["value"].astype(str).to_numpy()
    values: dict[str, np.ndarray] = {}
    na: dict[str, np.ndarray] = {}
    for spec in loaded.pack.inputs:
        ftype = loaded.plan.input_types[spec.id]
        mine = (fields == spec.id) & (at >= 0)
        text = pd.Series(spelt[mine])
        column = np.full(n, np.nan)
        flags = np.zeros(n, dtype=bool)
        not_applicable = (text == "n/a").to_numpy().copy()
        if ftype.kind == "label":
            assert ftype.vocabulary is not None
            lookup = {label: float(k) for k, label in enumerate(ftype.vocabulary)}
            parsed = text.map(lookup).to_numpy(dtype=np.float64)
            not_applicable &= np.isnan(parsed)
        elif ftype.kind == "text":
            parsed = np.full(len(text), np.nan)
        else:
            parsed = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64)
        column[at[mine]] = parsed
        flags[at[mine]] = not_applicable
        values[spec.id] = column
        na[spec.id] = flags
    return pd.DataFrame(values), pd.DataFrame(na)


def read_manifest(folder: Path) -> dict[str, object]:
    path = folder / "manifest.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError, OSError) as exc:
        data = exc
    if not isinstance(data, dict) or not isinstance(data.get("pack"), dict) \
            or "id" not in data["pack"]:
        problems = Problems()
        problems.add(Problem("E-RESULTS-UNREADABLE", f"{path} is not the manifest perfassess "
                             "writes (a JSON object naming its pack)"
                             + (f": {data}" if isinstance(data, Exception) else ""),
                             file=str(path)))
        raise ProblemsFound(problems)
    return data
