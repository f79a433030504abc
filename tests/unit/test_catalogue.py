"""The error catalogue is complete, consistent with the code, and documented."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from perfassess.cli import cli
from perfassess.core.problems import CATALOGUE, Problem, catalogue_markdown
from tests.conftest import ROOT

SRC = ROOT / "src" / "perfassess"
CODE = re.compile(r"""["']([EW]-[A-Z]+(?:-[A-Z]+)*)["']""")
CATALOGUE_FILE = SRC / "validate" / "problems.py"


def emitted_codes() -> dict[str, list[str]]:
    """Every code string in the source outside the catalogue itself, with where it is."""
    found: dict[str, list[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        if path == CATALOGUE_FILE:
            continue
        for code in CODE.findall(path.read_text(encoding="utf-8")):
            found.setdefault(code, []).append(str(path.relative_to(SRC)))
    return found


def test_every_code_the_source_can_emit_is_catalogued() -> None:
    emitted = emitted_codes()
    assert "E-VALUE-TYPE" in emitted  # the scan finds codes at all
    missing = {code: where for code, where in emitted.items() if code not in CATALOGUE}
    assert not missing


def test_every_catalogued_code_is_emitted_somewhere() -> None:
    assert sorted(set(CATALOGUE) - set(emitted_codes())) == []


def test_entries_are_consistent() -> None:
    for code, entry in CATALOGUE.items():
        assert entry.code == code
        assert entry.severity == ("error" if code.startswith("E-") else "warning"), code
        assert entry.title and entry.where and entry.section, code


def test_docs_errors_md_is_the_generated_catalogue() -> None:
    docs = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert docs == catalogue_markdown(), (
        "docs/errors.md is out of date: PYTHONPATH=src python -m perfassess errors "
        "--format markdown > docs/errors.md")
    for code in CATALOGUE:
        assert f"`{code}`" in docs


def test_errors_command_lists_the_catalogue() -> None:
    runner = CliRunner()
    text = runner.invoke(cli, ["errors"])
    assert text.exit_code == 0
    for code, entry in CATALOGUE.items():
        assert code in text.output and entry.title in text.output
    listed = json.loads(runner.invoke(cli, ["errors", "--format", "json"]).output)
    assert [(e["code"], e["severity"]) for e in listed] == [
        (e.code, e.severity) for e in CATALOGUE.values()]
    markdown = runner.invoke(cli, ["errors", "--format", "markdown"]).output
    assert markdown == catalogue_markdown()


def test_a_problem_carries_its_severity_and_title() -> None:
    problem = Problem("W-DUPLICATE", "m", file="f.csv", row=3, column="value", value="2")
    assert problem.severity == "warning"
    assert problem.to_dict()["title"] == CATALOGUE["W-DUPLICATE"].title
    assert problem.location() == "f.csv:3:value"
