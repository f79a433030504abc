"""Trends on area pages: one pivot of rating x period per pack, an earlier run's periods too."""

from __future__ import annotations

import pandas as pd

from perfassess.api import ScoreResult
from perfassess.packs import LoadedPack, pack_from_data
from perfassess.report.area import Layout, prepare_tables
from perfassess.report.data import RunData
from perfassess.report.facts import pack_facts
from perfassess.report.record import Record
from perfassess.report.trend import Trends, prepare_trends
from tests.conftest import run_long


def banded_pack() -> LoadedPack:
    """s banded into low / mid / high (the rating); its copy ``score`` a key score."""
    return pack_from_data({
        "id": "tiny", "title": "Tiny", "version": "1.0.0", "assessor": "tests",
        "periods": {"first": "2000"}, "vocabularies": {"band": ["low", "mid", "high"]},
        "inputs": [{"id": "s", "title": "S", "type": "number", "required": False}],
        "rating": {"field": "out", "sort": ["score"]}, "outputs": ["out", "score"],
        "steps": [
            {"id": "copy", "kind": "compute", "expr": "s", "output": "score",
             "status": "documented"},
            {"id": "b", "kind": "band", "input": "s", "output": "out", "cuts": [10, 20],
             "vocabulary": "band", "status": "documented"}]})


def trends(result: ScoreResult, history: pd.DataFrame | None = None
           ) -> tuple[Trends, dict[tuple[str, str], Record]]:
    data = RunData.from_result(result)
    facts = pack_facts(data.loaded)
    tables = prepare_tables(data, facts)
    made = prepare_trends(facts, tables, Layout.of(tables.ratings), history)
    keys = zip(tables.ratings["authority_code"], tables.ratings["period"], strict=True)
    return made, dict(zip(keys, made.pages, strict=True))


# A: low in 2001, absent in 2002, high in 2003. B: not rated in 2002 (no value), mid in 2003.
ROWS = [("A", "2001", "s", 5), ("A", "2003", "s", 25), ("B", "2002", "s", None),
        ("B", "2003", "s", 15)]


def test_every_period_of_the_run_with_absence_and_no_rating_said_in_words() -> None:
    made, pages = trends(run_long(banded_pack(), ROWS))
    assert made.periods == ["2001", "2002", "2003"]
    a = pages[("A", "2001")]
    assert not a["single"]
    assert [(r["period"], r["rated"], r["words"]) for r in a["rows"]] == [
        ("2001", True, "low"), ("2002", False, "not in this run's returns"),
        ("2003", True, "high")]
    assert [r["words"] for r in pages[("B", "2003")]["rows"]] == [
        "not in this run's returns", "not rated", "mid"]
    # Links to the authority's other pages only where they exist.
    assert [r["href"] for r in a["rows"]] == ["../../2001/areas/A.html", "",
                                             "../../2003/areas/A.html"]
    # Every page of one authority shares its chart.
    assert pages[("A", "2003")]["svg"] is a["svg"]


def test_the_chart_has_a_viewbox_a_text_alternative_and_the_scale_worst_at_the_foot() -> None:
    _, pages = trends(run_long(banded_pack(), ROWS))
    chart = str(pages[("A", "2001")]["svg"])
    alt = "Rating by period: 2001, low; 2002, not in this run&#39;s returns; 2003, high."
    assert 'viewBox="0 0 ' in chart and f'aria-label="{alt}"' in chart
    assert f"<title>{alt}</title>" in chart
    for label in ("low", "mid", "high"):  # the pack's scale, in its order, on the axis
        assert f">{label}</text>" in chart
    def label_y(label: str) -> float:
        return float(chart.split(f'" text-anchor="end">{label}</text>')[0].rsplit('y="', 1)[1])

    assert label_y("high") < label_y("mid") < label_y("low")  # worst at the foot
    assert chart.count("<circle") == 2 and 'class="gap"' in chart  # 2002: a cross
    # low (position 0) sits lower on the page than high (position 2): a larger y.
    ys = [float(part.split('"')[0]) for part in chart.split('cy="')[1:]]
    assert ys[0] > ys[1]


def test_the_table_marks_the_page_s_own_period_and_shows_the_key_scores() -> None:
    made, pages = trends(run_long(banded_pack(), ROWS))
    assert [h["id"] for h in made.scores] == ["score"]
    a03 = pages[("A", "2003")]
    assert "<th scope=\"col\"><code>score</code></th>" in str(a03["head"])
    body = str(a03["body"]).splitlines()
    assert body[0] == ('<tr><th scope="row"><a href="../../2001/areas/A.html">2001</a></th>'
                       "<td>low</td><td>5</td></tr>")
    assert body[1] == ('<tr><th scope="row">2002</th><td><em>not in this run&#39;s returns'
                       "</em></td><td>—</td></tr>")
    assert body[2] == ('<tr class="this" aria-current="page"><th scope="row">2003</th>'
                       "<td>high</td><td>25</td></tr>")
    assert a03["body_md"].splitlines()[2] == "| **2003** | high | 25 |"
    assert a03["head_md"] == "| period | rating | `score` |\n|---|---|---|\n"


def test_one_period_is_said_rather_than_drawn() -> None:
    _, pages = trends(run_long(banded_pack(), [("A", "2001", "s", 5)]))
    assert pages[("A", "2001")]["single"] and pages[("A", "2001")]["svg"] is None


def test_an_earlier_run_adds_its_periods_unlinked_and_this_run_wins_where_both_have_one(
        ) -> None:
    history = pd.DataFrame({"authority_code": ["A", "A", "Z"], "period": ["1999", "2001", "1999"],
                            "rating": ["mid", "high", "low"], "score": [12.0, 30.0, 1.0]})
    made, pages = trends(run_long(banded_pack(), ROWS), history)
    assert made.periods == ["1999", "2001", "2002", "2003"]  # Z has no page: not added
    rows = pages[("A", "2003")]["rows"]
    assert [(r["period"], r["words"], r["earlier"], r["href"]) for r in rows[:2]] == [
        ("1999", "mid", True, ""), ("2001", "low", False, "../../2001/areas/A.html")]
    assert rows[0]["scores"] == ["12"]
    assert pages[("B", "2003")]["rows"][0]["words"] == "not in the earlier results"
    assert "(earlier run)" in str(pages[("A", "2003")]["body"]).splitlines()[0]
