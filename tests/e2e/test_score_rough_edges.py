"""``score`` rough edges of issue 17 §5, run as a user would, in a subprocess."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.conftest import ROOT
from tests.conftest import run_cli as _perfassess
from tests.e2e.test_cli import WIDE


def test_score_json_prints_the_result(write: Callable[[str, str], Path],
                                      tmp_path: Path) -> None:
    returns = write("cqc.csv", WIDE)
    proc = _perfassess("score", "--pack", "cqc-la-2024", "--input", str(returns), "--out",
                       "out", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    document = json.loads(proc.stdout)  # one document, nothing else on stdout
    assert document["counts"]["W-NOT-RATED"] == 1 and document["errors"] == 0
    [pack] = document["packs"]
    assert pack["id"] == "cqc-la-2024" and pack["version"].count(".") == 2
    assert Path(pack["folder"]) == Path("out") / "cqc-la-2024"
    assert (pack["rated"], pack["not_rated"]) == (1, 1)
    [unrated] = pack["unrated"]
    assert unrated["authority_code"] == "E2" and unrated["period"] == "2024"
    assert "qs9_learning_improvement_innovation" in unrated["why"]
    assert {"ratings.csv", "manifest.json", "2024/areas/E1.html"} <= set(pack["files"])
    assert all((tmp_path / pack["folder"] / f).is_file() for f in pack["files"])


def test_a_misspelt_header_is_located_at_the_header_row(
        write: Callable[[str, str], Path], tmp_path: Path) -> None:
    returns = write("cqc.csv", WIDE.replace("qs1_assessing_needs", "qs1_asessing_needs"))
    proc = _perfassess("validate", "--pack", "cqc-la-2024", "--input", str(returns),
                       "--format", "json", cwd=tmp_path)
    [unknown] = [p for p in json.loads(proc.stdout)["problems"]
                 if p["code"] == "W-UNKNOWN-INDICATOR"]
    assert (unknown["row"], unknown["column"]) == (1, "qs1_asessing_needs"), unknown


def test_a_value_type_problem_says_what_the_input_takes(
        write: Callable[[str, str], Path], tmp_path: Path) -> None:
    # The CQC quality statements are whole numbers from 1 to 4: no "12.5" anywhere.
    returns = write("cqc.csv", WIDE.replace("Alpha,2024,3,", "Alpha,2024,three,"))
    proc = _perfassess("validate", "--pack", "cqc-la-2024", "--input", str(returns),
                       cwd=tmp_path)
    assert proc.returncode == 1
    text = proc.stdout + proc.stderr
    assert "E-VALUE-TYPE" in text and "12.5" not in text
    assert "'three' is not a whole number from 1 to 4" in text
    assert "hint: give a value of the kind the expected column says" in text


def test_the_sample_feed_override_says_why_it_is_expected(tmp_path: Path) -> None:
    # The project's run file: cpa-2005's sample keeps its own adult_social_care for 2006-08,
    # which the CSCI ratings replace; the warning says so, and how many values differ.
    run = tmp_path / "run.yaml"
    run.write_text(f"""out: out
reference: [{ROOT / "data/reference/authorities.csv"}]
runs:
  - pack: csci-adults-2006
    inputs: [{ROOT / "data/sample/csci_2006_2008.csv"}]
  - pack: cpa-2005
    inputs: [{ROOT / "data/sample/cpa_2005_2008.parquet"}]
    feeds:
      - from: csci-adults-2006
        output: rating
        input: adult_social_care
        map: {{"0 stars": 1, "1 star": 2, "2 stars": 3, "3 stars": 4}}
""")
    proc = _perfassess("score", "--config", str(run), "--no-report", "--format", "json",
                       cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    [override] = [p for p in json.loads(proc.stdout)["problems"]
                  if p["code"] == "W-FEED-OVERRIDE"]
    assert override["message"].startswith(
        "450 adult_social_care value(s) for 2006, 2007, 2008 given both in the returns and "
        "by the feed from csci-adults-2006 (239 of them differ): the derived value is used "
        "(prefer: derived). This is expected where the returns keep their own values")
