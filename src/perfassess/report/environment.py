"""The Jinja environment: packaged templates, optionally overridden by a user's folder."""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
)

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


def markdown_cell(value: object) -> str:
    """Text safe in Markdown, table cells included: markup characters backslash-escaped
    (so no link, emphasis, code or raw HTML can be smuggled in), line breaks folded."""
    text = "" if value is None else str(value)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.splitlines()))


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
