"""The index of a results folder: every pack, period and authority, in HTML and Markdown."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
from markupsafe import Markup

from perfassess.io.write import atomic_file, write_text
from perfassess.manifest import scored_folder
from perfassess.report.area import Layout
from perfassess.report.environment import environment
from perfassess.report.publish import HASHES, SUMMARY, report_files

# How an index file is recognised as ours, to be replaced by the next run: the built-in
# templates' title, or this mark, which is added where a user's template leaves both out.
INDEX_FILES = ("index.html", "index.md")
MARK = "<!-- written by perfassess -->"
OTHER = "other"  # the group of names that start with no letter
REGION = "region"  # an attribute column that groups the index by region
NO_REGION = "no region"
_TITLES = {"index.html": "<title>perfassess results</title>",
           "index.md": "# perfassess results\n"}


def index_is_ours(path: Path) -> bool:
    """Whether ``path`` is an index file perfassess wrote: the built-in title where the
    built-in templates put it, or ``MARK`` at the end."""
    if path.is_symlink() or not path.is_file():
        return False
    with open(path, "rb") as handle:
        head = handle.read(1 << 12).decode("utf-8", errors="replace")
        handle.seek(max(0, path.stat().st_size - 2 * len(MARK)))
        tail = handle.read().decode("utf-8", errors="replace")
    title = _TITLES[path.name]
    return MARK in tail or (head.startswith(title) if path.suffix == ".md" else title in head)


def indexed_folders(out: Path, pending: dict[Path, Path] | None = None) -> dict[str, Path]:
    """The pack folders an index of ``out`` lists, by name: those perfassess published there
    (hidden ones are a run's work in progress, never published), with ``pending`` (target
    -> its new folder, not yet switched in) taking the place of what they replace."""
    found = {p.name: p for p in out.iterdir() if not p.name.startswith(".")
             and scored_folder(p)} if out.is_dir() else {}
    found.update({target.name: work for target, work in (pending or {}).items()
                  if target.parent == out and target.name not in INDEX_FILES})
    return dict(sorted(found.items()))


def index_context(out: Path | dict[str, Path]) -> dict[str, Any]:
    """What the index templates see: every pack folder of ``out`` (or of the name -> folder
    mapping :func:`indexed_folders` gives)."""
    folders = indexed_folders(out) if isinstance(out, Path) else out
    packs = []
    for prefix, folder in folders.items():
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        outputs = set(manifest.get("outputs", {}))
        if HASHES in outputs:  # the report files, listed with their hashes
            outputs |= set(report_files(folder))
        path = folder / "ratings.parquet"
        has_region = REGION in pq.read_schema(path).names  # a declared attribute
        ratings = pd.read_parquet(path, columns=["authority_code", "authority_name", "period",
                                                 "rating", *([REGION] if has_region else [])])
        ratings = ratings.astype(object).where(ratings.notna(), None)
        regions: dict[str, str] = {}
        if has_region:  # an authority's region: the last one its rows give
            given = ratings[ratings[REGION].notna()]
            regions = dict(zip(given["authority_code"].astype(str),
                               given[REGION].astype(str), strict=True))
        ratings = ratings.drop(columns=[REGION]) if has_region else ratings
        layout = Layout.of(ratings)
        periods = sorted(str(p) for p in ratings["period"].unique())
        period_rows = []
        for period in periods:
            in_period = ratings[ratings["period"].astype(str) == period]
            summary = layout.summary(period, "html")
            period_rows.append({
                "period": period,
                "href": f"{prefix}/{summary}" if summary in outputs else None,
                "href_md": f"{prefix}/{layout.summary(period, 'md')}"
                if summary in outputs else None,
                "rated": int(in_period["rating"].notna().sum()), "total": len(in_period)})
        cells: dict[str, dict[str, Any]] = {}
        names: dict[str, str] = {}
        for code, name, period, rating in ratings.itertuples(index=False):
            code, period = str(code), str(period)
            names[code] = str(name or "")
            area = layout.area(period, code, "html")
            cells.setdefault(code, {})[period] = {
                "label": "" if rating is None else str(rating),
                "href": f"{prefix}/{area}" if area in outputs else None,
                "href_md": f"{prefix}/{layout.area(period, code, 'md')}"
                if area in outputs else None}
        authorities = [{"code": code, "name": names[code],
                        "key": f"{names[code]} {code}".casefold(),
                        "cells": [cells[code].get(p) for p in periods]}
                       for code in sorted(cells, key=lambda c: (names[c].casefold(), c))]
        pack = manifest["pack"]
        packs.append({
            "id": pack["id"], "title": pack.get("title", ""), "version": pack["version"],
            "folder": prefix, "summary_md": f"{prefix}/summary.md",
            "summary_html": f"{prefix}/{SUMMARY}" if SUMMARY in outputs else None,
            "counts": manifest["counts"], "periods": period_rows,
            "authorities": authorities,
            "grouped_by": "region" if regions else "initial",
            "groups": _by_region(pack["id"], authorities, regions) if regions
            else _by_initial(pack["id"], authorities)})
    return {"packs": packs}


def _by_initial(pack: str, authorities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The authorities in groups by the initial letter of their name; names that start
    with no letter come last, under "other"."""
    def initial(a: dict[str, Any]) -> str:
        first = str(a["name"] or a["code"])[:1].upper()
        return first if first.isalpha() else OTHER
    return [{"initial": g, "id": f"{pack}-{g}", "authorities": members}
            for g, members in _grouped(authorities, initial, OTHER)]


def _by_region(pack: str, authorities: list[dict[str, Any]], regions: dict[str, str]
               ) -> list[dict[str, Any]]:
    """The authorities in groups by the region their results give; those with none come
    last, under "no region"."""
    grouped = _grouped(authorities, lambda a: regions.get(a["code"]) or NO_REGION, NO_REGION)
    return [{"initial": g, "id": f"{pack}-region-{k + 1}", "authorities": members}
            for k, (g, members) in enumerate(grouped)]


def _grouped(authorities: list[dict[str, Any]], group_of: Callable[[dict[str, Any]], str],
             last: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """The authorities (sorted by name, and kept so) by group, groups in alphabetical
    order but ``last`` at the end."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for a in authorities:
        groups.setdefault(group_of(a), []).append(a)
    return sorted(groups.items(), key=lambda g: (g[0] == last, g[0].casefold(), g[0]))


def write_index(out: Path, templates: Path | None = None,
                folders: dict[str, Path] | None = None) -> list[Path]:
    """``index.html`` and ``index.md`` over every pack folder in ``out`` (or ``folders``);
    inside an ``atomic_batch`` they are published with the batch."""
    env = environment(templates)
    context = index_context(out if folders is None else folders)
    # Our own stylesheet, not data: the one place markup is passed through unescaped.
    style = Markup(env.get_template("style.css.j2").render())
    paths = [out / name for name in INDEX_FILES]
    texts = [env.get_template("index.html.j2").render(context, style=style),
             env.get_template("index.md.j2").render(context)]
    for path, text in zip(paths, texts, strict=True):
        if not (text.startswith(_TITLES[path.name]) if path.suffix == ".md"
                else _TITLES[path.name] in text[:1 << 12]):
            text += ("" if text.endswith("\n") else "\n") + MARK + "\n"
        with atomic_file(path) as work:
            write_text(text, work)
    return paths
