"""Which fields each step reads and writes, and freeing each field after its last reader."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from perfassess.api import score_table
from perfassess.engine.dataflow import dead_after, outputs, reads
from perfassess.engine.evaluate import evaluate
from perfassess.engine.fields import repeated
from perfassess.packs import load_pack
from perfassess.spec.loader import builtin_ids
from tests.conftest import tiny_pack

INPUTS = [{"id": x, "title": x.upper(), "type": "number"} for x in ("a", "b", "unused")]
STEPS = [
    {"id": "sum", "kind": "compute", "expr": "a + b", "output": "total",
     "status": "documented"},
    {"id": "double", "kind": "compute", "expr": "total * 2", "output": "twice",
     "status": "documented"},
    {"id": "half", "kind": "compute", "expr": "a / 2", "output": "half",
     "status": "documented"},
]


def test_reads_and_outputs_of_a_step() -> None:
    pack = tiny_pack(INPUTS, STEPS, rating="twice")
    assert reads(pack.pack.steps[0], pack.plan.schema) == {"a", "b"}
    assert outputs(pack.pack.steps[1]) == ["twice"]


def test_each_field_dies_after_its_last_reader_and_outputs_never_do() -> None:
    pack = tiny_pack(INPUTS, STEPS, rating="twice", outputs=["twice", "half"])
    dead = dead_after(pack.plan)
    offset = len(pack.plan.runners) - len(pack.pack.steps)
    freed = {name: j - offset for j, names in enumerate(dead) for name in names}
    # `unused` is read by nothing: freed once the required-inputs check has run.
    assert freed == {"unused": -offset, "b": 0, "total": 1, "a": 2}
    assert "twice" not in freed and "half" not in freed


def test_a_run_that_frees_fields_rates_as_one_that_keeps_them() -> None:
    pack = tiny_pack(INPUTS, STEPS, rating="twice", outputs=["twice", "half"])
    table = pd.DataFrame({"authority_code": ["E1", "E1", "E2"], "period": ["2000"] * 3,
                          "indicator": ["a", "b", "a"], "value": ["3", "4", "5"]})
    result = score_table(pack, table)
    kept = result.evaluation
    lean = evaluate(pack.plan, result.returns, keep_fields=False)
    pd.testing.assert_frame_equal(kept.ratings, lean.ratings)
    assert set(lean.frame.values) == {"twice", "half"}
    assert {"a", "b", "total", "twice", "half"} <= set(kept.frame.values)


@pytest.mark.parametrize("pack_id", builtin_ids())
def test_every_built_in_pack_rates_its_cases_the_same_when_freeing(pack_id: str) -> None:
    from perfassess.cases import CASES_FILE, load_cases

    loaded = load_pack(pack_id)
    file, _ = load_cases(loaded)
    rows = [(c.id, c.period, key, "" if value is None else str(value))
            for c in file.cases for key, value in c.inputs.items()]
    table = pd.DataFrame(rows, columns=["authority_code", "period", "indicator", "value"])
    result = score_table(loaded, table, name=CASES_FILE)
    lean = evaluate(loaded.plan, result.returns, trace_mode="full", keep_fields=False)
    pd.testing.assert_frame_equal(result.ratings, lean.ratings)
    pd.testing.assert_frame_equal(result.trace, lean.trace)


def test_steps_cannot_write_into_the_returns() -> None:
    pack = tiny_pack(INPUTS, STEPS, rating="twice")
    table = pd.DataFrame({"authority_code": ["E1"], "period": ["2000"], "indicator": ["a"],
                          "value": ["3"]})
    result = score_table(pack, table)
    frame = evaluate(pack.plan, result.returns).frame
    with pytest.raises(ValueError):
        frame.values["a"][0] = 1.0


def test_repeated_shares_one_object() -> None:
    out = repeated("same text", 3)
    assert list(out) == ["same text"] * 3 and out[0] is out[2] and out.dtype == np.dtype(object)
