"""Safe YAML: plain data only, positions kept, YAML 1.2 booleans."""

from __future__ import annotations

import pytest

from perfassess.io.yaml_source import YamlError, parse_yaml


def test_yes_no_stay_text_and_numbers_parse() -> None:
    doc = parse_yaml("v: [No, Yes, on, off, true, 3, 2.5, '4', ~]\n", "f.yaml")
    assert doc.data == {"v": ["No", "Yes", "on", "off", True, 3, 2.5, "4", None]}


def test_positions_are_recorded_per_path() -> None:
    doc = parse_yaml("a:\n  b:\n    - x\n    - y\n", "f.yaml")
    mark = doc.mark(("a", "b", 1))
    assert (mark.file, mark.line, mark.column) == ("f.yaml", 4, 7)
    # an unknown child falls back to its nearest parent
    assert doc.mark(("a", "b", 1, "nope")).line == 4


@pytest.mark.parametrize(("text", "code", "line"), [
    ("a: !!python/object/apply:os.system ['echo hi']\n", "E-YAML-TAG", 1),
    ("a: !custom 3\n", "E-YAML-TAG", 1),
    ("x: &big [1, 2]\ny: *big\n", "E-YAML-TAG", 1),
    ("base: &b {k: 1}\nother:\n  <<: *b\n", "E-YAML-TAG", 3),
    ("a: 1\na: 2\n", "E-YAML-KEY", 2),
    ("a: [1, 2\n", "E-YAML-SYNTAX", 2),
    ("a:\n\tb: 1\n", "E-YAML-SYNTAX", 2),
])
def test_unsafe_or_broken_yaml_is_refused_with_a_place(text: str, code: str, line: int) -> None:
    with pytest.raises(YamlError) as caught:
        parse_yaml(text, "f.yaml")
    assert caught.value.code == code
    assert caught.value.mark.line == line
