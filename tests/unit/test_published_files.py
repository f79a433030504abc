"""Files as published (issue 16, item 6): the key, name and period named rather than
reshaped, the period given for a file that has none, unused columns carried by pattern."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pydantic import ValidationError

from perfassess.api import score, validate
from perfassess.core.problems import ProblemsFound, UsageProblem
from perfassess.packs import LoadedPack, pack_from_data
from perfassess.spec.pack import ReturnsLayout
from perfassess.spec.runfile import PackRun


def pack(first: str = "2025-07", **extra: Any) -> LoadedPack:
    return pack_from_data({
        "id": "p", "title": "P", "version": "1.0.0", "assessor": "tests",
        "periods": {"first": first},
        "inputs": [{"id": "s", "title": "S", "type": "number"}],
        "rating": {"field": "rating"}, "outputs": ["rating"],
        "steps": [{"id": "r", "kind": "compute", "output": "rating", "expr": "s",
                   "status": "illustrative"}], **extra})


def write(tmp_path: Path, text: str, name: str = "r.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


CMS = "PROVIDER_ID,s,s_DEN,HAI_1_DEN_VOL,HAI_1_DEN_PRED\n010001,1,20,5,1.5\n450010,2,30,6,2.5\n"


def codes(problems: Any) -> list[str]:
    return sorted(p.code for p in problems)


def test_a_key_column_becomes_the_authority_code_as_text(tmp_path: Path) -> None:
    result = score(pack(), write(tmp_path, CMS), key=["PROVIDER_ID"], period="2025-07",
                   attributes=["*_DEN", "*_DEN_VOL", "*_DEN_PRED"])
    ratings = result.ratings
    assert ratings["authority_code"].tolist() == ["010001", "450010"]  # zeros kept
    assert ratings["period"].tolist() == ["2025-07", "2025-07"]
    assert ratings["rating"].tolist() == [1, 2]
    # The denominators are carried as text, and none is an unknown indicator.
    assert ratings["s_DEN"].tolist() == ["20", "30"]
    assert ratings["HAI_1_DEN_PRED"].tolist() == ["1.5", "2.5"]
    assert codes(result.problems) == []


def test_without_the_patterns_the_denominators_are_unknown_indicators(tmp_path: Path) -> None:
    found = validate(pack(), write(tmp_path, CMS), key=["PROVIDER_ID"],
                     period="2025-07").problems
    assert codes(found) == ["W-UNKNOWN-INDICATOR"] * 3


def test_a_key_column_is_found_ignoring_case_and_works_for_tables() -> None:
    table = pd.DataFrame({"provider_id": ["010001", "010005"], "s": [1, 2]})
    result = score(pack(), table, key=["PROVIDER_ID"], period="2025-07")
    assert result.ratings["authority_code"].tolist() == ["010001", "010005"]


def test_a_composite_key_is_joined_with_a_bar_and_a_name_column_read(tmp_path: Path) -> None:
    path = write(tmp_path, "period,facility,state,s\n2025-07,Bupa,NSW,1\n2025-07,Bupa,SA,2\n")
    result = score(pack(), path, key=["facility", "state"], name="facility",
                   attributes=["state"])
    ratings = result.ratings
    assert ratings["authority_code"].tolist() == ["Bupa|NSW", "Bupa|SA"]
    assert ratings["authority_name"].tolist() == ["Bupa", "Bupa"]
    assert ratings["state"].tolist() == ["NSW", "SA"]  # a key column carried as well


def test_a_row_key_numbers_each_files_rows(tmp_path: Path) -> None:
    path = write(tmp_path, "period,facility,s\n2025-07,Bupa,1\n2025-07,Bupa,2\n")
    result = score(pack(), path, key=["@row"], name="facility")
    assert result.ratings["authority_code"].tolist() == ["1", "2"]
    assert result.ratings["authority_name"].tolist() == ["Bupa", "Bupa"]


def test_a_repeated_key_is_an_error_naming_both_rows_even_when_values_agree(
        tmp_path: Path) -> None:
    path = write(tmp_path, "facility,state,s\nBupa,NSW,1\nAdria,ACT,2\nBupa,NSW,1\n")
    found = validate(pack(), path, key=["facility", "state"], period="2025-07").problems
    assert codes(found) == ["E-KEY-DUPLICATE"]
    problem = found[0]
    assert (problem.row, problem.column, problem.value) == (4, "facility", "Bupa|NSW")
    assert "rows 2 and 4" in problem.message


def test_a_missing_key_or_name_column_is_located(tmp_path: Path) -> None:
    found = validate(pack(), write(tmp_path, CMS), key=["CCN"], name="NAME",
                     period="2025-07").problems
    assert codes(found) == ["E-COLUMN-MISSING", "E-COLUMN-MISSING"]
    assert {p.column for p in found} == {"CCN", "NAME"}
    assert all("'PROVIDER_ID'" in p.message for p in found)  # the columns it has


@pytest.mark.parametrize(("text", "given", "column"), [
    ("authority_code,period,PROVIDER_ID,s\nA,2025-07,010001,1\n",
     {"key": ["PROVIDER_ID"]}, "authority_code"),
    ("authority_code,authority_name,period,n,s\nA,Aa,2025-07,Ab,1\n",
     {"name": "n"}, "authority_name"),
    ("authority_code,period,s\nA,2025-07,1\n", {"period": "2025-07"}, "period"),
    ("authority_code,when,s\nA,2025-07,1\n", {"period": "2025-07", "period_column": "when"},
     "when"),
    ("authority_code,period,when,s\nA,2025-07,2025-07,1\n", {"period_column": "when"},
     "period"),
])
def test_a_key_in_the_file_and_given_too_is_an_error(tmp_path: Path, text: str,
                                                     given: dict[str, Any],
                                                     column: str) -> None:
    found = validate(pack(), write(tmp_path, text), **given).problems
    assert codes(found) == ["E-COLUMN-TWICE"]
    assert found[0].column == column and found[0].row == 1


def test_a_given_period_must_be_in_the_packs_form(tmp_path: Path) -> None:
    found = validate(pack(), write(tmp_path, CMS), key=["PROVIDER_ID"],
                     period="2025-7").problems
    mine = [p for p in found if p.file is None]
    assert [p.code for p in mine] == ["E-PERIOD-FORM"]
    assert mine[0].value == "2025-7" and mine[0].expected == "YYYY-MM, such as 2025-07"


def test_a_period_column_is_named_and_month_names_read(tmp_path: Path) -> None:
    path = write(tmp_path, "reporting_period,authority_code,s\nOctober 2025,A,1\n"
                           "Sept 2025,B,2\n oct  2025 ,C,3\n")
    result = score(pack("2025-07"), path, period_column="reporting_period")
    assert result.ratings["period"].tolist() == ["2025-10", "2025-09", "2025-10"]


def test_a_month_name_that_is_not_one_stays_and_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "reporting_period,authority_code,s\nOctobre 2025,A,1\n")
    found = validate(pack("2025-07"), path, period_column="reporting_period").problems
    assert [(p.code, p.value) for p in found] == [("E-PERIOD-FORM", "Octobre 2025")]


def test_month_names_are_read_only_for_monthly_packs(tmp_path: Path) -> None:
    path = write(tmp_path, "period,authority_code,s\nOctober 2025,A,1\n")
    found = validate(pack("2025"), path).problems
    assert [(p.code, p.value) for p in found] == [("E-PERIOD-FORM", "October 2025")]


def test_the_pack_declares_the_layout_and_the_caller_overrides_it(tmp_path: Path) -> None:
    declared = pack(returns={"key": ["PROVIDER_ID"], "period": "2025-07"},
                    attributes=["*_DEN*"])
    result = score(declared, write(tmp_path, CMS))
    assert result.ratings["authority_code"].tolist() == ["010001", "450010"]
    assert list(result.ratings.columns[2:5]) == ["s_DEN", "HAI_1_DEN_VOL", "HAI_1_DEN_PRED"]
    overridden = score(declared, write(tmp_path, CMS), key=["@row"], period="2025-08")
    assert overridden.ratings["authority_code"].tolist() == ["1", "2"]
    assert overridden.ratings["period"].tolist() == ["2025-08", "2025-08"]


def test_a_pattern_matching_nothing_warns_and_one_matching_an_input_clashes(
        tmp_path: Path) -> None:
    path = write(tmp_path, CMS)
    found = validate(pack(), path, key=["PROVIDER_ID"], period="2025-07",
                     attributes=["*_DEN", "*_DEN_VOL", "*_DEN_PRED", "*_NUM"]).problems
    assert [(p.code, p.value) for p in found] == [("W-ATTRIBUTE-MISSING", "*_NUM")]
    found = validate(pack(), path, key=["PROVIDER_ID"], period="2025-07",
                     attributes=["s*", "HAI_?_*"]).problems
    assert [(p.code, p.value) for p in found] == [("E-ATTRIBUTE-CLASH", "s")]


def test_a_row_key_goes_alone() -> None:
    with pytest.raises(UsageProblem, match="@row"):
        validate(pack(), pd.DataFrame({"s": [1]}), key=["@row", "state"], period="2025-07")
    with pytest.raises(ValidationError, match="@row"):
        ReturnsLayout(key=["@row", "state"])
    with pytest.raises(ValidationError, match="@row"):
        PackRun(pack="p", key=["@row", "state"])


@pytest.mark.parametrize(("returns", "words"), [
    ({"period": "2025-7"}, "returns.period '2025-7' is not written as the pack's periods"),
    ({"period": "2025-07", "period_column": "when"}, "not both"),
    ({"key": []}, None),
    ({"keys": ["x"]}, "returns.keys: unknown key"),
])
def test_the_packs_returns_declaration_is_checked(returns: dict[str, Any],
                                                  words: str | None) -> None:
    if words is None:
        assert pack(returns=returns).pack.returns is not None
        return
    with pytest.raises(ProblemsFound, match=words):
        pack(returns=returns)


def test_a_run_entry_key_may_be_one_column() -> None:
    entry = PackRun(pack="p", key="PROVIDER_ID", period="2025-07")  # type: ignore[arg-type]
    assert entry.key == ["PROVIDER_ID"] and entry.period == "2025-07"


def test_the_wording_defaults_to_todays_text() -> None:
    assert pack().pack.authority.singular == "authority"
    assert pack().pack.authority.plural == "authorities"
    worded = pack(authority={"singular": "hospital", "plural": "hospitals"})
    assert worded.pack.authority.plural == "hospitals"
