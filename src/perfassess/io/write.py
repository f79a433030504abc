"""Write a run's outputs atomically: build in a temporary folder, then swap it into place."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from perfassess.io.spreadsheet import spreadsheet_safe

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.csv as pacsv

# Folders built inside an `atomic_batch`, waiting for the whole batch to succeed.
_PENDING: ContextVar[list[tuple[Path, Path]] | None] = ContextVar("_PENDING", default=None)


@contextmanager
def atomic_folder(target: Path) -> Iterator[Path]:
    """Yield a fresh folder beside ``target``; on success it replaces ``target`` whole.

    On any failure (an exception, Ctrl-C) the temporary folder is removed and ``target``
    is left as it was. Inside :func:`atomic_batch` the swap waits for the whole batch.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        yield work
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    pending = _PENDING.get()
    if pending is not None:
        pending.append((work, target))
    else:
        _swap(work, target)


@contextmanager
def atomic_batch() -> Iterator[None]:
    """Every :func:`atomic_folder` inside replaces its target only when all succeeded, so a
    run over several packs that fails on the last leaves every earlier pack's outputs too."""
    pending: list[tuple[Path, Path]] = []
    token = _PENDING.set(pending)
    try:
        yield
    except BaseException:
        for work, _ in pending:
            shutil.rmtree(work, ignore_errors=True)
        raise
    finally:
        _PENDING.reset(token)
    for work, target in pending:
        _swap(work, target)


def _swap(work: Path, target: Path) -> None:
    old = None
    if target.exists():
        old = target.parent / f".{target.name}.old-{os.getpid()}"
        os.replace(target, old)
    os.replace(work, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def arrow_table(frame: pd.DataFrame | pa.Table) -> pa.Table:
    """A table as Arrow, without pandas' schema metadata (so bytes depend only on the
    data); convert once when the same table is written in several formats."""
    import pyarrow as pa

    if isinstance(frame, pa.Table):
        return frame
    return pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)


def write_csv(frame: pd.DataFrame | pa.Table, path: Path) -> None:
    """CSV through Arrow's writer: fast, quotes only where needed, numbers spelt exactly
    (the shortest text that reads back as the same float), empty cells for missing; text
    that a spreadsheet would run as a formula starts with ``'`` (io/spreadsheet.py)."""
    import pyarrow.csv as pacsv

    pacsv.write_csv(spreadsheet_safe(arrow_table(frame)), path,
                    write_options=_csv_options(header=True))


def write_csv_and_parquet(frame: pd.DataFrame | pa.Table, csv: Path, parquet: Path,
                          rows_at_a_time: int = 1 << 16) -> None:
    """The same table as CSV and as Parquet, the bytes :func:`write_csv` and
    :func:`write_parquet` write, made on every core.

    Arrow's writers let go of the GIL, so the Parquet file is written while other threads
    spell the CSV a slice of rows at a time; slices are written in order, the header with
    the first, which gives the file one pass would (Arrow spells each value on its own).
    """
    table = arrow_table(frame)
    starts = range(0, max(len(table), 1), rows_at_a_time)
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1)) as pool:
        written = pool.submit(write_parquet, table, parquet)  # Parquet keeps the exact text
        cells = spreadsheet_safe(table)
        with open(csv, "wb") as handle:
            for text in pool.map(lambda start: _csv_bytes(
                    cells.slice(start, rows_at_a_time), start == 0), starts):
                handle.write(text)
        written.result()


def _csv_bytes(table: pa.Table, header: bool) -> pa.Buffer:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    sink = pa.BufferOutputStream()
    pacsv.write_csv(table, sink, write_options=_csv_options(header=header))
    return sink.getvalue()


def _csv_options(header: bool) -> pacsv.WriteOptions:
    import pyarrow.csv as pacsv

    return pacsv.WriteOptions(quoting_style="needed", delimiter=",", include_header=header)


def write_parquet(frame: pd.DataFrame | pa.Table, path: Path) -> None:
    """Parquet, compressed; the same data always gives the same bytes."""
    import pyarrow.parquet as pq

    pq.write_table(arrow_table(frame), path, compression="zstd", use_dictionary=True,
                   write_statistics=True)


def write_json(data: object, path: Path) -> None:
    write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", path)


def write_text(text: str, path: Path) -> None:
    """Write through a temporary file and rename, so a reader never sees half a file."""
    temp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    temp.write_text(text, encoding="utf-8", newline="\n")
    os.replace(temp, path)

