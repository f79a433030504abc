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
                               "(repeatable).")


def excel_options(command: F) -> F:
    """--sheet and --header-row."""
    return _SHEET(_HEADER_ROW(command))


def reading_options(command: F) -> F:
    """--sheet, --header-row and --attribute."""
    return excel_options(_ATTRIBUTE(command))
