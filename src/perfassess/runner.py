"""Run packs over inputs and publish the results: validate everything, then write atomically."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from perfassess.api import Reference, gate, score
from perfassess.core.problems import Problem, Problems, ProblemsFound, UsageProblem
from perfassess.core.progress import SILENT, Progress
from perfassess.core.results import ScoreResult
from perfassess.engine.frame import TraceMode
from perfassess.io.published import read_published_parquet
from perfassess.io.read import SourceTable
from perfassess.io.write import (
    ROW_GROUP,
    atomic_batch,
    atomic_folders,
    output_error,
    pending_outputs,
    publishing,
    repair,
    write_csv_and_parquet,
    write_json,
    write_parquet,
    write_text,
)
from perfassess.manifest import MANIFEST_FILE, build_manifest, written_by_perfassess
from perfassess.packs import LoadedPack, load_pack
from perfassess.report.summary import render_summary
from perfassess.spec.pack import TravelStep
from perfassess.spec.runfile import Feed

if TYPE_CHECKING:
    from perfassess.attached import Attached
    from perfassess.sensitivity.run import SensitivityOptions


@dataclass
class RunRequest:
    pack: str
    inputs: list[Path]
    feeds: list[Feed] = field(default_factory=list)
    prefer: str = "derived"
    previous: Path | None = None  # an earlier run's output folder, for direction of travel
    sensitivity: SensitivityOptions | None = None  # run a sensitivity analysis beside it
    stability: Path | None = None  # or read an earlier one: `perfassess sensitivity --out`
    # The inputs are every pack's of the command line: a file holding none of this pack's
    # indicators is left to the others.
    shared: bool = False
    attributes: list[str] = field(default_factory=list)  # beside the pack's own
    # Files as published (before the pack's returns: declaration): the key column(s), the
    # name column, the period of files without one, the column holding it.
    key: list[str] = field(default_factory=list)
    name: str | None = None
    period: str | None = None
    period_column: str | None = None
    reference: bool = True  # the run's reference lists apply to this pack's authorities
    published: dict[str, str] = field(default_factory=dict)  # period -> YYYY-MM-DD


@dataclass
class RunOptions:
    out: Path
    reference: Path | list[Path] | None = None
    trace: TraceMode = "full"
    templates: Path | None = None
    sheet: str | None = None  # the worksheet of Excel inputs (default: the first)
    header_row: int | None = None  # that sheet's header row (default: found)
    report: bool = True  # area reports and national summaries (off for batch runs)
    base: Path | None = None  # paths in manifests and traces are written relative to this
    # Told of each stage and its counts (the CLI shows a bar on a terminal); never in outputs.
    progress: Progress = SILENT
    strict: bool = False  # any warning fails the run (nothing written)
    fail_on_unrated: bool = False  # any authority-period without a rating fails the run


@dataclass
class RunOutcome:
    results: list[ScoreResult]
    folders: list[Path]
    problems: Problems = field(default_factory=Problems)


def run(requests: list[RunRequest], options: RunOptions) -> RunOutcome:
    """Score every request in order; write nothing unless every one validated."""
    if options.templates is not None:  # a user's templates parse, before any work is done
        from perfassess.report.environment import check_templates

        check_templates(options.templates)
    reference = Reference.read(options.reference) if options.reference else None
    results: list[ScoreResult] = []
    scored: list[RunRequest] = []  # the request of each result
    attached: list[Attached | None] = []
    histories: list[pd.DataFrame | None] = []  # each result's earlier run, read once
    done: dict[str, ScoreResult] = {}
    problems = Problems()
    failed: set[str] = set()
    progress = options.progress
    for request in requests:
        pack = None
        try:
            pack = load_pack(request.pack)
            if any(feed.source in failed for feed in request.feeds):
                failed.add(pack.id)  # fed by a pack that failed: its problems are reported
                continue
            fed = [feed_table(done, feed, pack, problems) for feed in request.feeds]
            applies = reference if request.reference else None  # councils' lists or none
            history = read_history(request.previous, pack)
            progress.stage(f"{pack.id}: reading, checking and scoring")
            result = score(pack, request.inputs, reference=applies,
                           trace=options.trace, fed=fed, prefer=request.prefer,
                           history=history,
                           sheet=options.sheet, base=options.base, shared=request.shared,
                           header_row=options.header_row, attributes=request.attributes,
                           key=request.key, name=request.name, period=request.period,
                           period_column=request.period_column)
            done[result.pack.id] = result
            progress.end(f"{len(result.ratings):,} authority-periods")
            if request.sensitivity is not None or request.stability is not None:
                progress.stage(f"{pack.id}: how solid each rating is")
            analysis = _stability(request, result, applies, options)
            if analysis is not None:
                progress.end(f"{analysis.view.draws:,} draws")
        except ProblemsFound as exc:
            progress.end("failed")
            failed.add(pack.id if pack is not None else request.pack)
            problems.merge(exc.problems)
            continue
        problems.merge(result.problems)  # counts too: warnings beyond the kept ones
        results.append(result)
        scored.append(request)
        attached.append(analysis)
        histories.append(history)
    _read_by_none([r for r, q in zip(results, scored, strict=True) if q.shared], problems)
    gate(results, problems, strict=options.strict, fail_on_unrated=options.fail_on_unrated)
    if problems.has_errors():
        raise ProblemsFound(problems)
    with publishing(options.out):
        check_out(options.out, [r.pack.id for r in results], options.report)
        # All packs' outputs and the index replace the old ones together, or none do.
        with atomic_batch():
            groups = [reference.groups if reference is not None and request.reference
                      else None for request in scored]
            folders = publish(results, options, scored, attached, groups, histories)
            if options.report:  # the index links the reports; a batch run has none
                from perfassess.report.index import indexed_folders, write_index

                write_index(options.out, options.templates,
                            indexed_folders(options.out, pending_outputs()))
    return RunOutcome(results, folders, problems)


def _read_by_none(shared: list[ScoreResult], problems: Problems) -> None:
    """E-FILE-NO-INDICATORS for a file shared by several packs that none of them reads."""
    if not shared:
        return
    left = set.intersection(*(set(r.unused) for r in shared))
    for name in sorted(left):
        problems.add(Problem("E-FILE-NO-INDICATORS", "none of the file's indicators is an "
                             "input of any pack of the run ("
                             + ", ".join(r.pack.id for r in shared) + ")", file=name,
                             expected="an input id of one of the packs"))


def check_out(out: Path, pack_ids: list[str], index: bool) -> None:
    """Before the first byte is moved: repair what a killed run left in ``out``, and refuse
    (E-OUTPUT-NOT-OURS) to replace anything perfassess did not write there."""
    repair(out)
    try:
        problems = _not_ours(out, pack_ids, index)
    except OSError as exc:
        raise output_error(exc, out) from exc
    if problems.has_errors():
        raise ProblemsFound(problems)


def _not_ours(out: Path, pack_ids: list[str], index: bool) -> Problems:
    problems = Problems()

    def refuse(path: Path, what: str) -> None:
        problems.add(Problem("E-OUTPUT-NOT-OURS", f"{what}; perfassess replaces only what "
                             "it wrote, so it is left as it is", file=str(path)))

    if os.path.lexists(out) and not out.is_dir():
        refuse(out, "a file, where the folder to write pack folders in is due")
        return problems
    for name in dict.fromkeys(pack_ids):
        folder = out / name
        if not os.path.lexists(folder) or written_by_perfassess(folder):
            continue
        if folder.is_symlink() or not folder.is_dir():
            refuse(folder, "a file or a link where a pack folder is due")
        elif any(folder.iterdir()):
            refuse(folder, f"a folder perfassess did not write (it holds no {MANIFEST_FILE} "
                   "of perfassess's)")
    if index:
        from perfassess.report.index import INDEX_FILES, index_is_ours

        for name in INDEX_FILES:
            path = out / name
            if os.path.lexists(path) and not index_is_ours(path):
                refuse(path, "an index file perfassess did not write")
    return problems


def feed_table(done: dict[str, ScoreResult], feed: Feed, pack: LoadedPack,
               problems: Problems) -> SourceTable:
    """Values of an earlier pack's output, mapped, as returns for ``feed.input``.

    Only periods the receiving pack applies to are fed. Each value points back at its row
    of the source pack's published ratings.csv.
    """
    target = pack.id
    source = done.get(feed.source)
    if source is None:
        raise UsageProblem(f"{target} is fed from {feed.source!r}, which must be an earlier "
                           "run of the same run file")
    ratings = source.ratings
    if feed.output not in ratings.columns:
        raise UsageProblem(f"{feed.source} has no output {feed.output!r} to feed {target}")
    values = ratings[feed.output]
    periods = ratings["period"].to_numpy(dtype=str)
    span = pack.pack.periods
    in_span = periods >= span.first
    if span.last is not None:
        in_span &= periods <= span.last
    present = values.notna().to_numpy() & in_span
    spelt = values[present].astype(str)
    lines = np.flatnonzero(present) + 2  # ratings.csv: header is line 1
    if feed.map is not None:
        mapped = spelt.map({k: str(v) for k, v in feed.map.items()})
        unmapped = mapped.isna().to_numpy()
        for value, line in zip(spelt[unmapped], lines[unmapped], strict=True):
            problems.add(Problem("E-FEED-VALUE", f"{value!r} has no entry in the mapping of "
                                 f"the feed {feed.source}.{feed.output} -> {feed.input}",
                                 file=f"{feed.source}/ratings.csv", row=int(line),
                                 column=feed.output, value=value,
                                 expected=", ".join(feed.map)))
        spelt = mapped.where(~unmapped, "")
    table = pd.DataFrame({
        "authority_code": ratings["authority_code"][present].to_numpy(),
        "period": ratings["period"][present].to_numpy(),
        "indicator": feed.input,
        "value": spelt.to_numpy(dtype=object),
        "authority_name": ratings["authority_name"][present].to_numpy(),
        "note": None,
        "_line": lines,
        "_column": feed.output,
    })
    return SourceTable(f"{feed.source}/ratings.csv", "long", table, derived=True)


def read_history(folder: Path | None, pack: LoadedPack) -> pd.DataFrame | None:
    """An earlier run's ratings for this pack, if a previous results folder was named.

    The file must be a ratings file this pack publishes: readable Parquet with the keys and
    every published field the pack's travel steps look back at (without them each authority
    would silently be "new"), else an E-PREVIOUS-* error naming the file and the columns.
    """
    if folder is None:
        return None
    path = folder / pack.id / "ratings.parquet"
    if not path.is_file():
        raise UsageProblem(f"no earlier results at {path} (from --previous {folder})")
    rating = pack.pack.rating.field  # published as the column "rating"
    published = {"rating", *(name for name in pack.pack.outputs if name != rating)}
    looked_back = [name for step in pack.pack.steps if isinstance(step, TravelStep)
                   for name in (step.input, step.score) if name in published]
    required = ["authority_code", "period", *dict.fromkeys(looked_back)]
    what = f"the earlier results of {pack.id} (--previous {folder})"
    history = read_published_parquet(
        path, required, codes=("E-PREVIOUS-UNREADABLE", "E-PREVIOUS-COLUMNS"), what=what)
    problems = Problems()
    for name in dict.fromkeys(looked_back):  # labels of another scale would all read as new
        ftype = pack.plan.schema.fields.get(rating if name == "rating" else name)
        if ftype is None or ftype.vocabulary is None:
            continue
        values = history[name]
        spelt = values[values.notna()].astype(str)
        foreign = spelt[~spelt.isin(ftype.vocabulary)]
        if len(foreign):
            problems.add(Problem(
                "E-PREVIOUS-COLUMNS", f"{what}: {path} column {name} holds {len(foreign):,} "
                f"value(s) that are not labels of {pack.id} (such as {foreign.iloc[0]!r}): "
                "not this pack's results", file=str(path), row=int(foreign.index[0]) + 1,
                column=name, value=str(foreign.iloc[0]),
                expected="one of " + ", ".join(ftype.vocabulary)))
    if problems:
        raise ProblemsFound(problems)
    return history


def _stability(request: RunRequest, result: ScoreResult, reference: Reference | None,
               options: RunOptions) -> Attached | None:
    """The sensitivity analysis a request asks for: run now, or read from an earlier run."""
    if request.sensitivity is None and request.stability is None:
        return None
    from perfassess import attached

    if request.sensitivity is not None:
        return attached.computed(result, request.sensitivity, reference, options.templates)
    assert request.stability is not None
    inputs = " ".join(f"--input {p}" for p in request.inputs)
    rerun = (f"perfassess sensitivity --pack {request.pack} {inputs} --draws <draws> "
             f"--seed <seed> --out {request.stability}")
    return attached.read(request.stability / result.pack.id, result, rerun)


def publish(results: list[ScoreResult], options: RunOptions, requests: list[RunRequest],
            analyses: list[Attached | None], groups: list[pd.DataFrame | None],
            histories: list[pd.DataFrame | None]) -> list[Path]:
    """Each result's folder, built beside its target: results, then every pack's reports
    (side by side on this machine's cores), then the manifests that list them."""
    targets = [options.out / result.pack.id for result in results]
    progress = options.progress
    with atomic_folders(targets) as works:
        outputs = []
        for result, work, analysis in zip(results, works, analyses, strict=True):
            progress.stage(f"{result.pack.id}: writing results")
            outputs.append(_write_results(result, work, options, analysis))
            progress.end()
        if options.report:  # imported only here: a batch run never loads the report code
            from perfassess.report.publish import PackReports, write_packs_reports

            packs = [PackReports(result, work, analysis.view if analysis else None,
                                 request.published, history, group)
                     for result, work, analysis, request, history, group in zip(
                         results, works, analyses, requests, histories, groups, strict=True)]
            for entries, written in zip(outputs, write_packs_reports(
                    packs, options.templates, progress), strict=True):
                entries.update(written)
        for result, work, entries, request in zip(results, works, outputs, requests,
                                                  strict=True):
            write_json(build_manifest(result, work, entries, options, request),
                       work / MANIFEST_FILE)
    return targets


def _write_results(result: ScoreResult, work: Path, options: RunOptions,
                   analysis: Attached | None) -> dict[str, dict[str, Any]]:
    """The ratings, the trace, the run summary and the sensitivity folder; their entries."""
    outputs: dict[str, dict[str, Any]] = {}
    write_csv_and_parquet(result.ratings, work / "ratings.csv", work / "ratings.parquet")
    for name in ("ratings.csv", "ratings.parquet"):
        outputs[name] = {"rows": len(result.ratings)}
    if options.trace != "none":
        # The pages read the whole trace anyway; a batch run streams it, never holding it all.
        trace = ([result.trace_table] if options.report
                 else result.evaluation.trace_batches(ROW_GROUP))
        outputs["trace.parquet"] = {"rows": write_parquet(trace, work / "trace.parquet")}
    write_text(render_summary(result.pack.plan, result.ratings, result.pack.content_hash,
                              options.templates), work / "summary.md")
    outputs["summary.md"] = {}
    if analysis is not None:
        from perfassess.attached import FOLDER

        outputs.update({f"{FOLDER}/{name}": entry
                        for name, entry in analysis.write(work / FOLDER).items()})
    return outputs
