"""The inputs table joined in Python: domain heads, band cells, badges and escaping."""

from __future__ import annotations

from markupsafe import Markup

from perfassess.report.input_rows import input_rows
from perfassess.report.record import Record

BAND = Record(svg=Markup("<svg/>"), dots="·●", label="Good <2>", status="illustrative")
ROW = Record(head=Markup("Staff <small><code>staff</code></small>"), head_md="Staff `staff`",
             cell=Markup("12 %"), cell_md="12 %", position=Markup("<svg/> better"),
             band=BAND, distribution=Record(standing="better than 50%"))
BARE = Record(ROW, band=None, distribution=None, cell=Markup("no return"),
              cell_md="no return")


def test_rows_in_domains_with_their_band_counts_and_a_badge_only_where_not_shared() -> None:
    groups = [Record(name="A & B", inputs=[ROW, BARE],
                     band_counts=[Record(label="Good <2>", count=1),
                                  Record(label="Poor", count=0)]),
              Record(name="", inputs=[BARE], band_counts=[])]
    html, md = input_rows(groups, domains=True, have_bands=True, band_status="")
    assert isinstance(html, Markup)
    assert html == (
        '<tbody>\n<tr><th colspan="4" scope="rowgroup">Domain A &amp; B <small>1 Good '
        '&lt;2&gt;</small></th></tr>\n'
        '<tr><th>Staff <small><code>staff</code></small></th><td>12 %</td><td><svg/> Good '
        '&lt;2&gt; <span class="bd il">illustrative</span></td><td><svg/> better</td></tr>\n'
        "<tr><th>Staff <small><code>staff</code></small></th><td>no return</td><td></td>"
        "<td><svg/> better</td></tr>\n</tbody>\n"
        '<tbody>\n<tr><th colspan="4" scope="rowgroup">Other inputs</th></tr>\n'
        "<tr><th>Staff <small><code>staff</code></small></th><td>no return</td><td></td>"
        "<td><svg/> better</td></tr>\n</tbody>\n")
    assert md == ("| **Domain A & B** | | 1 Good \\<2\\> | |\n"
                  "| Staff `staff` | 12 % | ·● Good \\<2\\> **[illustrative]** | "
                  "better than 50% |\n"
                  "| Staff `staff` | no return |  |  |\n"
                  "| **Other inputs** | | | |\n"
                  "| Staff `staff` | no return |  |  |\n")


def test_a_shared_band_status_is_not_repeated_and_no_bands_means_no_band_column() -> None:
    html, md = input_rows([Record(name="", inputs=[ROW], band_counts=[])], domains=False,
                          have_bands=True, band_status="illustrative")
    assert "bd il" not in html and "[illustrative]" not in md
    assert "scope=\"rowgroup\"" not in html and "Other inputs" not in md
    html, md = input_rows([Record(name="", inputs=[ROW], band_counts=[])], domains=False,
                          have_bands=False, band_status="")
    assert html == ("<tbody>\n<tr><th>Staff <small><code>staff</code></small></th>"
                    "<td>12 %</td><td><svg/> better</td></tr>\n</tbody>\n")
    assert md == "| Staff `staff` | 12 % | better than 50% |\n"
