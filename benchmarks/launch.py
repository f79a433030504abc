"""``python benchmarks/launch.py RESULT -- COMMAND...``: run COMMAND, write its figures to RESULT.

The suite starts every measured command through this small, fresh process. Linux counts a
child's peak memory (``ru_maxrss``) from before it ``exec``s, when it is still a copy of the
process that started it; started straight from the suite, whose memory grows as it checks
results, a small command would be charged for the suite's size. Started from here, it is
charged at most for this launcher (the size of a bare interpreter). Wall time is taken here
too, from just before the command starts to just after it ends.

RESULT gets JSON: ``wall_s``, ``cpu_s`` (user + system), ``maxrss_kib`` and ``exit_code``.
The launcher exits with the command's exit code.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print("usage: python benchmarks/launch.py RESULT -- COMMAND...", file=sys.stderr)
        return 2
    result, command = argv[0], argv[2:]
    _first_to_go()
    start = time.perf_counter()
    child = subprocess.Popen(command)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = code = os.waitstatus_to_exitcode(status)
    # Linux reports ru_maxrss in KiB, macOS in bytes.
    maxrss = usage.ru_maxrss / (1024 if sys.platform == "darwin" else 1)
    with open(result, "w", encoding="utf-8") as out:
        json.dump({"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
                   "maxrss_kib": maxrss, "exit_code": code}, out)
    return code if code >= 0 else 128 - code


def _first_to_go() -> None:
    """If the machine runs out of memory anyway, the kernel kills the command, not a bystander.

    A process may raise its own score; the command inherits it.
    """
    try:
        with open("/proc/self/oom_score_adj", "w", encoding="ascii") as adj:
            adj.write("1000")
    except OSError:
        pass


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
