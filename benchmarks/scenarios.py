"""The scenarios the suite measures, and the perfassess command line each one runs."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from benchmarks.checkout import REPO, child_env
from benchmarks.synthetic import DataSpec

NATIONAL_AUTHORITIES = 400  # the top of a national run's 150-400 authorities

CQC_STATEMENTS = (
    "qs1_assessing_needs", "qs2_supporting_healthier_lives",
    "qs3_equity_in_experience_and_outcomes", "qs4_care_provision_integration_continuity",
    "qs5_partnerships_and_communities", "qs6_safe_pathways_systems_transitions",
    "qs7_safeguarding", "qs8_governance_management_sustainability",
    "qs9_learning_improvement_innovation",
)
# ss-stars-2002 declares 32 inputs; 10^6 authorities with all of them would be 32M rows. At
# scale it gets what decides the stars: the four judgements, the five key-threshold
# indicators that cap them and their case counts (14 inputs: 14M rows at 10^6).
SS_STARS_RATING_INPUTS = (
    "adults_serving", "adults_prospects", "children_serving", "children_prospects",
    "A1", "A3", "CH_INSP", "D38", "CARE_HOMES_INSP",
    "A1_cases", "A3_cases", "CH_INSP_cases", "D38_cases", "CARE_HOMES_INSP_cases",
)


@dataclass(frozen=True)
class ScaleSetup:
    pack: str
    period: str
    sizes: tuple[int, ...]
    inputs: tuple[str, ...] = ()  # empty: every declared input
    reference: bool = False  # a DuckDB reference exists for this pack
    reference_up_to: int = 2_000_000  # sizes with a floor and a DuckDB run beside them


SCALE = (
    # The nine statement scores: the evidence categories are the older route to the same
    # scores, and the target is 9 rows per authority.
    # 10^7 (88M rows) shows the time grows without a cliff; it has no DuckDB pair.
    ScaleSetup("cqc-la-2024", "2024", (100_000, 1_000_000, 2_000_000, 10_000_000),
               CQC_STATEMENTS, reference=True),
    ScaleSetup("cpa-2005", "2005", (100_000, 1_000_000, 2_000_000), reference=True),
    ScaleSetup("ss-stars-2002", "2002", (100_000, 1_000_000), SS_STARS_RATING_INPUTS),
)
NATIONAL_PACKS = ("cqc-la-2024", "cpa-2005", "ss-stars-2002")
# Issue 15: every built-in pack at national scale with --no-report, and the cost of a full
# trace against none at TRACE_AUTHORITIES of cqc-la-2024.
BATCH_PACKS = ("caa-2009", "cpa-2002", "cpa-2005", "cqc-la-2024", "csci-adults-2006",
               "oflog-asc", "ss-stars-2002")
TRACE_AUTHORITIES = 200_000
# Issue 8: draws of ss-stars-2002 over the 150 sample councils (600 authority-periods), in
# chunks of SENSITIVITY_CHUNK; 4,000 draws beside 1,000 show memory follows the chunk, not N.
SENSITIVITY_DRAWS = (1_000, 4_000)
SENSITIVITY_CHUNK = 100
SENSITIVITY_SAMPLE = "data/sample/ss_stars_2002_2005.csv"
# Issue 16: CMS's whole July 2025 input as published (4,566 hospitals), scored as downloaded.
PUBLISHED = {"cms-hospital-stars-2025": (
    "rules/cms-hospital-stars-2025/alldata_2025jul.csv", ["--period", "2025-07"])}
PUBLISHED_MODES = ("rules-check", "batch", "full")


@dataclass(frozen=True)
class Scenario:
    """One measured thing. ``kind`` says what runs; ``data`` the returns it reads, if any."""

    name: str
    kind: str  # python, import-cli, import-score, help, sample, national, batch, scale,
    # floor, polars, duckdb, sensitivity, published
    quick: bool  # part of the quick set
    repeat: int = 1  # runs; the median wall time is reported
    pack: str | None = None
    data: DataSpec | None = None
    checks: str | None = None  # duckdb, polars: the perfassess scenario whose ratings it
    # must equal
    uses: str | None = None  # floor: the perfassess scenario whose ratings it writes again
    draws: int = 0  # sensitivity: how many draws
    trace: str | None = None  # scale: the --trace mode, instead of the batch flags' none
    mode: str | None = None  # published: rules-check, batch (no reports, no trace) or full;
    # sample: no-report

    @property
    def runs_perfassess_score(self) -> bool:
        return self.kind in ("sample", "national", "batch", "scale", "published")


def size_label(n: int) -> str:
    """100000 -> 1e5, 2000000 -> 2e6."""
    exponent = len(str(n)) - 1
    mantissa = n / 10**exponent
    return f"{mantissa:g}e{exponent}"


def all_scenarios() -> list[Scenario]:
    out = [
        Scenario("startup/python", "python", True, repeat=10),
        Scenario("startup/import-cli", "import-cli", True, repeat=10),
        Scenario("startup/import-score", "import-score", True, repeat=10),
        Scenario("cli/help", "help", True, repeat=10),
        Scenario("sample/default-run", "sample", True, repeat=5),
        # The same run without reports: the difference is what rendering them costs.
        Scenario("sample/no-report", "sample", True, repeat=3, mode="no-report"),
    ]
    out += [Scenario(f"sensitivity/ss-stars-2002/{draws}", "sensitivity", draws <= 1_000,
                     repeat=3, pack="ss-stars-2002", draws=draws)
            for draws in SENSITIVITY_DRAWS]
    out += [Scenario(f"national/{pack}", "national", True, repeat=3, pack=pack,
                     data=DataSpec(pack, NATIONAL_AUTHORITIES))
            for pack in NATIONAL_PACKS]
    out += [Scenario(f"batch/{pack}", "batch", True, repeat=3, pack=pack,
                     data=DataSpec(pack, NATIONAL_AUTHORITIES))
            for pack in BATCH_PACKS]
    out += [Scenario(f"published/{pack}/{mode}", "published", True, repeat=3, pack=pack,
                     mode=mode) for pack in PUBLISHED for mode in PUBLISHED_MODES]
    trace_data = DataSpec("cqc-la-2024", TRACE_AUTHORITIES, ("2024",), CQC_STATEMENTS)
    out += [Scenario(f"trace/cqc-la-2024/{size_label(TRACE_AUTHORITIES)}/{mode}", "scale",
                     False, pack="cqc-la-2024", data=trace_data, trace=mode)
            for mode in ("none", "full")]
    for setup in SCALE:
        for size in setup.sizes:
            data = DataSpec(setup.pack, size, (setup.period,), setup.inputs)
            name = f"scale/{setup.pack}/{size_label(size)}"
            quick = size <= 100_000
            out.append(Scenario(name, "scale", quick, repeat=3 if quick else 1,
                                pack=setup.pack, data=data))
            if setup.reference and size <= setup.reference_up_to:
                # A few seconds each, and easily disturbed by other work: three runs.
                out.append(Scenario(f"floor/{setup.pack}/{size_label(size)}", "floor", quick,
                                    repeat=3, pack=setup.pack, data=data, uses=name))
                # The same query in Polars, the engine issue 15 chose: how near it comes.
                out.append(Scenario(f"polars/{setup.pack}/{size_label(size)}", "polars", quick,
                                    repeat=3, pack=setup.pack, data=data, checks=name))
                out.append(Scenario(f"duckdb/{setup.pack}/{size_label(size)}", "duckdb", quick,
                                    repeat=3, pack=setup.pack, data=data, checks=name))
    return out


def batch_flags() -> list[str]:
    """``--trace none`` and ``--no-report``, each only if this checkout's CLI has it."""
    help_text = subprocess.run(
        [sys.executable, "-m", "perfassess", "score", "--help"], cwd=REPO, env=child_env(),
        capture_output=True, text=True, check=True).stdout
    return flags_from_help(help_text)


def flags_from_help(help_text: str) -> list[str]:
    flags = []
    trace = re.search(r"--trace\s+\[([^\]]+)\]", help_text)
    if trace and "none" in trace.group(1).split("|"):
        flags += ["--trace", "none"]
    if re.search(r"--no-report\b", help_text):
        flags.append("--no-report")
    return flags


def perfassess_args(scenario: Scenario, data_path: str | None, out: Path,
                    flags: list[str]) -> tuple[list[str], Path]:
    """The arguments after ``perfassess`` for a scoring scenario, and the folder to run in."""
    if scenario.kind == "sample":
        return ["score", "--out", str(out),
                *(["--no-report"] if scenario.mode == "no-report" else [])], REPO
    if scenario.kind == "published":
        assert scenario.pack is not None
        if scenario.mode == "rules-check":
            return ["rules", "check", scenario.pack], REPO
        path, options = PUBLISHED[scenario.pack]
        args = ["score", "--pack", scenario.pack, "--input", path, *options, "--out", str(out)]
        return args + (["--trace", "none", "--no-report"] if scenario.mode == "batch"
                       else []), REPO
    assert scenario.pack is not None and data_path is not None
    args = ["score", "--pack", scenario.pack, "--input", data_path, "--out", str(out)]
    if scenario.kind == "scale":
        args += flags
        if scenario.trace is not None and "--trace" in args:
            args[args.index("--trace") + 1] = scenario.trace
    if scenario.kind == "batch":
        args.append("--no-report")
    return args, REPO


def command(scenario: Scenario, data_path: str | None, out: Path, flags: list[str],
            ratings: Path | None = None) -> tuple[list[str], Path]:
    """The whole command line of a scenario's child process, and its working folder;
    ``ratings`` is the folder of the run a floor scenario writes again."""
    python = sys.executable
    if scenario.kind == "python":
        return [python, "-c", "pass"], REPO
    if scenario.kind == "import-cli":
        return [python, "-c", "import perfassess.cli"], REPO
    if scenario.kind == "import-score":
        # What `perfassess score` imports before it reads a byte: the CLI and the runner.
        return [python, "-c", "import perfassess.cli, perfassess.runner"], REPO
    if scenario.kind == "help":
        return [python, "-m", "perfassess", "--help"], REPO
    if scenario.kind in ("duckdb", "polars"):
        assert scenario.pack is not None and data_path is not None
        module = {"duckdb": "benchmarks.reference", "polars": "benchmarks.polars_reference"}[
            scenario.kind]
        return [python, "-m", module, scenario.pack, data_path,
                str(out / "reference.parquet")], REPO
    if scenario.kind == "floor":
        assert data_path is not None and ratings is not None
        return [python, "-m", "benchmarks.floor", data_path, str(ratings), str(out)], REPO
    if scenario.kind == "sensitivity":
        assert scenario.pack is not None
        return [python, "-m", "perfassess", "sensitivity", "--pack", scenario.pack,
                "--input", SENSITIVITY_SAMPLE, "--draws", str(scenario.draws), "--seed", "1",
                "--chunk", str(SENSITIVITY_CHUNK), "--out", str(out), "--quiet"], REPO
    args, cwd = perfassess_args(scenario, data_path, out, flags)
    return [python, "-m", "perfassess", *args], cwd
