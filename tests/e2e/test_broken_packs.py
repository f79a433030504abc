"""Broken rule packs through the command line: refused before any data is read, each with its
code, file, line and column, exit 1, and nothing written."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from perfassess.cli import cli

GOOD = """\
id: demo
title: Demo
version: 1.0.0
assessor: tests
periods: {first: "2002"}
vocabularies:
  serving: ["No", "Some", "Most", "Yes"]
  stars: ["0 stars", "1 star", "2 stars"]
lists:
  services: [housing, culture]
groups:
  services: [housing, culture]
inputs:
  - {id: judgement, title: Judgement, type: label, vocabulary: serving, required: true}
  - id: "{s}"
    for_each: {s: services}
    title: "{s} score"
    type: integer
    min: 1
    max: 4
    required: true
rating: {field: rating}
outputs: [rating, housing_band]
steps:
  - id: band
    kind: band
    input: housing
    output: housing_band
    cuts: [2, 3]
    labels: [1, 2, 3]
    status: illustrative
  - id: stars
    kind: decide
    output: rating
    vocabulary: stars
    hit_policy: first
    status: reconstructed
    rules:
      - {id: top, when: "judgement >= 'Most' and none(services < 3)", then: "2 stars"}
      - {id: mid, when: "judgement >= 'Some'", then: "1 star"}
      - {id: low, when: "judgement == 'No'", then: "0 stars"}
"""
RETURNS = "authority_code,period,judgement,housing,culture\nE1,2002,Most,3,4\n"


@dataclass
class Broken:
    what: str
    old: str  # text of GOOD to replace ...
    new: str  # ... with this
    code: str
    anchor: str  # the problem is reported on the line (after the edit) holding this ...
    message: str | None = None
    occurrence: int = 1  # ... the n-th such line


BROKEN = [
    Broken("YAML that does not parse", "cuts: [2, 3]", "cuts: [2, 3", "E-YAML-SYNTAX",
           "labels: [1, 2, 3]"),
    Broken("a tab in the indentation", "    output: housing_band",
           "\toutput: housing_band", "E-YAML-SYNTAX", "\toutput"),
    Broken("a tag that builds an object", "assessor: tests",
           "assessor: !!python/object/apply:os.system ['echo hi']", "E-YAML-TAG", "assessor"),
    Broken("an alias", "outputs: [rating, housing_band]",
           "outputs: &o [rating, housing_band]\nextra: *o", "E-YAML-TAG", "outputs: &o"),
    Broken("a key given twice", "version: 1.0.0", "version: 1.0.0\nversion: 1.0.1",
           "E-YAML-KEY", "version: 1.0.1"),
    Broken("an unknown key", "title: Demo", "title: Demo\ncolour: red", "E-PACK-SCHEMA",
           "colour"),
    Broken("a required key missing", "assessor: tests\n", "", "E-PACK-SCHEMA", "id: demo",
           message="assessor: required key is missing"),
    Broken("an unknown step kind", "kind: band", "kind: banding", "E-PACK-SCHEMA",
           "kind: banding"),
    Broken("cut points out of order", "cuts: [2, 3]", "cuts: [3, 2]", "E-PACK-SCHEMA",
           "cuts: [3, 2]", message="cut points must rise"),
    Broken("cut points and bands that disagree", "    labels: [1, 2, 3]\n",
           "    vocabulary: serving\n", "E-PACK-CUTS", "cuts: [2, 3]",
           message="vocabulary 'serving' has 4 labels"),
    Broken("a step reading an undefined input", "input: housing", "input: housingg",
           "E-PACK-REF", "input: housingg"),
    Broken("an undefined vocabulary", "vocabulary: stars", "vocabulary: starz", "E-PACK-REF",
           "vocabulary: starz"),
    Broken("an undefined list in for_each", "for_each: {s: services}",
           "for_each: {s: servicez}", "E-PACK-REF", "for_each"),
    Broken("an undefined field in an expression", "judgement >= 'Most' and",
           "judgment >= 'Most' and", "E-PACK-EXPR", "id: top", message="unknown field"),
    Broken("a label not in the vocabulary", "judgement >= 'Most' and",
           "judgement >= 'Many' and", "E-PACK-EXPR", "id: top", message="'Many' is not a label"),
    Broken("an expression that does not parse", "judgement == 'No'", "judgement == ",
           "E-PACK-EXPR", "id: low", message="at position"),
    Broken("an expression reaching for an attribute", "judgement == 'No'",
           "judgement.__class__ == 'No'", "E-PACK-EXPR", "id: low",
           message="attribute access is not allowed"),
    Broken("an expression calling a function", "judgement == 'No'",
           "__import__('os') == 'No'", "E-PACK-EXPR", "id: low", message="unknown function"),
    Broken("an expression nested too deeply", "judgement == 'No'",
           "(" * 40 + "judgement == 'No'" + ")" * 40, "E-PACK-EXPR", "id: low",
           message="nested too deeply"),
    Broken("a result label not in the vocabulary", 'then: "1 star"', 'then: "1 stars"',
           "E-PACK-LABEL", "id: mid"),
    Broken("a rule without a status", "    status: illustrative\n", "", "E-PACK-STATUS",
           "- id: band"),
    Broken("a step id used twice", "id: stars", "id: band", "E-PACK-DUPLICATE", "- id: band",
           occurrence=2),
    Broken("a band over a label", "input: housing", "input: judgement", "E-PACK-TYPE",
           "input: judgement"),
    Broken("n/a spellings on a label input", "vocabulary: serving, required: true}",
           "vocabulary: serving, required: true, accept: [thousands_separator]}",
           "E-PACK-SCHEMA", "id: judgement"),
    Broken("a decision table with a gap", "      - {id: low, when: \"judgement == 'No'\", "
           "then: \"0 stars\"}\n", "", "E-PACK-GAP", "id: top",
           message="judgement = 'No'"),
    Broken("overlapping rows under unique", "hit_policy: first", "hit_policy: unique",
           "E-PACK-OVERLAP", "id: mid", message="'top' and 'mid'"),
    Broken("a row shadowed by an earlier row",
           "      - {id: top, when: \"judgement >= 'Most' and none(services < 3)\", "
           "then: \"2 stars\"}\n      - {id: mid, when: \"judgement >= 'Some'\", "
           "then: \"1 star\"}\n",
           "      - {id: mid, when: \"judgement >= 'Some'\", then: \"1 star\"}\n"
           "      - {id: top, when: \"judgement >= 'Most' and none(services < 3)\", "
           "then: \"2 stars\"}\n", "E-PACK-UNREACHABLE", "id: top",
           message="matched first by row 'mid'"),
    Broken("a row that is never true", "judgement >= 'Most' and none(services < 3)",
           "judgement >= 'Most' and any(services > 4)", "E-PACK-UNREACHABLE", "id: top",
           message="never true"),
]


def anchored(text: str, anchor: str, occurrence: int = 1) -> int:
    """The 1-based number of the n-th line holding ``anchor``, worked out from the text."""
    lines = [i for i, line in enumerate(text.splitlines(), 1) if anchor in line]
    return lines[occurrence - 1]


@pytest.mark.parametrize("case", BROKEN, ids=[b.what for b in BROKEN])
def test_broken_pack_is_refused_before_reading_data(case: Broken, tmp_path: Path) -> None:
    assert case.old in GOOD, case.what
    text = GOOD.replace(case.old, case.new, 1)
    folder = tmp_path / "pack"
    folder.mkdir()
    (folder / "pack.yaml").write_text(text, encoding="utf-8")
    returns = tmp_path / "returns.csv"
    returns.write_text(RETURNS, encoding="utf-8")
    out = tmp_path / "out"
    for args in (["score", "--pack", str(folder), "--input", str(returns), "--out", str(out)],
                 ["rules", "check", str(folder)]):
        result = CliRunner().invoke(cli, [*args, "--format", "json"])
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
        problems = json.loads(result.stdout)["problems"]
        found = [p for p in problems if p["code"] == case.code]
        assert found, [(p["code"], p["message"]) for p in problems]
        problem = found[0]
        assert problem["file"].endswith("pack/pack.yaml")
        assert problem["row"] == anchored(text, case.anchor, case.occurrence), problem
        assert isinstance(problem["column"], int) and problem["column"] >= 1
        if case.message:
            assert case.message in problem["message"]
    assert not out.exists()


def test_the_unbroken_pack_scores(tmp_path: Path) -> None:
    folder = tmp_path / "pack"
    folder.mkdir()
    (folder / "pack.yaml").write_text(GOOD, encoding="utf-8")
    returns = tmp_path / "returns.csv"
    returns.write_text(RETURNS, encoding="utf-8")
    result = CliRunner().invoke(cli, ["score", "--pack", str(folder), "--input", str(returns),
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    # Most, with housing 3 and culture 4 (none below 3): the top row, 2 stars.
    with (tmp_path / "out" / "demo" / "ratings.csv").open(newline="") as handle:
        ratings = list(csv.reader(handle))
    assert ratings[1][3] == "2 stars"


def test_at_least_fifteen_broken_packs() -> None:
    assert len(BROKEN) >= 15
    assert {b.code for b in BROKEN} >= {"E-PACK-GAP", "E-PACK-OVERLAP", "E-PACK-UNREACHABLE",
                                        "E-YAML-SYNTAX", "E-PACK-REF", "E-PACK-EXPR"}
