"""Allocator settings for big runs: keep freed memory for reuse, in small pages."""

from __future__ import annotations

import ctypes
import platform

# mallopt(3) parameters, from glibc's <malloc.h>.
M_TRIM_THRESHOLD = -1
M_TOP_PAD = -2
M_MMAP_THRESHOLD = -3

MMAP_THRESHOLD = 32 << 20  # the largest glibc accepts: columns up to 4M doubles reuse memory
TRIM_THRESHOLD = 512 << 20  # free memory kept at the top of the heap before it is given back
TOP_PAD = 64 << 20  # extra asked of the kernel each time the heap grows (reserved, not used)


def keep_freed_memory() -> bool:
    """Ask glibc's malloc to reuse freed column-sized blocks rather than return them.

    A run makes and drops many temporary columns (16 MB each at two million authorities).
    By default glibc gives every block over a few MB back to the kernel when it is freed
    and maps fresh pages for the next, which the kernel must zero first: `perf` put a
    quarter of a two-million-authority run in that zeroing. Returns whether the settings
    took: False (and nothing changed) on other C libraries.

    On Linux, numpy's big arrays also stop asking for transparent huge pages: the kernel
    then zeroes only the small pages an array touches. Measured on the 2e6 cqc run, six
    runs each, alternating: 9.2-10.0 s wall (1.5-2.4 s system time) instead of 10.0-11.4 s
    (2.1-4.2 s).
    """
    if platform.system() != "Linux":
        return False
    _no_huge_pages_for_arrays()
    if platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return all(mallopt(param, value) == 1 for param, value in (
        (M_MMAP_THRESHOLD, MMAP_THRESHOLD), (M_TRIM_THRESHOLD, TRIM_THRESHOLD),
        (M_TOP_PAD, TOP_PAD)))


def _no_huge_pages_for_arrays() -> None:
    """Turn off numpy's ``madvise(MADV_HUGEPAGE)`` on big arrays (what the environment
    variable ``NUMPY_MADVISE_HUGEPAGE=0`` does at import); a no-op where numpy lacks it."""
    import numpy as np

    module = getattr(np, "_core", None) or getattr(np, "core", None)
    switch = getattr(getattr(module, "multiarray", None), "_set_madvise_hugepage", None)
    if switch is not None:
        switch(False)
