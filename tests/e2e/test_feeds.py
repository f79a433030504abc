"""Packs that feed packs: a run file maps one pack's rating into another's input."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from perfassess.cli import cli

SOURCE = """\
id: source
title: Source
version: 1.0.0
assessor: tests
periods: {first: "2002"}
vocabularies: {stars: ["0 stars", "1 star", "2 stars"]}
inputs: [{id: j, title: J, type: label, vocabulary: stars}]
rating: {field: rating}
outputs: [rating]
steps:
  - {id: copy, kind: compute, expr: j, output: rating, status: documented}
"""
TARGET = """\
id: target
title: Target
version: 1.0.0
assessor: tests
periods: {first: "2002"}
inputs:
  - {id: score, title: S, type: integer, min: 1, max: 3, required: true}
  - {id: other, title: O, type: integer}
rating: {field: rating}
outputs: [rating]
steps:
  - {id: double, kind: compute, expr: score * 10, output: rating, status: documented}
"""


def setup(write: Callable[[str, str], Path], prefer: str = "derived",
          mapping: str = '{"0 stars": 1, "1 star": 2, "2 stars": 3}') -> Path:
    write("packs/source/pack.yaml", SOURCE)
    write("packs/target/pack.yaml", TARGET)
    write("source.csv", "authority_code,period,indicator,value\n"
                        "A,2002,j,1 star\nB,2002,j,2 stars\nC,2002,j,\n")
    write("target.csv", "authority_code,period,indicator,value\n"
                        "A,2002,score,1\nC,2002,score,3\nA,2002,other,5\n")
    return write("run.yaml", f"""\
out: out
runs:
  - pack: packs/source
    inputs: [source.csv]
  - pack: packs/target
    inputs: [target.csv]
    prefer: {prefer}
    feeds:
      - {{from: source, output: rating, input: score, map: {mapping}}}
""")


def ratings(run: Path) -> dict[str, str]:
    table = pd.read_csv(run.parent / "out" / "target" / "ratings.csv", dtype=str,
                        keep_default_na=False)
    return dict(zip(table["authority_code"], table["rating"], strict=True))


def test_derived_values_win_by_default_and_the_trace_says_where_from(
        write: Callable[[str, str], Path]) -> None:
    run = setup(write)
    result = CliRunner().invoke(cli, ["score", "--config", str(run)])
    assert result.exit_code == 0, result.output
    # A: fed 1 star -> 2 (beats the supplied 1); B: fed 2 stars -> 3; C: no source rating,
    # so the supplied 3 stands.
    assert ratings(run) == {"A": "20", "B": "30", "C": "30"}
    assert "W-FEED-OVERRIDE" in result.output
    trace = pd.read_parquet(run.parent / "out" / "target" / "trace.parquet")
    inputs = trace[(trace["step"] == "input") & (trace["field"] == "score")]
    assert dict(zip(inputs["authority_code"], inputs["reason"], strict=True)) == {
        "A": "source/ratings.csv:2:rating", "B": "source/ratings.csv:3:rating",
        "C": "target.csv:3:value"}  # relative to the run file, wherever the command ran


def test_supplied_values_win_when_the_run_says_so(write: Callable[[str, str], Path]) -> None:
    run = setup(write, prefer="supplied")
    assert CliRunner().invoke(cli, ["score", "--config", str(run)]).exit_code == 0
    assert ratings(run) == {"A": "10", "B": "30", "C": "30"}


def test_an_unmapped_value_is_a_located_error(write: Callable[[str, str], Path]) -> None:
    run = setup(write, mapping='{"0 stars": 1, "1 star": 2}')
    result = CliRunner().invoke(cli, ["score", "--config", str(run)])
    assert result.exit_code == 1
    assert "E-FEED-VALUE" in result.output and "source/ratings.csv:3" in result.output
    assert not (run.parent / "out").exists()


def test_a_feed_from_a_later_run_is_a_usage_error(write: Callable[[str, str], Path]) -> None:
    run = setup(write)
    text = run.read_text().replace("from: source", "from: nowhere")
    run.write_text(text)
    assert CliRunner().invoke(cli, ["score", "--config", str(run)]).exit_code == 2
