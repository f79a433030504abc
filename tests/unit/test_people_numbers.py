"""Numbers and lists for people (issue 17, section 3): one helper, used by diff, --check,
explain and the reports; machine outputs keep every digit."""

from __future__ import annotations

import math

import pytest

from perfassess.compare import manifest_causes
from perfassess.core.people import decimals, listing, number, signed, spelt, told_apart
from perfassess.report import facts, tables


@pytest.mark.parametrize(("value", "digits", "expected"), [
    (61.111111111111114, 2, "61.11"), (63.888888888888886, 2, "63.89"), (0.125, 2, "0.13"),
    (72.0, 2, "72"), (62.5, 2, "62.5"), (-0.001, 2, "0"), (72.25, 1, "72.3"), (69.6, 0, "70"),
    (1e-07, 2, "0"), (None, 2, ""), (math.nan, 2, ""), (math.inf, 2, "∞"),
])
def test_number(value: float | None, digits: int, expected: str) -> None:
    assert number(value, digits) == expected


def test_one_helper_everywhere() -> None:
    assert facts.number is number and facts.signed is signed
    assert tables.number_text("72.22222222222221") == "72.22"
    assert signed(1.5) == "+1.5" and signed(-0.25) == "-0.25" and signed(None) == ""


@pytest.mark.parametrize(("text", "expected"), [
    ("61.111111111111114", "61.11"), ("62.5", "62.5"), ("75", "75"), ("Good", "Good"),
    ("E06000001", "E06000001"), ("", ""), ("1.5e-07", "0"), ("007", "007"), ("nan", "nan"),
])
def test_text_of_no_known_type_is_shortened_only_where_it_is_a_long_decimal(
        text: str, expected: str) -> None:
    assert decimals(text) == expected


def test_values_that_differ_keep_the_places_that_tell_them_apart() -> None:
    assert told_apart(["61.111111111111114", "63.888888888888886"]) == ["61.11", "63.89"]
    assert told_apart(["0.1234", "0.1239"]) == ["0.123", "0.124"]
    assert told_apart(["72.22222222222221", "72.22222222222222"]) == [
        "72.22222222222221", "72.22222222222222"]
    assert told_apart(["72.22222222222221", "72.22222222222221"]) == ["72.22", "72.22"]
    assert told_apart(["72.25", "75"], digits=1) == ["72.3", "75"]
    assert told_apart(["Good", ""]) == ["Good", ""]


def test_lists_as_people_write_them() -> None:
    assert listing([]) == "none"
    assert listing(["a"]) == "a"
    assert listing(["a", "b"]) == "a and b"
    assert listing(["A", "B", "C"]) == "A, B and C"
    assert listing(["x", "y"], conjunction="or") == "x or y"
    assert spelt(None) == "none" and spelt(True) == "yes"
    assert spelt(["a.csv", "b.csv"]) == "a.csv and b.csv"
    assert spelt({"draws": 1000, "seed": 7}) == "draws 1000 and seed 7"
    assert spelt(0.1 + 0.2) == "0.3"


def test_what_changed_between_runs_is_no_python_repr() -> None:
    a = {"schema_version": 1, "inputs": [{"path": "a.csv", "logical_sha256": "x"}],
         "inputs_logical_sha256": "x", "options": {"templates": None, "trace": "full"}}
    b = {"schema_version": 1, "inputs": [{"path": "b.csv", "logical_sha256": "y"},
                                         {"path": "c.csv", "logical_sha256": "z"}],
         "inputs_logical_sha256": "y", "options": {"templates": "mine", "trace": "full"}}
    causes = manifest_causes(a, b)
    assert "inputs changed: files a.csv -> b.csv and c.csv" in causes
    assert "option templates changed: none -> mine" in causes
    assert not any("[" in c or "None" in c for c in causes)
