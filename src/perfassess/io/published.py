"""Read back what perfassess published (ratings, traces), refusing damaged or foreign files."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from perfassess.core.problems import Problem, Problems, ProblemsFound


def read_published_parquet(path: Path, required: Sequence[str], *, codes: tuple[str, str],
                           what: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """A published Parquet file as a frame, after checking it is one and has ``required``.

    ``codes`` are the problem codes for a file that cannot be read and for one that lacks
    columns; ``what`` says in the message what the file was read for. Only ``columns`` are
    read when given (the footer is read first, so a missing column costs no data read).
    """
    unreadable, lacking = codes
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowException, OSError, ValueError) as exc:
        _fail(Problem(unreadable, f"{what}: {path} is not a readable Parquet file ({exc})",
                      file=str(path)))
    names = set(schema.names)
    missing = [c for c in required if c not in names]
    if missing:
        problems = Problems()
        for column in missing:
            problems.add(Problem(lacking, f"{what}: {path} has no {column} column (it has "
                                 f"{', '.join(schema.names) or 'none'})", file=str(path),
                                 column=column, expected=f"a column {column}"))
        raise ProblemsFound(problems)
    try:
        return pd.read_parquet(path, columns=list(columns) if columns is not None else None)
    except (pa.ArrowException, OSError, ValueError) as exc:
        _fail(Problem(unreadable, f"{what}: {path} cannot be read ({exc})", file=str(path)))


def _fail(problem: Problem) -> NoReturn:
    problems = Problems()
    problems.add(problem)
    raise ProblemsFound(problems)
