"""The command line: a thin click layer over the importable core."""

from __future__ import annotations

from perfassess.cli.main import cli, main

__all__ = ["cli", "main"]
