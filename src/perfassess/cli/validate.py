"""``perfassess validate``: check returns against a pack without scoring or writing."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option("--pack", required=True, metavar="ID_OR_PATH", help="Built-in pack id or folder.")
@click.option("--input", "inputs", multiple=True, required=True, metavar="FILE",
              help="Returns file (repeatable).")
@click.option("--reference", type=click.Path(dir_okay=False, path_type=Path),
              help="Authority reference CSV (authority_code, authority_name).")
@click.option("--sheet", metavar="NAME",
              help="Worksheet to read from Excel inputs (default: the first).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              help="How to print problems.")
@click.pass_context
def validate(ctx: click.Context, pack: str, inputs: tuple[str, ...], reference: Path | None,
             sheet: str | None, fmt: str) -> None:
    """Check every value of every input file; exit 1 if any error, 0 if only warnings.

    Nothing is scored and nothing is written.
    """
    from perfassess.api import Reference
    from perfassess.api import validate as check
    from perfassess.cli.output import print_problems
    from perfassess.core.problems import ProblemsFound

    ctx.meta["perfassess.format"] = fmt
    checked = check(pack, inputs, Reference.read(reference) if reference else None,
                    sheet=sheet)
    if checked.problems.has_errors():
        raise ProblemsFound(checked.problems)
    if fmt == "json" or len(checked.problems):
        print_problems(checked.problems, fmt, err=False)
    if fmt == "text":
        click.echo(f"{checked.pack.id}: {checked.returns.rows_read} rows, "
                   f"{len(checked.returns.keys)} authority-periods: valid")
