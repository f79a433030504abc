"""Allocator settings for big runs: let glibc's malloc keep freed memory for reuse."""

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
    """
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
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
