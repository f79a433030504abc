"""`perfassess explain`, from returns scored now and from a finished run's folder."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from perfassess.cli import cli
from tests.e2e.reports_fixture import INPUT, small_run


def explain(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["explain", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_run(tmp_path_factory.mktemp("explain") / "out")


def test_explain_from_returns_walks_inputs_caps_and_the_matching_row() -> None:
    code, out = explain("--pack", "ss-stars-2002", "--input", str(INPUT / "ss_stars.csv"),
                        "--authority", "E06000001", "--period", "2002")
    assert code == 0, out
    # No badge: the declared alternative star table gives 2 stars too (docs/provenance.md).
    assert "Rating: 2 stars  ★★☆\n" in out and "[illustrative]" in out
    # Inputs with their value, band and place in the distribution.
    assert "A1" in out and "22 %" in out and "band: investigate urgently" in out
    assert "note: placements counted at 31 March" in out
    # The cap that bit, and the decision rows read before the one that matched.
    assert "A1-2002: fired: A1: more than 20% of looked-after children" in out
    assert "children_serving_capped = Some  capped from Yes" in out
    assert "row row3: none(serving < 'Most') → 2 stars  did not hold" in out
    assert "row row4: " in out and "matched" in out
    assert "Result: 2 stars" in out and "Rules of this pack:" in out
    assert "\x1b[" not in out  # plain text when not a terminal


def test_explain_from_a_run_folder_reads_ratings_and_trace(run_dir: Path) -> None:
    code, out = explain(str(run_dir), "--pack", "cqc-la-2024", "--authority", "X2")
    assert code == 0, out
    assert "Rating: Requires improvement" in out
    assert "13 below Good (63 or more)" in out and "11 above Inadequate (below 39)" in out
    # The trace's input rows give every value as returned and the file, line and column it
    # came from: X2 is line 4 of the wide tests/golden/input/cqc.csv, 2 in every column.
    assert "not kept" not in out and "kept no trace" not in out
    # Each input by its title, its id beside it; a score says what it means (the pack's
    # score scale), and where it stands among the others, ties counted apart.
    assert re.search(r"Assessing needs  qs1_assessing_needs\n    = 2  band: Evidence shows "
                     r"some shortfalls  (better|higher) than \d+% of authorities.*from "
                     r"\S*cqc\.csv:4:qs1_assessing_needs", out), out
    assert "percentile" not in out
    # Steps name the fields the pack titles, the id beside the title.
    assert "Score as a percentage of the maximum (percent_score) = 50" in out
    code, out = explain(str(run_dir / "ss-stars-2002"), "--authority", "e06000002")
    assert code == 0, out
    assert "Middlesbrough (E06000002) · 2003" in out  # latest period, code matched by case
    assert "A1-later: exempt: fewer than 10 cases" in out
    assert "row row1: " in out and "matched" in out


def test_explain_usage_errors_exit_2(run_dir: Path) -> None:
    assert explain(str(run_dir), "--authority", "E06000001")[0] == 2  # several packs
    assert explain(str(run_dir), "--pack", "cpa-2005", "--authority", "NOPE")[0] == 2
    assert explain(str(run_dir), "--pack", "cpa-2005", "--authority", "E06000001",
                   "--period", "1999")[0] == 2
    assert explain("--authority", "E06000001")[0] == 2
    assert explain(str(run_dir / "nowhere"), "--authority", "E06000001")[0] == 2


def test_explain_refuses_a_trace_without_its_facts(run_dir: Path, tmp_path: Path) -> None:
    import shutil

    import pandas as pd

    folder = tmp_path / "ss-stars-2002"
    shutil.copytree(run_dir / "ss-stars-2002", folder)
    trace = pd.read_parquet(folder / "trace.parquet")
    trace.drop(columns=["outcome"]).to_parquet(folder / "trace.parquet")
    code, out = explain(str(folder), "--authority", "E06000002")
    assert code == 2 and "has no outcome" in out and "score the returns again" in out
