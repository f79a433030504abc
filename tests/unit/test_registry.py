"""A step kind is one module and one registry line: a kind of the test's own, end to end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import numpy as np
import pytest

from perfassess import api
from perfassess.core.problems import ProblemsFound
from perfassess.engine.dataflow import outputs, reads
from perfassess.engine.fields import NUMBER
from perfassess.engine.frame import Frame
from perfassess.engine.plan import Runner, Schema, YamlPath
from perfassess.engine.steps.common import numeric_input, rule_status
from perfassess.engine.steps.registry import (
    KINDS,
    Enumeration,
    StepKind,
    register,
    rule_statuses,
    unregister,
)
from perfassess.spec.pack import StepBase

# ---- the kind's module: its model, how it is prepared, and its registry entry


class DoubleStep(StepBase):
    """Twice a number."""

    kind: Literal["double"]
    input: str
    output: str


def prepare(step: DoubleStep, schema: Schema, path: YamlPath) -> Runner:
    numeric_input(step.input, schema.require_field(step.input, (*path, "input")).kind,
                  (*path, "input"))
    status = rule_status(step, None, path)
    schema.define(step.output, NUMBER, step.id, (*path, "output"))

    def run(frame: Frame) -> None:
        frame.set(step.output, frame.values[step.input] * 2, NUMBER,
                  np.maximum(frame.status[step.input], status))
        frame.record(step.id, step.output, step.id, f"twice {step.input}")
    return run


KIND = StepKind(DoubleStep, prepare, reads=lambda s, schema: {s.input},
                writes=lambda s: [s.output], enumerate=lambda s, schema: Enumeration([s.input]))

# ---- a pack that uses it

PACK = """\
id: doubling
title: Doubling
version: 1.0.0
assessor: tests
periods: {first: "2000"}
vocabularies:
  grade: [low, high]
inputs:
  - {id: score, title: Score, type: integer, min: 0, max: 9, required: true}
rating: {field: grade}
outputs: [grade, twice]
steps:
  - {id: twice, kind: double, input: score, output: twice, status: reconstructed}
  - {id: grade, kind: band, input: twice, output: grade, cuts: [10], vocabulary: grade,
     status: documented}
  - id: check
    kind: decide
    output: flag
    status: documented
    rules:
      - {id: small, when: "twice < 10", then: 0}
      - {id: big, when: "twice >= 10", then: 1}
"""


@pytest.fixture
def double() -> Iterator[None]:
    register(KIND)
    try:
        yield
    finally:
        unregister("double")


def write_pack(tmp_path: Path) -> Path:
    folder = tmp_path / "doubling"
    folder.mkdir()
    (folder / "pack.yaml").write_text(PACK, encoding="utf-8")
    return folder


def test_a_kind_registered_at_run_time_scores_a_pack_end_to_end(
        double: None, tmp_path: Path) -> None:
    folder = write_pack(tmp_path)
    returns = tmp_path / "returns.csv"
    returns.write_text("authority_code,period,indicator,value\nA,2000,score,3\n"
                       "B,2000,score,7\n", encoding="utf-8")
    result = api.score(str(folder), [returns])
    assert list(result.ratings["rating"].astype(str)) == ["low", "high"]
    assert list(result.ratings["twice"]) == [6.0, 14.0]
    assert list(result.ratings["rating_status"]) == ["reconstructed", "reconstructed"]
    rows = result.trace[result.trace["step"] == "twice"]
    assert list(rows["reason"]) == ["twice score", "twice score"]
    assert list(rows["value"]) == ["6", "14"]
    # The rest of perfassess finds it through the registry: fields, rules, static checks.
    step = result.pack.pack.steps[0]
    assert reads(step, result.pack.plan.schema) == {"score"}
    assert outputs(step) == ["twice"]
    assert rule_statuses(result.pack.pack)["twice"] == "reconstructed"
    # No default, yet no gap: the checks ran the kind over every score to find its values.
    assert result.pack.table_checks == [
        "check: 2 rows, hit policy first, checked over 10 combinations of score: no gaps, "
        "overlaps or dead rows"]


def test_an_unregistered_kind_is_an_unknown_kind_again(double: None, tmp_path: Path) -> None:
    folder = write_pack(tmp_path)
    unregister("double")
    assert "double" not in KINDS
    with pytest.raises(ProblemsFound) as caught:
        api.validate(str(folder), [])
    [problem] = list(caught.value.problems)
    assert problem.code == "E-PACK-SCHEMA"
    assert "steps.0.kind" in problem.message and "'double'" in problem.message
