"""The run file (``perfassess.yaml``): which packs to run on which inputs, and where to write."""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from perfassess.core.problems import CATALOGUE, Problem, Problems, ProblemsFound, UsageProblem
from perfassess.io.yaml_source import YamlError, load_yaml
from perfassess.spec.loader import read_pack
from perfassess.spec.pack import Model, Pack, Scalar, period_form_of

RUN_FILE = "perfassess.yaml"
# A sensitivity run's time grows with its draws, and its memory with the draws evaluated
# together (a chunk: chunk x authority-periods cells per field); docs/limits.md.
MAX_DRAWS = 100_000
MAX_CHUNK = 10_000


def draws_problem(name: str, value: int, limit: int) -> str | None:
    """Why ``value`` is too many for ``name`` (draws or chunk), or None."""
    if value <= limit:
        return None
    what = "draws" if name == "draws" else "draws per chunk"
    return (f"{value:,} {what} asked for: a sensitivity run takes at most {limit:,} "
            f"{what} (docs/limits.md)")


def _bounded(name: str, limit: int) -> AfterValidator:
    def check(value: int) -> int:
        message = draws_problem(name, value, limit)
        if message is not None:
            raise PydanticCustomError("E-DRAWS-LIMIT", message)
        return value
    return AfterValidator(check)


class Feed(Model):
    """One pack's output becomes another's input, with a declared mapping of values."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    source: str = Field(alias="from")
    output: str = "rating"
    input: str
    map: dict[str, Scalar] | None = None


class SensitivityEntry(Model):
    """A sensitivity analysis run beside the score (see docs/sensitivity.md)."""

    draws: Annotated[int, Field(ge=1), _bounded("draws", MAX_DRAWS)] = 1000
    seed: int = Field(ge=0)
    fragile_below: float = Field(default=0.9, gt=0, le=1)
    chunk: Annotated[int, Field(ge=1), _bounded("chunk", MAX_CHUNK)] = 100
    uncertainty: str | None = None  # a declaration file, relative to the run file
    vary_documented: bool = False


def _listed(value: object) -> object:
    """``key: PROVIDER_ID`` is ``key: [PROVIDER_ID]``."""
    return [value] if isinstance(value, str) else value


def _publication_dates(dates: dict[str, str]) -> dict[str, str]:
    """Each period's publication date, written ``YYYY-MM-DD`` (a real day of the calendar)."""
    for period, text in dates.items():
        if period_form_of(period) is None:
            raise PydanticCustomError(
                "E-RUN-SCHEMA", f"{period!r} is not a period (such as 2024 or 2024-25)")
        day = None
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            with contextlib.suppress(ValueError):  # such as 2024-02-30
                day = dt.date.fromisoformat(text)
        if day is None:
            raise PydanticCustomError(
                "E-RUN-SCHEMA", f"period {period}: {text!r} is not a date written "
                "YYYY-MM-DD, such as 2024-12-05")
    return dict(sorted(dates.items()))


class PackRun(Model):
    pack: str  # a built-in id, or a pack folder (or its pack.yaml) relative to the run file
    inputs: list[str] = Field(default_factory=list)
    feeds: list[Feed] = Field(default_factory=list)
    prefer: Literal["derived", "supplied"] = "derived"
    previous: str | None = None
    # Columns describing the authority, carried into the results (as --attribute).
    attributes: list[str] = Field(default_factory=list, max_length=64)
    # Files as published (as --key, --name, --period, --period-column): before the pack's
    # own returns: declaration.
    key: Annotated[list[Annotated[str, Field(min_length=1)]], BeforeValidator(_listed)] = Field(
        default_factory=list, max_length=8)
    name: str | None = Field(default=None, min_length=1)
    period: str | None = Field(default=None, min_length=1)
    period_column: str | None = Field(default=None, min_length=1)
    # Whether the run's reference lists name this pack's authorities (false for a pack
    # of hospitals or homes: its codes are not checked against a list of councils).
    reference: bool = True
    sensitivity: SensitivityEntry | None = None
    stability: str | None = None  # an earlier `perfassess sensitivity --out` folder
    # When the assessor published each period's ratings, shown on the reports.
    published: Annotated[dict[str, str], AfterValidator(_publication_dates)] = Field(
        default_factory=dict)

    @model_validator(mode="after")
    def _one_source_of_stability(self) -> PackRun:
        if self.sensitivity is not None and self.stability is not None:
            raise ValueError("give sensitivity (computed in this run) or stability (an "
                             "earlier result), not both")
        if "@row" in self.key and len(self.key) > 1:
            raise ValueError("key @row (a row's position) goes alone, not with columns")
        if self.stability is not None and self.feeds:
            raise ValueError("a fed pack's stability depends on the fed values: compute it "
                             "in the run with sensitivity: {draws: N, seed: S}")
        return self

    def pack_ref(self, base: Path) -> str:
        """The pack as ``load_pack`` takes it: a path is relative to the run file's folder."""
        return str(base / self.pack) if _is_path(self.pack) else self.pack


def _is_path(pack: str) -> bool:
    return "/" in pack or pack.endswith(".yaml")


class RunFile(Model):
    out: str = "reports"
    reference: str | list[str] | None = None  # several lists: the first naming a code wins
    trace: Literal["full", "summary", "none"] = "full"
    strict: bool = False  # as --strict: any warning fails the run
    fail_on_unrated: bool = False  # as --fail-on-unrated
    header_row: int | None = Field(default=None, ge=1)  # as --header-row
    runs: list[PackRun] = Field(min_length=1)


def load_run_file(path: Path) -> tuple[RunFile, Path]:
    """The run file and the folder its relative paths are resolved against.

    Every key is checked against the schema, and every feed against the packs it joins (an
    earlier run it comes from, that pack's output, the receiving pack's input), all in one
    pass, each problem at its line of the run file.
    """
    problems = Problems()
    try:
        doc = load_yaml(path, str(path))
    except YamlError as exc:
        problems.add(Problem(exc.code, exc.message, file=exc.mark.file, row=exc.mark.line,
                             column=exc.mark.column))
        raise ProblemsFound(problems) from None
    runfile = None
    try:
        runfile = RunFile.model_validate(doc.data)
    except ValidationError as exc:
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"])
            mark = doc.mark(tuple(err["loc"]))
            code = err["type"] if err["type"] in CATALOGUE else "E-RUN-SCHEMA"
            message = ("unknown key (not part of the run-file schema)"
                       if err["type"] == "extra_forbidden" else err["msg"])
            problems.add(Problem(code, f"{where}: {message}", file=mark.file,
                                 row=mark.line, column=mark.column))
    for message, at in _feed_problems(doc.data, path.parent):
        mark = doc.mark(at)
        problems.add(Problem("E-RUN-REF", f"{'.'.join(map(str, at))}: {message}",
                             file=mark.file, row=mark.line, column=mark.column))
    if problems.has_errors() or runfile is None:
        raise ProblemsFound(problems)
    return runfile, path.parent


def _feed_problems(data: object, base: Path) -> list[tuple[str, tuple[str | int, ...]]]:
    """Feeds that name what their packs do not have, read from the file as written (so they
    are found beside any schema error); a pack that cannot be read is left to the run,
    which reports its own problems."""
    runs = data.get("runs") if isinstance(data, dict) else None
    if not isinstance(runs, list):
        return []
    found: list[tuple[str, tuple[str | int, ...]]] = []
    earlier: dict[str, Pack] = {}
    unread = False  # an earlier pack that could not be read: its id is not known
    for i, entry in enumerate(runs):
        if not isinstance(entry, dict) or not isinstance(entry.get("pack"), str):
            unread = True
            continue
        pack, missing = _pack(PackRun.model_construct(pack=entry["pack"]).pack_ref(base))
        if missing is not None:
            found.append((missing, ("runs", i, "pack")))
        feeds = entry.get("feeds")
        for j, feed in enumerate(feeds if isinstance(feeds, list) else []):
            if not isinstance(feed, dict):
                continue
            at: tuple[str | int, ...] = ("runs", i, "feeds", j)
            source = feed.get("from")
            if isinstance(source, str) and source not in earlier and not unread:
                known = ", ".join(earlier) or "none"
                found.append((f"feeds from {source!r}, which is not the id of an earlier run "
                              f"of this file (earlier runs: {known})", (*at, "from")))
            output = feed.get("output", "rating")
            if isinstance(source, str) and source in earlier and isinstance(output, str):
                published = _published(earlier[source])
                if output not in published:
                    found.append((f"{source} publishes no output {output!r}"
                                  f"{_guess(output, published)} (it publishes "
                                  f"{', '.join(sorted(published))})", (*at, "output")))
            target = feed.get("input")
            if pack is not None and isinstance(target, str) and pack.input(target) is None:
                ids = [spec.id for spec in pack.inputs]
                found.append((f"{pack.id} has no input {target!r}{_guess(target, ids)}",
                              (*at, "input")))
        if pack is None:
            unread = True
        else:
            earlier[pack.id] = pack
    return found


def _pack(ref: str) -> tuple[Pack | None, str | None]:
    """The pack, or None; and why, when there is no such pack (a pack that is there but
    broken is reported, every problem located in its own file, when the run loads it)."""
    try:
        return read_pack(ref).pack, None
    except UsageProblem as exc:
        return None, str(exc)
    except ProblemsFound:
        return None, None


def _published(pack: Pack) -> set[str]:
    """The columns of a pack's ratings that a feed may take."""
    return {"rating", *pack.outputs} - ({pack.rating.field} - {"rating"})


def _guess(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
