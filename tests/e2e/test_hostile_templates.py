"""Hostile and broken user templates through the real command: coded errors, nothing run,
nothing published; a --templates folder that is not there is a usage error."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from perfassess.cli import cli
from perfassess.runner import RunOptions, RunRequest, run
from tests.conftest import run_cli as perfassess
from tests.e2e.conftest import copy_project
from tests.e2e.reports_fixture import INPUT

EXPLOIT = "{{ cycler.__init__.__globals__.os.popen('id').read() }}"



def invoke(*args: str) -> tuple[int, str]:
    """The command in this process, where a subprocess would only add start-up time."""
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


SCORE = ("score", "--pack", "cqc-la-2024", "--input", str(INPUT / "cqc.csv"), "--reference",
         str(INPUT / "reference.csv"), "--out", "out")


def test_the_exploit_is_refused_at_its_line_and_the_old_outputs_stay(tmp_path: Path) -> None:
    run([RunRequest("cqc-la-2024", [INPUT / "cqc.csv"])],
        RunOptions(tmp_path / "out", INPUT / "reference.csv"))
    before = _snapshot(tmp_path / "out")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "area.html.j2").write_text(f"<h1>{{{{ authority.name }}}}</h1>\n{EXPLOIT}\n",
                                       encoding="utf-8")
    proc = perfassess(*SCORE, "--templates", "mine", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "E-TEMPLATE-UNSAFE" in proc.stderr and "mine/area.html.j2:2" in proc.stderr
    assert "Traceback" not in proc.stderr and "uid=" not in proc.stdout + proc.stderr
    assert _snapshot(tmp_path / "out") == before  # the old outputs, byte for byte
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "cqc-la-2024", "index.html", "index.md"]  # no work folder left behind


def test_a_runtime_error_in_a_page_publishes_nothing(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "national.md.j2").write_text("# {{ period }}\n{{ total / 0 }}\n", encoding="utf-8")
    code, output = invoke(*SCORE, "--templates", "mine")
    assert code == 1, output
    assert "E-TEMPLATE-ERROR" in output and "mine/national.md.j2:2" in output
    assert "ZeroDivisionError" in output and "Traceback" not in output
    assert not (tmp_path / "out" / "cqc-la-2024").exists()


def test_a_syntax_error_anywhere_in_the_folder_stops_the_run_before_it_starts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "index.md.j2").write_text("{% for p in packs %}\n{{ p.id }\n", encoding="utf-8")
    (mine / "area.md.j2").write_text("{% include '/etc/passwd' %}\n", encoding="utf-8")
    code, output = invoke(*SCORE, "--templates", "mine", "--format", "json")
    assert code == 1, output
    assert '"E-TEMPLATE-SYNTAX"' in output and '"mine/index.md.j2"' in output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_a_templates_folder_that_is_not_there_is_a_usage_error_everywhere(
        tmp_path: Path, kind: str) -> None:
    project = copy_project(tmp_path / "project")
    if kind == "file":
        (project / "nope").write_text("", encoding="utf-8")
    runs = [
        ["score", "--pack", "cqc-la-2024", "--input", str(INPUT / "cqc.csv"), "--out", "out"],
        ["score"],  # the run file
        ["score", "--config", "perfassess.yaml", "--check"],
        ["sensitivity", "--pack", "ss-stars-2002", "--input", str(INPUT / "ss_stars.csv"),
         "--out", "out", "--seed", "1", "--draws", "2"],
    ]
    for args in runs:
        proc = perfassess(*args, "--templates", "nope", cwd=project)
        assert proc.returncode == 2, (args, proc.stderr)
        assert "--templates" in proc.stderr and "'nope'" in proc.stderr
        assert "Traceback" not in proc.stderr
    assert not (project / "out").exists() and not (project / "reports").exists()
