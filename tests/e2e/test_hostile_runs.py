"""Hostile run files, options and folders (issue 19): refused with a coded, located error
and the documented exit code, never a traceback and never silently."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from perfassess.cli import cli
from perfassess.runner import RunOptions, RunRequest, run
from tests.conftest import run_cli as perfassess
from tests.e2e.reports_fixture import INPUT

SS_STARS = INPUT / "ss_stars.csv"



def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def json_problems(*args: str) -> tuple[int, list[dict[str, object]]]:
    code, out = invoke(*args, "--format", "json")
    return code, json.loads(out)["problems"]


@pytest.fixture(scope="module")
def earlier(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A published run of ss-stars-2002 over the golden returns (no reports: fast)."""
    out = tmp_path_factory.mktemp("earlier") / "out"
    options = RunOptions(out, INPUT / "reference.csv", "full")
    options.report = False
    run([RunRequest("ss-stars-2002", [SS_STARS])], options)
    return out


def damaged(earlier: Path, tmp_path: Path, name: str, how: str) -> Path:
    """A copy of the earlier run with ``name`` (in the pack folder) damaged ``how``."""
    copy = tmp_path / "damaged"
    shutil.copytree(earlier, copy)
    path = copy / "ss-stars-2002" / name
    if how == "garbage":
        path.write_bytes(b"PAR1" + os.urandom(2000) + b"PAR1")
    elif how == "text":
        path.write_text("authority_code,period,rating\nE1,2002,3 stars\n", encoding="utf-8")
    elif how == "relabelled":  # another pack's ratings in this pack's folder
        table = pd.read_parquet(path)
        table["rating"] = table["rating"].astype(str).str.replace("stars", "Good")
        table.to_parquet(path)
    else:  # a column perfassess writes taken away
        table = pd.read_parquet(path)
        table.drop(columns=[how]).to_parquet(path)
    return copy


# --- b: sensitivity draws ----------------------------------------------------------------

def test_two_billion_draws_on_the_command_line_is_a_coded_usage_error(tmp_path: Path) -> None:
    proc = perfassess("sensitivity", "--pack", "ss-stars-2002", "--input", str(SS_STARS),
                      "--out", str(tmp_path / "o"), "--seed", "1", "--draws", "2000000000",
                      cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "E-DRAWS-LIMIT" in proc.stderr and "at most 100,000 draws" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "o").exists()


def test_a_chunk_too_big_for_memory_is_refused() -> None:
    code, problems = json_problems("sensitivity", "--pack", "ss-stars-2002", "--input",
                                   str(SS_STARS), "--out", "never", "--seed", "1",
                                   "--chunk", "50000")
    assert code == 2
    assert [(p["code"], p["column"], p["expected"]) for p in problems] == [
        ("E-DRAWS-LIMIT", "--chunk", "1 to 10,000")]


# --- d: --previous and explain over garbage ------------------------------------------------

@pytest.mark.parametrize(("how", "code", "words"), [
    ("garbage", "E-PREVIOUS-UNREADABLE", "is not a readable Parquet file"),
    ("text", "E-PREVIOUS-UNREADABLE", "is not a readable Parquet file"),
    ("rating", "E-PREVIOUS-COLUMNS", "has no rating column"),
    ("period", "E-PREVIOUS-COLUMNS", "has no period column"),
    ("relabelled", "E-PREVIOUS-COLUMNS", "that are not labels of ss-stars-2002"),
])
def test_previous_pointing_at_garbage_is_a_coded_error_naming_the_file(
        earlier: Path, tmp_path: Path, how: str, code: str, words: str) -> None:
    previous = damaged(earlier, tmp_path, "ratings.parquet", how)
    exit_code, problems = json_problems("score", "--pack", "ss-stars-2002", "--input",
                                        str(SS_STARS), "--out", str(tmp_path / "o"),
                                        "--previous", str(previous), "--no-report")
    assert exit_code == 2
    (problem,) = problems
    assert problem["code"] == code
    assert problem["file"] == str(previous / "ss-stars-2002" / "ratings.parquet")
    assert words in str(problem["message"])
    assert not (tmp_path / "o").exists()


def test_previous_with_a_good_earlier_run_still_gives_direction_of_travel(
        earlier: Path, tmp_path: Path) -> None:
    code, out = invoke("score", "--pack", "ss-stars-2002", "--input", str(SS_STARS),
                       "--out", str(tmp_path / "o"), "--previous", str(earlier),
                       "--no-report", "--quiet")
    assert code == 0, out
    ratings = pd.read_parquet(tmp_path / "o" / "ss-stars-2002" / "ratings.parquet")
    assert ratings["previous_rating"].notna().any()


def test_explain_over_a_garbage_trace_is_a_coded_error(earlier: Path, tmp_path: Path) -> None:
    folder = damaged(earlier, tmp_path, "trace.parquet", "garbage")
    proc = perfassess("explain", str(folder / "ss-stars-2002"), "--authority", "E06000001",
                      cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "E-RESULTS-UNREADABLE" in proc.stderr and "trace.parquet" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(("name", "how", "code"), [
    ("trace.parquet", "rule_id", "E-RESULTS-COLUMNS"),
    ("trace.parquet", "text", "E-RESULTS-UNREADABLE"),
    ("ratings.parquet", "garbage", "E-RESULTS-UNREADABLE"),
    ("ratings.parquet", "rating_note", "E-RESULTS-COLUMNS"),
])
def test_explain_over_damaged_results_is_a_coded_error(
        earlier: Path, tmp_path: Path, name: str, how: str, code: str) -> None:
    folder = damaged(earlier, tmp_path, name, how) / "ss-stars-2002"
    exit_code, out = invoke("explain", str(folder), "--authority", "E06000001")
    assert exit_code == 2 and code in out and name in out, out


@pytest.mark.parametrize("name", ["ratings.parquet", "trace.parquet"])
def test_diff_over_damaged_results_is_a_coded_error(earlier: Path, tmp_path: Path,
                                                    name: str) -> None:
    folder = damaged(earlier, tmp_path, name, "garbage") / "ss-stars-2002"
    csv = folder / "ratings.csv"
    if name == "ratings.parquet":
        csv.unlink()  # diff reads the CSV when there is one
    else:  # a rating that differs, so that diff reads the traces to explain it
        csv.write_text(csv.read_text(encoding="utf-8").replace("stars", "starz", 1),
                       encoding="utf-8")
    exit_code, out = invoke("diff", str(earlier / "ss-stars-2002"), str(folder))
    assert exit_code == 2 and "E-RESULTS-UNREADABLE" in out and name in out, out


def test_explain_over_a_manifest_that_is_not_json_is_a_coded_error(
        earlier: Path, tmp_path: Path) -> None:
    folder = damaged(earlier, tmp_path, "manifest.json", "text") / "ss-stars-2002"
    exit_code, out = invoke("explain", str(folder), "--authority", "E06000001")
    assert exit_code == 2 and "E-RESULTS-UNREADABLE" in out and "manifest.json" in out, out


# --- c: run files validated like packs -----------------------------------------------------

def project(tmp_path: Path, text: str) -> Path:
    """A folder with the golden returns and a run file ``text``."""
    for name in ("ss_stars.csv", "cpa.csv", "reference.csv"):
        shutil.copy(INPUT / name, tmp_path / name)
    (tmp_path / "perfassess.yaml").write_text(text, encoding="utf-8")
    return tmp_path


FED = """\
out: out
reference: reference.csv
trace: bogus
runs:
  - pack: ss-stars-2002
    inputs: [ss_stars.csv]
  - pack: cpa-2002
    inputs: [cpa.csv]
    feeds:
      - from: ss-stars-2002
        input: social_servics
        map: {"0 stars": 1, "1 star": 2, "2 stars": 3, "3 stars": 4}
"""


def test_a_bogus_trace_and_a_feed_into_no_input_are_located_errors(tmp_path: Path) -> None:
    root = project(tmp_path, FED)
    proc = perfassess("score", "--format", "json", cwd=root)
    assert proc.returncode == 2, proc.stderr  # a feed naming what is not there: usage
    found = {(p["code"], p["row"], p["column"]): p["message"]
             for p in json.loads(proc.stdout)["problems"]}
    assert set(found) == {("E-RUN-SCHEMA", 3, 8), ("E-RUN-REF", 11, 16)}
    assert "'full', 'summary' or 'none'" in found["E-RUN-SCHEMA", 3, 8]
    assert ("cpa-2002 has no input 'social_servics' (did you mean 'social_services'?)"
            in found["E-RUN-REF", 11, 16])
    assert not (root / "out").exists()


@pytest.mark.parametrize(("change", "code", "row", "words"), [
    (("input: social_servics", "input: social_services\n        output: ratin"),
     "E-RUN-REF", 12, "ss-stars-2002 publishes no output 'ratin' (did you mean 'rating'?)"),
    (("from: ss-stars-2002", "from: cpa-2002"), "E-RUN-REF", 10,
     "feeds from 'cpa-2002', which is not the id of an earlier run of this file (earlier "
     "runs: ss-stars-2002)"),
    (("pack: cpa-2002", "pack: cpa-2O02"), "E-RUN-REF", 7, "no rule pack 'cpa-2O02'"),
    (("inputs: [cpa.csv]", "inputs: [cpa.csv]\n    colour: red"), "E-RUN-SCHEMA", 9,
     "runs.1.colour: unknown key"),
    (("inputs: [ss_stars.csv]", "inputs: [ss_stars.csv]\n    sensitivity: {seed: 1, draws: "
      "2000000000}"), "E-DRAWS-LIMIT", 7, "2,000,000,000 draws asked for: a sensitivity "
     "run takes at most 100,000 draws"),
])
def test_every_run_file_key_is_checked_at_its_line(tmp_path: Path, change: tuple[str, str],
                                                   code: str, row: int, words: str) -> None:
    from perfassess.core.problems import ProblemsFound
    from perfassess.spec.runfile import load_run_file

    text = FED.replace("trace: bogus", "trace: summary")
    text = text.replace("input: social_servics", "input: social_services") \
        if "social_servics" not in change[0] else text
    root = project(tmp_path, text.replace(*change))
    with pytest.raises(ProblemsFound) as caught:
        load_run_file(root / "perfassess.yaml")
    (problem,) = caught.value.problems.items
    assert (problem.code, problem.row) == (code, row), problem
    assert words in problem.message


def test_the_fixed_run_file_runs(tmp_path: Path) -> None:
    text = FED.replace("trace: bogus", "trace: summary").replace("social_servics",
                                                                 "social_services")
    root = project(tmp_path, text)
    (root / "cpa.csv").write_text(  # a CPA 2002 return for a council ss_stars.csv rates
        "authority_code,period,education,environment,housing,libraries_leisure,benefits,"
        "use_of_resources,council_ability\nE06000001,2002,3,3,3,3,3,3,3\n",
        encoding="utf-8")
    code, out = invoke("score", "--config", str(root / "perfassess.yaml"), "--no-report",
                       "--quiet")
    assert code == 0, out
    manifest = json.loads((root / "out" / "cpa-2002" / "manifest.json").read_text("utf-8"))
    assert manifest["options"]["trace"] == "summary"


# --- e: periods in the pack's form ---------------------------------------------------------

def test_periods_out_of_the_packs_form_stop_the_run_at_their_rows(tmp_path: Path) -> None:
    rows = ["authority_code,period,indicator,value", "E06000001,2024,qs1_assessing_needs,3",
            "E06000002,FY24,qs1_assessing_needs,3", "E06000003,２０２４,qs1_assessing_needs,2",
            "E06000004,\u202e2024,qs1_assessing_needs,2"]
    (tmp_path / "r.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    proc = perfassess("score", "--pack", "cqc-la-2024", "--input", "r.csv", "--out", "o",
                      "--format", "json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    found = [(p["code"], p["file"], p["row"], p["column"], p["value"], p["expected"])
             for p in json.loads(proc.stdout)["problems"] if p["severity"] == "error"]
    assert sorted(found, key=lambda p: (p[2], p[0])) == [
        ("E-PERIOD-FORM", "r.csv", row, "period", value, "YYYY, such as 2024")
        for row, value in ((3, "FY24"), (4, "２０２４"), (5, "\u202e2024"))] + [
        ("E-TEXT-CONTROL", "r.csv", 5, "period", "\\u202e2024",
         "text without control characters")]
    assert not (tmp_path / "o").exists()
