"""Periods follow the pack's period form (YYYY, YYYY-YY or YYYY-MM), or are located errors; periods
in the form but outside the pack's years keep their warning (issue 19 point 12)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from perfassess.api import validate
from perfassess.packs import LoadedPack, pack_from_data
from perfassess.spec.pack import Periods
from perfassess.validate.inputs import period_form_mask

HOSTILE = ["FY24", "２０２４", "\u202e2024", "2024\u200b", "24", "20245", "2024.0", "2024-25"]


def pack(periods: dict[str, Any]) -> LoadedPack:
    return pack_from_data({
        "id": "p", "title": "P", "version": "1.0.0", "assessor": "tests", "periods": periods,
        "inputs": [{"id": "s", "title": "S", "type": "number"}],
        "rating": {"field": "rating"}, "outputs": ["rating"],
        "steps": [{"id": "r", "kind": "compute", "output": "rating", "expr": "s",
                   "status": "illustrative"}]})


def problems(tmp_path: Path, loaded: LoadedPack, periods: list[str]) -> list[tuple[Any, ...]]:
    path = tmp_path / "r.csv"
    rows = "".join(f"E{i},{p},s,1\n" for i, p in enumerate(periods))
    path.write_text("authority_code,period,indicator,value\n" + rows, encoding="utf-8")
    found = validate(loaded, [path]).problems
    return [(p.code, p.row, p.column, p.value, p.expected) for p in found]


def test_the_form_is_matched_over_the_whole_column_in_plain_digits() -> None:
    periods = np.array(["2024", *HOSTILE, "2015-16", "2015-17", "1999-00"], dtype=object)
    assert period_form_mask(periods, "YYYY").tolist() == [
        True, False, False, False, False, False, False, False, False, False, False, False]
    assert period_form_mask(periods, "YYYY-YY").tolist() == [
        False, False, False, False, False, False, False, False, True, True, False, True]


def test_the_form_is_declared_or_taken_from_first() -> None:
    assert Periods(first="2002", last="2005").period_form() == "YYYY"
    assert Periods(first="2015-16").period_form() == "YYYY-YY"
    assert Periods(first="2015-16", form="YYYY-YY").expected() == "YYYY-YY, such as 2024-25"


@pytest.mark.parametrize(("periods", "words"), [
    ({"first": "FY24"}, "neither a year such as 2024, a financial year such as 2024-25 nor a "
     "month such as 2025-07"),
    ({"first": "2025-13"}, "neither a year"),
    ({"first": "2025-7"}, "neither a year"),
    ({"first": "2025-07", "last": "2026"}, "last '2026' is not written in the form YYYY-MM"),
    ({"first": "2025-07", "last": "2025-00", "form": "YYYY-MM"},
     "last '2025-00' is not written in the form YYYY-MM"),
    ({"first": "2025-07", "last": "2025-03"}, "last '2025-03' comes before first '2025-07'"),
    ({"first": "２００２"}, "neither a year"),
    ({"first": "2002", "last": "2005-06"}, "last '2005-06' is not written in the form YYYY"),
    ({"first": "2002", "form": "YYYY-YY"}, "first '2002' is not written in the form YYYY-YY"),
    ({"first": "2002", "form": "FY"}, "'YYYY', 'YYYY-YY' or 'YYYY-MM'"),
    ({"first": "2005", "last": "2002"}, "last '2002' comes before first '2005'"),
])
def test_a_pack_whose_periods_have_no_form_is_refused(periods: dict[str, str],
                                                      words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        Periods(**periods)


def test_periods_out_of_form_are_located_errors_and_out_of_span_ones_warnings(
        tmp_path: Path) -> None:
    found = problems(tmp_path, pack({"first": "2002", "last": "2005"}),
                     ["2003", "FY24", "２０２４", "\u202e2024", "2009", "2003-04"])
    expected = "YYYY, such as 2024"
    # The right-to-left override is a control character too (E-TEXT-CONTROL), found in
    # the same pass.
    assert sorted(found, key=lambda p: (p[1], p[0])) == [
        ("E-PERIOD-FORM", 3, "period", "FY24", expected),
        ("E-PERIOD-FORM", 4, "period", "２０２４", expected),
        ("E-PERIOD-FORM", 5, "period", "\u202e2024", expected),
        ("E-TEXT-CONTROL", 5, "period", "\\u202e2024", "text without control characters"),
        ("W-PERIOD-OUTSIDE", 6, "period", "2009", None),
        ("E-PERIOD-FORM", 7, "period", "2003-04", expected),
    ]


def test_financial_years_follow_their_form(tmp_path: Path) -> None:
    found = problems(tmp_path, pack({"first": "2015-16"}),
                     ["2015-16", "2016-17", "2015-17", "2016", "2010-11"])
    assert [(p[0], p[1], p[3]) for p in sorted(found, key=lambda p: p[1])] == [
        ("E-PERIOD-FORM", 4, "2015-17"), ("E-PERIOD-FORM", 5, "2016"),
        ("W-PERIOD-OUTSIDE", 6, "2010-11")]


def test_months_are_a_form_of_their_own() -> None:
    periods = np.array(["2025-07", "2025-12", "2025-00", "2025-13", "2025-7", "2025-07-01",
                        "2024-25", "2011-12"], dtype=object)
    assert period_form_mask(periods, "YYYY-MM").tolist() == [
        True, True, False, False, False, False, False, True]
    assert Periods(first="2025-07").period_form() == "YYYY-MM"
    assert Periods(first="2025-07").expected() == "YYYY-MM, such as 2025-07"
    # 2011-12 reads as a financial year unless the pack says it counts months.
    assert Periods(first="2011-12").period_form() == "YYYY-YY"
    assert Periods(first="2011-12", last="2012-01", form="YYYY-MM").period_form() == "YYYY-MM"


def test_months_order_as_time_and_are_checked_in_returns(tmp_path: Path) -> None:
    months = pack({"first": "2024-11", "last": "2025-10"})
    assert months.pack.periods.contains("2025-02")
    assert not months.pack.periods.contains("2024-09")
    assert sorted(["2025-10", "2025-02", "2024-11"]) == ["2024-11", "2025-02", "2025-10"]
    found = problems(tmp_path, months, ["2025-07", "2025-7", "2025-13", "2025", "2026-01"])
    assert [(p[0], p[1], p[3], p[4]) for p in sorted(found, key=lambda p: p[1])] == [
        ("E-PERIOD-FORM", 3, "2025-7", "YYYY-MM, such as 2025-07"),
        ("E-PERIOD-FORM", 4, "2025-13", "YYYY-MM, such as 2025-07"),
        ("E-PERIOD-FORM", 5, "2025", "YYYY-MM, such as 2025-07"),
        ("W-PERIOD-OUTSIDE", 6, "2026-01", None)]
