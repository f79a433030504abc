"""Step kinds: each module declares its ``KIND``; registering it here makes it known."""

from __future__ import annotations

from perfassess.engine.steps import (
    aggregate,
    band,
    cluster,
    compute,
    decide,
    limit,
    mapping,
    neighbours,
    quantile,
    require,
    rounding,
    standardise,
    travel,
)
from perfassess.engine.steps.registry import register

for _module in (band, standardise, neighbours, aggregate, decide, limit, mapping, rounding,
                compute, require, travel, quantile, cluster):
    register(_module.KIND)
