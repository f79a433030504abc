"""The ``perfassess`` command group and its exit-code contract (0 ok, 1 invalid, 2 usage)."""

from __future__ import annotations

import os
from typing import Any

import click

from perfassess import __version__

# Usage errors (exit 2): a file, folder, pack or run named (on the command line or in a run
# file) that does not exist or holds no usable results, an output folder holding what is
# not ours, or more sensitivity draws than allowed.
USAGE_CODES = frozenset({"E-FILE-NOT-FOUND", "E-OUTPUT-NOT-OURS", "E-RUN-REF",
                         "E-DRAWS-LIMIT", "E-PREVIOUS-UNREADABLE", "E-PREVIOUS-COLUMNS",
                         "E-RESULTS-UNREADABLE", "E-RESULTS-COLUMNS"})


class PerfassessGroup(click.Group):
    """Turns catalogued problems into a report and an exit code, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from perfassess.core.problems import ProblemsFound, UsageProblem

        try:
            return super().invoke(ctx)
        except ProblemsFound as exc:
            from perfassess.cli.output import print_problems

            print_problems(exc.problems, ctx.meta.get("perfassess.format", "text"))
            # A usage error (2) is reported with the rest, so every problem is still seen in
            # one pass.
            usage = any(p.code in USAGE_CODES for p in exc.problems)
            ctx.exit(2 if usage else 1)
        except UsageProblem as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(2)


@click.group(cls=PerfassessGroup)
@click.version_option(__version__, prog_name="perfassess")
@click.option("--color/--no-color", "color", default=None,
              help="Colour the output or not (default: on a terminal, unless NO_COLOR is set).")
@click.pass_context
def cli(ctx: click.Context, color: bool | None) -> None:
    """Rate public services from performance evidence with declarative YAML rule packs."""
    # Any non-empty NO_COLOR disables colour (no-color.org); the flag wins over it, and with
    # neither click decides by whether the stream is a terminal.
    if color is None and os.environ.get("NO_COLOR"):
        color = False
    ctx.color = color


def _register() -> None:
    from perfassess.cli import diff, errors, explain, rules, score, sensitivity, validate

    cli.add_command(errors.errors)
    cli.add_command(score.score)
    cli.add_command(diff.diff)
    cli.add_command(validate.validate)
    cli.add_command(rules.rules)
    cli.add_command(explain.explain)
    cli.add_command(sensitivity.sensitivity)


_register()


def main() -> None:
    cli(prog_name="perfassess")
