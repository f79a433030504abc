"""Write a pack's reports: national summaries and area reports, HTML and Markdown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from perfassess.api import ScoreResult
from perfassess.io.write import write_text
from perfassess.report.area import Layout, area_contexts, prepare_tables
from perfassess.report.data import RunData
from perfassess.report.environment import environment
from perfassess.report.facts import pack_facts
from perfassess.report.national import national_contexts

TEMPLATES = {
    "area": ("area.html.j2", "area.md.j2"),
    "national": ("national.html.j2", "national.md.j2"),
}
STYLE = "style.css"


def write_reports(result: ScoreResult, folder: Path,
                  templates: Path | None = None) -> dict[str, dict[str, Any]]:
    """Render every report of one pack into ``folder``; returns the files written."""
    return write_run_reports(RunData.from_result(result), folder, templates)


def write_run_reports(data: RunData, folder: Path,
                      templates: Path | None = None) -> dict[str, dict[str, Any]]:
    env = environment(templates)
    facts = pack_facts(data.loaded)
    tables = prepare_tables(data, facts)
    layout = Layout.of(tables.ratings)
    written: dict[str, dict[str, Any]] = {}
    root = folder.resolve()

    def put(relative: str, text: str) -> None:
        path = (folder / relative).resolve()
        if root not in path.parents:  # names are sanitised; this is the last guard
            raise ValueError(f"report path {relative!r} leaves the output folder")
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text(text, path)
        written[relative] = {}

    put(STYLE, env.get_template(f"{STYLE}.j2").render())
    html, md = (env.get_template(name) for name in TEMPLATES["national"])
    for context in national_contexts(data, facts, tables, layout):
        put(layout.summary(context["period"], "html"), html.render(context))
        put(layout.summary(context["period"], "md"), md.render(context))
    html, md = (env.get_template(name) for name in TEMPLATES["area"])
    for context in area_contexts(data, facts, tables, layout):
        code, period = context["authority"]["code"], context["period"]
        put(layout.area(period, code, "html"), html.render(context))
        put(layout.area(period, code, "md"), md.render(context))
    return written
