"""The importable core: validate and score returns under a rule pack, no files written."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from perfassess.core.problems import Problem, Problems, ProblemsFound, UsageProblem
from perfassess.core.results import ScoreResult, SourceDigest, Validated
from perfassess.engine.evaluate import evaluate
from perfassess.engine.frame import TraceMode
from perfassess.engine.unrated import unrated
from perfassess.io.frames import is_table, read_frame
from perfassess.io.hashing import logical_hashes
from perfassess.io.names import display_path
from perfassess.io.read import ROW_KEY, Layout, SourceTable, read_returns
from perfassess.packs import LoadedPack, load_pack
from perfassess.spec.pack import Pack, in_form
from perfassess.validate.attributes import take_attributes
from perfassess.validate.columns import published_names
from perfassess.validate.inputs import parse_returns

__all__ = ["Inputs", "Reference", "ScoreResult", "SourceDigest", "Validated", "not_rated", "score",
           "score_table", "validate"]


# What ``score`` and ``validate`` read: one input or a sequence of them. An input is a file
# path (str or os.PathLike) or a table: a pandas or Polars DataFrame, a pyarrow Table, or
# anything with ``to_pandas()`` or ``__arrow_c_stream__``. (A table type has no common base,
# hence Any.)
Inputs = Any


REFERENCE_GROUPS = ("authority_type", "region")  # the columns similar councils share


@dataclass
class Reference:
    """Authority reference data: codes we know, and their names; and, from the files that
    give them, each code's type and region (``groups``: authority_code plus
    ``REFERENCE_GROUPS``), which reports use to find similar councils."""

    names: dict[str, str]
    groups: pd.DataFrame | None = None

    @classmethod
    def read(cls, paths: str | Path | Sequence[str | Path]) -> Reference:
        """Codes and names from CSVs with authority_code and authority_name columns;
        where several files name a code, the earlier file wins (its type and region too)."""
        from perfassess.io.read import read_reference_table

        problems = Problems()
        names: dict[str, str] = {}
        grouped: list[pd.DataFrame] = []
        for path in [paths] if isinstance(paths, (str, Path)) else list(paths):
            frame = read_reference_table(Path(path), problems)
            if frame is None:
                continue
            for code, name in zip(frame["authority_code"], frame["authority_name"],
                                  strict=True):
                names.setdefault(code, name)
            if all(c in frame.columns for c in REFERENCE_GROUPS):
                grouped.append(pd.DataFrame(
                    {c: frame[c].fillna("").astype(str).str.strip()
                     for c in ("authority_code", *REFERENCE_GROUPS)}))
        if problems.has_errors():
            raise ProblemsFound(problems)
        groups = pd.concat(grouped, ignore_index=True).drop_duplicates(
            "authority_code", keep="first").reset_index(drop=True) if grouped else None
        return cls(names, groups)


def digests(tables: Sequence[SourceTable]) -> tuple[list[SourceDigest], str]:
    """Each table's digest for the manifest, and the logical hash of them all together."""
    each, together = logical_hashes([t.table for t in tables])
    return [SourceDigest(t.file, t.layout, t.derived, len(t.table), h)
            for t, h in zip(tables, each, strict=True)], together


def _pack(pack: str | LoadedPack) -> LoadedPack:
    return pack if isinstance(pack, LoadedPack) else load_pack(pack)


def _split_inputs(inputs: Inputs) -> tuple[list[Path], list[Any]]:
    """The files and the in-memory tables among ``inputs`` (one input, or a sequence of
    them: a str is one path, never a sequence of characters); UsageProblem for anything
    that is neither a path nor a table."""
    items = [inputs] if isinstance(inputs, str | os.PathLike) or is_table(inputs) else inputs
    if not isinstance(items, Iterable) or isinstance(items, bytes | dict):
        raise UsageProblem(f"inputs must be a file path, a DataFrame or a list of them, "
                           f"not {type(inputs).__name__}")
    paths: list[Path] = []
    tables: list[Any] = []
    for i, item in enumerate(items, start=1):
        if isinstance(item, str | os.PathLike):
            paths.append(Path(os.fspath(item)))
        elif is_table(item):
            tables.append(item)
        else:
            raise UsageProblem(f"input {i} is a {type(item).__name__}: give a file path (str "
                               "or Path), or a pandas or Polars DataFrame")
    return paths, tables


def layout_of(pack: Pack, key: Sequence[str] = (), name: str | None = None,
              period: str | None = None, period_column: str | None = None,
              carry: Sequence[str] = (), problems: Problems | None = None) -> Layout:
    """How to read this pack's files: what is given (command line, run file, API) before
    what the pack's ``returns:`` declares; a given period not in the pack's form is an
    E-PERIOD-FORM in ``problems``."""
    if isinstance(key, str):
        key = [key]
    if ROW_KEY in key and len(key) > 1:
        raise UsageProblem(f"key {ROW_KEY} (a row's position) goes alone, not with columns "
                           f"({', '.join(k for k in key if k != ROW_KEY)})")
    declared = pack.returns
    if declared is not None:
        key = key or declared.key
        name = name or declared.name
        if period is None and period_column is None:
            period, period_column = declared.period, declared.period_column
    form = pack.periods.period_form()
    if period is not None and not in_form(period, form) and problems is not None:
        problems.add(Problem("E-PERIOD-FORM", f"the period given, {period!r}, is not written "
                             f"as {pack.id} writes its periods ({pack.periods.expected()})",
                             value=period, expected=pack.periods.expected()))
    return Layout(tuple(key), name, period, period_column, months=form == "YYYY-MM",
                  carry=tuple(carry))


def validate(pack: str | LoadedPack, inputs: Inputs,
             reference: Reference | None = None, *, fed: Sequence[SourceTable] = (),
             prefer: str = "derived", sheet: str | None = None,
             origin: bool = True, shared: bool = False,
             header_row: int | None = None, attributes: Sequence[str] = (),
             key: Sequence[str] = (), name: str | None = None, period: str | None = None,
             period_column: str | None = None) -> Validated:
    """Check every input (and values fed from other packs) against the pack.

    ``inputs``: a file path (str or Path), a pandas or Polars DataFrame (or pyarrow Table),
    or a sequence of them; a table is read as a file of the same layout would be, rows
    counted from 1, named ``<table>`` (``<table 2>``… when there are several) in problems.
    Problems are returned, not raised; no inputs at all is a UsageProblem. ``sheet`` picks
    the worksheet of Excel inputs (default: each workbook's first) and ``header_row`` its
    header's row (default: found, see docs/inputs); ``origin`` keeps where
    each value came from; ``shared`` says the inputs are those of several packs, so that a
    file holding none of this pack's indicators is left to the others (listed in
    ``unused``), not an error. ``attributes`` names columns (or long rows' indicators)
    that describe an authority, as the pack's own ``attributes`` do: carried into the
    ratings as text, never read as indicators; a name with ``*``, ``?`` or ``[`` is a
    pattern (``*_DEN``) carrying every column it matches.

    Files as published: ``key`` names the column(s) read as authority_code (several are
    joined with ``|``; ``["@row"]`` numbers each file's rows from 1), ``name`` the column
    read as authority_name, ``period`` the period of files that have no period column,
    ``period_column`` the column that holds it; each defaults to the pack's ``returns:``.
    """
    loaded = _pack(pack)
    paths, frames = _split_inputs(inputs)
    if not paths and not frames and not fed:
        raise UsageProblem("no inputs: give a file path, a list of file paths, or a "
                           "DataFrame of returns")
    problems = Problems()
    declared = list(dict.fromkeys([*loaded.pack.attributes, *attributes]))
    layout = layout_of(loaded.pack, key, name, period, period_column, declared, problems)
    tables = read_returns(paths, problems, sheet, header_row, layout)
    for i, frame in enumerate(frames, start=1):
        label = "<table>" if len(frames) == 1 else f"<table {i}>"
        table = read_frame(frame, label, problems, layout)
        if table is not None:
            tables.append(table)
    tables += list(fed)
    # The tables as read stay the sources (their hashes do not depend on the declaration).
    read, described = take_attributes(tables, declared, loaded.pack, problems)
    read = published_names(read, loaded.pack)
    unused: list[str] = []
    returns = parse_returns(read, loaded.pack, loaded.plan.input_types, problems,
                            set(reference.names) if reference else None, prefer, origin,
                            unused if shared else None)
    returns.attributes = described
    return Validated(loaded, returns, problems, paths, tables, unused)


def score_table(pack: str | LoadedPack, table: pd.DataFrame, *, name: str = "<table>",
                trace: TraceMode = "full", history: pd.DataFrame | None = None
                ) -> ScoreResult:
    """Score an in-memory long table (authority_code, period, indicator, value)."""
    loaded = _pack(pack)
    problems = Problems()
    frame = table.copy()
    for optional in ("authority_name", "note"):
        if optional not in frame.columns:
            frame[optional] = None
    frame["_line"] = np.arange(1, len(frame) + 1)
    frame["_column"] = "value"
    returns = parse_returns([SourceTable(name, "long", frame)], loaded.pack,
                            loaded.plan.input_types, problems)
    if problems.has_errors():
        raise ProblemsFound(problems)
    evaluation = evaluate(loaded.plan, returns, None, trace, history)
    sources, together = digests([SourceTable(name, "long", frame)])
    return ScoreResult(loaded, returns, evaluation, problems, [], sources, together)


def score(pack: str | LoadedPack, inputs: Inputs, *,
          reference: Reference | None = None, trace: TraceMode = "full",
          fed: Sequence[SourceTable] = (), prefer: str = "derived",
          history: pd.DataFrame | None = None, sheet: str | None = None,
          base: Path | None = None, shared: bool = False,
          header_row: int | None = None, attributes: Sequence[str] = (),
          key: Sequence[str] = (), name: str | None = None, period: str | None = None,
          period_column: str | None = None) -> ScoreResult:
    """Validate, then evaluate; raises ProblemsFound when any error was found.

    ``inputs`` as for ``validate``: a path, a DataFrame, or a sequence of them; ``key``,
    ``name``, ``period`` and ``period_column`` as there (files as published).

    ``fed`` holds values derived from other packs' results; ``history`` holds earlier
    runs' results, for direction of travel beyond this run's periods. With ``base``, the
    trace names input files relative to it (as the manifest does), so results do not
    depend on the folder the command ran from.
    """
    checked = validate(pack, inputs, reference, fed=fed, prefer=prefer, sheet=sheet,
                       origin=trace == "full", shared=shared, header_row=header_row,
                       attributes=attributes, key=key, name=name, period=period,
                       period_column=period_column)
    if checked.problems.has_errors():
        raise ProblemsFound(checked.problems)
    if base is not None and checked.returns.origin is not None \
            and not checked.returns.origin.empty:
        names = {str(p): display_path(p, base) for p in checked.inputs}
        origin = checked.returns.origin
        origin["file"] = origin["file"].map(lambda file: names.get(file, file))
    sources, together = digests(checked.sources)
    checked.sources.clear()  # the rows as read are not needed again: free them first
    evaluation = evaluate(checked.pack.plan, checked.returns,
                          reference.names if reference else None, trace, history,
                          keep_fields=False)
    result = ScoreResult(checked.pack, checked.returns, evaluation, checked.problems,
                         checked.inputs, sources, together, checked.unused)
    warn_not_rated(result)
    return result


def not_rated(result: ScoreResult) -> pd.DataFrame:
    """Every authority-period of a result without a rating: authority_code, authority_name,
    period, the step that took the rating away, the reason, and the inputs the rating
    depends on that it lacks although every rated authority-period has them."""
    frame = result.evaluation.frame
    return unrated(result.pack.plan, frame, result.ratings, result.returns).table(
        result.ratings)


def warn_not_rated(result: ScoreResult) -> None:
    """A W-NOT-RATED warning in ``result.problems`` for each authority-period without a
    rating (the first ``problems.limit`` spelt; the rest counted)."""
    problems = result.problems
    lost = unrated(result.pack.plan, result.evaluation.frame, result.ratings, result.returns)
    if not len(lost):
        return
    room = max(problems.limit - problems.counts.get("W-NOT-RATED", 0), 0)
    ratings = result.ratings
    take = lost.rows[:room]
    codes = ratings["authority_code"].to_numpy(dtype=object)[take]
    names = ratings["authority_name"].to_numpy(dtype=object)[take]
    periods = ratings["period"].to_numpy(dtype=object)[take]
    for i in range(len(take)):  # bounded by the problems' limit
        reason = str(lost.reason[i]).removeprefix("no rating: ")
        step = str(lost.step[i])
        because = reason if reason.startswith(f"{step}: ") else f"{reason} (step {step})"
        said = set(re.findall(r"[\w.]+", reason))  # inputs the reason names already
        unsaid = [n for n in str(lost.missing[i]).split(", ") if n and n not in said]
        if unsaid:
            because += (f"; no value for {', '.join(unsaid)}, which every rated "
                        "authority-period has")
        who = " ".join(" ".join(str(w).split()) for w in (codes[i], names[i]) if w)
        problems.add(Problem("W-NOT-RATED", f"{who} {periods[i]} is not rated: {because}",
                             column=step, value=str(codes[i])))
    if len(lost) > len(take):
        problems.counts["W-NOT-RATED"] = problems.counts.get("W-NOT-RATED", 0) + len(lost) \
            - len(take)


def nothing_rated(result: ScoreResult) -> Problem | None:
    """E-NOTHING-RATED when a result has authority-periods but rated none of them."""
    ratings = result.ratings
    if not len(ratings) or ratings["rating"].notna().any():
        return None
    return Problem("E-NOTHING-RATED", f"{result.pack.id} rated none of its {len(ratings)} "
                   "authority-period(s): see the W-NOT-RATED warnings for why",
                   column=result.pack.id)


def gate(results: Sequence[ScoreResult], problems: Problems, *, strict: bool = False,
         fail_on_unrated: bool = False) -> None:
    """The errors a run's results add before anything is written: a pack that rated
    nothing; with ``fail_on_unrated``, any authority-period not rated; with ``strict``,
    any warning at all."""
    for result in results:
        empty = nothing_rated(result)
        if empty is not None:
            problems.add(empty)
        lost = int(result.ratings["rating"].isna().sum())
        if fail_on_unrated and lost and empty is None:
            problems.add(Problem("E-NOT-RATED", f"{result.pack.id}: {lost} authority-period(s) "
                                 "not rated, and --fail-on-unrated (fail_on_unrated: true) "
                                 "fails the run", column=result.pack.id))
    warnings = sum(n for code, n in problems.counts.items() if code.startswith("W-"))
    if strict and warnings and not problems.has_errors():
        problems.add(Problem("E-STRICT", f"{warnings} warning(s), and --strict (strict: "
                             "true) makes warnings fail the run"))
