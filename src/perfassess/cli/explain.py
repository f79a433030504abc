"""``perfassess explain``: how one authority's rating was reached, step by step."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from perfassess.cli.options import excel_options

STYLES: dict[str, dict[str, Any]] = {
    "head": {"bold": True},
    "key": {"fg": "cyan"},
    "value": {"bold": True},
    "muted": {"dim": True},
    "uncertain": {"fg": "yellow", "bold": True},
    "up": {"fg": "green"},
    "down": {"fg": "red"},
}


@click.command()
@click.argument("run_dir", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--pack", metavar="ID_OR_PATH",
              help="Pack to score with (with --input), or to pick in a run folder.")
@click.option("--input", "inputs", multiple=True, metavar="FILE",
              help="Returns file to score, CSV, Parquet or .xlsx (repeatable); not with RUN_DIR.")
@click.option("--reference", type=click.Path(dir_okay=False, path_type=Path),
              help="Authority reference CSV (authority_code, authority_name).")
@click.option("--authority", required=True, metavar="CODE_OR_NAME",
              help="Authority code or name, any case, or a unique prefix of either.")
@click.option("--period", metavar="PERIOD", help="Period (default: the latest one).")
@excel_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Text for people, or JSON: rating and each step.")
def explain(run_dir: Path | None, pack: str | None, inputs: tuple[str, ...],
            reference: Path | None, authority: str, period: str | None, sheet: str | None,
            header_row: int | None, fmt: str) -> None:
    """Explain one rating: inputs, bands, the table row that matched, caps, statuses.

    Either score returns now (--pack P --input FILE …) or read a finished run's folder
    (RUN_DIR: a pack's output folder, or the run's --out folder with --pack).
    """
    from perfassess.report.explainer import explain_authority

    lines, notes, data = explain_authority(run_dir, pack, list(inputs), reference, authority,
                                           period, sheet=sheet, header_row=header_row)
    for note in notes:
        click.secho(note, fg="yellow", err=True)
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))
        return
    for line in lines:
        click.echo("".join(click.style(text, **STYLES.get(role, {})) if role else text
                           for text, role in line))
