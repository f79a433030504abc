"""Run packs over inputs and publish the results: validate everything, then write atomically."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perfassess import __version__
from perfassess.api import Reference, ScoreResult, score
from perfassess.engine.frame import TraceMode
from perfassess.io.hashing import file_sha256
from perfassess.io.write import atomic_folder, write_csv, write_json, write_parquet, write_text
from perfassess.report.summary import render_summary
from perfassess.spec.pack import rule_count
from perfassess.validate.problems import Problems, ProblemsFound

MANIFEST_SCHEMA_VERSION = 1


@dataclass
class RunRequest:
    pack: str
    inputs: list[Path]


@dataclass
class RunOptions:
    out: Path
    reference: Path | None = None
    trace: TraceMode = "full"
    templates: Path | None = None


@dataclass
class RunOutcome:
    results: list[ScoreResult]
    folders: list[Path]
    problems: Problems = field(default_factory=Problems)


def run(requests: list[RunRequest], options: RunOptions) -> RunOutcome:
    """Score every request; write nothing unless every one validated."""
    reference = Reference.read(options.reference) if options.reference else None
    results: list[ScoreResult] = []
    problems = Problems()
    for request in requests:
        try:
            result = score(request.pack, request.inputs, reference=reference,
                           trace=options.trace)
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
    folders = [publish(result, options) for result in results]
    write_index(options.out)
    return RunOutcome(results, folders, problems)


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
        "options": {"trace": options.trace},
    }


def write_index(out: Path) -> None:
    """``index.md`` over every pack folder in ``out``, read from their manifests."""
    lines = ["# perfassess results", "", "| pack | title | version | periods | rated |",
             "|---|---|---|---|---:|"]
    for folder in sorted(p for p in out.iterdir() if (p / "manifest.json").is_file()):
        data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        pack, counts = data["pack"], data["counts"]
        lines.append(f"| [{pack['id']}]({folder.name}/summary.md) | {pack.get('title', '')} | "
                     f"{pack['version']} | {', '.join(counts['periods'])} | "
                     f"{counts['rated']} of {counts['authority_periods']} |")
    write_text("\n".join(lines) + "\n", out / "index.md")
