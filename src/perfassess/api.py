"""The importable core: validate and score returns under a rule pack, no files written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from perfassess.engine.evaluate import Evaluation, evaluate
from perfassess.engine.frame import TraceMode
from perfassess.io.read import SourceTable, read_returns
from perfassess.spec.loader import LoadedPack, load_pack
from perfassess.validate.inputs import Returns, parse_returns
from perfassess.validate.problems import Problems, ProblemsFound


@dataclass
class Reference:
    """Authority reference data: codes we know, and their names."""

    names: dict[str, str]

    @classmethod
    def read(cls, paths: Path | Sequence[Path]) -> Reference:
        """Read one or more CSVs (authority_code, authority_name); earlier files win."""
        names: dict[str, str] = {}
        for path in [paths] if isinstance(paths, Path) else list(paths):
            table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            for code, name in zip(table["authority_code"], table["authority_name"],
                                  strict=True):
                names.setdefault(code, name)
        return cls(names)


@dataclass
class Validated:
    pack: LoadedPack
    returns: Returns
    problems: Problems
    inputs: list[Path]


@dataclass
class ScoreResult:
    pack: LoadedPack
    returns: Returns
    evaluation: Evaluation
    problems: Problems
    inputs: list[Path]

    @property
    def ratings(self) -> pd.DataFrame:
        return self.evaluation.ratings

    @property
    def trace(self) -> pd.DataFrame:
        return self.evaluation.trace


def _pack(pack: str | LoadedPack) -> LoadedPack:
    return pack if isinstance(pack, LoadedPack) else load_pack(pack)


def validate(pack: str | LoadedPack, inputs: Sequence[str | Path],
             reference: Reference | None = None, *, fed: Sequence[SourceTable] = (),
             prefer: str = "derived") -> Validated:
    """Check every input file (and values fed from other packs) against the pack.

    Problems are returned, not raised.
    """
    loaded = _pack(pack)
    paths = [Path(p) for p in inputs]
    problems = Problems()
    tables = read_returns(paths, problems) + list(fed)
    returns = parse_returns(tables, loaded.pack, loaded.plan.input_types, problems,
                            set(reference.names) if reference else None, prefer)
    return Validated(loaded, returns, problems, paths)


def score_table(pack: str | LoadedPack, table: pd.DataFrame, *, name: str = "<table>",
                trace: TraceMode = "full", history: pd.DataFrame | None = None
                ) -> ScoreResult:
    """Score an in-memory long table (authority_code, period, indicator, value)."""
    loaded = _pack(pack)
    problems = Problems()
    frame = table.copy()
    for optional in ("authority_name", "note"):
        if optional not in frame.columns:
            frame[optional] = None
    frame["_line"] = np.arange(1, len(frame) + 1)
    frame["_column"] = "value"
    returns = parse_returns([SourceTable(name, "long", frame)], loaded.pack,
                            loaded.plan.input_types, problems)
    if problems.has_errors():
        raise ProblemsFound(problems)
    evaluation = evaluate(loaded.plan, returns, None, trace, history)
    return ScoreResult(loaded, returns, evaluation, problems, [])


def score(pack: str | LoadedPack, inputs: Sequence[str | Path], *,
          reference: Reference | None = None, trace: TraceMode = "full",
          fed: Sequence[SourceTable] = (), prefer: str = "derived",
          history: pd.DataFrame | None = None) -> ScoreResult:
    """Validate, then evaluate; raises ProblemsFound when any error was found.

    ``fed`` holds values derived from other packs' results; ``history`` holds earlier
    runs' results, for direction of travel beyond this run's periods.
    """
    checked = validate(pack, inputs, reference, fed=fed, prefer=prefer)
    if checked.problems.has_errors():
        raise ProblemsFound(checked.problems)
    evaluation = evaluate(checked.pack.plan, checked.returns,
                          reference.names if reference else None, trace, history)
    return ScoreResult(checked.pack, checked.returns, evaluation, checked.problems,
                       checked.inputs)
