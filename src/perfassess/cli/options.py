"""Options that several commands share, declared once: how input files are read."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

F = TypeVar("F", bound=Callable[..., object])

_SHEET = click.option("--sheet", metavar="NAME",
                      help="Worksheet to read from Excel inputs (default: the first).")
_HEADER_ROW = click.option("--header-row", type=click.IntRange(min=1), metavar="N",
                           help="Row of the Excel sheet that holds the header, as Excel "
                                "numbers it (default: found; see README).")
_ATTRIBUTE = click.option("--attribute", "attributes", multiple=True, metavar="COLUMN",
                          help="A column that describes the authority (region, type): "
                               "carried into the results as text, not read as an indicator "
                               "(repeatable); a pattern such as '*_DEN' carries every "
                               "column it matches.")
_KEY = click.option("--key", "key", multiple=True, metavar="COLUMN",
                    help="The column that keys an authority, read as authority_code (as "
                         "text: leading zeros kept); repeat for a composite key, joined with "
                         "'|'; '@row' keys each row by its position in its file (fragile).")
_NAME = click.option("--name", "name", metavar="COLUMN",
                     help="The column read as authority_name.")
_PERIOD = click.option("--period", "period", metavar="PERIOD",
                       help="The period of input files that have no period column, in the "
                            "pack's form (2025-07).")
_PERIOD_COLUMN = click.option("--period-column", "period_column", metavar="COLUMN",
                              help="The column that holds the period, when not 'period'.")


def excel_options(command: F) -> F:
    """--sheet and --header-row."""
    return _SHEET(_HEADER_ROW(command))


def layout_options(command: F) -> F:
    """--key, --name, --period and --period-column: files as published."""
    return _KEY(_NAME(_PERIOD(_PERIOD_COLUMN(command))))


def reading_options(command: F) -> F:
    """--sheet, --header-row, --attribute, and the layout options."""
    return excel_options(_ATTRIBUTE(layout_options(command)))
