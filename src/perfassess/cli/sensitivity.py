"""``perfassess sensitivity``: how solid each rating is under the declared uncertainty."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option("--pack", required=True, metavar="ID_OR_PATH",
              help="Built-in pack id or a pack folder.")
@click.option("--input", "inputs", multiple=True, required=True, metavar="FILE",
              help="Returns file, CSV, Parquet or Excel .xlsx, long or wide (repeatable).")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output folder; writes OUT/<pack id>/.")
@click.option("--draws", type=int, default=1000, show_default=True,
              help="How many perturbed runs (at most 100,000).")
@click.option("--seed", type=int, required=True,
              help="Run seed: the same seed gives the same results.")
@click.option("--uncertainty", type=click.Path(dir_okay=False, path_type=Path),
              help="YAML file declaring what varies (replaces the pack's `uncertainty:`).")
@click.option("--chunk", type=int, default=100, show_default=True,
              help="Draws evaluated together (memory grows with it; results do not change; at "
                   "most 10,000).")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local",
              show_default=True, help="Run chunks on this machine's cores, or on Dask "
              "workers.")
@click.option("--scheduler", metavar="ADDRESS",
              help="Dask scheduler address (default with --executor dask: a local cluster).")
@click.option("--workers", type=click.IntRange(min=1),
              help="Processes: local ones (default: one per CPU, when the run is big enough "
                   "to gain; 1 runs in this process), or the local Dask cluster's (default 2).")
@click.option("--fragile-below", type=float, default=0.9, show_default=True,
              help="A rating kept in fewer than this share of draws is fragile.")
@click.option("--vary-documented", is_flag=True,
              help="Also vary declared parameters and rules whose status is documented.")
@click.option("--reference", type=click.Path(dir_okay=False, path_type=Path),
              help="Authority reference CSV (authority_code, authority_name).")
@click.option("--templates", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of templates that replace the built-in ones by name (rendered "
                   "in a sandbox: docs/templates.md).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              help="How to print problems.")
@click.option("--quiet", is_flag=True, help="Print nothing on success.")
@click.pass_context
def sensitivity(ctx: click.Context, pack: str, inputs: tuple[str, ...], out: Path, draws: int,
                seed: int, uncertainty: Path | None, chunk: int, executor: str,
                scheduler: str | None, workers: int | None, fragile_below: float,
                vary_documented: bool, reference: Path | None, templates: Path | None,
                fmt: str, quiet: bool) -> None:
    """Rerun a pack many times under its declared uncertainty: how likely is each rating?"""
    from perfassess.api import Reference
    from perfassess.cli.output import print_problems
    from perfassess.report.sensitivity import publish
    from perfassess.report.stability import fragile_share
    from perfassess.runner import check_out
    from perfassess.sensitivity.run import SensitivityOptions
    from perfassess.sensitivity.run import sensitivity as run_sensitivity

    ctx.meta["perfassess.format"] = fmt
    options = SensitivityOptions(draws=draws, seed=seed, chunk=chunk,
                                 executor=executor,  # type: ignore[arg-type]
                                 scheduler=scheduler, workers=workers,
                                 fragile_below=fragile_below, vary_documented=vary_documented,
                                 uncertainty=uncertainty)
    if templates is not None:  # a user's templates parse, before the draws are run
        from perfassess.report.environment import check_templates

        check_templates(templates)
    refs = Reference.read(reference) if reference else None
    run = run_sensitivity(pack, [Path(i) for i in inputs], options, refs)
    check_out(out, [run.loaded.id], index=False)  # replace only what perfassess wrote
    folder = publish(run, out, templates)
    if fmt == "json":
        print_problems(run.problems, fmt)
        return
    if quiet:
        return
    if run.problems:
        print_problems(run.problems, fmt)
    if run.declared.held:
        click.echo(f"note: {run.declared.held_note()}")
    stability = run.results.stability
    rated = int((stability["rating"] != "").sum())
    fragile = int(stability["fragile"].sum())
    click.echo(f"{run.loaded.id}: {draws} draws; {fragile} of {rated} rated authority-periods "
               f"fragile ({fragile_share(stability):.1%}) -> {folder}")
