"""The Jinja environment: packaged templates, optionally overridden by a user's sandboxed folder."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, MutableMapping
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace, TracebackType
from typing import Any

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
)
from jinja2.exceptions import SecurityError
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment

from perfassess.core.problems import Problem, Problems, ProblemsFound, UsageProblem
from perfassess.report import svg
from perfassess.report.record import RecordEnvironment

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
PACKAGED = Path(__file__).parent / "templates"
BUILT_IN = "(built-in)"  # how a packaged template's file is named in a problem
# The most items `*` may repeat a text or list to, in a user template (a page is far less).
MAX_REPEAT = 1_000_000


@lru_cache(maxsize=65536)
def _markdown_text(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.splitlines()))


def markdown_cell(value: object) -> str:
    """Text safe in Markdown, table cells included: markup characters backslash-escaped
    (so no link, emphasis, code or raw HTML can be smuggled in), line breaks folded."""
    return _markdown_text("" if value is None else str(value))


CHARTS = SimpleNamespace(stars=svg.stars, blobs=svg.blobs, bars=svg.bars, badge=svg.badge,
                         defs=svg.defs, dots=svg.dots, badge_md=svg.badge_md)


class LocatedTemplate(Template):
    """A template whose failures are coded problems naming the template file and line."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        try:
            return super().render(*args, **kwargs)
        except ProblemsFound:
            raise
        except Exception as exc:  # every failure inside a template is the template's
            raise template_problem(exc, self.environment) from None


class _Located(Environment):
    """Templates loaded by our code (not by an include) fail with a located problem too."""

    template_class = LocatedTemplate
    user_folder: Path | None = None  # the resolved --templates folder, if any
    user_shown: str = ""  # that folder as problems name it

    def get_template(self, name: str | Template, parent: str | None = None,
                     globals: MutableMapping[str, Any] | None = None) -> Template:
        if parent is not None:  # an include, import or extends: the render reports it
            return super().get_template(name, parent, globals)
        try:
            return super().get_template(name, parent, globals)
        except TemplateError as exc:
            raise template_problem(exc, self, name if isinstance(name, str) else None) \
                from None


class PackagedEnvironment(_Located, RecordEnvironment):
    """The built-in templates only: trusted, so rendered without the sandbox's checks."""


class SandboxedRecordEnvironment(_Located, RecordEnvironment, ImmutableSandboxedEnvironment):
    """A user's templates: Jinja's immutable sandbox (no attribute starting with ``_``, no
    changing lists or dicts, no unsafe callables), still with Record's fast key lookup."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int) and abs(right) > 1000 \
                and isinstance(left, int) and abs(left) > 1:
            raise SecurityError(f"{left} ** {right} is too large a number for a template")
        if operator == "*":
            for items, times in ((left, right), (right, left)):
                if isinstance(items, (str, list, tuple)) and isinstance(times, int) \
                        and len(items) * times > MAX_REPEAT:
                    raise SecurityError(f"{times:,} copies of a text or list of "
                                        f"{len(items):,} is more than a template may make")
        return super().call_binop(context, operator, left, right)


class _Guard(BaseLoader):
    """Names that try to leave the templates: absolute paths, ``..``, backslashes."""

    def __init__(self, loader: BaseLoader) -> None:
        self.loader = loader

    def get_source(self, environment: Environment, template: str
                   ) -> tuple[str, str | None, Callable[[], bool] | None]:
        if template.startswith("/") or "\\" in template or ":" in template \
                or ".." in template.split("/"):
            raise SecurityError(f"template name {template!r} leaves the templates: name a "
                                "template in the --templates folder or a built-in one")
        return self.loader.get_source(environment, template)


class _Folder(FileSystemLoader):
    """A user's folder; a symbolic link in it to a file outside is refused, not followed."""

    def __init__(self, root: Path) -> None:
        super().__init__(str(root))
        self.root = root

    def get_source(self, environment: Environment, template: str
                   ) -> tuple[str, str, Callable[[], bool]]:
        path = self.root.joinpath(*split_template_path(template))
        if path.is_file() and not path.resolve().is_relative_to(self.root):
            raise SecurityError(f"template {template!r} links to a file outside the "
                                "--templates folder")
        return super().get_source(environment, template)


def check_folder(templates: Path) -> None:
    """A ``--templates`` folder must exist: a usage error (exit 2) otherwise."""
    if not templates.is_dir():
        what = "is not a folder" if templates.exists() else "does not exist"
        raise UsageProblem(f"--templates {str(templates)!r} {what}")


def check_templates(templates: Path) -> None:
    """Every template in a user's folder parses: all syntax errors in one pass, before a
    run computes or writes anything (a page's runtime errors come when it is rendered)."""
    check_folder(templates)
    env = environment(templates)
    problems = Problems()
    for name in _Folder(templates.resolve()).list_templates():
        if not name.endswith(".j2"):
            continue
        try:
            env.get_template(name)
        except ProblemsFound as exc:
            problems.merge(exc.problems)
    if problems.has_errors():
        raise ProblemsFound(problems)


def environment(templates: Path | None = None) -> Environment:
    """One environment per templates folder for the whole process: templates compile once."""
    if templates is None:
        return _environment(None, "")
    check_folder(templates)
    return _environment(templates.resolve(), _shown(templates))


def _shown(templates: Path) -> str:
    """The folder as a user would name it: relative to here when it is inside."""
    absolute = Path(os.path.abspath(templates))
    try:
        return absolute.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return absolute.as_posix()


@lru_cache(maxsize=8)
def _environment(templates: Path | None, shown: str) -> Environment:
    packaged = PackageLoader("perfassess.report", "templates")
    options: dict[str, Any] = dict(
        autoescape=lambda name: bool(name and name.endswith((".html", ".html.j2"))),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env: _Located
    if templates is None:
        env = PackagedEnvironment(loader=packaged, **options)
    else:
        # Whatever a user's folder can reach renders in the sandbox, the built-in templates
        # it includes or extends too.
        env = SandboxedRecordEnvironment(
            loader=_Guard(ChoiceLoader([_Folder(templates), packaged])), **options)
        env.user_folder, env.user_shown = templates, shown
    env.filters["md"] = markdown_cell
    env.globals["badge"] = svg.badge
    env.globals["badge_md"] = svg.badge_md
    # The same as filters: ``{{ status | badge }}`` is a plain call in the compiled
    # template, where ``badge(status)`` goes through Jinja's slower ``Context.call``.
    env.filters["badge"] = svg.badge
    env.filters["badge_md"] = svg.badge_md
    env.globals["charts"] = CHARTS
    return env


def _template_file(env: Environment, filename: str | None, name: str | None) -> str:
    """A template's file as a problem names it: in the user's folder, or built in."""
    if filename:
        path = Path(filename)
        folder = getattr(env, "user_folder", None)
        if folder is not None and path.is_relative_to(folder):
            return f"{getattr(env, 'user_shown', '')}/{path.relative_to(folder).as_posix()}"
        if path.is_relative_to(PACKAGED):
            return f"{BUILT_IN} {path.relative_to(PACKAGED).as_posix()}"
        return path.as_posix()
    return f"{BUILT_IN} {name}" if name else "template"


def _named(env: Environment, name: str | None) -> str:
    """The file of a template our code asked for by name, before any of it ran."""
    folder = getattr(env, "user_folder", None)
    if name and folder is not None and (folder / name).exists():
        return f"{getattr(env, 'user_shown', '')}/{name}"
    return _template_file(env, None, name)


def _template_frames(tb: TracebackType | None) -> Iterator[tuple[str, int]]:
    """The template lines a failure passed through, outermost first (Jinja rewrites the
    frames of compiled templates to carry the template's file name and line)."""
    while tb is not None:
        if "__jinja_exception__" in tb.tb_frame.f_globals:
            yield tb.tb_frame.f_code.co_filename, tb.tb_lineno
        tb = tb.tb_next


def template_problem(exc: Exception, env: Environment, name: str | None = None
                     ) -> ProblemsFound:
    """One failure of a template (``name``, when our code asked for it) as a coded problem
    at the template's file and line."""
    if isinstance(exc, TemplateSyntaxError):
        file = _template_file(env, exc.filename, exc.name)
        return _found(Problem("E-TEMPLATE-SYNTAX", exc.message or str(exc),
                              file=file, row=exc.lineno))
    frames = [(_template_file(env, f, None), line)
              for f, line in _template_frames(exc.__traceback__)]
    if isinstance(exc, SecurityError):
        code, what = "E-TEMPLATE-UNSAFE", str(exc)
    elif isinstance(exc, TemplateNotFound):
        code = "E-TEMPLATE-NOT-FOUND"
        what = (f"no template {exc.name!r} in the --templates folder or built in"
                if getattr(env, "user_folder", None) is not None
                else f"no built-in template {exc.name!r}")
    elif isinstance(exc, UndefinedError):
        code, what = "E-TEMPLATE-UNDEFINED", str(exc)
    else:
        code, what = "E-TEMPLATE-ERROR", f"{type(exc).__name__}: {exc}"
    if not frames:
        return _found(Problem(code, what, file=_named(env, name)))
    file, line = frames[-1]
    called = "".join(f", called from {f}:{n}" for f, n in reversed(frames[:-1])
                     if (f, n) != (file, line))
    return _found(Problem(code, what + called, file=file, row=line))


def _found(problem: Problem) -> ProblemsFound:
    problems = Problems()
    problems.add(problem)
    return ProblemsFound(problems)
