"""The Jinja environment: packaged templates, optionally overridden by a user's folder."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
)

from perfassess.report import svg
from perfassess.report.record import RecordEnvironment

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


@lru_cache(maxsize=65536)
def _markdown_text(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.splitlines()))


def markdown_cell(value: object) -> str:
    """Text safe in Markdown, table cells included: markup characters backslash-escaped
    (so no link, emphasis, code or raw HTML can be smuggled in), line breaks folded."""
    return _markdown_text("" if value is None else str(value))


CHARTS = SimpleNamespace(stars=svg.stars, blobs=svg.blobs, bars=svg.bars, badge=svg.badge,
                         defs=svg.defs, dots=svg.dots, badge_md=svg.badge_md)


def environment(templates: Path | None = None) -> Environment:
    """One environment per templates folder for the whole process: templates compile once."""
    return _environment(templates.resolve() if templates else None)


@lru_cache(maxsize=8)
def _environment(templates: Path | None) -> Environment:
    loaders: list[BaseLoader] = [FileSystemLoader(str(templates))] if templates else []
    loaders.append(PackageLoader("perfassess.report", "templates"))
    env = RecordEnvironment(
        loader=ChoiceLoader(loaders),
        autoescape=lambda name: bool(name and name.endswith((".html", ".html.j2"))),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["md"] = markdown_cell
    env.globals["badge"] = svg.badge
    env.globals["badge_md"] = svg.badge_md
    # The same as filters: ``{{ status | badge }}`` is a plain call in the compiled
    # template, where ``badge(status)`` goes through Jinja's slower ``Context.call``.
    env.filters["badge"] = svg.badge
    env.filters["badge_md"] = svg.badge_md
    env.globals["charts"] = CHARTS
    return env
