"""What validating and scoring hand back: the result types every layer above the engine shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from perfassess.core.problems import Problems
from perfassess.core.returns import Returns

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from perfassess.engine.evaluate import Evaluation
    from perfassess.io.read import SourceTable
    from perfassess.packs import LoadedPack


@dataclass
class Validated:
    pack: LoadedPack
    returns: Returns
    problems: Problems
    inputs: list[Path]
    sources: list[SourceTable] = field(default_factory=list)  # as read, for the manifest
    # Inputs shared with other packs that hold no indicator of this one (left to them).
    unused: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SourceDigest:
    """What the manifest says of one input table, kept once its rows have been let go."""

    file: str
    layout: str
    derived: bool
    rows: int
    logical_sha256: str


@dataclass
class ScoreResult:
    pack: LoadedPack
    returns: Returns
    evaluation: Evaluation
    problems: Problems
    inputs: list[Path]
    sources: list[SourceDigest] = field(default_factory=list)
    inputs_logical_sha256: str = ""
    unused: list[str] = field(default_factory=list)  # shared inputs left to other packs

    @property
    def ratings(self) -> pd.DataFrame:
        return self.evaluation.ratings

    @property
    def trace(self) -> pd.DataFrame:
        return self.evaluation.trace

    @property
    def trace_table(self) -> pa.Table:
        """The trace as Arrow (what ``trace.parquet`` holds), without pandas."""
        return self.evaluation.trace_table
