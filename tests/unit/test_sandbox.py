"""User templates render in Jinja's sandbox; every failure is a coded problem at file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfassess.core.problems import CATALOGUE, Problem, ProblemsFound, UsageProblem
from perfassess.report.environment import check_templates, environment
from perfassess.report.record import Record

CONTEXT = {"authority": Record(code="E1", name="Alpha"), "rows": [1, 2]}


def _render(folder: Path, text: str, name: str = "area.md.j2") -> str:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return environment(folder).get_template(name).render(CONTEXT)


def _problem(folder: Path, text: str, name: str = "area.md.j2") -> Problem:
    with pytest.raises(ProblemsFound) as caught:
        _render(folder, text, name)
    (problem,) = caught.value.problems
    assert problem.code in CATALOGUE
    return problem


HOSTILE = [
    # The exploit: internals of a global, to reach os.popen.
    ("{{ authority.name }}\n{{ cycler.__init__.__globals__.os.popen('id').read() }}",
     "E-TEMPLATE-UNSAFE", 2, "__init__"),
    ("{{ self._TemplateReference__context }}", "E-TEMPLATE-UNSAFE", 1, "unsafe"),
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "E-TEMPLATE-UNSAFE", 1, "unsafe"),
    ("{% set l = [] %}\n\n{{ l.append(1) }}", "E-TEMPLATE-UNSAFE", 3, "append"),
    ("{{ authority.update(name='x') }}", "E-TEMPLATE-UNSAFE", 1, "update"),
    ("{{ 'x' * 100000000 }}", "E-TEMPLATE-UNSAFE", 1, "more than a template may make"),
    ("{{ 9 ** 99999999 }}", "E-TEMPLATE-UNSAFE", 1, "too large"),
    ("a\n{% include '/etc/passwd' %}", "E-TEMPLATE-UNSAFE", 2, "leaves the templates"),
    ("{% include '../../x' %}", "E-TEMPLATE-UNSAFE", 1, "leaves the templates"),
    ("{% extends '..\\\\x' %}", "E-TEMPLATE-UNSAFE", 1, "leaves the templates"),
    ("\n{% import 'os' as os %}", "E-TEMPLATE-NOT-FOUND", 2, "'os'"),
    ("{% include 'missing.md.j2' %}", "E-TEMPLATE-NOT-FOUND", 1, "missing.md.j2"),
    ("ok\n\n{% if %}", "E-TEMPLATE-SYNTAX", 3, "Expected an expression"),
    ("{{ authority.name | no_such_filter }}", "E-TEMPLATE-SYNTAX", 1, "no_such_filter"),
    ("\n{{ nosuch }}", "E-TEMPLATE-UNDEFINED", 2, "'nosuch' is undefined"),
    ("{{ authority.nickname }}", "E-TEMPLATE-UNDEFINED", 1, "nickname"),
    ("{% for r in rows %}\n{{ r / 0 }}\n{% endfor %}", "E-TEMPLATE-ERROR", 2,
     "ZeroDivisionError"),
    ("{{ authority.name + 1 }}", "E-TEMPLATE-ERROR", 1, "TypeError"),
]


@pytest.mark.parametrize(("text", "code", "line", "says"), HOSTILE)
def test_a_hostile_or_broken_template_is_a_located_coded_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, code: str, line: int,
        says: str) -> None:
    monkeypatch.chdir(tmp_path)
    problem = _problem(Path("mine"), text)
    assert (problem.code, problem.file, problem.row) == (code, "mine/area.md.j2", line)
    assert says in problem.message


def test_the_exploit_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    with pytest.raises(ProblemsFound):
        _render(tmp_path / "mine",
                f"{{{{ cycler.__init__.__globals__.os.system('touch {marker}') }}}}")
    assert not marker.exists()


def test_a_failure_in_a_built_in_macro_names_the_users_line_that_called_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    problem = _problem(Path("mine"), "{% import '_charts.html.j2' as c %}\n{{ c.stars(1) }}")
    assert problem.file == "(built-in) _charts.html.j2"
    assert problem.message.endswith("called from mine/area.md.j2:2")


def test_a_built_in_template_a_user_template_extends_runs_in_the_sandbox(
        tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "base.md.j2").write_text("{% block body %}{% endblock %}", encoding="utf-8")
    text = "{% extends 'base.md.j2' %}{% block body %}{{ cycler.__init__ }}{% endblock %}"
    assert _problem(folder, text).code == "E-TEMPLATE-UNSAFE"
    # A built-in template reached from a user's folder: its environment is the sandbox.
    env = environment(folder)
    assert getattr(env, "sandboxed", False)
    assert env.get_template("_charts.html.j2").environment is env
    assert not getattr(environment(), "sandboxed", False)  # the built-in ones alone


def test_a_link_out_of_the_folder_is_refused_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET", encoding="utf-8")
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "leak.md.j2").symlink_to(secret)
    problem = _problem(folder, "{% include 'leak.md.j2' %}")
    assert problem.code == "E-TEMPLATE-UNSAFE" and "outside" in problem.message


def test_the_sandbox_still_renders_what_a_template_may_do(tmp_path: Path) -> None:
    text = ("{{ authority.name | upper }} {{ authority.code | md }} {{ rows | sum }} "
            "{{ 'illustrative' | badge_md }}{% for k, v in authority.items() %} {{ k }}{% endfor %}"
            " {{ '{:.1f}'.format(2.25) }} {{ range(3) | list }}")
    assert _render(tmp_path / "mine", text) == (
        "ALPHA E1 3  **[illustrative]** code name 2.2 [0, 1, 2]")


def test_every_syntax_error_in_the_folder_is_found_before_anything_renders(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    folder = Path("mine")
    (folder / "sub").mkdir(parents=True)
    (folder / "area.md.j2").write_text("{% if %}", encoding="utf-8")
    (folder / "sub" / "part.md.j2").write_text("ok\n{{ x }", encoding="utf-8")
    (folder / "fine.md.j2").write_text("{{ x }}", encoding="utf-8")
    (folder / "notes.txt").write_text("{% if %}", encoding="utf-8")  # not a template
    with pytest.raises(ProblemsFound) as caught:
        check_templates(folder)
    assert sorted((p.code, p.file, p.row) for p in caught.value.problems) == [
        ("E-TEMPLATE-SYNTAX", "mine/area.md.j2", 1),
        ("E-TEMPLATE-SYNTAX", "mine/sub/part.md.j2", 2)]


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_a_templates_folder_that_is_not_a_folder_is_a_usage_error(tmp_path: Path,
                                                                  kind: str) -> None:
    path = tmp_path / "mine"
    if kind == "file":
        path.write_text("", encoding="utf-8")
    with pytest.raises(UsageProblem, match="does not exist" if kind == "missing"
                       else "is not a folder"):
        environment(path)
    with pytest.raises(UsageProblem):
        check_templates(path)
