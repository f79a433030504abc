"""``python -m benchmarks.profile SCENARIO``: where one perfassess scenario spends its time.

Runs the scenario's ``perfassess`` command in this process under pyinstrument (a sampling
profiler; ``--tool cprofile`` for the standard library's deterministic one) and writes the
profile to ``benchmarks/.profiles/``: an HTML page and a text tree (pyinstrument), or a
``.prof`` file and a text listing by cumulative time (cProfile).
"""

from __future__ import annotations

import argparse
import io
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.checkout import PROFILE_DIR, use_checkout_source
from benchmarks.scenarios import all_scenarios, batch_flags, perfassess_args
from benchmarks.synthetic import ensure


def main(argv: list[str] | None = None) -> int:
    scoring = [s for s in all_scenarios() if s.runs_perfassess_score]
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", choices=[s.name for s in scoring], metavar="SCENARIO",
                        help="one of: " + ", ".join(s.name for s in scoring))
    parser.add_argument("--tool", choices=["pyinstrument", "cprofile"], default="pyinstrument")
    parser.add_argument("--out", type=Path, default=PROFILE_DIR, help="folder for the profile")
    args = parser.parse_args(argv)

    scenario = next(s for s in scoring if s.name == args.scenario)
    data = ensure(scenario.data).path if scenario.data is not None else None
    scratch = Path(tempfile.mkdtemp(prefix="perfassess-profile-"))
    cli_args, _ = perfassess_args(scenario, data, scratch, batch_flags())
    use_checkout_source()
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / scenario.name.replace("/", "_")
    print(f"profiling: perfassess {' '.join(cli_args)}", flush=True)
    try:
        if args.tool == "pyinstrument":
            written = _pyinstrument(cli_args, stem)
        else:
            written = _cprofile(cli_args, stem)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for path in written:
        print(f"profile -> {path}")
    return 0


def _run_cli(cli_args: list[str]) -> None:
    # perfassess is imported inside the profiled call, so its own imports are in the profile.
    from perfassess.cli.main import cli

    cli.main(cli_args, prog_name="perfassess", standalone_mode=False)


def _pyinstrument(cli_args: list[str], stem: Path) -> list[Path]:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.005)
    profiler.start()
    try:
        _run_cli(cli_args)
    finally:
        profiler.stop()
    html, tree = stem.with_suffix(".html"), stem.with_suffix(".txt")
    flat, session = stem.with_suffix(".flat.txt"), stem.with_suffix(".pyisession")
    html.write_text(profiler.output_html(), encoding="utf-8")
    tree.write_text(profiler.output_text(unicode=True, color=False, show_all=False),
                    encoding="utf-8")
    assert profiler.last_session is not None
    flat.write_text(flat_listing(profiler.last_session.root_frame()), encoding="utf-8")
    profiler.last_session.save(str(session))  # re-render: pyinstrument --load=FILE -r html
    return [html, tree, flat, session]


def flat_listing(root: Any, top: int = 40) -> str:
    """Two lists from a pyinstrument call tree: functions by their own time (the hotspots,
    library code included), and perfassess's functions by their time including callees."""
    own: dict[str, float] = {}
    total: dict[str, float] = {}

    def name(frame: Any) -> str:
        return f"{frame.function}  {frame.file_path_short}:{frame.line_no}"

    def walk(frame: Any, above: frozenset[str]) -> None:
        key = name(frame)
        # Time in the function itself: what no real callee took (pyinstrument records it
        # both as a gap and as synthetic "[self]" children).
        real = [c for c in frame.children if not c.is_synthetic]
        own[key] = own.get(key, 0.0) + frame.time - sum(c.time for c in real)
        if key not in above:  # a recursive call is already counted by its outer call
            total[key] = total.get(key, 0.0) + frame.time
        for child in real:
            walk(child, above | {key})

    if root is None:
        return "no samples\n"
    walk(root, frozenset())
    lines = [f"{root.time:.3f} s in all", "", "By own time (seconds, function, where):"]
    lines += [f"{t:9.3f}  {k}" for k, t in sorted(own.items(), key=lambda kv: -kv[1])[:top]]
    lines += ["", "perfassess functions by time including callees:"]
    ours = [(k, t) for k, t in total.items() if "perfassess/" in k]
    lines += [f"{t:9.3f}  {k}" for k, t in sorted(ours, key=lambda kv: -kv[1])[:top]]
    return "\n".join(lines) + "\n"


def _cprofile(cli_args: list[str], stem: Path) -> list[Path]:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    try:
        _run_cli(cli_args)
    finally:
        profiler.disable()
    raw, text = stem.with_suffix(".prof"), stem.with_suffix(".cprofile.txt")
    profiler.dump_stats(raw)
    listing = io.StringIO()
    pstats.Stats(profiler, stream=listing).sort_stats("cumulative").print_stats(60)
    text.write_text(listing.getvalue(), encoding="utf-8")
    return [raw, text]


if __name__ == "__main__":
    sys.exit(main())
