"""Warnings do not stop a run; values a pack declares acceptable are read; Excel returns."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from click.testing import CliRunner

from perfassess.api import validate
from perfassess.cli import cli

LONG = "authority_code,period,indicator,value\n"
QS = ["qs1_assessing_needs", "qs2_supporting_healthier_lives",
      "qs3_equity_in_experience_and_outcomes", "qs4_care_provision_integration_continuity",
      "qs5_partnerships_and_communities", "qs6_safe_pathways_systems_transitions",
      "qs7_safeguarding", "qs8_governance_management_sustainability",
      "qs9_learning_improvement_innovation"]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def problems_json(*args: str) -> tuple[int, dict[str, list[dict[str, object]]]]:
    result = CliRunner().invoke(cli, [*args, "--format", "json"])
    return result.exit_code, json.loads(result.stdout)


def located(payload: dict[str, list[dict[str, object]]], code: str) -> tuple[object, ...]:
    p = next(p for p in payload["problems"] if p["code"] == code)
    return p["row"], p["column"], p["value"]


def test_warnings_are_printed_and_validation_passes(write: Callable[[str, str], Path]) -> None:
    # E3 is complete, so something is rated: E1 2024 and E2 1999 are not (W-NOT-RATED);
    # E2 2024 has only unknown indicators, so it is no authority-period at all.
    path = write("r.csv", LONG + f"E1,2024,{QS[0]},3\nE1,2024,{QS[0]},3\n"
                 f"E2,1999,{QS[0]},2\nE2,2024,Qs1_Assessing_Needs,2\nE2,2024,{QS[1]}x,2\n"
                 + "".join(f"E3,2024,{qs},3\n" for qs in QS))
    code, payload = problems_json("validate", "--pack", "cqc-la-2024", "--input", str(path))
    assert code == 0
    assert payload["errors"] == 0 and payload["warnings"] == 4 + 2
    assert payload["counts"]["W-NOT-RATED"] == 2
    assert located(payload, "W-DUPLICATE") == (3, "value", "3")
    assert located(payload, "W-PERIOD-OUTSIDE") == (4, "period", "1999")
    unknown = [p for p in payload["problems"] if p["code"] == "W-UNKNOWN-INDICATOR"]
    assert [(p["row"], p["column"], p["value"]) for p in unknown] == [
        (5, "indicator", "Qs1_Assessing_Needs"), (6, "indicator", f"{QS[1]}x")]
    assert "did you mean 'qs1_assessing_needs'?" in str(unknown[0]["message"])
    assert f"did you mean '{QS[1]}'?" in str(unknown[1]["message"])
    code, text = run("validate", "--pack", "cqc-la-2024", "--input", str(path))
    assert code == 0 and "W-DUPLICATE" in text and "0 errors, 6 warnings" in text


def test_unknown_authorities_are_warned_about(write: Callable[[str, str], Path]) -> None:
    reference = write("ref.csv", "authority_code,authority_name\nE1,Alpha\n")
    path = write("r.csv", LONG + f"E1,2024,{QS[0]},3\nZ9,2024,{QS[0]},3\n"
                 + "".join(f"E1,2023,{qs},3\n" for qs in QS))  # something is rated
    code, payload = problems_json("validate", "--pack", "cqc-la-2024", "--input", str(path),
                                  "--reference", str(reference))
    assert code == 0
    assert located(payload, "W-UNKNOWN-AUTHORITY") == (3, "authority_code", "Z9")


def test_a_required_input_missing_is_a_warning_and_a_rating_note(
        write: Callable[[str, str], Path], tmp_path: Path) -> None:
    wide = ("authority_code,period,adults_serving,adults_prospects,children_serving,"
            "children_prospects\nE1,2002,Yes,Excellent,Yes,Excellent\n"
            "E2,2002,Yes,,Most,Promising\n")
    path = write("r.csv", wide)
    code, payload = problems_json("validate", "--pack", "ss-stars-2002", "--input", str(path))
    assert code == 0
    warning = next(p for p in payload["problems"] if p["code"] == "W-REQUIRED-MISSING")
    assert (warning["row"], warning["column"]) == (3, "adults_prospects")
    assert "E2 2002" in str(warning["message"])
    out = tmp_path / "out"
    code, text = run("score", "--pack", "ss-stars-2002", "--input", str(path), "--out",
                     str(out))
    assert code == 0, text
    ratings = pd.read_csv(out / "ss-stars-2002" / "ratings.csv", dtype=str,
                          keep_default_na=False)
    assert list(ratings["rating"]) == ["3 stars", ""]
    assert "adults_prospects" in ratings["rating_note"].iloc[1]


def test_blank_rows_are_skipped_not_errors(write: Callable[[str, str], Path]) -> None:
    path = write("r.csv", LONG + f"E1,2024,{QS[0]},3\n,,,\n , , , \n")
    checked = validate("cqc-la-2024", [path])
    assert not checked.problems.items
    assert list(checked.returns.keys["authority_code"]) == ["E1"]


ACCEPTING = """\
id: accepting
title: Accepting
version: 1.0.0
assessor: tests
periods: {first: "2020"}
vocabularies:
  level: [low, high]
inputs:
  - {id: people, title: People, type: number, min: 0,
     accept: [thousands_separator, dash_as_missing]}
  - {id: share, title: Share, type: number, unit: "%", min: 0, max: 100,
     accept: [percent_sign], required: true}
rating: {field: rating}
outputs: [rating]
steps:
  - {id: rating, kind: band, input: share, output: rating, cuts: [50], vocabulary: level,
     status: illustrative}
"""


def test_declared_spellings_are_accepted(write: Callable[[str, str], Path]) -> None:
    pack = write("accepting/pack.yaml", ACCEPTING)
    path = write("r.csv", "authority_code,period,people,share\n"
                          'E1,2020,"1,234",12%\nE2,2020,-,50 %\nE3,2020,7,65.5\n')
    checked = validate(str(pack.parent), [path])
    assert not checked.problems.items
    people = checked.returns.values["people"]
    assert people[0] == 1234 and np.isnan(people[1]) and people[2] == 7
    assert list(checked.returns.values["share"]) == [12, 50, 65.5]


def test_undeclared_spellings_still_fail(write: Callable[[str, str], Path]) -> None:
    pack = write("accepting/pack.yaml", ACCEPTING)
    path = write("r.csv", "authority_code,period,people,share\nE1,2020,12%,\"1,200\"\n"
                          "E2,2020,\"12,34\",-\n")
    found = {(p.code, p.row, p.column, p.value) for p in validate(str(pack.parent),
                                                                  [path]).problems}
    assert found == {("E-VALUE-TYPE", 2, "people", "12%"), ("E-VALUE-TYPE", 2, "share", "1,200"),
                     ("E-VALUE-TYPE", 3, "people", "12,34"), ("E-VALUE-TYPE", 3, "share", "-")}


def test_percent_sign_needs_a_percent_unit(write: Callable[[str, str], Path]) -> None:
    pack = write("bad/pack.yaml", ACCEPTING.replace('unit: "%", ', ""))
    code, payload = problems_json("rules", "check", str(pack.parent))
    assert code == 1
    problem = payload["problems"][0]
    assert problem["code"] == "E-PACK-SCHEMA" and problem["row"] == 11
    assert "percent_sign needs unit" in str(problem["message"])


def test_excel_returns_score_like_csv(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.title = "Notes"
    first.append(["About"])
    first.append(["This sheet is not the returns"])
    second = book.create_sheet("Returns 2024")
    second.append(["authority_code", "authority_name", "period", *QS])
    second.append(["E1", "Alpha", 2024, *([3] * 9)])
    second.append(["E2", "Beta", "2024", *([4] * 8), None])
    path = tmp_path / "returns.xlsx"
    book.save(path)
    out = tmp_path / "out"
    code, text = run("score", "--pack", "cqc-la-2024", "--input", str(path), "--sheet",
                     "Returns 2024", "--out", str(out))
    assert code == 0, text
    ratings = pd.read_csv(out / "cqc-la-2024" / "ratings.csv", dtype=str,
                          keep_default_na=False)
    # E1: nine 3s = 27 of 36 = 75% -> Good; E2 lacks qs9 -> no rating.
    assert list(ratings["authority_code"]) == ["E1", "E2"]
    assert list(ratings["period"]) == ["2024", "2024"]
    assert list(ratings["rating"]) == ["Good", ""]
    code, payload = problems_json("validate", "--pack", "cqc-la-2024", "--input", str(path))
    assert code == 1  # the first sheet has no returns in it
    assert payload["problems"][0]["code"] == "E-COLUMN-MISSING"


def test_excel_text_cells_stay_text(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["authority_code", "period", "indicator", "value"])
    sheet.append(["007", "2024", QS[0], "3"])
    sheet.append([8, 2024.0, QS[1], 2.0])
    sink = io.BytesIO()
    book.save(sink)
    path = tmp_path / "r.xlsx"
    path.write_bytes(sink.getvalue())
    checked = validate("cqc-la-2024", [path])
    assert not checked.problems.items
    assert list(checked.returns.keys["authority_code"]) == ["007", "8"]
    assert list(checked.returns.keys["period"]) == ["2024", "2024"]
