"""Printing problems for people (a table per code) and for machines (JSON on stdout)."""

from __future__ import annotations

import json

import click

from perfassess.core.problems import CATALOGUE, Problem, Problems

SHOWN_PER_CODE = 10
_WIDTHS = {"where": 48, "column": 32, "value": 24, "expected": 40}


def print_problems(problems: Problems, fmt: str = "text", *, err: bool = True,
                   shown: int = SHOWN_PER_CODE) -> None:
    """Every problem, grouped by code (errors first), the first ``shown`` of each code with a
    count of the rest; or, with ``fmt="json"``, everything kept as JSON on stdout."""
    if fmt == "json":
        click.echo(json.dumps(problems_json(problems), indent=2, sort_keys=True))
        return
    for line in problem_lines(problems, shown):
        click.echo(line, err=err)


def problems_json(problems: Problems) -> dict[str, object]:
    errors, warnings = _totals(problems)
    return {
        "errors": errors,
        "warnings": warnings,
        "counts": dict(sorted(problems.counts.items())),
        "problems": [p.to_dict() for p in problems],
    }


def problem_lines(problems: Problems, shown: int = SHOWN_PER_CODE) -> list[str]:
    lines: list[str] = []
    for code in sorted(problems.counts, key=lambda c: (_severity(c) != "error", c)):
        items = sorted((p for p in problems if p.code == code),
                       key=lambda p: (p.file or "", p.row or 0))
        total = problems.counts[code]
        entry = CATALOGUE.get(code)
        severity = _severity(code)
        noun = severity if total == 1 else severity + "s"
        head = f"{code}  {entry.title if entry else ''}  ({total} {noun})"
        lines.append(click.style(head, fg="red" if severity == "error" else "yellow",
                                 bold=True))
        lines.extend("  " + row for row in _table(items[:shown]))
        if total > min(shown, len(items)):
            lines.append(f"  … and {total - min(shown, len(items))} more")
        if entry and entry.hint:
            lines.append(click.style(f"  hint: {entry.hint}", dim=True))
        lines.append("")
    errors, warnings = _totals(problems)
    lines.append(f"{errors} error{'s' * (errors != 1)}, "
                 f"{warnings} warning{'s' * (warnings != 1)}")
    return lines


def _table(items: list[Problem]) -> list[str]:
    """Aligned columns: where (file:row), column, value, expected, then the message."""
    rows = [{
        # A numbered column (a YAML file's) joins the place: pack.yaml:12:9.
        "where": f"{p.file or ''}{'' if p.row is None else f':{p.row}'}"
                 + (f":{p.column}" if isinstance(p.column, int) else ""),
        "column": "" if p.column is None or isinstance(p.column, int) else str(p.column),
        "value": "" if p.value is None else _shown(p.value),
        "expected": p.expected or "",
        "problem": p.message,
    } for p in items]
    columns = [c for c in ("where", "column", "value", "expected")
               if any(r[c] for r in rows)] + ["problem"]
    for r in rows:
        for c, width in _WIDTHS.items():
            if len(r[c]) > width:  # a long path keeps its end: the file name and row
                r[c] = "…" + r[c][1 - width:] if c == "where" else r[c][: width - 1] + "…"
    widths = {c: max(len(c), *(len(r[c]) for r in rows)) for c in columns}
    header = "  ".join(c.ljust(widths[c]) for c in columns).rstrip()
    out = [click.style(header, underline=True)]
    out += ["  ".join(r[c].ljust(widths[c]) for c in columns).rstrip() for r in rows]
    return out


def _shown(value: str) -> str:
    """A value as typed, quoted when spaces or control characters would hide what it is."""
    if value == "" or value != value.strip() or not value.isprintable():
        return repr(value)
    return value


def _totals(problems: Problems) -> tuple[int, int]:
    errors = sum(n for c, n in problems.counts.items() if _severity(c) == "error")
    warnings = sum(n for c, n in problems.counts.items() if _severity(c) == "warning")
    return errors, warnings


def _severity(code: str) -> str:
    entry = CATALOGUE.get(code)
    return entry.severity if entry else "error"
