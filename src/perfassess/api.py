"""The importable core: validate and score returns under a rule pack, no files written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from perfassess.core.problems import Problems, ProblemsFound
from perfassess.core.results import ScoreResult, SourceDigest, Validated
from perfassess.engine.evaluate import evaluate
from perfassess.engine.frame import TraceMode
from perfassess.io.hashing import logical_hashes
from perfassess.io.names import display_path
from perfassess.io.read import SourceTable, read_returns
from perfassess.packs import LoadedPack, load_pack
from perfassess.validate.inputs import parse_returns

__all__ = ["Reference", "ScoreResult", "SourceDigest", "Validated", "score", "score_table",
           "validate"]


@dataclass
class Reference:
    """Authority reference data: codes we know, and their names."""

    names: dict[str, str]

    @classmethod
    def read(cls, paths: Path | Sequence[Path]) -> Reference:
        """Codes and names from CSVs with authority_code and authority_name columns;
        where several files name a code, the earlier file wins."""
        from perfassess.io.read import read_reference

        problems = Problems()
        names: dict[str, str] = {}
        for path in [paths] if isinstance(paths, Path) else list(paths):
            for code, name in (read_reference(Path(path), problems) or {}).items():
                names.setdefault(code, name)
        if problems.has_errors():
            raise ProblemsFound(problems)
        return cls(names)


def digests(tables: Sequence[SourceTable]) -> tuple[list[SourceDigest], str]:
    """Each table's digest for the manifest, and the logical hash of them all together."""
    each, together = logical_hashes([t.table for t in tables])
    return [SourceDigest(t.file, t.layout, t.derived, len(t.table), h)
            for t, h in zip(tables, each, strict=True)], together


def _pack(pack: str | LoadedPack) -> LoadedPack:
    return pack if isinstance(pack, LoadedPack) else load_pack(pack)


def validate(pack: str | LoadedPack, inputs: Sequence[str | Path],
             reference: Reference | None = None, *, fed: Sequence[SourceTable] = (),
             prefer: str = "derived", sheet: str | None = None,
             origin: bool = True) -> Validated:
    """Check every input file (and values fed from other packs) against the pack.

    Problems are returned, not raised. ``sheet`` picks the worksheet of Excel inputs
    (default: each workbook's first); ``origin`` keeps where each value came from.
    """
    loaded = _pack(pack)
    paths = [Path(p) for p in inputs]
    problems = Problems()
    tables = read_returns(paths, problems, sheet) + list(fed)
    returns = parse_returns(tables, loaded.pack, loaded.plan.input_types, problems,
                            set(reference.names) if reference else None, prefer, origin)
    return Validated(loaded, returns, problems, paths, tables)


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
    sources, together = digests([SourceTable(name, "long", frame)])
    return ScoreResult(loaded, returns, evaluation, problems, [], sources, together)


def score(pack: str | LoadedPack, inputs: Sequence[str | Path], *,
          reference: Reference | None = None, trace: TraceMode = "full",
          fed: Sequence[SourceTable] = (), prefer: str = "derived",
          history: pd.DataFrame | None = None, sheet: str | None = None,
          base: Path | None = None) -> ScoreResult:
    """Validate, then evaluate; raises ProblemsFound when any error was found.

    ``fed`` holds values derived from other packs' results; ``history`` holds earlier
    runs' results, for direction of travel beyond this run's periods. With ``base``, the
    trace names input files relative to it (as the manifest does), so results do not
    depend on the folder the command ran from.
    """
    checked = validate(pack, inputs, reference, fed=fed, prefer=prefer, sheet=sheet,
                       origin=trace == "full")
    if checked.problems.has_errors():
        raise ProblemsFound(checked.problems)
    if base is not None and checked.returns.origin is not None \
            and not checked.returns.origin.empty:
        names = {str(p): display_path(p, base) for p in checked.inputs}
        origin = checked.returns.origin
        origin["file"] = origin["file"].replace(names)
    sources, together = digests(checked.sources)
    checked.sources.clear()  # the rows as read are not needed again: free them first
    evaluation = evaluate(checked.pack.plan, checked.returns,
                          reference.names if reference else None, trace, history,
                          keep_fields=False)
    return ScoreResult(checked.pack, checked.returns, evaluation, checked.problems,
                       checked.inputs, sources, together)
