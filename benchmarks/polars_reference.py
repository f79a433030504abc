"""The DuckDB reference's two queries as Polars expressions: what Polars does with the same work.

Run as ``python -m benchmarks.polars_reference PACK INPUT.parquet OUTPUT.parquet``. Like
``benchmarks.reference`` it reads the long returns, pivots them (one aggregation per
indicator per authority and period), applies the rules of the methodology note and writes
the ratings sorted by authority and period to Parquet; it validates nothing, hashes nothing
and writes no CSV. The suite times it beside the DuckDB query and checks that it wrote the
same ratings: it measures how near the engine issue 15 chose can come to the reference on
this machine before any of perfassess's own contract is added.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

CQC = ("qs1_assessing_needs", "qs2_supporting_healthier_lives",
       "qs3_equity_in_experience_and_outcomes", "qs4_care_provision_integration_continuity",
       "qs5_partnerships_and_communities", "qs6_safe_pathways_systems_transitions",
       "qs7_safeguarding", "qs8_governance_management_sustainability",
       "qs9_learning_improvement_innovation")
CPA_LEVEL1 = ("children_young_people", "adult_social_care", "use_of_resources")
CPA_LEVEL2 = ("environment", "housing", "culture", "benefits", "fire")


def _wide(returns: pl.LazyFrame, numbers: tuple[str, ...], texts: tuple[str, ...] = ()
          ) -> pl.LazyFrame:
    """One row per authority and period: the largest number (``value`` read as a number, or
    null) of each indicator, and the largest text of each of ``texts``."""
    import polars as pl

    value, indicator = pl.col("value"), pl.col("indicator")
    number = value.cast(pl.Float64, strict=False)
    return returns.group_by("authority_code", "period").agg(
        *(number.filter(indicator == name).max().alias(name) for name in numbers),
        *(value.filter(indicator == name).max().alias(name) for name in texts))


def _sum(columns: list[pl.Expr]) -> pl.Expr:
    """a + b + ...: null when any is (SQL's +, unlike sum_horizontal)."""
    total = columns[0]
    for column in columns[1:]:
        total = total + column
    return total


def cqc(returns: pl.LazyFrame) -> pl.LazyFrame:
    """shared/methodology/cqc-la-2024.md rules 1, 2 and 5, as benchmarks/reference.py."""
    import polars as pl

    total = _sum([pl.col(q) for q in CQC])
    percent = total / 36 * 100
    whole = (percent + 0.5).floor()
    rating = (pl.when(percent.is_null()).then(None)
              .when(whole >= 88).then(pl.lit("Outstanding"))
              .when(whole >= 63).then(pl.lit("Good"))
              .when(whole >= 39).then(pl.lit("Requires improvement"))
              .otherwise(pl.lit("Inadequate")))
    return _wide(returns, CQC).select(
        "authority_code", "period", rating.alias("rating"), total.alias("total_score"),
        percent.alias("percent_score"))


def cpa(returns: pl.LazyFrame) -> pl.LazyFrame:
    """shared/methodology/cpa-2005.md's 13 rows, as benchmarks/reference.py."""
    import polars as pl

    ca = pl.col("corporate_assessment")
    level1 = [pl.col(c) for c in CPA_LEVEL1]
    level2 = [pl.col(c) for c in CPA_LEVEL2]

    def below(columns: list[pl.Expr], k: int, skip_missing: bool) -> pl.Expr:
        flags = [(c < k).cast(pl.Int32) for c in columns]
        return _sum([f.fill_null(0) for f in flags] if skip_missing else flags)

    l1_below3, l1_below2 = below(level1, 3, False), below(level1, 2, False)
    l2_below3, l2_below2 = below(level2, 3, True), below(level2, 2, True)
    complete = ca.is_not_null() & pl.all_horizontal(c.is_not_null() for c in level1)
    rows = [
        (4, (l1_below3 == 0) & (l2_below2 == 0), "4 stars"),
        (4, (l1_below2 == 0) & (l2_below2 <= 1), "3 stars"),
        (4, (l1_below2 <= 1) & (l2_below2 <= 1), "2 stars"),
        (4, None, "1 star"),
        (3, (l1_below3 == 0) & (l2_below3 == 0), "4 stars"),
        (3, (l1_below2 == 0) & (l2_below2 == 0), "3 stars"),
        (3, (l1_below2 == 0) & (l2_below2 <= 1), "2 stars"),
        (3, None, "1 star"),
        (2, (l1_below3 == 0) & (l2_below2 == 0), "3 stars"),
        (2, (l1_below2 == 0) & (l2_below2 == 0), "2 stars"),
        (2, None, "1 star"),
        (1, (l1_below2 == 0) & (l2_below2 == 0), "1 star"),
        (1, None, "0 stars"),
    ]
    rating: Any = pl.when(~complete).then(None)  # when/then chains: first match wins
    for score, condition, stars in rows:
        when = ca == score if condition is None else (ca == score) & condition
        rating = rating.when(when).then(pl.lit(stars))
    return _wide(returns, ("corporate_assessment", *CPA_LEVEL1, *CPA_LEVEL2),
                 ("direction_of_travel",)).select(
        "authority_code", "period", rating.alias("rating"),
        ca.cast(pl.Int32).alias("corporate_assessment"),
        pl.min_horizontal(level1).alias("lowest_level1"),
        l1_below2.alias("level1_scores_of_1"),
        pl.min_horizontal(level2).alias("lowest_level2"),
        l2_below2.alias("level2_scores_of_1"),
        _sum([c.is_not_null().cast(pl.Int32) for c in level2]).alias("level2_present"),
        "direction_of_travel")


QUERIES: dict[str, Callable[[pl.LazyFrame], pl.LazyFrame]] = {"cqc-la-2024": cqc,
                                                               "cpa-2005": cpa}


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] not in QUERIES:
        print(f"usage: python -m benchmarks.polars_reference {{{','.join(QUERIES)}}} INPUT "
              "OUTPUT", file=sys.stderr)
        return 2
    import polars as pl

    pack, source, target = argv
    returns = pl.scan_parquet(source).select("authority_code", "period", "indicator",
                                             pl.col("value"))
    QUERIES[pack](returns).sort("authority_code", "period").sink_parquet(target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
