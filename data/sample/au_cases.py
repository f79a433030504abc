"""Write the au-aged-care-2025 pack's cases from the published October 2025 sample.

Usage (from any directory)::

    python data/sample/au_cases.py

Reads ``data/sample/au_aged_care_star_ratings_oct2025_sample.csv`` (the Department of Health
and Aged Care's extract, 400 homes; see ``data/reference/README.md``) and writes
``rules/au-aged-care-2025/cases.yaml``: one case a home, its four sub-ratings in and its
*published* overall rating expected (none where none was published). Nothing is computed
here: the expected values are the Department's. Rows keep the file's order, so a rerun is
byte-identical.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE = REPO_ROOT / "data" / "sample" / "au_aged_care_star_ratings_oct2025_sample.csv"
CASES = REPO_ROOT / "rules" / "au-aged-care-2025" / "cases.yaml"
SUB_RATINGS = ["residents_experience", "compliance", "staffing", "quality_measures"]

# Worked by hand from the methodology note, before the published homes: (id, title,
# residents' experience, compliance, staffing, quality measures, expected fields).
HAND_CASES = [
    ("half-goes-up", "0.33 + 1.20 + 0.22 + 0.75 = 2.5 exactly: half up to 3 stars", 1, 4, 1, 5,
     {"weighted_mean": 2.5, "rating": 3, "compliance_capped": None}),
    ("cap-at-compliance-2", "3.5 rounds to 4, but 2 compliance stars cap it at 2", 5, 2, 5, 1,
     {"weighted_mean": 3.5, "stars_before_cap": 4, "rating": 2}),
    ("cap-at-compliance-1", "3.5 rounds to 4, but 1 compliance star caps it at 1", 5, 1, 5, 3,
     {"weighted_mean": 3.5, "stars_before_cap": 4, "rating": 1}),
    ("compliance-3-no-cap", "3 compliance stars do not cap: 1.65 + 0.9 + 1.1 + 0.75 = 4.4 -> 4",
     5, 3, 5, 5, {"weighted_mean": 4.4, "rating": 4, "compliance_capped": None}),
    ("staffing-missing", "No staffing rating: no overall rating (all four are needed)", 4, 4,
     None, 4, {"weighted_mean": None, "rating": None}),
]


def _stars(text: str) -> int | None:
    return None if text.strip() == "" else int(float(text))


def main() -> None:
    with SAMPLE.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    lines = [
        "# Cases for au-aged-care-2025: the 400 homes of the October 2025 sample, each home's",
        "# four sub-ratings in and its PUBLISHED overall rating expected (null: none published),",
        "# after five cases worked by hand. Written by data/sample/au_cases.py; not computed.",
        "cases:",
    ]
    for case_id, title, *stars, expect in HAND_CASES:
        case = {"id": case_id, "title": title, "period": "2025-10",
                "inputs": dict(zip(SUB_RATINGS, stars, strict=True)), "expect": expect}
        lines.append(f"  - {json.dumps(case, ensure_ascii=False)}")
    for number, row in enumerate(rows, start=1):
        inputs = {name: _stars(row[f"{name}_rating"]) for name in SUB_RATINGS}
        case = {
            "id": f"home-{number:03d}",
            "title": row["facility_id"],
            "published": "Star Ratings quarterly data extract, October 2025",
            "period": "2025-10",
            "inputs": inputs,
            "expect": {"rating": _stars(row["overall_star_rating"])},
        }
        # JSON is YAML: one flow mapping a case, quoted the same way every time.
        lines.append(f"  - {json.dumps(case, ensure_ascii=False)}")
    CASES.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")


if __name__ == "__main__":
    main()
