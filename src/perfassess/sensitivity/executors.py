"""Where chunks of draws run: in this process, or on Dask workers (the ``dask`` extra)."""

from __future__ import annotations

import importlib
from typing import Any

from perfassess.sensitivity.chunk import Design, Tally, run_chunk
from perfassess.validate.problems import UsageProblem


def chunks(draws: int, size: int) -> list[tuple[int, int]]:
    """(first draw, count) of each chunk."""
    return [(first, min(size, draws - first)) for first in range(0, draws, size)]


def run_chunks(design: Design, size: int, executor: str, scheduler: str | None,
               workers: int) -> Tally:
    """Every chunk's tally, added up. Tallies are integer counts and each draw is seeded by
    its own index, so the total is the same for any chunk size, executor or order."""
    parts = chunks(design.draws, size)
    if executor == "dask":
        return _on_dask(design, parts, scheduler, workers)
    total: Tally | None = None
    for first, count in parts:
        part = run_chunk(design, first, count)
        total = part if total is None else total.merge(part)
    assert total is not None
    return total


def _on_dask(design: Design, parts: list[tuple[int, int]], scheduler: str | None,
             workers: int) -> Tally:
    try:
        # Dask is an optional extra, untyped: its names are used as Any.
        dask: Any = importlib.import_module("distributed")
    except ImportError:
        raise UsageProblem("--executor dask needs Dask: pip install 'perfassess[dask]'"
                           ) from None
    cluster: Any = None
    try:
        if scheduler is not None:
            client = dask.Client(scheduler, timeout="10s")
        else:
            cluster = dask.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            client = dask.Client(cluster)
    except OSError as exc:
        if cluster is not None:
            cluster.close()
        raise UsageProblem(f"cannot reach the Dask scheduler {scheduler}: {exc}") from None
    try:
        shared = client.scatter(design, broadcast=True)
        futures = [client.submit(run_chunk, shared, first, count, pure=False)
                   for first, count in parts]
        total: Tally | None = None
        for future in dask.as_completed(futures):  # only finished tallies are held, not chunks
            part = future.result()
            total = part if total is None else total.merge(part)
            future.release()
        assert total is not None
        return total
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
