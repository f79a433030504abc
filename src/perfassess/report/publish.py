"""Write a pack's reports: national summaries and area reports, HTML and Markdown.

Every report file is listed with its SHA-256 in ``reports.sha256`` (the format of
``sha256sum``, so ``sha256sum -c reports.sha256`` checks a published folder); the run's
manifest lists that one file, keeping the manifest small however many authorities there
are. Area reports may be rendered by worker processes: each file's bytes depend only on
its own context, so the output is the same whatever the number of workers.
"""

from __future__ import annotations

import gc
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Template

from perfassess.core.results import ScoreResult
from perfassess.forked import cores, forked_map
from perfassess.io.names import path_inside
from perfassess.report.area import AreaBuilder, Layout
from perfassess.report.data import RunData
from perfassess.report.environment import environment
from perfassess.report.facts import pack_facts
from perfassess.report.national import national_contexts
from perfassess.report.solidity import StabilityView
from perfassess.report.tables import prepare_tables

TEMPLATES = {
    "area": ("area.html.j2", "area.md.j2"),
    "national": ("national.html.j2", "national.md.j2"),
}
STYLE = "style.css"
HASHES = "reports.sha256"
MIN_PER_WORKER = 150  # below this many areas per worker, forking costs more than it saves


def write_reports(result: ScoreResult, folder: Path, templates: Path | None = None,
                  workers: int | None = None, stability: StabilityView | None = None
                  ) -> dict[str, dict[str, Any]]:
    """Render every report of one pack into ``folder``; returns the manifest's entries.
    With ``stability`` (a sensitivity analysis of the same returns), the reports say how
    solid each rating is."""
    return write_run_reports(RunData.from_result(result, stability), folder, templates,
                             workers)


@dataclass
class _Job:
    """What a worker needs to render area reports (inherited by forked workers)."""

    html: Template
    md: Template
    builder: AreaBuilder
    layout: Layout
    folder: Path


def write_run_reports(data: RunData, folder: Path, templates: Path | None = None,
                      workers: int | None = None) -> dict[str, dict[str, Any]]:
    """Write the reports into ``folder`` (the fresh folder a run is built in).

    ``workers``: processes rendering area reports (default: one per CPU, when there are
    enough areas to be worth it; 1 renders in this process).
    """
    env = environment(templates)
    facts = pack_facts(data.loaded)
    tables = prepare_tables(data, facts)
    layout = Layout.of(tables.ratings)
    names = [*layout.periods.values(), *layout.areas.values()]
    for name in names:  # io.names makes them safe; this is the second guard behind it
        path_inside(folder, name)
    for name in sorted(set(layout.periods.values())):
        (folder / name / "areas").mkdir(parents=True, exist_ok=True)
    hashes: dict[str, str] = {}
    _write(folder, STYLE, env.get_template(f"{STYLE}.j2").render(), hashes)
    html, md = (env.get_template(name) for name in TEMPLATES["national"])
    for context in national_contexts(data, facts, tables, layout):
        _write(folder, layout.summary(context["period"], "html"), html.render(context),
               hashes)
        _write(folder, layout.summary(context["period"], "md"), md.render(context), hashes)
    # Compiled here, before any fork, so workers inherit them instead of compiling again.
    html, md = (env.get_template(name) for name in TEMPLATES["area"])
    job = _Job(html, md, AreaBuilder(data, facts, tables, layout), layout, folder)
    processes = _workers(workers, len(tables.ratings))
    for chunk in _render_areas(job, _chunks(len(tables.ratings), processes), processes):
        hashes.update(chunk)
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


def _workers(wanted: int | None, areas: int) -> int:
    if wanted is not None:
        return max(1, wanted)
    return max(1, min(cores(), areas // MIN_PER_WORKER))


def _chunks(n: int, workers: int) -> list[range]:
    if workers <= 1:
        return [range(n)]
    size = -(-n // (workers * 4))  # a few chunks per worker evens out their loads
    return [range(start, min(n, start + size)) for start in range(0, n, size)]


def _render_areas(job: _Job, chunks: list[range], workers: int) -> Iterable[dict[str, str]]:
    # Forked workers inherit the prepared tables: nothing is pickled but the ranges.
    done = forked_map(_render_chunk_with, job, chunks, workers) \
        if workers > 1 and len(chunks) > 1 else None
    if done is None:  # one worker, or no processes to be had: the same files, made here
        done = [_render_chunk_with(job, rows) for rows in chunks]
    return done


def _render_chunk_with(job: _Job, rows: range) -> dict[str, str]:
    html, md = job.html, job.md
    hashes: dict[str, str] = {}
    columns = job.builder.tables.columns
    # Contexts make no reference cycles, yet their many small dicts set off the cyclic
    # collector, which rescans every long-lived object of the run: half the time, measured.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for i in rows:
            context = job.builder.context(i)
            code, period = str(columns["authority_code"][i]), str(columns["period"][i])
            _write(job.folder, job.layout.area(period, code, "html"), html.render(context),
                   hashes)
            _write(job.folder, job.layout.area(period, code, "md"), md.render(context),
                   hashes)
    finally:
        if was_enabled:
            gc.enable()
    return hashes


def _write(folder: Path, relative: str, text: str, hashes: dict[str, str]) -> None:
    """One file with one ``open`` (the run's folder is swapped in whole when done)."""
    data = text.encode("utf-8")
    with open(os.path.join(folder, relative), "wb") as handle:
        handle.write(data)
    hashes[relative] = hashlib.sha256(data).hexdigest()
