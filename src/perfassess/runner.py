"""Run packs over inputs and publish the results: validate everything, then write atomically."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from perfassess import __version__
from perfassess.api import Reference, ScoreResult, score
from perfassess.engine.frame import TraceMode
from perfassess.io.hashing import file_sha256
from perfassess.io.read import SourceTable
from perfassess.io.write import (
    atomic_batch,
    atomic_folder,
    write_csv,
    write_json,
    write_parquet,
    write_text,
)
from perfassess.report.index import write_index
from perfassess.report.publish import write_reports
from perfassess.report.summary import render_summary
from perfassess.spec.loader import LoadedPack, load_pack
from perfassess.spec.pack import rule_count
from perfassess.spec.runfile import Feed
from perfassess.validate.problems import Problem, Problems, ProblemsFound, UsageProblem

MANIFEST_SCHEMA_VERSION = 1


@dataclass
class RunRequest:
    pack: str
    inputs: list[Path]
    feeds: list[Feed] = field(default_factory=list)
    prefer: str = "derived"
    previous: Path | None = None  # an earlier run's output folder, for direction of travel


@dataclass
class RunOptions:
    out: Path
    reference: Path | list[Path] | None = None
    trace: TraceMode = "full"
    templates: Path | None = None
    sheet: str | None = None  # the worksheet of Excel inputs (default: the first)
    report: bool = True  # area reports and national summaries (off for batch runs)


@dataclass
class RunOutcome:
    results: list[ScoreResult]
    folders: list[Path]
    problems: Problems = field(default_factory=Problems)


def run(requests: list[RunRequest], options: RunOptions) -> RunOutcome:
    """Score every request in order; write nothing unless every one validated."""
    reference = Reference.read(options.reference) if options.reference else None
    results: list[ScoreResult] = []
    done: dict[str, ScoreResult] = {}
    problems = Problems()
    for request in requests:
        try:
            pack = load_pack(request.pack)
            fed = [feed_table(done, feed, pack, problems) for feed in request.feeds]
            result = score(pack, request.inputs, reference=reference,
                           trace=options.trace, fed=fed, prefer=request.prefer,
                           history=read_history(request.previous, pack.id),
                           sheet=options.sheet)
            done[result.pack.id] = result
        except ProblemsFound as exc:
            problems.extend(exc.problems.items)
            for code, count in exc.problems.counts.items():
                kept = sum(1 for p in exc.problems.items if p.code == code)
                if count > kept:
                    problems.counts[code] = problems.counts.get(code, 0) + count - kept
            continue
        problems.extend(result.problems.items)
        results.append(result)
    if problems.has_errors():
        raise ProblemsFound(problems)
    with atomic_batch():  # all packs' outputs replace the old ones together, or none do
        folders = [publish(result, options) for result in results]
    if options.report:  # the index links the reports; a batch run has none
        write_index(options.out, options.templates)
    return RunOutcome(results, folders, problems)


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


def read_history(folder: Path | None, pack_id: str) -> pd.DataFrame | None:
    """An earlier run's ratings for this pack, if a previous results folder was named."""
    if folder is None:
        return None
    path = folder / pack_id / "ratings.parquet"
    if not path.is_file():
        raise UsageProblem(f"no earlier results at {path} (from --previous {folder})")
    return pd.read_parquet(path)


def publish(result: ScoreResult, options: RunOptions) -> Path:
    target = options.out / result.pack.id
    with atomic_folder(target) as work:
        outputs: dict[str, dict[str, Any]] = {}
        write_csv(result.ratings, work / "ratings.csv")
        write_parquet(result.ratings, work / "ratings.parquet")
        for name in ("ratings.csv", "ratings.parquet"):
            outputs[name] = {"rows": len(result.ratings)}
        if options.trace != "none":
            write_parquet(result.trace, work / "trace.parquet")
            outputs["trace.parquet"] = {"rows": len(result.trace)}
        write_text(render_summary(result.pack.plan, result.ratings, result.pack.content_hash,
                                  options.templates), work / "summary.md")
        outputs["summary.md"] = {}
        if options.report:
            outputs.update(write_reports(result, work, options.templates))
        for name, entry in outputs.items():
            entry["sha256"] = file_sha256(work / name)
        write_json(manifest(result, outputs, options), work / "manifest.json")
    return target


def manifest(result: ScoreResult, outputs: dict[str, dict[str, Any]],
             options: RunOptions) -> dict[str, Any]:
    ratings = result.ratings
    pack = result.pack.pack
    return {
        "schema_version": MANIFEST_SCHEMA_VERSION,
        "perfassess_version": __version__,
        "pack": {"id": pack.id, "title": pack.title, "version": pack.version,
                 "content_hash": result.pack.content_hash, "rules": rule_count(pack)},
        "inputs": [{"name": p.name, "sha256": file_sha256(p)} for p in result.inputs],
        "rows_read": result.returns.rows_read,
        "outputs": outputs,
        "counts": {
            "authority_periods": len(ratings),
            "authorities": int(ratings["authority_code"].nunique()),
            "periods": sorted(str(p) for p in ratings["period"].unique()),
            "rated": int(ratings["rating"].notna().sum()),
            "not_rated": int(ratings["rating"].isna().sum()),
            "warnings": len(result.problems),
        },
        "options": {"trace": options.trace, "report": options.report},
    }
