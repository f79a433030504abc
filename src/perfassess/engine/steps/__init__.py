"""Step kinds: each prepares (checks and compiles) a step, returning a vectorised runner."""

from __future__ import annotations

from perfassess.engine.plan import Preparer
from perfassess.engine.steps import (
    aggregate,
    band,
    compute,
    decide,
    limit,
    mapping,
    neighbours,
    require,
    rounding,
    standardise,
    travel,
)

PREPARERS: dict[str, Preparer] = {
    "band": band.prepare,
    "standardise": standardise.prepare,
    "compare_neighbours": neighbours.prepare,
    "aggregate": aggregate.prepare,
    "decide": decide.prepare,
    "limit": limit.prepare,
    "map": mapping.prepare,
    "round": rounding.prepare,
    "compute": compute.prepare,
    "require": require.prepare,
    "travel": travel.prepare,
    "require_inputs": require.prepare_inputs,
}
