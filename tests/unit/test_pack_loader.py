"""Broken packs are refused before any data is read, each problem coded and located."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from perfassess.core.problems import ProblemsFound, UsageProblem
from perfassess.packs import load_pack
from perfassess.spec.loader import builtin_ids, resolve_pack_dir

GOOD = """\
id: demo
title: Demo
version: 1.0.0
assessor: tests
periods: {first: "2002"}
vocabularies:
  serving: ["No", "Some", "Most", "Yes"]
  stars: ["0 stars", "1 star"]
inputs:
  - {id: judgement, title: J, type: label, vocabulary: serving, required: true}
  - {id: score, title: S, type: integer, min: 1, max: 4}
rating: {field: rating}
outputs: [rating]
steps:
  - id: band
    kind: band
    input: score
    output: score_band
    cuts: [2, 3]
    labels: [1, 2, 3]
    status: illustrative
  - id: stars
    kind: decide
    output: rating
    vocabulary: stars
    status: reconstructed
    rules:
      - {id: r1, when: "judgement >= 'Most'", then: "1 star"}
    default: {then: "0 stars"}
"""


def load(write: Callable[[str, str], Path], text: str) -> ProblemsFound:
    path = write("pack/pack.yaml", text)
    with pytest.raises(ProblemsFound) as caught:
        load_pack(str(path.parent))
    return caught.value


def test_the_good_pack_loads(write: Callable[[str, str], Path]) -> None:
    path = write("pack/pack.yaml", GOOD)
    loaded = load_pack(str(path.parent))
    assert loaded.id == "demo"
    assert loaded.content_hash.startswith("sha256:")


def test_formatting_does_not_change_the_content_hash(write: Callable[[str, str], Path]) -> None:
    a = load_pack(str(write("a/pack.yaml", GOOD).parent)).content_hash
    reformatted = "# a comment\n" + GOOD.replace("cuts: [2, 3]", "cuts:\n      - 2\n      - 3")
    b = load_pack(str(write("b/pack.yaml", reformatted).parent)).content_hash
    c = load_pack(str(write("c/pack.yaml", GOOD.replace("[2, 3]", "[2, 4]")).parent)).content_hash
    assert a == b != c


# (description, edit of GOOD, expected code, expected line)
BROKEN = [
    ("unknown top-level key", ("title: Demo", "title: Demo\ncolour: red"), "E-PACK-SCHEMA", 3),
    ("unknown step key", ("    cuts: [2, 3]", "    cuts: [2, 3]\n    cutz: [1]"),
     "E-PACK-SCHEMA", 20),
    ("unknown step kind", ("kind: band", "kind: banding"), "E-PACK-SCHEMA", 16),
    ("cut points out of order", ("cuts: [2, 3]", "cuts: [3, 2]"), "E-PACK-SCHEMA", 19),
    ("labels do not match cuts", ("labels: [1, 2, 3]", "labels: [1, 2]"), "E-PACK-SCHEMA", 15),
    ("undefined input in a step", ("input: score", "input: scor"), "E-PACK-REF", 17),
    ("undefined field in an expression", ("judgement >= 'Most'", "judgment >= 'Most'"),
     "E-PACK-EXPR", 28),
    ("unknown label in an expression", ("judgement >= 'Most'", "judgement >= 'Many'"),
     "E-PACK-EXPR", 28),
    ("unknown label as a result", ('then: "1 star"', 'then: "2 stars"'), "E-PACK-LABEL", 28),
    ("unknown vocabulary", ("vocabulary: stars", "vocabulary: starz"), "E-PACK-REF", 25),
    ("expression that does not parse", ("judgement >= 'Most'", "judgement >= "),
     "E-PACK-EXPR", 28),
    ("expression attempting a call", ("judgement >= 'Most'", "exec('1')"), "E-PACK-EXPR", 28),
    ("rule without a status", ("    status: illustrative\n", ""), "E-PACK-STATUS", 15),
    ("duplicate step id", ("id: stars", "id: band"), "E-PACK-DUPLICATE", 22),
    ("output never produced", ("outputs: [rating]", "outputs: [rating, nothing]"),
     "E-PACK-REF", 13),
    ("duplicate vocabulary label", ('stars: ["0 stars", "1 star"]',
                                    'stars: ["0 stars", "0 STARS"]'), "E-PACK-SCHEMA", 8),
    ("a python tag", ("assessor: tests", "assessor: !!python/name:os.system"), "E-YAML-TAG", 4),
    ("bad version", ("version: 1.0.0", "version: one"), "E-PACK-SCHEMA", 3),
    ("text label on a numeric band", ("labels: [1, 2, 3]", "labels: [low, mid, high]"),
     "E-PACK-LABEL", 20),
    ("a band over a label field", ("input: score", "input: judgement"), "E-PACK-TYPE", 17),
]


@pytest.mark.parametrize(("what", "edit", "code", "line"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_pack_is_located(write: Callable[[str, str], Path], what: str,
                                edit: tuple[str, str], code: str, line: int) -> None:
    old, new = edit
    assert old in GOOD, what
    found = load(write, GOOD.replace(old, new, 1))
    codes = {p.code for p in found.problems}
    assert code in codes, [p.message for p in found.problems]
    problem = next(p for p in found.problems if p.code == code)
    assert problem.file is not None and problem.file.endswith("pack.yaml")
    assert problem.row == line, problem


def test_unknown_pack_is_a_usage_problem() -> None:
    with pytest.raises(UsageProblem, match="no rule pack 'nope'"):
        resolve_pack_dir("nope")


def test_every_builtin_pack_loads() -> None:
    assert {"cpa-2005", "cqc-la-2024", "ss-stars-2002"} <= set(builtin_ids())
    for pack_id in builtin_ids():
        assert load_pack(pack_id).id == pack_id


def test_defaults_and_for_each_do_not_change_the_content_hash(
        write: Callable[[str, str], Path]) -> None:
    """The hash is of the meaning: a default spelt out, or for_each written out, is the same."""
    a = load_pack(str(write("a/pack.yaml", GOOD).parent)).content_hash
    spelt = GOOD.replace("    cuts: [2, 3]\n", "    cuts: [2, 3]\n    closed: left\n")
    assert load_pack(str(write("b/pack.yaml", spelt).parent)).content_hash == a
    other_side = GOOD.replace("    cuts: [2, 3]\n", "    cuts: [2, 3]\n    closed: right\n")
    assert load_pack(str(write("c/pack.yaml", other_side).parent)).content_hash != a
    looped = GOOD.replace(
        "  - {id: score, title: S, type: integer, min: 1, max: 4}\n",
        "  - {id: \"{n}\", for_each: [{n: score}], title: S, type: integer, min: 1, max: 4}\n")
    assert looped != GOOD
    assert load_pack(str(write("d/pack.yaml", looped).parent)).content_hash == a
    retitled = GOOD.replace("title: Demo", "title: Demo pack")
    assert load_pack(str(write("e/pack.yaml", retitled).parent)).content_hash != a


def versioned(write: Callable[[str, str], Path]) -> Path:
    """A pack folder at 1.1.0 with 1.0.0 kept in versions/."""
    folder = write("demo/pack.yaml", GOOD.replace("version: 1.0.0", "version: 1.1.0")).parent
    write("demo/versions/1.0.0/pack.yaml", GOOD)
    return folder


def test_an_older_version_is_addressed_with_an_at(write: Callable[[str, str], Path]) -> None:
    folder = versioned(write)
    assert resolve_pack_dir(f"{folder}@1.0.0") == folder / "versions" / "1.0.0"
    assert resolve_pack_dir(f"{folder}@1.1.0") == folder
    assert load_pack(f"{folder}@1.0.0").pack.version == "1.0.0"
    assert load_pack(str(folder)).pack.version == "1.1.0"
    with pytest.raises(UsageProblem, match=r"no version '2\.0\.0' \(available: 1\.0\.0, 1\.1\.0\)"):
        resolve_pack_dir(f"{folder}@2.0.0")


def test_builtin_ids_take_a_version() -> None:
    from perfassess.spec.loader import builtin_root, pack_versions

    current = load_pack("ss-stars-2002")
    first = load_pack("ss-stars-2002@1.0.0")
    assert first.pack.version == "1.0.0" and first.folder.name == "1.0.0"
    assert load_pack(f"ss-stars-2002@{current.pack.version}").folder == current.folder
    assert "1.0.0" in pack_versions(builtin_root() / "ss-stars-2002")
    with pytest.raises(UsageProblem, match="has no version"):
        resolve_pack_dir("cqc-la-2024@0.0.1")
    with pytest.raises(UsageProblem, match=r"no rule pack .nope@1\.0\.0."):
        resolve_pack_dir("nope@1.0.0")


def test_a_kept_version_must_declare_its_own_version(write: Callable[[str, str], Path]) -> None:
    folder = versioned(write)
    write("demo/versions/0.9.0/pack.yaml", GOOD)  # says 1.0.0: kept in the wrong folder
    with pytest.raises(ProblemsFound) as caught:
        load_pack(f"{folder}@0.9.0")
    problem = next(iter(caught.value.problems))
    assert problem.code == "E-PACK-SCHEMA" and problem.row == 3
    assert "must declare version 0.9.0" in problem.message
