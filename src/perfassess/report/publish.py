"""Write a pack's reports: national summaries and area reports, HTML and Markdown.

Every report file is listed with its SHA-256 in ``reports.sha256`` (the format of
``sha256sum``, so ``sha256sum -c reports.sha256`` checks a published folder); the run's
manifest lists that one file, keeping the manifest small however many authorities there
are.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pandas as pd

from perfassess.core.progress import SILENT, Progress
from perfassess.core.results import ScoreResult
from perfassess.io.names import names_inside
from perfassess.report.area import AreaBuilder, Layout
from perfassess.report.data import RunData
from perfassess.report.downloads import area_csvs
from perfassess.report.environment import environment
from perfassess.report.facts import pack_facts
from perfassess.report.national import national_contexts
from perfassess.report.solidity import StabilityView
from perfassess.report.summary import summary_context
from perfassess.report.tables import prepare_tables

TEMPLATES = {
    "area": ("area.html.j2", "area.md.j2"),
    "national": ("national.html.j2", "national.md.j2"),
}
STYLE = "style.css"
SUMMARY = "summary.html"  # the run summary (summary.md, written with the results) as a page
HASHES = "reports.sha256"
CHUNK = 64  # area pages' authority-periods rendered between two progress reports


def write_reports(result: ScoreResult, folder: Path, templates: Path | None = None,
                  stability: StabilityView | None = None, progress: Progress = SILENT,
                  published: dict[str, str] | None = None, history: pd.DataFrame | None = None,
                  groups: pd.DataFrame | None = None) -> dict[str, dict[str, Any]]:
    """Render every report of one pack into ``folder``; returns the manifest's entries.
    With ``stability`` (a sensitivity analysis of the same returns), the reports say how
    solid each rating is; ``published`` gives periods' publication dates (YYYY-MM-DD);
    ``history`` an earlier run's ratings (trends), ``groups`` the reference's types and
    regions (similar councils)."""
    data = RunData.from_result(result, stability)
    data.published = dict(published or {})
    data.history, data.groups = history, groups
    return write_run_reports(data, folder, templates, progress)


def write_run_reports(data: RunData, folder: Path, templates: Path | None = None,
                      progress: Progress = SILENT) -> dict[str, dict[str, Any]]:
    """Write the reports into ``folder`` (the fresh folder a run is built in); ``progress``
    is told of the area pages (two per authority-period) in chunks of ``CHUNK``."""
    env = environment(templates)
    facts = pack_facts(data.loaded)
    tables = prepare_tables(data, facts)
    layout = Layout.of(tables.ratings)
    names = [*layout.periods.values(), *layout.areas.values()]
    names_inside(folder, names)  # io.names makes them safe; this is the second guard
    for name in sorted(set(layout.periods.values())):
        (folder / name / "areas").mkdir(parents=True, exist_ok=True)
    hashes: dict[str, str] = {}
    _write(folder, STYLE, env.get_template(f"{STYLE}.j2").render(), hashes)
    html, md = (env.get_template(name) for name in TEMPLATES["national"])
    for context in national_contexts(data, facts, tables, layout):
        _write(folder, layout.summary(context["period"], "html"), html.render(context),
               hashes)
        _write(folder, layout.summary(context["period"], "md"), md.render(context), hashes)
    summary = summary_context(data.loaded.plan, data.ratings, data.loaded.content_hash)
    summary["links"] = {
        "style": STYLE, "index": "../index.html", "md": "summary.md",
        "csv": "ratings.csv", "parquet": "ratings.parquet",
        "periods": [{"period": p, "href": layout.summary(p, "html")}
                    for p in sorted(layout.periods)]}
    _write(folder, SUMMARY, env.get_template(f"{SUMMARY}.j2").render(summary), hashes)
    html, md = (env.get_template(name) for name in TEMPLATES["area"])
    builder = AreaBuilder(data, facts, tables, layout)
    figures = area_csvs(facts, tables, builder.outputs)
    columns = tables.columns
    n, told = len(tables.ratings), 0
    for i in range(n):
        context = builder.context(i)
        code, period = str(columns["authority_code"][i]), str(columns["period"][i])
        _write(folder, layout.area(period, code, "html"), html.render(context), hashes)
        _write(folder, layout.area(period, code, "md"), md.render(context), hashes)
        _write(folder, layout.area(period, code, "csv"), figures[i], hashes)
        if i + 1 - told == CHUNK or i + 1 == n:
            progress.advance(2 * (i + 1 - told))
            told = i + 1
    lines = "".join(f"{hashes[name]}  {name}\n" for name in sorted(hashes))
    (folder / HASHES).write_bytes(lines.encode("utf-8"))
    return {HASHES: {"files": len(hashes)}}


def report_files(folder: Path) -> dict[str, str]:
    """The report files a pack folder's ``reports.sha256`` lists, with their hashes."""
    path = folder / HASHES
    if not path.is_file():
        return {}
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        out[name] = f"sha256:{digest}"
    return out


def _write(folder: Path, relative: str, text: str, hashes: dict[str, str]) -> None:
    """One file with one ``open`` (the run's folder is swapped in whole when done)."""
    data = text.encode("utf-8")
    with open(os.path.join(folder, relative), "wb") as handle:
        handle.write(data)
    hashes[relative] = hashlib.sha256(data).hexdigest()
