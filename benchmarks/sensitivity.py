"""Benchmark of `perfassess sensitivity`: time and peak memory of whole command runs.

    python benchmarks/sensitivity.py                     # 1,000 and 4,000 draws, chunk 100
    python benchmarks/sensitivity.py --draws 1000 --chunk 100 1000 --repeat 3

Each run is the real command (`python -m perfassess sensitivity --pack ss-stars-2002` over
the 150 sample councils, all four periods: 600 authority-periods) in a fresh process, so
the figures include interpreter start-up, imports, validation and writing the outputs.
Wall time depends on what else the machine is doing; CPU time (user + system) much less.
Peak memory is the child's maximum resident set size.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample" / "ss_stars_2002_2005.csv"

# A fresh wrapper per run: RUSAGE_CHILDREN's peak is then the one command's own peak.
MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": done.returncode, "wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
                  "peak_mb": usage.ru_maxrss / 1024, "out": done.stdout, "err": done.stderr}))
"""


def measure(draws: int, chunk: int, pack: str, inputs: list[Path]) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "perfassess", "sensitivity", "--pack", pack,
                   *[arg for path in inputs for arg in ("--input", str(path))],
                   "--draws", str(draws), "--seed", "1", "--chunk", str(chunk), "--out", out]
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        done = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True,
                              text=True, env=env, cwd=ROOT, check=True)
        result: dict[str, object] = json.loads(done.stdout)
        if result["rc"] != 0:
            raise SystemExit(f"the command failed:\n{result['err']}")
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, nargs="+", default=[1000, 4000])
    parser.add_argument("--chunk", type=int, nargs="+", default=[100])
    parser.add_argument("--repeat", type=int, default=3, help="runs per setting (best kept)")
    parser.add_argument("--pack", default="ss-stars-2002")
    parser.add_argument("--input", type=Path, action="append")
    args = parser.parse_args()
    inputs = args.input or [SAMPLE]
    print(f"{'draws':>6} {'chunk':>6} {'wall s':>8} {'cpu s':>7} {'peak MB':>8}  (best of "
          f"{args.repeat}; load average {os.getloadavg()[0]:.1f})")
    for chunk in args.chunk:
        for draws in args.draws:
            runs = [measure(draws, chunk, args.pack, inputs) for _ in range(args.repeat)]
            wall = min(float(r["wall"]) for r in runs)  # type: ignore[arg-type]
            cpu = min(float(r["cpu"]) for r in runs)  # type: ignore[arg-type]
            peak = max(float(r["peak_mb"]) for r in runs)  # type: ignore[arg-type]
            print(f"{draws:>6} {chunk:>6} {wall:>8.2f} {cpu:>7.2f} {peak:>8.0f}", flush=True)


if __name__ == "__main__":
    main()
