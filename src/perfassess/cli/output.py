"""Printing problems for people (grouped by code) and for machines (JSON)."""

from __future__ import annotations

import json

import click

from perfassess.validate.problems import CATALOGUE, Problems

SHOWN_PER_CODE = 10


def print_problems(problems: Problems, fmt: str = "text", *, err: bool = True) -> None:
    if fmt == "json":
        payload = {
            "errors": sum(n for c, n in problems.counts.items() if _severity(c) == "error"),
            "warnings": sum(n for c, n in problems.counts.items() if _severity(c) == "warning"),
            "counts": dict(sorted(problems.counts.items())),
            "problems": [p.to_dict() for p in problems],
        }
        click.echo(json.dumps(payload, indent=2, sort_keys=True))
        return
    for code in sorted(problems.counts, key=lambda c: (_severity(c) != "error", c)):
        items = [p for p in problems if p.code == code]
        entry = CATALOGUE.get(code)
        total = problems.counts[code]
        title = entry.title if entry else ""
        colour = "red" if _severity(code) == "error" else "yellow"
        click.secho(f"{_severity(code)} {code}: {title} ({total})", fg=colour, bold=True,
                    err=err)
        for p in items[:SHOWN_PER_CODE]:
            line = f"  {p.location()}  {p.message}"
            if p.expected:
                line += f"; expected {p.expected}"
            click.echo(line, err=err)
        if total > SHOWN_PER_CODE:
            click.echo(f"  … and {total - SHOWN_PER_CODE} more", err=err)
        if entry and entry.hint:
            click.echo(f"  hint: {entry.hint}", err=err)
    errors = sum(n for c, n in problems.counts.items() if _severity(c) == "error")
    warnings = sum(n for c, n in problems.counts.items() if _severity(c) == "warning")
    click.echo(f"{errors} error(s), {warnings} warning(s)", err=err)


def _severity(code: str) -> str:
    entry = CATALOGUE.get(code)
    return entry.severity if entry else "error"
