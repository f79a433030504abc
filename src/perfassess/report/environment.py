"""The Jinja environment: packaged templates, optionally overridden by a user's folder."""

from __future__ import annotations

from pathlib import Path

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
)


def markdown_cell(value: object) -> str:
    """Text safe inside a Markdown table cell: pipes escaped, newlines folded."""
    text = "" if value is None else str(value)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def environment(templates: Path | None = None) -> Environment:
    loaders: list[BaseLoader] = [FileSystemLoader(str(templates))] if templates else []
    loaders.append(PackageLoader("perfassess.report", "templates"))
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=lambda name: bool(name and name.endswith((".html", ".html.j2"))),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md"] = markdown_cell
    return env
