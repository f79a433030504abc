"""The stability sections of area and national reports, from a stability table made by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd

from perfassess.report.solidity import (
    BAR_WIDTH,
    StabilityView,
    area_record,
    national_record,
    prepare,
    varied,
)

LABELS = ["0 stars", "1 star", "2 stars", "3 stars", "no rating"]
FACTORS = [
    {"name": "a1_max", "kind": "parameter", "varies": "a1_max", "status": "reconstructed",
     "how": "20 ± 2, uniform"},
    {"name": "stars (alternative)", "kind": "alternative", "varies": "stars",
     "status": "reconstructed", "how": "2 readings equally likely"},
    {"name": "A1 (data)", "kind": "data", "varies": "A1", "status": "data",
     "how": "binomial"},
]


def view() -> StabilityView:
    # Four authorities in 2003, one in 2002; out of 200 draws each. Rows are deliberately in
    # another order than the ratings below.
    rows = [
        # code, period, rating, kept, fragile, modal, p0, p1, p2, p3, p(no), factor, index
        ("B", "2003", "2 stars", 0.5, True, "1 star", 0, 0.5, 0.5, 0, 0, "stars (alternative)",
         0.9),
        ("A", "2003", "3 stars", 1.0, False, "3 stars", 0, 0, 0, 1, 0, "", np.nan),
        ("C", "2003", "1 star", 0.875, True, "1 star", 0.125, 0.875, 0, 0, 0, "A1 (data)",
         0.25),
        ("D", "2003", "", 1.0, False, "", 0, 0, 0, 0, 1, "", np.nan),
        ("A", "2002", "2 stars", 0.95, False, "2 stars", 0, 0.05, 0.95, 0, 0, "a1_max", 0.5),
    ]
    columns = ["authority_code", "period", "rating", "rating_kept", "fragile", "modal_rating",
               *[f"p({label})" for label in LABELS], "most_influential",
               "most_influential_index"]
    table = pd.DataFrame(rows, columns=columns)
    table["draws"] = 200
    return StabilityView(table, LABELS, draws=200, seed=7, fragile_below=0.9,
                         factors=FACTORS, held=["parameter a1_max_2002"])


def ratings() -> pd.DataFrame:
    return pd.DataFrame({
        "authority_code": ["A", "A", "B", "C", "D", "E"],
        "authority_name": ["Ayton", "Ayton", "<b>Bee</b>", "Cee", "Dee", "Eee"],
        "period": ["2002", "2003", "2003", "2003", "2003", "2003"],
        "rating": ["2 stars", "3 stars", "2 stars", "1 star", None, "1 star"],
    })


def test_rows_are_aligned_with_the_ratings_and_spelt_once() -> None:
    rows = prepare(view(), ratings())
    # D is not rated and E is not in the analysis: neither has a stability section.
    assert rows.found == [True, True, True, True, False, False]
    assert rows.kept[:4] == ["95.0%", "100.0%", "50.0%", "87.5%"]
    assert rows.fragile[:4] == [False, False, True, True]
    assert rows.modal[:4] == ["2 stars", "3 stars", "1 star", "1 star"]
    assert rows.factor[:4] == ["a1_max", "", "stars (alternative)", "A1 (data)"]
    assert rows.factor_index[:4] == ["0.50", "", "0.90", "0.25"]
    assert rows.shares[3].tolist() == [0.125, 0.875, 0, 0, 0]
    assert rows.fragile_below == "90%"


def test_the_area_section_has_the_figures_the_bar_and_what_varied() -> None:
    rows = prepare(view(), ratings())
    c = area_record(rows, 3, "2003")
    assert c is not None
    assert (c["kept"], c["draws"], c["seed"], c["fragile"]) == ("87.5%", "200", 7, True)
    assert c["modal"] == "1 star"
    # "no rating" is left out where no draw gave it; the others always appear.
    assert [(s["label"], s["share"]) for s in c["shares"]] == [
        ("0 stars", "12%"), ("1 star", "88%"), ("2 stars", "0%"), ("3 stars", "0%")]
    assert c["text"] == "Probability of each rating: 0 stars 12%, 1 star 88%"
    assert (c["factor"], c["factor_how"], c["factor_index"]) == ("A1 (data)", "binomial",
                                                                  "0.25")
    svg = str(c["svg"])
    # 0.125 and 0.875 of the bar's width, side by side; the title repeats the text.
    assert f'width="{0.125 * BAR_WIDTH}"' in svg and f'x="{0.125 * BAR_WIDTH}"' in svg
    assert f'width="{0.875 * BAR_WIDTH}"' in svg
    assert f'aria-label="{c["text"]}"' in svg and f"<title>{c['text']}</title>" in svg
    assert c["page"] == "../../sensitivity/2003/stability.html"
    assert area_record(rows, 4, "2003") is None and area_record(rows, 5, "2003") is None
    assert area_record(None, 0, "2002") is None


def test_the_statement_of_what_varied_names_each_kind() -> None:
    assert varied(FACTORS) == (
        "Each draw varied the parameters a1_max; the reading of step stars (as written or a "
        "declared alternative); the returned values of A1 (their declared data error).")


def test_the_national_section_counts_the_rated_and_lists_the_fragile_least_stable_first(
        ) -> None:
    rows = prepare(view(), ratings())
    frame = ratings()
    spelt = frame["rating"].fillna("").tolist()
    names = frame["authority_name"].tolist()
    codes = frame["authority_code"].tolist()
    areas = {c: c.lower() for c in codes}
    c = national_record(rows, [1, 2, 3, 4, 5], spelt, names, codes, areas, "2003")
    assert c is not None
    # Rated and analysed in 2003: A, B, C (D is not rated, E not analysed); B and C fragile.
    assert (c["rated"], c["count"], c["share"]) == (3, 2, "67%")
    assert [(r["code"], r["kept"], r["modal"], r["modal_differs"]) for r in c["fragile"]] == [
        ("B", "50.0%", "1 star", True), ("C", "87.5%", "1 star", False)]
    assert c["fragile"][0]["href"] == "areas/b.html"
    assert c["page"] == "../sensitivity/2003/stability.html"
    quiet = national_record(rows, [0], spelt, names, codes, areas, "2002")
    assert quiet is not None and (quiet["rated"], quiet["count"], quiet["fragile"]) == (1, 0, [])
    assert national_record(None, [0], spelt, names, codes, areas, "2002") is None


def test_hostile_names_and_labels_are_escaped_in_the_bar() -> None:
    hostile = view()
    hostile.labels = ['<img src=x onerror="1">', *LABELS[1:]]
    hostile.table = hostile.table.rename(columns={"p(0 stars)": f"p({hostile.labels[0]})"})
    rows = prepare(hostile, ratings())
    c = area_record(rows, 3, "2003")
    assert c is not None
    svg = str(c["svg"])
    assert "<img" not in svg and "&lt;img src=x onerror=&#34;1&#34;&gt;" in svg
