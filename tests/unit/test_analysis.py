"""Decision tables checked over every combination of their fields' values.

Each expectation is worked out by hand from the table: the domain of every field, which
rows match which values, and so what is uncovered, doubly matched or dead.
"""

from __future__ import annotations

from typing import Any

import pytest

from perfassess.engine.analysis import Finding, check_tables
from perfassess.engine.plan import build_plan
from perfassess.spec.pack import Pack

SERVING = ["No", "Some", "Most", "Yes"]


def table(rows: list[tuple[str, Any]], *, inputs: list[dict[str, Any]] | None = None,
          steps: list[dict[str, Any]] | None = None, policy: str = "first",
          default: Any = None, groups: dict[str, list[str]] | None = None,
          periods: dict[str, str] | None = None, priorities: list[int] | None = None,
          max_combinations: int = 1_000_000) -> list[Finding]:
    """Findings for a pack whose last step is a decision table with these rows."""
    rules = [{"id": f"r{i + 1}", "when": when, "then": then}
             for i, (when, then) in enumerate(rows)]
    if priorities:
        for rule, priority in zip(rules, priorities, strict=True):
            rule["priority"] = priority
    decide: dict[str, Any] = {"id": "t", "kind": "decide", "output": "out",
                              "hit_policy": policy, "status": "illustrative", "rules": rules}
    if default is not None:
        decide["default"] = {"then": default}
    pack = Pack.model_validate({
        "id": "t", "title": "T", "version": "1.0.0", "assessor": "tests",
        "periods": periods or {"first": "2000"},
        "vocabularies": {"serving": SERVING}, "groups": groups or {},
        "inputs": inputs or [{"id": "x", "title": "x", "type": "label",
                              "vocabulary": "serving", "required": True}],
        "rating": {"field": "out"}, "outputs": ["out"],
        "steps": [*(steps or []), decide],
    })
    return check_tables(build_plan(pack), max_combinations).findings


def codes(findings: list[Finding]) -> list[tuple[str, tuple[Any, ...]]]:
    return [(f.code, f.path[2:]) for f in findings]


def test_a_gap_shows_the_uncovered_value() -> None:
    # x in No, Some, Most, Yes (required): rows cover Most, Yes and Some; No is left.
    found = table([("x >= 'Most'", 1), ("x == 'Some'", 0)])
    assert codes(found) == [("E-PACK-GAP", ("rules",))]
    assert "covers 1 of 4 combinations" in found[0].message
    assert "x = 'No'" in found[0].message


def test_an_optional_input_may_also_be_missing() -> None:
    # Not required: a missing x makes every condition unknown, so no row fires either.
    found = table([("x >= 'Most'", 1), ("x == 'Some'", 0)],
                  inputs=[{"id": "x", "title": "x", "type": "label", "vocabulary": "serving"}])
    assert codes(found) == [("E-PACK-GAP", ("rules",))]
    assert "covers 2 of 5 combinations" in found[0].message


def test_a_require_step_before_the_table_rules_missing_out() -> None:
    found = table([("x >= 'Some'", 1), ("x == 'No'", 0)],
                  inputs=[{"id": "x", "title": "x", "type": "label", "vocabulary": "serving"}],
                  steps=[{"id": "need-x", "kind": "require", "fields": ["x"],
                          "status": "documented"}])
    assert found == []


def test_a_require_on_a_field_computed_from_the_table_fields_counts_too() -> None:
    # x is optional, but `need` requires rank = ordinal(x), which is missing exactly when x
    # is: rows without x never reach the table, so the four labels are all it must cover.
    steps = [{"id": "rank", "kind": "compute", "expr": "ordinal(x)", "output": "rank",
              "status": "documented"},
             {"id": "need", "kind": "require", "fields": ["rank"], "status": "documented"}]
    inputs = [{"id": "x", "title": "x", "type": "label", "vocabulary": "serving"}]
    assert table([("x >= 'Some'", 1), ("x == 'No'", 0)], inputs=inputs, steps=steps) == []
    found = table([("x >= 'Some'", 1), ("x == 'No'", 0)], inputs=inputs, steps=steps[:1])
    assert codes(found) == [("E-PACK-GAP", ("rules",))]
    assert "x = missing" in found[0].message


def test_a_default_closes_every_gap() -> None:
    assert table([("x >= 'Most'", 1)], default=0) == []


def test_overlap_under_unique() -> None:
    # Some and Most satisfy both rows.
    found = table([("x >= 'Some'", 1), ("x <= 'Most'", 0)], policy="unique")
    assert codes(found) == [("E-PACK-OVERLAP", ("rules", 1))]
    assert "for 2 combinations" in found[0].message
    assert "'r1' and 'r2'" in found[0].message


def test_exclusive_rows_under_unique_pass() -> None:
    assert table([("x >= 'Most'", 1), ("x < 'Most'", 0)], policy="unique") == []


def test_a_row_that_is_never_true() -> None:
    found = table([("x > 'Yes'", 1)], default=0)
    assert codes(found) == [("E-PACK-UNREACHABLE", ("rules", 0))]
    assert "never true over 4 combinations of x" in found[0].message


def test_a_row_shadowed_by_an_earlier_row_names_it() -> None:
    # Under first, Most is always taken by r1 before r2 is read.
    found = table([("x >= 'Some'", 1), ("x == 'Most'", 2)], default=0)
    assert codes(found) == [("E-PACK-UNREACHABLE", ("rules", 1))]
    assert "matched first by row 'r1'" in found[0].message


def test_priority_orders_the_rows_before_shadowing() -> None:
    # r2 has the higher priority, so it is read first and r1 (Most) can never fire.
    found = table([("x == 'Most'", 1), ("x >= 'Some'", 2)], policy="priority", default=0,
                  priorities=[0, 5])
    assert codes(found) == [("E-PACK-UNREACHABLE", ("rules", 0))]
    assert "matched first by row 'r2'" in found[0].message


INTEGER_S = [{"id": "s", "title": "s", "type": "integer", "min": 1, "max": 3,
              "required": True}]


def test_integer_inputs_range_over_min_to_max() -> None:
    found = table([("s >= 2", 1)], inputs=INTEGER_S)
    assert codes(found) == [("E-PACK-GAP", ("rules",))]
    assert "covers 1 of 3 combinations" in found[0].message and "s = 1" in found[0].message


def test_an_unbounded_integer_is_not_checked_and_says_why() -> None:
    found = table([("s >= 2", 1)],
                  inputs=[{"id": "s", "title": "s", "type": "integer", "min": 0}])
    assert codes(found) == [("W-PACK-UNCHECKED", ())]
    assert "input 's' is a integer without a finite set of values" in found[0].message
    assert "needs min and max" in found[0].message


def test_a_number_input_is_not_checked() -> None:
    found = table([("v >= 2", 1)], inputs=[{"id": "v", "title": "v", "type": "number"}])
    assert codes(found) == [("W-PACK-UNCHECKED", ())]


def test_a_band_of_a_number_ranges_over_its_labels() -> None:
    # v (a number) is banded by 3 cuts into No/Some/Most/Yes; only Most is covered.
    found = table([("b == 'Most'", 1)],
                  inputs=[{"id": "v", "title": "v", "type": "number", "required": True}],
                  steps=[{"id": "band", "kind": "band", "input": "v", "output": "b",
                          "cuts": [1, 2, 3], "vocabulary": "serving",
                          "status": "illustrative"}])
    assert codes(found) == [("E-PACK-GAP", ("rules",))]
    assert "covers 3 of 4 combinations" in found[0].message
    assert "b = 'No'" in found[0].message


GROUP_INPUTS = [{"id": f"g{i}", "title": "g", "type": "integer", "min": 1, "max": 2,
                 "required": True} for i in (1, 2, 3)]


def test_computed_fields_are_computed_over_a_symmetric_group() -> None:
    # c = how many of g1..g3 are 1: 0, 1, 2 are covered; 3 (all three 1) is the gap.
    # The group is read only through count(), so it is enumerated as multisets: 4 of them.
    found = table([("c == 0", 0), ("c == 1", 1), ("c == 2", 2)], inputs=GROUP_INPUTS,
                  groups={"g": ["g1", "g2", "g3"]},
                  steps=[{"id": "c", "kind": "compute", "expr": "count(g == 1)",
                          "output": "c", "integer": True, "status": "documented"}])
    assert codes(found) == [("E-PACK-GAP", ("rules",))]
    message = found[0].message
    assert "covers 1 of 4 combinations" in message
    assert "g = [1, 1, 1] (in any order)" in message and "so c = 3" in message


def test_a_member_read_on_its_own_breaks_the_symmetry() -> None:
    # g1 is also read by name, so the 2 x 2 x 2 = 8 tuples are enumerated.
    found = table([("count(g == 1) == 3 and g1 == 1", 0)], inputs=GROUP_INPUTS,
                  groups={"g": ["g1", "g2", "g3"]}, default=1)
    assert found == []
    found = table([("count(g == 1) >= 0 and g1 == 5", 0)], inputs=GROUP_INPUTS,
                  groups={"g": ["g1", "g2", "g3"]}, default=1)
    assert codes(found) == [("E-PACK-UNREACHABLE", ("rules", 0))]
    assert "over 8 combinations of g1, g2, g3" in found[0].message


def test_periods_are_checked_between_the_quoted_periods() -> None:
    # Periods 2002-2005 compared as text: a period such as '2003-04' sorts after '2003' and
    # before '2004', and neither row takes it. Points: 2002, after 2002, 2003, after 2003,
    # 2004, after 2004, 2005 (nothing after 2005 is in the pack's years) = 7.
    found = table([("period <= '2003'", 1), ("period >= '2004'", 2)],
                  periods={"first": "2002", "last": "2005"})
    assert codes(found) == [("E-PACK-GAP", ("rules",))]
    assert "covers 1 of 7 combinations" in found[0].message
    assert "period after 2003" in found[0].message


def test_na_is_a_value_of_its_own() -> None:
    inputs = [{"id": "s", "title": "s", "type": "integer", "min": 1, "max": 2,
               "required": True, "na": {"means": "no such service"}}]
    found = table([("s >= 1", 1)], inputs=inputs)
    assert codes(found) == [("E-PACK-GAP", ("rules",))]
    assert "s = n/a" in found[0].message
    assert table([("s >= 1", 1), ("na(s)", 0)], inputs=inputs) == []


def test_too_many_combinations_are_reported_not_checked() -> None:
    inputs = [{"id": f"x{i}", "title": "x", "type": "label", "vocabulary": "serving",
               "required": True} for i in range(4)]
    when = " and ".join(f"x{i} >= 'Some'" for i in range(4))
    found = table([(when, 1)], inputs=inputs, default=0, max_combinations=100)
    assert codes(found) == [("W-PACK-UNCHECKED", ())]
    assert "256 combinations" in found[0].message


@pytest.mark.parametrize("pack_id", ["cpa-2005", "ss-stars-2002", "cqc-la-2024"])
def test_every_builtin_table_passes(pack_id: str) -> None:
    from perfassess.packs import load_pack

    loaded = load_pack(pack_id)
    assert check_tables(loaded.plan).findings == []
    assert not loaded.warnings.items


def test_the_cpa_table_is_checked_exhaustively() -> None:
    # corporate assessment 1-4; level 1: three required scores 1-4 as multisets,
    # C(4+3-1, 3) = 20; level 2: five scores 1-4, n/a or missing, C(6+5-1, 5) = 252.
    from perfassess.packs import load_pack

    summary = load_pack("cpa-2005").table_checks
    assert summary == ["category: 13 rows, hit policy first, checked over 20,160 "
                       "combinations of corporate_assessment, level1, level2: no gaps, "
                       "overlaps or dead rows"]


def test_a_huge_symmetric_group_is_refused_before_it_is_built() -> None:
    # 40 members of 1..4 as multisets: C(4 + 40 - 1, 40) = C(43, 3) = 12,341 > 1,000.
    inputs = [{"id": f"m{i}", "title": "m", "type": "integer", "min": 1, "max": 4,
               "required": True} for i in range(40)]
    found = table([("none(m < 2)", 1)], inputs=inputs, default=0,
                  groups={"m": [f"m{i}" for i in range(40)]}, max_combinations=1_000)
    assert codes(found) == [("W-PACK-UNCHECKED", ())]
    assert "12,341 combinations of group 'm'" in found[0].message


def test_a_table_over_a_ratio_that_some_combinations_divide_by_zero_is_not_checked() -> None:
    inputs = [{"id": k, "title": k, "type": "integer", "min": 0, "max": 2, "required": True}
              for k in ("a", "b")]
    steps = [{"id": "ratio", "kind": "compute", "output": "r", "expr": "a / b",
              "status": "illustrative"}]
    found = table([("r >= 1", 1)], inputs=inputs, steps=steps, default=0)
    assert codes(found) == [("W-PACK-UNCHECKED", ())]
    assert "step 'ratio' divides by zero in some combinations ('a / b')" in found[0].message
    steps[0]["expr"] = "div(a, b, 0)"  # said what a zero divisor gives: checked
    assert table([("r >= 1", 1)], inputs=inputs, steps=steps, default=0) == []
