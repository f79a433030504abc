"""``perfassess score``: rate returns under one or more packs and publish the results."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from perfassess.cli.options import reading_options

if TYPE_CHECKING:
    from perfassess.core.results import ScoreResult
    from perfassess.runner import RunOptions, RunOutcome, RunRequest
    from perfassess.sensitivity.run import SensitivityOptions
    from perfassess.spec.runfile import SensitivityEntry


@click.command()
@click.option("--pack", "packs", multiple=True, metavar="ID_OR_PATH",
              help="Built-in pack id or a pack folder (repeatable).")
@click.option("--input", "inputs", multiple=True, metavar="FILE",
              help="Returns file, CSV, Parquet or Excel .xlsx, long or wide (repeatable).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder; each pack writes OUT/<pack id>/.")
@click.option("--config", type=click.Path(dir_okay=False, path_type=Path),
              help="Run file (default: perfassess.yaml here, when no --pack is given).")
@click.option("--reference", type=click.Path(dir_okay=False, path_type=Path),
              help="Authority reference CSV (authority_code, authority_name).")
@click.option("--trace", "trace_mode", type=click.Choice(["full", "summary", "none"]),
              default=None, help="Step-by-step trace: full (default); summary (decision rows, "
              "caps, requirements and the rating only); none.")
@click.option("--no-report", is_flag=True,
              help="Write results without the HTML and Markdown reports (batch runs).")
@click.option("--previous", type=click.Path(file_okay=False, path_type=Path),
              help="An earlier run's output folder, for direction of travel.")
@click.option("--templates", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of templates that replace the built-in ones by name (rendered "
                   "in a sandbox: docs/templates.md).")
@click.option("--stability", type=click.Path(file_okay=False, path_type=Path),
              help="An earlier `perfassess sensitivity --out DIR` of the same pack and "
                   "inputs: the reports say how solid each rating is.")
@reading_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              help="How to print the result: text, or one JSON document on stdout "
                   "(problems and, per pack, what was rated and written: docs/outputs.md).")
@click.option("--quiet", is_flag=True, help="Print nothing on success.")
@click.option("--strict", is_flag=True,
              help="Warnings fail the run (exit 1, nothing written): for CI.")
@click.option("--fail-on-unrated", is_flag=True,
              help="Fail the run (exit 1, nothing written) if any authority-period is not "
                   "rated.")
@click.option("--check", is_flag=True,
              help="Write nothing: recompute and compare with what is in the output folder; "
                   "exit 1 with a report of what changed and why.")
@click.pass_context
def score(ctx: click.Context, packs: tuple[str, ...], inputs: tuple[str, ...], out: Path | None,
          config: Path | None, reference: Path | None, trace_mode: str | None,
          previous: Path | None, templates: Path | None, stability: Path | None,
          sheet: str | None, fmt: str, quiet: bool, no_report: bool, check: bool,
          strict: bool, fail_on_unrated: bool, header_row: int | None,
          attributes: tuple[str, ...], key: tuple[str, ...], name: str | None,
          period: str | None, period_column: str | None) -> None:
    """Rate returns under rule packs; with no options, run the project's run file."""
    import json

    from perfassess.cli.output import print_problems
    from perfassess.core.problems import UsageProblem
    from perfassess.runner import RunOptions, RunRequest, run
    from perfassess.spec.runfile import RUN_FILE, load_run_file

    ctx.meta["perfassess.format"] = fmt
    if packs:
        if config is not None:
            raise UsageProblem("give either --config or --pack/--input, not both")
        if not inputs:
            raise UsageProblem("--pack needs at least one --input FILE")
        if out is None:
            raise UsageProblem("--pack needs --out DIR")
        requests = [RunRequest(p, [Path(i) for i in inputs], previous=previous,
                               stability=stability, shared=len(packs) > 1,
                               attributes=list(attributes), key=list(key), name=name,
                               period=period, period_column=period_column) for p in packs]
        options = RunOptions(out, reference, trace_mode or "full",  # type: ignore[arg-type]
                             templates, base=Path.cwd())
    else:
        if inputs:
            raise UsageProblem("--input needs --pack ID_OR_PATH")
        if stability is not None:
            raise UsageProblem("--stability goes with --pack; in a run file, give an entry "
                               "stability: DIR or sensitivity: {draws: N, seed: S}")
        path = config or Path(RUN_FILE)
        if not path.is_file():
            raise UsageProblem(f"no run file {str(path)!r}: give --pack ID --input FILE "
                               "--out DIR, or --config FILE")
        runfile, base = load_run_file(path)
        requests = [RunRequest(r.pack_ref(base),
                               [base / i for i in r.inputs], list(r.feeds), r.prefer,
                               previous or (base / r.previous if r.previous else None),
                               _sensitivity(base, r.sensitivity),
                               base / r.stability if r.stability else None,
                               attributes=list(dict.fromkeys([*r.attributes, *attributes])),
                               key=list(key or r.key), name=name or r.name,
                               period=period or r.period,
                               period_column=period_column or r.period_column,
                               reference=r.reference,
                               published=dict(r.published))
                    for r in runfile.runs]
        options = RunOptions(
            out or base / runfile.out,
            reference or _reference_paths(base, runfile.reference),
            (trace_mode or runfile.trace),  # type: ignore[arg-type]
            templates, base=base)
        strict = strict or runfile.strict
        fail_on_unrated = fail_on_unrated or runfile.fail_on_unrated
        header_row = header_row or runfile.header_row
    options.strict, options.fail_on_unrated = strict, fail_on_unrated
    options.sheet = sheet
    options.header_row = header_row
    options.report = not no_report
    if check:
        _check(ctx, requests, options, fmt, quiet)
        return
    if not quiet and sys.stderr.isatty():  # progress for people, never for pipes or logs
        from perfassess.cli.progress import TerminalProgress

        options.progress = TerminalProgress(sys.stderr)
    outcome = run(requests, options)
    if fmt == "json":
        click.echo(json.dumps(run_json(outcome), indent=2, sort_keys=True,
                              ensure_ascii=False))
        return
    if outcome.problems and not quiet:
        print_problems(outcome.problems, fmt)
    if not quiet:
        for result, folder in zip(outcome.results, outcome.folders, strict=True):
            click.echo(rated_line(result, folder))


def run_json(outcome: RunOutcome) -> dict[str, object]:
    """The run as one JSON document: the problems (as ``print_problems`` gives them) and,
    per pack, what was rated, what was not and why, and the files written."""
    from perfassess.cli.output import problems_json

    document = problems_json(outcome.problems)
    document["packs"] = [_pack_json(result, folder)
                         for result, folder in zip(outcome.results, outcome.folders,
                                                   strict=True)]
    return document


def _pack_json(result: ScoreResult, folder: Path) -> dict[str, object]:
    ratings = result.ratings
    missing = ratings["rating"].isna()
    unrated = ratings.loc[missing, ["authority_code", "period", "rating_note"]].rename(
        columns={"rating_note": "why"}).fillna("").astype(str)
    return {
        "id": result.pack.id,
        "version": result.pack.pack.version,
        "folder": str(folder),
        "rated": int((~missing).sum()),
        "not_rated": int(missing.sum()),
        "unrated": unrated.to_dict("records"),
        "files": sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                        if p.is_file()),
    }


def rated_line(result: ScoreResult, folder: Path) -> str:
    """The run's last word on a pack: how many rated, and how many not and where to look."""
    ratings = result.ratings
    rated = int(ratings["rating"].notna().sum())
    line = f"{result.pack.id}: rated {rated} of {len(ratings)} authority-periods"
    if rated < len(ratings):
        line += (f"; {len(ratings) - rated} not rated (see W-NOT-RATED above, and "
                 f"rating_note in {folder / 'ratings.csv'})")
    return f"{line} -> {folder}"


def _sensitivity(base: Path, entry: SensitivityEntry | None) -> SensitivityOptions | None:
    if entry is None:
        return None
    from perfassess.sensitivity.run import SensitivityOptions

    return SensitivityOptions(
        draws=entry.draws, seed=entry.seed, chunk=entry.chunk,
        fragile_below=entry.fragile_below, vary_documented=entry.vary_documented,
        uncertainty=base / entry.uncertainty if entry.uncertainty else None)


def _reference_paths(base: Path, reference: str | list[str] | None) -> list[Path] | None:
    if reference is None:
        return None
    return [base / r for r in ([reference] if isinstance(reference, str) else reference)]


def _check(ctx: click.Context, requests: list[RunRequest], options: RunOptions, fmt: str,
           quiet: bool) -> None:
    import json

    from perfassess.check import check

    report = check(requests, options)
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), indent=2, sort_keys=True, ensure_ascii=False))
    elif not quiet or not report.ok:
        for line in report.lines():
            click.echo(line)
    if not report.ok:
        ctx.exit(1)
