"""Packs and data from anyone: only the grammar is accepted, YAML builds no objects, text from
data cannot break the Markdown summary, and file names from data stay inside their folder."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from perfassess.cli import cli
from perfassess.engine.expr import ExpressionError, compile_expression, parse
from perfassess.engine.fields import INTEGER, NUMBER
from perfassess.io.names import names_inside, path_inside, safe_filename, safe_filenames
from perfassess.io.yaml_source import YamlError, parse_yaml
from perfassess.report.environment import markdown_cell
from tests.e2e.test_input_warnings import QS

SCHEMA = {"x": NUMBER, "n": INTEGER}


@pytest.mark.parametrize(("text", "says", "position"), [
    ("x.__class__ > 1", "attribute access is not allowed", 1),
    ("x.real > 1", "attribute access is not allowed", 1),
    ("__import__('os') == 1", "unknown function '__import__'", 0),
    ("exec('print(1)') == 1", "unknown function 'exec'", 0),
    ("open('/etc/passwd') == 1", "unknown function 'open'", 0),
    ("import os", "'import' is Python", 0),
    ("lambda x: 1", "unexpected character ':'", 8),
    ("lambda x", "'lambda' is Python", 0),
    ("x > 1 if x else 0", "'if' is Python", 6),
    ("x == None", "'None' is Python", 5),
    ("__builtins__ > 1", "unknown field '__builtins__'", 0),
    ("x[0] > 1", "expected an operator", 1),
    ("x > 1; x < 2", "one expression only", 5),
    ("x = 1", "use == to compare", 2),
    ("x > \u00b2", "unexpected character '\u00b2'", 4),
    ("x > \u0661", "unexpected character", 4),
    ("x > 1e999", "too large", 4),
    ("x > 'unterminated", "unterminated string", 4),
])
def test_anything_outside_the_grammar_is_a_clean_error(text: str, says: str,
                                                        position: int) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression(text, SCHEMA)
    assert says in caught.value.message
    assert caught.value.position == position


@pytest.mark.parametrize(("text", "says"), [
    ("(" * 1000 + "x" + ")" * 1000 + " > 1", "nested too deeply"),
    ("not " * 100 + "x > 1", "nested too deeply"),
    ("-" * 1000 + "x > 1", "nested too deeply"),
    ("abs(" * 500 + "x" + ")" * 500 + " > 1", "nested too deeply"),
    (" + ".join(["x"] * 150) + " > 1", "too deep"),
    (" or ".join(["x > 1"] * 150), "too deep"),
    ("x" * 5000, "characters long"),
])
def test_huge_or_deep_expressions_are_refused_without_recursion_errors(text: str,
                                                                       says: str) -> None:
    limit = sys.getrecursionlimit()
    with pytest.raises(ExpressionError) as caught:
        compile_expression(text, SCHEMA)
    assert says in caught.value.message
    assert sys.getrecursionlimit() == limit


def test_deep_but_allowed_expressions_still_compile_and_run() -> None:
    import numpy as np

    text = "(" * 30 + "x + 1" + ")" * 30 + " + " + " + ".join(["n"] * 60) + " > 0"
    compiled = compile_expression(text, SCHEMA)
    truth = compiled.truth({"x": np.array([1.0]), "n": np.array([0.0])}, 1)
    assert bool(truth.t[0])
    assert parse("x") is not None


@pytest.mark.parametrize(("text", "code"), [
    ("a: !!python/object/apply:os.system ['echo hi']\n", "E-YAML-TAG"),
    ("a: !!python/name:os.system\n", "E-YAML-TAG"),
    ("a: !!python/object/new:subprocess.Popen [['ls']]\n", "E-YAML-TAG"),
    ("a: !!binary aGVsbG8=\n", "E-YAML-TAG"),
    ("a: !!set {x, y}\n", "E-YAML-TAG"),
    ("a: &x [1]\nb: *x\n", "E-YAML-TAG"),
    ("a: " + "[" * 1500 + "]" * 1500 + "\n", "E-YAML-SYNTAX"),
    ("a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 80)), "E-YAML-SYNTAX"),
])
def test_yaml_that_would_build_objects_or_exhaust_the_stack_is_refused(text: str,
                                                                        code: str) -> None:
    with pytest.raises(YamlError) as caught:
        parse_yaml(text, "pack.yaml")
    assert caught.value.code == code


def test_markdown_cells_neutralise_pipes_and_newlines() -> None:
    cell = markdown_cell("a | b\nc")
    assert cell.startswith("a \\| b") and "\n" not in cell


def test_names_from_data_cannot_break_the_summary(tmp_path: Path) -> None:
    returns = tmp_path / "r.csv"
    returns.write_text("authority_code,authority_name,period,indicator,value\n"
                       'E1,"Evil | name\n# heading",2024,qs1_assessing_needs,3\n'
                       # E2 is rated: a run that rates nothing is an error (issue 17).
                       + "".join(f"E2,Beta,2024,{qs},3\n" for qs in QS),
                       encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["score", "--pack", "cqc-la-2024", "--input",
                                      str(returns), "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = (out / "cqc-la-2024" / "summary.md").read_text(encoding="utf-8")
    row = next(line for line in summary.splitlines() if line.startswith("| E1 "))
    assert "Evil \\| name" in row and "heading" in row
    assert not any(line.startswith("# heading") for line in summary.splitlines())


@pytest.mark.parametrize("text", [
    "../../etc/passwd", "/etc/passwd", "..", ".", "", "a/../../b", "a\x00b", "a\\..\\b",
    "x" * 10_000, "CON", "nul", "com1.txt", ".hidden", "\u00e9\u00e8", "a b", "E1:2024",
])
def test_safe_filenames_stay_in_their_folder(text: str, tmp_path: Path) -> None:
    name = safe_filename(text)
    assert name and len(name) <= 80
    assert "/" not in name and "\\" not in name and "\x00" not in name
    assert not name.startswith(".")
    assert name.split(".")[0].lower() not in {"con", "nul", "com1"}
    target = path_inside(tmp_path, name + ".html")
    assert target.parent == tmp_path.resolve()


def test_plain_codes_keep_their_names_and_different_texts_never_share_one() -> None:
    assert safe_filename("E06000001") == "E06000001"
    assert safe_filename("2018-19") == "2018-19"
    texts = ["E1", "e1", "../E1", "_E1", "E1-" + "0" * 10, "a/b", "a_b", "a:b"]
    names = safe_filenames(texts)
    assert len({n.casefold() for n in names.values()}) == len(texts)
    assert names["a_b"] != names["a/b"]


def test_path_inside_refuses_to_leave_the_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="would leave"):
        path_inside(tmp_path, "..", "x")
    with pytest.raises(ValueError, match="would leave"):
        path_inside(tmp_path, "/etc/passwd")
    assert path_inside(tmp_path, "a", "b.html") == tmp_path.resolve() / "a" / "b.html"


@pytest.mark.parametrize("bad", ["..", "../x", "/etc", "a/../../x"])
def test_names_inside_refuses_what_path_inside_refuses(tmp_path: Path, bad: str) -> None:
    names_inside(tmp_path, ["E06000001", "2018-19", "a/b", "."])
    with pytest.raises(ValueError, match="would leave"):
        names_inside(tmp_path, ["E06000001", bad])
