"""What reports read: a pack, its ratings and trace, and (within a run) the input values."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from perfassess.api import ScoreResult
from perfassess.spec.loader import LoadedPack
from perfassess.validate.problems import Problem


@dataclass
class RunData:
    """One pack's results, from a run in memory or from a published run folder.

    ``inputs`` and ``na`` are aligned row for row with ``ratings`` (one float column per
    input, labels as vocabulary positions); a run folder does not keep them, so they are
    None there and reports say so.
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

    @classmethod
    def from_result(cls, result: ScoreResult) -> RunData:
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
        warnings = [p for p in result.problems if p.severity == "warning"]
        return cls(result.pack, result.ratings, result.trace, inputs, na, returns.notes,
                   warnings)

    @classmethod
    def from_folder(cls, folder: Path, loaded: LoadedPack) -> RunData:
        """A published pack folder (ratings.parquet, trace.parquet, manifest.json)."""
        ratings = pd.read_parquet(folder / "ratings.parquet")
        for column in ("authority_code", "authority_name", "period", "rating_status",
                       "rating_note"):
            ratings[column] = ratings[column].astype(object)
        trace_path = folder / "trace.parquet"
        if trace_path.is_file():
            trace = pd.read_parquet(trace_path)
        else:
            trace = pd.DataFrame({c: pd.Series([], dtype=object) for c in (
                "authority_code", "period", "seq", "step", "field", "value", "rule_id",
                "status", "reason")})
        trace = trace.astype({c: object for c in trace.columns if c != "seq"})
        return cls(loaded, ratings, trace)


def read_manifest(folder: Path) -> dict[str, object]:
    data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data
