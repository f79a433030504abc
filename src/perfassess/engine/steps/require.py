"""require: rows missing a required field get no rating from here on, with the reason."""

from __future__ import annotations

import numpy as np

from perfassess.engine.frame import Frame, TraceChunk
from perfassess.engine.plan import Runner, Schema, YamlPath
from perfassess.engine.steps.common import rule_status
from perfassess.spec.pack import RequireStep


def _runner(step_id: str, fields: list[str], reason: str, names: dict[str, str],
            status: int) -> Runner:
    def run(frame: Frame) -> None:
        missing_names = np.full(frame.n, "", dtype=object)
        any_missing = np.zeros(frame.n, dtype=bool)
        for name in fields:
            gone = np.isnan(frame.values[name]) & ~frame.na.get(name, np.zeros(frame.n, bool))
            label = names.get(name, name)
            missing_names = np.where(gone, np.where(missing_names == "", label,
                                                    missing_names + ", " + label),
                                     missing_names)
            any_missing |= gone
        newly = any_missing & frame.active
        notes = np.array([reason.replace("{missing}", "")], dtype=object)[0]
        head, _, tail = reason.partition("{missing}")
        frame.note[newly] = head + missing_names[newly] + tail if "{missing}" in reason \
            else notes
        frame.active &= ~any_missing
        rows = np.flatnonzero(newly)
        frame.trace.add(TraceChunk(rows, step_id, "(rating)",
                                   np.full(len(rows), "", dtype=object), step_id,
                                   np.full(len(rows), status, dtype=np.int8),
                                   frame.note[rows]))
    return run


def prepare(step: RequireStep, schema: Schema, path: YamlPath) -> Runner:
    fields = schema.expand(step.fields, (*path, "fields"))
    status = rule_status(step, None, path)
    return _runner(step.id, fields, step.reason, step.names, status)


def prepare_inputs(fields: list[str], schema: Schema, path: YamlPath) -> Runner:
    """The implicit first step: every input marked ``required: true`` must be present."""
    return _runner("required-inputs", fields, "missing required input(s): {missing}", {}, 0)
