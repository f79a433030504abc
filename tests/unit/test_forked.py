"""Work mapped over forked processes: in order, really elsewhere, and shared data inherited."""

from __future__ import annotations

import os
from multiprocessing import get_all_start_methods

import numpy as np
import pytest

from perfassess.forked import cores, forked_map


@pytest.mark.skipif("fork" not in get_all_start_methods(), reason="no fork on this platform")
def test_items_run_in_other_processes_in_order_with_the_shared_data() -> None:
    shared = np.arange(1000)  # inherited, never pickled: a closure over it would be too

    def work(data: np.ndarray, item: int) -> tuple[int, int]:
        return os.getpid(), int(data[item])

    out = forked_map(work, shared, [5, 999, 0, 42], workers=2)
    assert out is not None
    assert [value for _, value in out] == [5, 999, 0, 42]
    assert os.getpid() not in {pid for pid, _ in out}


def test_workers_default_to_one_per_cpu() -> None:
    if "fork" in get_all_start_methods():
        assert cores() == (os.cpu_count() or 1) and cores(3) == 3
    else:
        assert cores() == cores(3) == 1
