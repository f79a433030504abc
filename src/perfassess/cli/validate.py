"""``perfassess validate``: check returns against a pack without scoring or writing."""

from __future__ import annotations

from pathlib import Path

import click

from perfassess.cli.options import reading_options


@click.command()
@click.option("--pack", required=True, metavar="ID_OR_PATH", help="Built-in pack id or folder.")
@click.option("--input", "inputs", multiple=True, required=True, metavar="FILE",
              help="Returns file, CSV, Parquet or Excel .xlsx (repeatable).")
@click.option("--reference", type=click.Path(dir_okay=False, path_type=Path),
              help="Authority reference CSV (authority_code, authority_name).")
@reading_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              help="How to print problems.")
@click.option("--strict", is_flag=True, help="Warnings make the input invalid (exit 1).")
@click.option("--fail-on-unrated", is_flag=True,
              help="Any authority-period that would not be rated makes the input invalid "
                   "(exit 1).")
@click.pass_context
def validate(ctx: click.Context, pack: str, inputs: tuple[str, ...], reference: Path | None,
             sheet: str | None, fmt: str, strict: bool, fail_on_unrated: bool,
             header_row: int | None, attributes: tuple[str, ...], key: tuple[str, ...],
             name: str | None, period: str | None, period_column: str | None) -> None:
    """Check every value of every input file, and which authority-periods would not be rated;
    exit 1 if any error, 0 if only warnings.

    The returns are scored in memory as `score` would (W-NOT-RATED names each
    authority-period that would get no rating, and why); nothing is written.
    """
    import json

    from perfassess.api import Reference, gate, not_rated, score
    from perfassess.cli.output import print_problems, problems_json
    from perfassess.core.problems import ProblemsFound

    ctx.meta["perfassess.format"] = fmt
    result = score(pack, inputs, reference=Reference.read(reference) if reference else None,
                   trace="none", sheet=sheet, header_row=header_row,
                   attributes=attributes, key=key, name=name, period=period,
                   period_column=period_column)
    problems = result.problems
    gate([result], problems, strict=strict, fail_on_unrated=fail_on_unrated)
    if problems.has_errors():
        raise ProblemsFound(problems)
    lost = not_rated(result)
    if fmt == "json":
        payload = problems_json(problems) | {
            "pack": result.pack.id, "valid": True,
            "authority_periods": len(result.ratings), "not_rated_count": len(lost),
            "not_rated": lost.astype(str).to_dict(orient="records")}
        click.echo(json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False))
        return
    if len(problems):
        print_problems(problems, fmt, err=False)
    line = (f"{result.pack.id}: {result.returns.rows_read} rows, "
            f"{len(result.returns.keys)} authority-periods")
    if len(lost):
        noun = "authority-period" + "s" * (len(lost) != 1)
        line += f"; valid: {len(lost)} {noun} would not be rated (W-NOT-RATED above)"
    else:
        line += ": valid"
    click.echo(line)
