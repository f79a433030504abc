"""Helpers shared by the step kinds."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from perfassess.engine.plan import PlanError, YamlPath, status_code
from perfassess.spec.pack import RuleMeta


def rule_status(rule: RuleMeta, parent: RuleMeta | None, path: YamlPath) -> int:
    """The rule's status code, inherited from its step; a rule without one is an error."""
    status = rule.status or (parent.status if parent is not None else None)
    if status is None:
        raise PlanError("E-PACK-STATUS", "every rule needs a status (documented, "
                        "reconstructed or illustrative)", path)
    return status_code(status)


def numeric_input(name: str, kind: str, path: YamlPath) -> None:
    if kind not in ("number", "integer", "boolean"):
        raise PlanError("E-PACK-TYPE", f"field {name!r} is {kind}; this step needs a number",
                        path)


def spell_combinations(masks: list[np.ndarray], spell: Callable[[list[int]], str]
                       ) -> np.ndarray:
    """Per row, ``spell`` of the positions of the masks that hold there, spelt once per
    combination that occurs. Combinations are numbered, not packed into bits, so any
    number of masks works."""
    n = len(masks[0]) if masks else 0
    combo = np.zeros(n, dtype=np.int64)
    for mask in masks:
        if n and int(combo.max()) >= 1 << 61:  # renumber densely before doubling overflows
            combo = np.unique(combo, return_inverse=True)[1].astype(np.int64)
        combo = combo * 2 + mask
    if n and int(combo.max()) >= 4 * n:
        combo = np.unique(combo, return_inverse=True)[1].astype(np.int64)
    top = int(combo.max()) + 1 if n else 0
    first = np.full(top, -1, dtype=np.int64)
    first[combo[::-1]] = np.arange(n - 1, -1, -1)  # the last write wins: each code's first row
    table = np.empty(top, dtype=object)
    for code in np.flatnonzero(first >= 0):
        row = first[code]
        table[code] = spell([i for i, mask in enumerate(masks) if mask[row]])
    spelt: np.ndarray = table[combo]
    return spelt
