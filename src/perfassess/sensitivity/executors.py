"""Where chunks of draws run: on this machine's cores, or on Dask workers (the ``dask`` extra)."""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from typing import Any

from perfassess.core.problems import UsageProblem
from perfassess.core.workers import fork_map, processes
from perfassess.sensitivity.chunk import Design, Tally, run_chunk


def chunks(draws: int, size: int) -> list[tuple[int, int]]:
    """(first draw, count) of each chunk."""
    return [(first, min(size, draws - first)) for first in range(0, draws, size)]


MIN_FORKED = 200_000  # draws x rows below which forking costs more than it saves
DASK_WORKERS = 2  # workers of a local Dask cluster, unless told


def run_chunks(design: Design, size: int, executor: str, scheduler: str | None,
               workers: int | None = None) -> Tally:
    """Every chunk's tally, added up. Tallies are integer counts and each draw is seeded by
    its own index, so the total is the same for any chunk size, executor or order.

    ``local`` runs the chunks on ``workers`` forked processes of this machine (default: one
    per CPU, when there is enough work to be worth it), ``dask`` on Dask workers.
    """
    parts = chunks(design.draws, size)
    if executor == "dask":
        return _on_dask(design, parts, scheduler, workers or DASK_WORKERS)
    count = min(len(parts), processes(workers, design.draws * design.n >= MIN_FORKED))
    # Each worker adds up its own share of the chunks, so the parent holds one tally per
    # worker, not one per chunk: memory stays bounded by the chunk, whatever the draws.
    shares = [parts[i::count] for i in range(count)]
    return _added(fork_map(_run_parts, design, shares, count))


def _run_parts(design: Design, parts: list[tuple[int, int]]) -> Tally:
    return _added(run_chunk(design, first, count) for first, count in parts)


def _added(tallies: Iterable[Tally]) -> Tally:
    total: Tally | None = None
    for part in tallies:
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
        return _added(_released(dask.as_completed(futures)))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _released(futures: Iterable[Any]) -> Iterator[Tally]:
    """Each finished tally, its future let go at once: only the total is held, not chunks."""
    for future in futures:
        part: Tally = future.result()
        future.release()
        yield part
