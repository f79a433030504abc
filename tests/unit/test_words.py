"""People's words: titles and their fallback, score meanings, and standings among others."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd
import pytest

from perfassess.core.people import humanised
from perfassess.core.problems import ProblemsFound
from perfassess.packs import pack_from_data
from perfassess.report.facts import pack_facts
from perfassess.report.words import score_bands, standings
from perfassess.spec.loader import source_from_data

PACK: dict[str, Any] = {
    "id": "tiny", "title": "Tiny", "version": "1.0.0", "assessor": "tests",
    "periods": {"first": "2000"},
    "inputs": [{"id": "score", "title": "Score", "type": "integer", "min": 1, "max": 4}],
    "rating": {"field": "whole"}, "outputs": ["whole", "score_total"],
    "steps": [{"id": "whole", "kind": "round", "input": "score", "output": "whole",
               "digits": 0, "status": "documented"},
              {"id": "total", "kind": "compute", "expr": "score * 2",
               "output": "score_total", "status": "documented"}],
}
SHOWN = {"scales": {"four": {1: "poor", 2: "fair", 3: "good", 4: "very good"}},
         "fields": {"whole": {"title": "Overall", "unit": "points"}}}


def with_display(scale: str | None = "four") -> dict[str, Any]:
    data = copy.deepcopy(PACK)
    data["display"] = copy.deepcopy(SHOWN)
    if scale is not None:
        data["inputs"][0]["scale"] = scale
    return data


def test_a_field_without_a_title_is_its_id_in_words() -> None:
    facts = pack_facts(pack_from_data(copy.deepcopy(PACK)))
    assert facts.title("score") == "Score"  # the input's own title
    assert facts.title("score_total") == "Score total"
    assert facts.title("whole") == "Whole"
    assert humanised("theme_leadership_rating") == "Theme leadership rating"
    assert humanised("qs1.categories-rounded") == "Qs1 categories rounded"


def test_display_gives_titles_units_and_score_meanings() -> None:
    facts = pack_facts(pack_from_data(with_display()))
    assert facts.title("whole") == "Overall" and facts.units["whole"] == "points"
    bands = score_bands(facts)["score"]
    assert bands["3"]["label"] == "good" and bands["3"]["position"] == 2
    assert bands["1"]["of"] == 4 and bands["4"]["labels"][-1] == "very good"


def test_presentation_is_outside_the_content_hash() -> None:
    plain = source_from_data(copy.deepcopy(PACK)).content_hash
    assert source_from_data(with_display()).content_hash == plain
    changed = copy.deepcopy(PACK)
    changed["inputs"][0]["max"] = 5
    assert source_from_data(changed).content_hash != plain


@pytest.mark.parametrize(("change", "words"), [
    (lambda d: d["inputs"][0].update(scale="five"), "scale 'five' is not one of"),
    (lambda d: d["display"]["fields"].update(nothing={"title": "x"}),
     "display.fields names 'nothing'"),
])
def test_display_naming_what_is_not_there_is_refused(change: Any, words: str) -> None:
    data = with_display()
    change(data)
    with pytest.raises(ProblemsFound) as caught:
        source_from_data(data)
    assert words in str(caught.value.problems.items[0].message)


def test_ties_are_counted_apart_not_in_a_percentile() -> None:
    # Eight councils: 1, 2, 3, 3, 3, 4, 4, 4. A 3 is above two of the seven others and
    # level with two of them; every 3 reads the same.
    values = pd.DataFrame({"s": [1, 2, 3, 3, 3, 4, 4, 4.0]})
    periods = pd.Series(["2024"] * 8)
    got = standings(values, periods, {"s": "higher"}, "councils")["s"]
    assert got[2] == got[3] == got[4] == "better than 28% of councils, equal to 28%"
    assert got[0] == "better than 0% of councils"
    assert got[5] == "better than 71% of councils, equal to 28%"
    plain = standings(values, periods, {"s": "none"}, "councils")["s"]
    assert plain[2] == "higher than 28% of councils, equal to 28%"


def test_lower_is_better_counts_those_above_as_beaten() -> None:
    values = pd.DataFrame({"wait": [2.0, 5, 9, np.nan, 12]})
    periods = pd.Series(["2024", "2024", "2024", "2024", "2025"])
    got = standings(values, periods, {"wait": "lower"}, "councils")["wait"]
    assert got[0] == "better than 100% of councils"  # the lowest wait: never "3rd"
    assert got[2] == "better than 0% of councils"
    assert got[3] == "" and got[4] == ""  # no value; alone in its period
