"""An area page's inputs table as the built-in templates print it: rows joined in Python.

Each row's heading, value cell and national-position cell are spelt for every area at once
(``report.tables``); only the band cell is the page's own. Joining them here costs a few
string operations a row, where the template cost a lookup and an escape a cell.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from perfassess.report import svg
from perfassess.report.environment import markdown_cell
from perfassess.report.record import Record


def input_rows(groups: Sequence[Record], domains: bool, have_bands: bool,
               band_status: str) -> tuple[Markup, str]:
    """The table's bodies, HTML (one ``<tbody>`` a group, after its ``<thead>``) and
    Markdown (the lines after its header), of the rows in ``groups`` (the page's
    ``input_groups``: its domains, then the inputs in none)."""
    html: list[str] = []
    md: list[str] = []
    columns = 4 if have_bands else 3
    for group in groups:
        html.append("<tbody>\n")
        if domains:
            html.append(f'<tr><th colspan="{columns}" scope="rowgroup">'
                        f"{_group_head(group)}</th></tr>\n")
            md.append(_group_head_md(group, have_bands))
        for r in group["inputs"]:
            band_html = band_md = ""
            if have_bands:
                band_html, band_md = _band_cells(r["band"], band_status)
            html.append(f"<tr><th>{r['head']}</th><td>{r['cell']}</td>{band_html}"
                        f"<td>{r['position']}</td></tr>\n")
            md.append(f"| {r['head_md']} | {r['cell_md']}{band_md} | {_standing(r)} |\n")
        html.append("</tbody>\n")
    return Markup("".join(html)), "".join(md)


def _band_cells(band: Record | None, band_status: str) -> tuple[str, str]:
    """The band column's cell, HTML and Markdown (its separator first); its status badged
    unless every band on the page shares it."""
    if not band:
        return "<td></td>", " | "
    badged = band["status"] != band_status
    # str(): a Markup on the right of + would escape the text on its left.
    html = f"{band['svg']} {escape(band['label'])}" + (
        str(svg.badge(band["status"])) if badged else "")
    md = f"{band['dots']} {markdown_cell(band['label'])}" + (
        svg.badge_md(band["status"]) if badged else "")
    return f"<td>{html}</td>", f" | {md}"


def _standing(row: Record) -> str:
    distribution = row["distribution"]
    return distribution["standing"] if distribution else ""


def _group_head(group: Record) -> str:
    if not group["name"]:
        return "Other inputs"
    head = f"Domain {escape(group['name'])}"
    if group["band_counts"]:
        counted = [f"{c['count']} {escape(c['label'])}" for c in group["band_counts"]
                   if c["count"]]
        head += f" <small>{', '.join(counted)}</small>"
    return head


def _group_head_md(group: Record, have_bands: bool) -> str:
    if not group["name"]:
        return f"| **Other inputs** | |{' |' if have_bands else ''} |\n"
    counts = ""
    if have_bands:
        counted = [f"{c['count']} {markdown_cell(c['label'])}" for c in group["band_counts"]
                   if c["count"]]
        counts = f" {', '.join(counted)} |"
    return f"| **Domain {markdown_cell(group['name'])}** | |{counts} |\n"
