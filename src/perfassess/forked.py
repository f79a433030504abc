"""Map a function over items on forked worker processes that inherit the parent's data."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_all_start_methods, get_context
from typing import Any, TypeVar

S = TypeVar("S")
I = TypeVar("I")  # noqa: E741 (an item)
R = TypeVar("R")

_TASK: tuple[Callable[[Any, Any], Any], Any] | None = None


def cores(wanted: int | None = None) -> int:
    """Worker processes to use: ``wanted``, else one per CPU; 1 where fork is missing."""
    if "fork" not in get_all_start_methods():
        return 1
    return max(1, wanted if wanted is not None else os.cpu_count() or 1)


def forked_map(function: Callable[[S, I], R], shared: S, items: Sequence[I],
               workers: int) -> list[R] | None:
    """``[function(shared, item) for item in items]``, on up to ``workers`` forked processes.

    ``shared`` is inherited by the workers, never pickled: only items and results cross.
    Returns None when no processes can be had (no fork on this platform, limits, a killed
    worker); the caller then does the work itself, with the same result.
    """
    global _TASK
    if "fork" not in get_all_start_methods():
        return None
    _TASK = (function, shared)
    try:
        # The workers run NumPy and Jinja only, never pyarrow's thread pools (which stay in
        # the parent), so the warning Python 3.12+ gives for forking with threads does not
        # apply.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", ".*fork.*", DeprecationWarning)
            with ProcessPoolExecutor(max_workers=min(workers, len(items)),
                                     mp_context=get_context("fork")) as pool:
                return list(pool.map(_call, items))
    except (OSError, BrokenProcessPool):
        return None
    finally:
        _TASK = None


def _call(item: Any) -> Any:
    assert _TASK is not None
    function, shared = _TASK
    return function(shared, item)
