"""Small files that would ask for unbounded work are refused first: packs that expand too
far, lists that multiply a run's work, too many sensitivity draws (docs/limits.md)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from perfassess.core.problems import Problem, ProblemsFound
from perfassess.packs import load_pack
from perfassess.spec.loader import MAX_EXPANDED_ITEMS, expand_for_each, read_pack
from perfassess.spec.pack import MAX_LABELS, MAX_RULES

HEAD = """\
id: hostile
title: Hostile
version: 1.0.0
assessor: tests
periods: {first: "2002"}
"""
TAIL = """\
rating: {field: rating}
outputs: [rating]
"""


def refused(write: Callable[[str, str], Path], text: str) -> Problem:
    path = write("pack/pack.yaml", text)
    with pytest.raises(ProblemsFound) as caught:
        read_pack(str(path.parent))
    (problem,) = caught.value.problems.items
    return problem


def test_a_for_each_of_27_million_steps_is_refused_before_expanding(
        write: Callable[[str, str], Path]) -> None:
    words = ", ".join(f"w{i:03d}" for i in range(300))
    problem = refused(write, HEAD + f"lists:\n  w: [{words}]\n"
                      "inputs:\n  - {id: s, title: S, type: number}\n" + TAIL
                      + "steps:\n"
                      "  - id: 'c_{a}_{b}_{c}'\n"
                      "    for_each: {a: w, b: w, c: w}\n"
                      "    kind: compute\n"
                      "    output: 'o_{a}_{b}_{c}'\n"
                      "    expr: s + 1\n"
                      "  - {id: r, kind: compute, output: rating, expr: s}\n")
    assert problem.code == "E-PACK-LIMIT"
    assert (problem.row, problem.column) == (14, 15)  # the for_each, as written
    assert "27,000,000 steps (300 × 300 × 300)" in problem.message
    assert f"at most {MAX_EXPANDED_ITEMS:,} steps" in problem.message


def test_for_each_items_are_counted_across_a_section(write: Callable[[str, str], Path]) -> None:
    words = ", ".join(f"w{i}" for i in range(60))
    items = "".join(f"  - {{id: 'i{k}_{{a}}_{{b}}', for_each: {{a: w, b: w}}, title: T, "
                    "type: number}\n" for k in range(2))
    problem = refused(write, HEAD + f"lists:\n  w: [{words}]\ninputs:\n{items}" + TAIL
                      + "steps:\n  - {id: r, kind: compute, output: rating, expr: '1'}\n")
    assert problem.code == "E-PACK-LIMIT"
    assert problem.row == 10  # the second item takes the inputs past the limit
    assert "takes the pack's inputs to 7,200" in problem.message


def test_copies_of_long_text_are_bounded_by_their_size(write: Callable[[str, str], Path]) -> None:
    long = ", ".join("x" * 3000 + str(i) for i in range(2))
    many = ", ".join(f"n{i}" for i in range(70))
    title = "{a}" * 30
    problem = refused(write, HEAD + f"lists:\n  long: [{long}]\n  many: [{many}]\n"
                      f"inputs:\n  - {{id: 'i_{{b}}', for_each: {{a: long, b: many}}, "
                      f"title: '{title}', type: number}}\n" + TAIL
                      + "steps:\n  - {id: r, kind: compute, output: rating, expr: '1'}\n")
    assert problem.code == "E-PACK-LIMIT"
    assert "characters of copies (140 of this item, 2 × 70)" in problem.message


def test_placeholders_are_replaced_in_one_pass() -> None:
    data = {"inputs": [{"id": "{a}_{b}", "title": "{a}",
                        "for_each": [{"a": "{b}{b}", "b": "x"}]}]}
    expanded, _ = expand_for_each(data)
    assert expanded["inputs"] == [{"id": "{b}{b}_x", "title": "{b}{b}"}]


@pytest.mark.parametrize(("section", "size", "limit"), [
    ("vocabulary", MAX_LABELS + 1, MAX_LABELS),
    ("rules", MAX_RULES + 1, MAX_RULES),
])
def test_long_lists_that_multiply_work_are_refused(write: Callable[[str, str], Path],
                                                   section: str, size: int,
                                                   limit: int) -> None:
    labels = ", ".join(f"l{i}" for i in range(size if section == "vocabulary" else 2))
    rules = "".join(f"      - {{id: r{i}, when: 's > {i}', then: l1}}\n"
                    for i in range(size if section == "rules" else 1))
    problem = refused(write, HEAD + f"vocabularies:\n  v: [{labels}]\n"
                      "inputs:\n  - {id: s, title: S, type: number}\n" + TAIL
                      + "steps:\n  - id: d\n    kind: decide\n    output: rating\n"
                      "    vocabulary: v\n    rules:\n" + rules
                      + "    default: {then: l0}\n")
    assert problem.code == "E-PACK-LIMIT"
    assert f"{size:,} items: at most {limit:,} are allowed" in problem.message
    assert problem.row == (7 if section == "vocabulary" else 18)  # the list, as written


def test_alternative_readings_that_multiply_past_the_limit_are_refused(
        write: Callable[[str, str], Path]) -> None:
    steps = "".join(f"  - {{id: c{k}, kind: compute, output: o{k}, expr: 's + {k}', "
                    "status: reconstructed}\n" for k in range(7))
    alternatives = "".join(f"    - {{id: a{k}, step: c{k}, replace: {{expr: 's - {k}'}}, "
                           "status: illustrative}\n" for k in range(7))
    path = write("pack/pack.yaml", HEAD + "inputs:\n  - {id: s, title: S, type: number}\n"
                 + TAIL + "steps:\n" + steps
                 + "  - {id: r, kind: compute, output: rating, expr: 'o0 + o6', "
                   "status: reconstructed, integer: true}\n"
                 + "uncertainty:\n  alternatives:\n" + alternatives)
    with pytest.raises(ProblemsFound) as caught:
        load_pack(str(path.parent))
    (problem,) = caught.value.problems.items
    assert problem.code == "E-PACK-LIMIT"
    assert "128 combinations of alternative readings (at most 64" in problem.message
    assert problem.row == 21  # the list of alternatives, as written
