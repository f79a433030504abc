"""The "Judgements and scores" rows of every area page, spelt per pack a column at a time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np
from markupsafe import Markup, escape

from perfassess.report import svg
from perfassess.report.environment import markdown_cell
from perfassess.report.facts import UNCERTAIN
from perfassess.report.spelt import each_distinct, escaped, marked

T = TypeVar("T")


def by_title(items: Sequence[T], title: Callable[[T], str]) -> list[list[T]]:
    """Items side by side under their shared title, one group per title where it first
    comes (in the items' order); an item without a title is a group of its own."""
    groups: list[list[T]] = []
    titled: dict[str, list[T]] = {}
    for item in items:
        name = title(item)
        group = titled.get(name) if name else None
        if group is None:
            group = []
            groups.append(group)
            if name:
                titled[name] = group
        group.append(item)
    return groups


class OutputRows:
    """Each area's table rows of its outputs, HTML and Markdown, as the area templates once
    spelt them per cell: outputs under one title share a row, an uncertain status they all
    share is badged once on the row, else each output's own. An area page that shows some
    outputs elsewhere (``hidden``) gets rows without them, spelt once per such set."""

    def __init__(self, words: Sequence[tuple[str, str, str]], values: dict[str, list[str]],
                 statuses: dict[str, list[str | None]], n: int) -> None:
        self.words, self.n = list(words), n  # (output, title, unit), in pack order
        self.values = {name: np.asarray(values[name], dtype=object) for name, _, _ in words}
        self.statuses = {name: np.array([s if s is not None else "documented"
                                         for s in statuses[name]], dtype=object)
                         for name, _, _ in words}
        self.spelt: dict[frozenset[str], tuple[list[Markup], list[str]]] = {}

    def rows(self, i: int, hidden: frozenset[str]) -> tuple[Markup, str]:
        spelt = self.spelt.get(hidden)
        if spelt is None:
            spelt = self.spelt[hidden] = self._spell(hidden)
        return spelt[0][i], spelt[1][i]

    def _spell(self, hidden: frozenset[str]) -> tuple[list[Markup], list[str]]:
        html = np.full(self.n, "", dtype=object)
        md = np.full(self.n, "", dtype=object)
        for group in by_title([w for w in self.words if w[0] not in hidden], lambda w: w[1]):
            row_html, row_md = self._group(group)
            html += row_html
            md += row_md
        return svg.as_markup(html), md.tolist()

    def _group(self, group: list[tuple[str, str, str]]) -> tuple[np.ndarray, np.ndarray]:
        """One group's row on every area page."""
        statuses = np.stack([self.statuses[name] for name, _, _ in group])
        first = statuses[0]
        shared = np.where((statuses == first).all(axis=0) & np.isin(first, list(UNCERTAIN)),
                          first, "").astype(object)
        own = shared == ""
        single = len(group) == 1
        cells_html, cells_md = [], []
        for name, _, unit in group:
            value = self.values[name]
            given = value != ""
            cell_html = np.where(given, escaped(value) + (f" {escape(unit)}" if unit else ""),
                                 "—").astype(object)
            cell_md = np.where(given, marked(value) + (f" {markdown_cell(unit)}" if unit
                                                        else ""), markdown_cell("—"))
            status = self.statuses[name]
            cell_html = cell_html + np.where(own, each_distinct(status, _badge), "")
            cell_md = cell_md + np.where(own, each_distinct(status, svg.badge_md), "")
            if not single:
                cell_html = f"<code>{escape(name)}</code> " + cell_html
                cell_md = f"`{name}` " + cell_md
            cells_html.append(cell_html)
            cells_md.append(cell_md)
        name, title, _ = group[0]
        code_html = f" <small><code>{escape(name)}</code></small>" if single else ""
        code_md = f" `{name}`" if single else ""
        row_html = f"<tr><th>{escape(title)}{code_html}" + each_distinct(shared, _badge) \
            + "</th><td>" + _joined(cells_html, "<br>") + "</td></tr>\n"
        row_md = f"| {markdown_cell(title)}{code_md}" + each_distinct(shared, svg.badge_md) \
            + " | " + _joined(cells_md, "; ") + " |\n"
        return row_html, row_md


def _badge(status: str) -> str:
    """The HTML badge as plain text: a Markup among texts would escape what it is added to."""
    return str(svg.badge(status))


def _joined(cells: list[np.ndarray], between: str) -> np.ndarray:
    """Cells side by side, area by area, ``between`` each two."""
    out = cells[0]
    for cell in cells[1:]:
        out = out + between + cell
    return out
