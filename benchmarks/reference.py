"""The reference to beat: cqc-la-2024 and cpa-2005 written by hand in DuckDB SQL.

Run as ``python -m benchmarks.reference PACK INPUT.parquet OUTPUT.parquet``: one query pivots
the long returns (conditional aggregation per authority and period), applies the rules of
the methodology note and writes the ratings, sorted by authority and period like
perfassess's, to Parquet. The suite times this in a fresh process, exactly as it times
perfassess, and then checks that both wrote the same ratings.

Values are read with ``TRY_CAST(value AS DOUBLE)``, so a text value column works too: ``n/a``
becomes NULL, which is what the cpa-2005 rules do with it (left out of its level). The
queries assume returns perfassess has accepted; they do not validate.
"""

from __future__ import annotations

import sys

# cqc-la-2024 (shared/methodology/cqc-la-2024.md, rules 1, 2 and 5): the total of the nine
# statement scores (no rating if any is missing), as a percentage of 36, rounded half up to a
# whole number, banded 88+ / 63-87 / 39-62 / 25-38. Percentages are never exactly .5 here
# (25 x total / 9), so floor(x + 0.5) is half-up rounding without a tie to worry about.
CQC_SQL = """
COPY (
  WITH returns AS (
    SELECT authority_code, period, indicator, TRY_CAST(value AS DOUBLE) AS v
    FROM read_parquet($input)
  ), wide AS (
    SELECT authority_code, period,
      max(v) FILTER (WHERE indicator = 'qs1_assessing_needs') AS qs1,
      max(v) FILTER (WHERE indicator = 'qs2_supporting_healthier_lives') AS qs2,
      max(v) FILTER (WHERE indicator = 'qs3_equity_in_experience_and_outcomes') AS qs3,
      max(v) FILTER (WHERE indicator = 'qs4_care_provision_integration_continuity') AS qs4,
      max(v) FILTER (WHERE indicator = 'qs5_partnerships_and_communities') AS qs5,
      max(v) FILTER (WHERE indicator = 'qs6_safe_pathways_systems_transitions') AS qs6,
      max(v) FILTER (WHERE indicator = 'qs7_safeguarding') AS qs7,
      max(v) FILTER (WHERE indicator = 'qs8_governance_management_sustainability') AS qs8,
      max(v) FILTER (WHERE indicator = 'qs9_learning_improvement_innovation') AS qs9
    FROM returns
    GROUP BY authority_code, period
  ), scored AS (
    SELECT authority_code, period,
      qs1 + qs2 + qs3 + qs4 + qs5 + qs6 + qs7 + qs8 + qs9 AS total_score
    FROM wide
  ), percent AS (
    SELECT authority_code, period, total_score, total_score / 36 * 100 AS percent_score
    FROM scored
  )
  SELECT authority_code, period,
    CASE
      WHEN percent_score IS NULL THEN NULL
      WHEN floor(percent_score + 0.5) >= 88 THEN 'Outstanding'
      WHEN floor(percent_score + 0.5) >= 63 THEN 'Good'
      WHEN floor(percent_score + 0.5) >= 39 THEN 'Requires improvement'
      ELSE 'Inadequate'
    END AS rating,
    total_score, percent_score
  FROM percent
  ORDER BY authority_code, period
) TO $output (FORMAT parquet)
"""

# cpa-2005 (shared/methodology/cpa-2005.md): level 1 = children and young people, adult
# social care, use of resources; level 2 = environment, housing, culture, benefits, fire,
# with n/a and missing scores left out. "none < k": no present score of the level below k;
# "at most one < 2": at most one present score of 1. The 13 rows, first match wins; no
# category without the corporate assessment and every level-1 score.
CPA_SQL = """
COPY (
  WITH returns AS (
    SELECT authority_code, period, indicator, value, TRY_CAST(value AS DOUBLE) AS v
    FROM read_parquet($input)
  ), wide AS (
    SELECT authority_code, period,
      max(v) FILTER (WHERE indicator = 'corporate_assessment') AS ca,
      max(v) FILTER (WHERE indicator = 'children_young_people') AS cyp,
      max(v) FILTER (WHERE indicator = 'adult_social_care') AS asc_,
      max(v) FILTER (WHERE indicator = 'use_of_resources') AS uor,
      max(v) FILTER (WHERE indicator = 'environment') AS env,
      max(v) FILTER (WHERE indicator = 'housing') AS hou,
      max(v) FILTER (WHERE indicator = 'culture') AS cul,
      max(v) FILTER (WHERE indicator = 'benefits') AS ben,
      max(v) FILTER (WHERE indicator = 'fire') AS fir,
      max(value) FILTER (WHERE indicator = 'direction_of_travel') AS direction_of_travel
    FROM returns
    GROUP BY authority_code, period
  ), facts AS (
    SELECT *,
      ca IS NOT NULL AND cyp IS NOT NULL AND asc_ IS NOT NULL AND uor IS NOT NULL
        AS complete,
      (cyp < 3)::INT + (asc_ < 3)::INT + (uor < 3)::INT AS l1_below3,
      (cyp < 2)::INT + (asc_ < 2)::INT + (uor < 2)::INT AS l1_below2,
      coalesce((env < 3)::INT, 0) + coalesce((hou < 3)::INT, 0) + coalesce((cul < 3)::INT, 0)
        + coalesce((ben < 3)::INT, 0) + coalesce((fir < 3)::INT, 0) AS l2_below3,
      coalesce((env < 2)::INT, 0) + coalesce((hou < 2)::INT, 0) + coalesce((cul < 2)::INT, 0)
        + coalesce((ben < 2)::INT, 0) + coalesce((fir < 2)::INT, 0) AS l2_below2
    FROM wide
  )
  SELECT authority_code, period,
    CASE
      WHEN NOT complete THEN NULL
      WHEN ca = 4 AND l1_below3 = 0 AND l2_below2 = 0 THEN '4 stars'
      WHEN ca = 4 AND l1_below2 = 0 AND l2_below2 <= 1 THEN '3 stars'
      WHEN ca = 4 AND l1_below2 <= 1 AND l2_below2 <= 1 THEN '2 stars'
      WHEN ca = 4 THEN '1 star'
      WHEN ca = 3 AND l1_below3 = 0 AND l2_below3 = 0 THEN '4 stars'
      WHEN ca = 3 AND l1_below2 = 0 AND l2_below2 = 0 THEN '3 stars'
      WHEN ca = 3 AND l1_below2 = 0 AND l2_below2 <= 1 THEN '2 stars'
      WHEN ca = 3 THEN '1 star'
      WHEN ca = 2 AND l1_below3 = 0 AND l2_below2 = 0 THEN '3 stars'
      WHEN ca = 2 AND l1_below2 = 0 AND l2_below2 = 0 THEN '2 stars'
      WHEN ca = 2 THEN '1 star'
      WHEN ca = 1 AND l1_below2 = 0 AND l2_below2 = 0 THEN '1 star'
      WHEN ca = 1 THEN '0 stars'
    END AS rating,
    CAST(ca AS INT) AS corporate_assessment,
    least(cyp, asc_, uor) AS lowest_level1,
    l1_below2 AS level1_scores_of_1,
    least(env, hou, cul, ben, fir) AS lowest_level2,
    l2_below2 AS level2_scores_of_1,
    (env IS NOT NULL)::INT + (hou IS NOT NULL)::INT + (cul IS NOT NULL)::INT
      + (ben IS NOT NULL)::INT + (fir IS NOT NULL)::INT AS level2_present,
    direction_of_travel
  FROM facts
  ORDER BY authority_code, period
) TO $output (FORMAT parquet)
"""

QUERIES = {"cqc-la-2024": CQC_SQL, "cpa-2005": CPA_SQL}


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] not in QUERIES:
        print(f"usage: python -m benchmarks.reference {{{','.join(QUERIES)}}} INPUT OUTPUT",
              file=sys.stderr)
        return 2
    import duckdb

    pack, source, target = argv
    with duckdb.connect() as con:
        con.execute(QUERIES[pack], {"input": source, "output": target})
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
