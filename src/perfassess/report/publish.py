"""Write a pack's reports: national summaries and area reports, HTML and Markdown.

Every report file is listed with its SHA-256 in ``reports.sha256`` (the format of
``sha256sum``, so ``sha256sum -c reports.sha256`` checks a published folder); the run's
manifest lists that one file, keeping the manifest small however many authorities there
are.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Template

from perfassess.core.progress import SILENT, Progress
from perfassess.core.results import ScoreResult
from perfassess.core.workers import fork_imap, processes
from perfassess.io.names import names_inside
from perfassess.io.write import kill_hook
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
CHUNK = 64  # authority-periods whose area pages are rendered as one piece of work
# Area reports below which rendering them on the other cores costs more than it saves.
MIN_FORKED = 2 * CHUNK
ALONE = 0.6  # the share of a run's area pages above which one pack is rendered on its own


@dataclass
class PackReports:
    """One pack's reports to render into ``folder``: with ``stability`` (a sensitivity
    analysis of the same returns), the reports say how solid each rating is; ``published``
    gives periods' publication dates (YYYY-MM-DD); ``history`` an earlier run's ratings
    (trends), ``groups`` the reference's types and regions (similar councils)."""

    result: ScoreResult
    folder: Path
    stability: StabilityView | None = None
    published: dict[str, str] | None = None
    history: pd.DataFrame | None = None
    groups: pd.DataFrame | None = None

    @property
    def pages(self) -> int:
        """Area pages: two per authority-period."""
        return 2 * len(self.result.ratings)

    def write(self, templates: Path | None, progress: Progress = SILENT,
              workers: int | None = None) -> dict[str, dict[str, Any]]:
        data = RunData.from_result(self.result, self.stability)
        data.published = dict(self.published or {})
        data.history, data.groups = self.history, self.groups
        return write_run_reports(data, self.folder, templates, progress, workers)


def write_reports(result: ScoreResult, folder: Path, templates: Path | None = None,
                  stability: StabilityView | None = None, progress: Progress = SILENT,
                  published: dict[str, str] | None = None, history: pd.DataFrame | None = None,
                  groups: pd.DataFrame | None = None) -> dict[str, dict[str, Any]]:
    """Render every report of one pack into ``folder``; returns the manifest's entries
    (the arguments are those of :class:`PackReports`)."""
    return PackReports(result, folder, stability, published, history, groups).write(
        templates, progress)


def write_packs_reports(packs: list[PackReports], templates: Path | None = None,
                        progress: Progress = SILENT) -> list[dict[str, dict[str, Any]]]:
    """Every pack's reports, each pack's manifest entries in order. Several packs are
    rendered side by side, a pack to a forked worker at a time (the largest first, so none
    is left running alone at the end). A pack with most of the pages would keep one worker
    busy long after the others, so then each pack's area reports are shared out in turn."""
    total = sum(p.pages for p in packs)
    if len(packs) == 1 or max(p.pages for p in packs) > ALONE * total:
        written = []
        for pack in packs:
            progress.stage(f"{pack.result.pack.id}: rendering reports", pack.pages)
            written.append(pack.write(templates, progress))
            progress.end()
        return written
    progress.stage(f"rendering the reports of {len(packs)} packs", total)
    order = sorted(range(len(packs)), key=lambda k: -packs[k].pages)
    done: dict[int, dict[str, dict[str, Any]]] = {}
    written_by = fork_imap(_write_pack, (packs, templates), order,
                           processes(None, total >= 2 * MIN_FORKED))
    try:
        for k, entries in zip(order, written_by, strict=True):
            done[k] = entries
            progress.advance(packs[k].pages)
            kill_hook(f"packs-{len(done)}")
    finally:
        written_by.close()
    progress.end()
    return [done[k] for k in range(len(packs))]


def _write_pack(shared: tuple[list[PackReports], Path | None], k: int
                ) -> dict[str, dict[str, Any]]:
    packs, templates = shared
    return packs[k].write(templates, workers=1)  # the other cores render other packs


def write_run_reports(data: RunData, folder: Path, templates: Path | None = None,
                      progress: Progress = SILENT, workers: int | None = None
                      ) -> dict[str, dict[str, Any]]:
    """Write the reports into ``folder`` (the fresh folder a run is built in); ``progress``
    is told of the area pages (two per authority-period) in chunks of ``CHUNK``. The area
    reports are rendered on ``workers`` forked processes (default: every core, when there
    are enough of them to repay the fork)."""
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
    pages = _AreaPages(folder, builder, html, md, area_csvs(facts, tables, builder.outputs))
    n = len(tables.ratings)
    blocks = [range(first, min(first + CHUNK, n)) for first in range(0, n, CHUNK)]
    written = fork_imap(_write_areas, pages, blocks, processes(workers, n >= MIN_FORKED))
    try:
        for number, (block, block_hashes) in enumerate(zip(blocks, written, strict=True), 1):
            hashes.update(block_hashes)
            progress.advance(2 * len(block))
            kill_hook(f"areas-{number}")
    finally:
        written.close()
    lines = "".join(f"{hashes[name]}  {name}\n" for name in sorted(hashes))
    (folder / HASHES).write_bytes(lines.encode("utf-8"))
    return {HASHES: {"files": len(hashes)}}


@dataclass
class _AreaPages:
    """What every area report is made from: inherited by forked workers, never pickled."""

    folder: Path
    builder: AreaBuilder
    html: Template
    md: Template
    figures: list[str]  # each authority-period's own CSV


def _write_areas(pages: _AreaPages, rows: range) -> dict[str, str]:
    """The area reports of ratings rows ``rows``: written, and their hashes returned."""
    builder, layout = pages.builder, pages.builder.layout
    columns = builder.tables.columns
    hashes: dict[str, str] = {}
    for i in rows:
        context = builder.context(i)
        code, period = str(columns["authority_code"][i]), str(columns["period"][i])
        _write(pages.folder, layout.area(period, code, "html"), pages.html.render(context),
               hashes)
        _write(pages.folder, layout.area(period, code, "md"), pages.md.render(context), hashes)
        _write(pages.folder, layout.area(period, code, "csv"), pages.figures[i], hashes)
    return hashes


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


_NEW_FILE = (os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)
             | getattr(os, "O_BINARY", 0))


def _write(folder: Path, relative: str, text: str, hashes: dict[str, str]) -> None:
    """One file, by the three system calls it takes: thousands are written, and ``open``
    adds a buffer, a size query and a terminal check to each (the run's folder is swapped
    in whole when done, so nothing is written in place)."""
    data = text.encode("utf-8")
    handle = os.open(os.path.join(folder, relative), _NEW_FILE, 0o666)  # less the umask
    try:
        left = memoryview(data)
        while left:
            left = left[os.write(handle, left):]
    finally:
        os.close(handle)
    hashes[relative] = hashlib.sha256(data).hexdigest()
