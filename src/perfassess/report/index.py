"""The index of a results folder: every pack, period and authority, in HTML and Markdown."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import Markup

from perfassess.io.write import write_text
from perfassess.report.area import Layout
from perfassess.report.environment import environment
from perfassess.report.publish import HASHES, report_files


def index_context(out: Path) -> dict[str, Any]:
    packs = []
    # Hidden folders are a run's work in progress (``.<pack>.tmp-*``), never published.
    for folder in sorted(p for p in out.iterdir()
                         if not p.name.startswith(".") and (p / "manifest.json").is_file()):
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        outputs = set(manifest.get("outputs", {}))
        if HASHES in outputs:  # the report files, listed with their hashes
            outputs |= set(report_files(folder))
        ratings = pd.read_parquet(folder / "ratings.parquet",
                                  columns=["authority_code", "authority_name", "period",
                                           "rating"])
        ratings = ratings.astype(object).where(ratings.notna(), None)
        layout = Layout.of(ratings)
        prefix = folder.name
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
                        "cells": [cells[code].get(p) for p in periods]}
                       for code in sorted(cells, key=lambda c: (names[c].casefold(), c))]
        pack = manifest["pack"]
        packs.append({
            "id": pack["id"], "title": pack.get("title", ""), "version": pack["version"],
            "folder": prefix, "summary_md": f"{prefix}/summary.md",
            "counts": manifest["counts"], "periods": period_rows,
            "authorities": authorities})
    return {"packs": packs}


def write_index(out: Path, templates: Path | None = None) -> list[Path]:
    """``index.html`` and ``index.md`` over every pack folder in ``out``."""
    env = environment(templates)
    context = index_context(out)
    # Our own stylesheet, not data: the one place markup is passed through unescaped.
    style = Markup(env.get_template("style.css.j2").render())
    paths = [out / "index.html", out / "index.md"]
    write_text(env.get_template("index.html.j2").render(context, style=style), paths[0])
    write_text(env.get_template("index.md.j2").render(context), paths[1])
    return paths
