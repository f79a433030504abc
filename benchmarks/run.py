"""``python -m benchmarks``: measure every scenario in a fresh process, print and save a table."""

from __future__ import annotations

import argparse
import compileall
import fnmatch
import json
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import report
from benchmarks.check import compare_in_child
from benchmarks.checkout import PARTIAL_RESULTS_DIR, RESULTS_FILE, SRC, child_env
from benchmarks.measure import Measurement, run_child
from benchmarks.scenarios import Scenario, all_scenarios, batch_flags, command
from benchmarks.synthetic import Dataset, ensure

MIB = 2**20


@dataclass
class Result:
    """What one scenario measured; ``row`` is what goes into the table and results.json."""

    scenario: Scenario
    row: dict[str, Any]
    ratings: Path | None = None  # perfassess's or the reference's ratings, kept for the check
    keep: list[Path] = field(default_factory=list)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--set", choices=["quick", "full"], default="full",
                        help="quick: start-up, the sample run, national scale and 10^5 "
                             "authorities; full: everything (default)")
    parser.add_argument("--only", action="append", metavar="GLOB", default=[],
                        help="only scenarios whose name matches (repeatable), e.g. "
                             "'scale/cqc*'; a DuckDB or floor scenario brings its perfassess one")
    parser.add_argument("--list", action="store_true", help="list the scenarios and stop")
    parser.add_argument("--timeout", type=float, default=900.0, metavar="SECONDS",
                        help="stop a run after this long and record it as over limit (900)")
    parser.add_argument("--memory-limit", type=float, default=20.0, metavar="GIB",
                        help="stop a run whose resident memory passes this (20 GiB)")
    parser.add_argument("--output", type=Path, default=None,
                        help="results file (default: benchmarks/results.json for a whole "
                             "full run, benchmarks/.results/<set>.json otherwise)")
    args = parser.parse_args(argv)

    chosen = select(all_scenarios(), args.set, args.only)
    if args.list:
        for scenario in chosen:
            print(scenario.name)
        return 0
    output = args.output or (RESULTS_FILE if args.set == "full" and not args.only
                             else PARTIAL_RESULTS_DIR / f"{args.set}.json")
    began = time.perf_counter()
    load = {"start": report.load_average()}
    # Bytecode as an installed wheel has it: where PYTHONDONTWRITEBYTECODE is set, every
    # child would otherwise compile the checkout's modules again before its first line.
    compileall.compile_dir(str(SRC), quiet=1)
    flags = batch_flags()
    print(f"batch flags this CLI has: {' '.join(flags) or '(none)'}", flush=True)
    suite = Suite(flags, args.timeout, args.memory_limit * 1024)
    try:
        for scenario in chosen:
            suite.run(scenario)
    finally:
        suite.clean()
    total = time.perf_counter() - began
    load["end"] = report.load_average()
    rows = [r.row for r in suite.results]
    document = report.document(args.set, rows, flags, args.timeout, args.memory_limit,
                               suite.generation_s, total, load)
    print()
    print(report.table(rows))
    print()
    print(report.targets_text(document["targets"]))
    print(f"\nwhole run {total:.0f} s (of which generating data {suite.generation_s:.0f} s); "
          f"load average at start {load['start']}, at end {load['end']}")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"results -> {output}")
    failed = [r["scenario"] for r in rows
              if r["status"].startswith("failed") or r.get("check", "").startswith("DIFF")]
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def select(scenarios: list[Scenario], which: str, only: list[str]) -> list[Scenario]:
    chosen = [s for s in scenarios if which == "full" or s.quick]
    if not only:
        return chosen
    wanted = {s.name for s in chosen if any(fnmatch.fnmatch(s.name, g) for g in only)}
    # A reference or a floor brings the perfassess run it is measured against.
    wanted |= {pair for s in chosen if s.name in wanted for pair in (s.checks, s.uses) if pair}
    return [s for s in chosen if s.name in wanted]


class Suite:
    def __init__(self, flags: list[str], timeout_s: float, memory_limit_mib: float):
        self.flags = flags
        self.timeout_s = timeout_s
        self.memory_limit_mib = memory_limit_mib
        self.results: list[Result] = []
        self.generation_s = 0.0
        self.scratch = Path(tempfile.mkdtemp(prefix="perfassess-bench-"))

    def clean(self) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)

    def run(self, scenario: Scenario) -> None:
        print(f"{scenario.name} ...", end=" ", flush=True)
        dataset = None
        if scenario.data is not None:
            began = time.perf_counter()
            dataset = ensure(scenario.data)
            self.generation_s += time.perf_counter() - began
        skip = self._skip_reason(scenario)
        if skip is not None:
            result = Result(scenario, self._row(scenario, dataset, [], skip))
        else:
            result = self._measure(scenario, dataset)
        if scenario.checks is not None:
            self._check(result)
        self.results.append(result)
        row = result.row
        print(f"{row['status']}, {report.number(row['wall_s'], 2)} s, "
              f"{report.number(row['peak_rss_mib'], 0)} MiB"
              + (f", {row['check']}" if row.get("check") else ""), flush=True)
        if scenario.kind == "duckdb":  # the run, its floor and its references are done
            for done in self.results:
                if scenario.checks in (done.scenario.name, done.scenario.uses,
                                       done.scenario.checks):
                    for path in done.keep:
                        shutil.rmtree(path, ignore_errors=True)

    def _skip_reason(self, scenario: Scenario) -> str | None:
        """A bigger size of a pack is not tried once a smaller one was over a limit; a floor
        needs its run's ratings."""
        if scenario.kind == "floor" and self._ratings_of(scenario.uses) is None:
            return f"not run: {scenario.uses} did not finish"
        if scenario.kind != "scale" or scenario.data is None:
            return None
        for earlier in self.results:
            s = earlier.scenario
            if (s.kind == "scale" and s.pack == scenario.pack and s.data is not None
                    and s.data.authorities < scenario.data.authorities
                    and earlier.row["status"].startswith("over limit")):
                return f"not run: {s.name} was {earlier.row['status']}"
        return None

    def _measure(self, scenario: Scenario, dataset: Dataset | None) -> Result:
        measurements: list[Measurement] = []
        stem = scenario.name.replace("/", "_")
        # Runs that write reports write thousands of files. Deleting them right before the
        # next repeat would charge it seconds of system time: ext4 skips inodes deleted in
        # the last minute when it allocates new ones. So each such repeat gets a folder of
        # its own, removed with the scratch folder when the benchmark ends.
        few_files = scenario.kind in ("scale", "duckdb", "polars", "floor")
        out = self.scratch / stem
        rows: int | None = dataset.rows if dataset else None
        for k in range(scenario.repeat):
            if few_files:
                shutil.rmtree(out, ignore_errors=True)
            else:
                out = self.scratch / f"{stem}_{k}"
            out.mkdir(parents=True)
            ratings = self._ratings_of(scenario.uses)
            argv, cwd = command(scenario, dataset.path if dataset else None, out, self.flags,
                                ratings.parent if ratings else None)
            measured = run_child(argv, cwd, child_env(), self.timeout_s,
                                 self.memory_limit_mib)
            measurements.append(measured)
            if not measured.ok:
                break
        last = measurements[-1]
        pages = None
        if scenario.kind == "sample" and last.ok:
            rows = _rows_read(out)
            pages = sum(1 for page in out.glob("*/*/areas/*") if page.suffix in (".html", ".md"))
        status = last.status
        if last.status.startswith("failed") and last.output.strip():
            status += ": " + last.output.strip().splitlines()[-1][:200]
        result = Result(scenario, self._row(scenario, dataset, measurements, status, rows))
        result.row["area_pages"] = pages
        result.keep.append(out)
        if last.ok and scenario.kind == "scale":
            result.ratings = out / str(scenario.pack) / "ratings.parquet"
        elif last.ok and scenario.kind in ("duckdb", "polars"):
            result.ratings = out / "reference.parquet"
        return result

    def _ratings_of(self, name: str | None) -> Path | None:
        """The ratings file a finished scenario kept, if it did."""
        return next((r.ratings for r in self.results if r.scenario.name == name), None)

    def _row(self, scenario: Scenario, dataset: Dataset | None, runs: list[Measurement],
             status: str, rows: int | None = None) -> dict[str, Any]:
        ok = [m for m in runs if m.ok]
        wall = statistics.median(m.wall_s for m in ok) if ok and len(ok) == len(runs) else None
        if wall is None and runs:
            wall = runs[-1].wall_s  # how long it ran before it failed or was stopped
        peak = max(m.peak_rss_mib for m in runs) if runs else None
        if rows is None and dataset is not None:
            rows = dataset.rows
        arrow_mib = dataset.arrow_bytes / MIB if dataset else None
        row: dict[str, Any] = {
            "scenario": scenario.name,
            "kind": scenario.kind,
            "pack": scenario.pack,
            "authorities": dataset.authorities if dataset else None,
            "periods": len(dataset.periods) if dataset else None,
            "inputs": len(dataset.inputs) if dataset else None,
            "value_column": dataset.value_type if dataset else None,
            "input_rows": rows,
            "input_arrow_mib": arrow_mib,
            "runs": len(runs),
            "wall_s": wall,
            "wall_s_each": [m.wall_s for m in runs],
            "cpu_s": statistics.median(cpu) if (cpu := [m.cpu_s for m in runs
                                                       if m.cpu_s is not None]) else None,
            "rows_per_s": rows / wall if rows and wall and status == "ok" else None,
            "peak_rss_mib": peak,
            "tree_peak_mib": max(trees) if (trees := [m.tree_peak_mib for m in runs
                                                      if m.tree_peak_mib is not None]) else None,
            "peak_over_arrow": peak / arrow_mib if peak and arrow_mib and
            scenario.kind in ("scale", "floor", "duckdb", "polars") else None,
            "status": status,
            "flags": self.flags if scenario.kind == "scale" else [],
        }
        return row

    def _check(self, reference: Result) -> None:
        """Pair a reference with its perfassess run: the same answer; and, for DuckDB's, the
        time ratio of the run, its floor and the Polars reference to it."""
        ours = next(r for r in self.results if r.scenario.name == reference.scenario.checks)
        if ours.ratings is None or reference.ratings is None:
            reference.row["check"] = "not checked: a run did not finish"
            return
        agreement = compare_in_child(reference.ratings, ours.ratings)
        reference.row["check"] = agreement.describe()
        if reference.scenario.kind != "duckdb":
            return
        ours.row["check"] = agreement.describe()
        if not (agreement.equal and reference.row["wall_s"]):
            return
        beside = [r for r in self.results if ours.scenario.name in (r.scenario.uses,
                                                                    r.scenario.checks)
                  and r is not reference and r.row["status"] == "ok"
                  and (r.scenario.kind != "polars" or r.row.get("check", "").startswith("equal"))]
        for row in [ours.row, *(r.row for r in beside)]:
            row["duckdb_ratio"] = row["wall_s"] / reference.row["wall_s"]
            if row["cpu_s"] and reference.row["cpu_s"]:
                row["duckdb_cpu_ratio"] = row["cpu_s"] / reference.row["cpu_s"]


def _rows_read(out: Path) -> int:
    """Input rows of the sample run: the rows each pack's manifest says it read."""
    return sum(json.loads(m.read_text(encoding="utf-8"))["rows_read"]
               for m in sorted(out.glob("*/manifest.json")))
