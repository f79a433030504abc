"""``perfassess errors``: the error catalogue, for people, machines or the docs."""

from __future__ import annotations

import json

import click


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]),
              default="text", help="text (a table), json, or markdown (docs/errors.md).")
def errors(fmt: str) -> None:
    """List every problem code with its severity, meaning and hint."""
    from perfassess.core.problems import CATALOGUE, catalogue_markdown

    if fmt == "markdown":
        click.echo(catalogue_markdown(), nl=False)
        return
    if fmt == "json":
        payload = [{"code": e.code, "severity": e.severity, "title": e.title, "hint": e.hint,
                    "where": e.where, "section": e.section} for e in CATALOGUE.values()]
        click.echo(json.dumps(payload, indent=2))
        return
    width = max(len(code) for code in CATALOGUE)
    section = None
    for e in CATALOGUE.values():
        if e.section != section:
            section = e.section
            click.secho(f"\n{section}" if e is not next(iter(CATALOGUE.values())) else section,
                        bold=True)
        click.echo(f"  {e.code:<{width}}  {e.severity:<7}  {e.title}")
        if e.hint:
            click.echo(f"  {'':<{width}}  {'':<7}  hint: {e.hint}")
    click.echo(f"\n{len(CATALOGUE)} codes; E- codes are errors (exit 1), W- codes warnings.")
