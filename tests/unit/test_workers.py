"""Work on forked processes: in order, really elsewhere, data inherited, failures raised."""

from __future__ import annotations

import os

import numpy as np
import pytest

from perfassess.core.workers import fork_map, processes


def _where(shared: np.ndarray, item: int) -> tuple[int, int, float]:
    return item, os.getpid(), float(shared[item % len(shared)])


def _fail(shared: object, item: int) -> int:
    if item == 3:
        raise ValueError("item 3")
    return item


def test_results_come_back_in_order_from_other_processes() -> None:
    shared = np.arange(10, dtype=np.float64) * 1.5  # inherited, never pickled
    out = fork_map(_where, shared, [5, 999, 0, 42, 7], workers=2)
    assert [item for item, _, _ in out] == [5, 999, 0, 42, 7]
    assert [value for _, _, value in out] == [7.5, 13.5, 0.0, 3.0, 10.5]
    assert os.getpid() not in {pid for _, pid, _ in out}


def test_one_worker_runs_here() -> None:
    out = fork_map(_where, np.ones(1), [1, 2], workers=1)
    assert {pid for _, pid, _ in out} == {os.getpid()}


def test_a_failing_worker_raises_here_and_nothing_falls_back_silently() -> None:
    with pytest.raises(ValueError, match="item 3"):
        fork_map(_fail, None, [1, 2, 3, 4], workers=2)


def test_how_many_processes() -> None:
    assert processes(3, worth_it=False) == 3
    assert processes(0, worth_it=True) == 1
    assert processes(None, worth_it=False) == 1
    assert processes(None, worth_it=True) == len(os.sched_getaffinity(0))
