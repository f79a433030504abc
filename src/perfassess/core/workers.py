"""One way to spread work over this machine's cores: forked workers that inherit what they share."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_all_start_methods, get_context
from typing import Any, TypeVar

S = TypeVar("S")
I = TypeVar("I")  # noqa: E741 (an item)
R = TypeVar("R")

_WORK: tuple[Callable[[Any, Any], Any], Any] | None = None  # in a worker: what it inherited


def processes(wanted: int | None, worth_it: bool) -> int:
    """How many processes to use: ``wanted``, else one per core when the work is big enough
    to repay starting them; 1 where this platform cannot fork."""
    if "fork" not in get_all_start_methods():
        return 1
    if wanted is not None:
        return max(1, wanted)
    return cores() if worth_it else 1


def cores() -> int:
    """The cores this process may run on (fewer than the machine's, under an affinity mask)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def fork_map(function: Callable[[S, I], R], shared: S, items: Sequence[I],
             workers: int) -> list[R]:
    """``[function(shared, item) for item in items]``, in order, on up to ``workers`` forked
    processes (in this process when one is enough). ``shared`` is inherited by the workers,
    never pickled: only the items and the results cross. A worker that fails raises here."""
    results = fork_imap(function, shared, items, workers)
    try:
        return list(results)
    finally:
        results.close()


def fork_imap(function: Callable[[S, I], R], shared: S, items: Sequence[I],
              workers: int) -> Generator[R, None, None]:
    """``fork_map``'s results one by one, in order, each as soon as it and those before it
    are done. Closing the iterator early (or a failure) cancels the items not yet started
    and waits for those running, so no worker outlives it: close it in a ``finally``."""
    workers = min(workers, len(items))
    if workers <= 1:
        for item in items:
            yield function(shared, item)
        return
    pool = ProcessPoolExecutor(workers, mp_context=get_context("fork"), initializer=_adopt,
                               initargs=(function, shared))
    try:
        futures = [pool.submit(_call, item) for item in items]
        for future in futures:
            yield future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def in_worker() -> bool:
    """Whether this process is a worker of ``fork_map`` or ``fork_imap``."""
    return _WORK is not None


def _adopt(function: Callable[[Any, Any], Any], shared: Any) -> None:
    global _WORK
    # Ctrl-C and SIGTERM are the parent's to act on: it cancels the work and cleans up. A
    # worker left with the parent's handlers would print a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _WORK = (function, shared)


def _call(item: Any) -> Any:
    assert _WORK is not None
    function, shared = _WORK
    return function(shared, item)
