"""Output rows spelt for every area at once: grouping, badges, units, escaping, hidden ones."""

from __future__ import annotations

from markupsafe import Markup

from perfassess.report.outputs import OutputRows

WORDS = [("score", "Score <total>", "points"), ("low", "Range", ""), ("high", "Range", "")]
VALUES = {"score": ["12", "", "<b>7</b>"], "low": ["1", "2", "3"], "high": ["4", "5", "*6*"]}
STATUSES = {"score": [None, "illustrative", None],
            "low": ["reconstructed", "reconstructed", None],
            "high": ["reconstructed", None, None]}


def rows(hidden: frozenset[str] = frozenset()) -> list[tuple[Markup, str]]:
    spelt = OutputRows(WORDS, VALUES, STATUSES, 3)
    return [spelt.rows(i, hidden) for i in range(3)]


def test_a_row_per_title_with_its_unit_and_one_shared_badge() -> None:
    html, md = rows()[0]
    assert isinstance(html, Markup)
    assert html == (
        "<tr><th>Score &lt;total&gt; <small><code>score</code></small></th><td>12 points"
        "</td></tr>\n"
        '<tr><th>Range <span class="bd re">reconstructed</span></th><td><code>low</code> 1'
        "<br><code>high</code> 4</td></tr>\n")
    assert md == ("| Score \\<total\\> `score` | 12 points |\n"
                  "| Range **[reconstructed]** | `low` 1; `high` 4 |\n")


def test_no_value_is_a_dash_without_unit_and_each_status_is_badged_where_not_shared() -> None:
    html, md = rows()[1]
    assert '<code>score</code></small> <span class="bd il">illustrative</span></th><td>—</td>' \
        in html
    assert "<th>Range</th><td><code>low</code> 2 <span class=\"bd re\">reconstructed</span>" \
        "<br><code>high</code> 5</td>" in html
    assert "`score` **[illustrative]** | — |" in md
    assert "| Range | `low` 2 **[reconstructed]**; `high` 5 |" in md


def test_values_are_escaped_for_each_format_and_hidden_outputs_left_out() -> None:
    html, md = rows()[2]
    assert "&lt;b&gt;7&lt;/b&gt; points" in html and "<b>" not in html
    assert "\\<b\\>7\\</b\\> points" in md and "\\*6\\*" in md
    html, md = rows(frozenset({"low"}))[2]
    assert "<code>low</code>" not in html and "`low`" not in md
    assert "<tr><th>Range <small><code>high</code></small></th><td>*6*</td></tr>" in html
