"""One way to spread work over this machine's cores: forked workers that inherit what they share."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
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
    return (os.cpu_count() or 1) if worth_it else 1


def fork_map(function: Callable[[S, I], R], shared: S, items: Sequence[I],
             workers: int) -> list[R]:
    """``[function(shared, item) for item in items]``, in order, on up to ``workers`` forked
    processes (in this process when one is enough). ``shared`` is inherited by the workers,
    never pickled: only the items and the results cross. A worker that fails raises here."""
    workers = min(workers, len(items))
    if workers <= 1:
        return [function(shared, item) for item in items]
    with ProcessPoolExecutor(workers, mp_context=get_context("fork"), initializer=_adopt,
                             initargs=(function, shared)) as pool:
        return list(pool.map(_call, items))


def _adopt(function: Callable[[Any, Any], Any], shared: Any) -> None:
    global _WORK
    _WORK = (function, shared)


def _call(item: Any) -> Any:
    assert _WORK is not None
    function, shared = _WORK
    return function(shared, item)
