"""require: rows missing a required field get no rating from here on, with the reason."""

from __future__ import annotations

import numpy as np

from perfassess.engine.fields import repeated
from perfassess.engine.frame import Frame, TraceChunk
from perfassess.engine.plan import Runner, Schema, YamlPath
from perfassess.engine.steps.common import rule_status
from perfassess.spec.pack import RequireStep


def _runner(step_id: str, fields: list[str], reason: str, names: dict[str, str],
            status: int) -> Runner:
    head, placeholder, tail = reason.partition("{missing}")
    labels = [names.get(name, name) for name in fields]

    def run(frame: Frame) -> None:
        # Which fields each row misses, one bit per field (the first field the lowest bit):
        # shifted in from the last field, each a plain pass over the column.
        gone = np.zeros(frame.n, dtype=np.uint16 if len(fields) <= 16 else (
            np.uint64 if len(fields) <= 64 else object))
        for name in reversed(fields):
            missing = np.isnan(frame.values[name])
            if name in frame.na:
                missing &= ~frame.na[name]
            np.left_shift(gone, 1, out=gone)
            np.add(gone, missing, out=gone)
        newly = (gone != 0) & frame.active
        rows = np.flatnonzero(newly)
        if placeholder and len(rows):
            # Name what is missing only for the rows that lose their rating here, spelt
            # once per combination of missing fields.
            combos, which = np.unique(gone[rows], return_inverse=True)
            spelt = np.array([head + ", ".join(label for i, label in enumerate(labels)
                                               if int(combo) >> i & 1) + tail
                              for combo in combos], dtype=object)
            frame.note[rows] = spelt[which]
        elif len(rows):
            frame.note[rows] = reason
        frame.active &= gone == 0
        if frame.trace.wants(step_id):
            frame.trace.add(TraceChunk(rows, step_id, "(rating)",
                                       repeated("", len(rows)), step_id,
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
