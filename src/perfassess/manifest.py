"""The run manifest: which perfassess, pack, inputs and options produced which outputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from perfassess import __version__
from perfassess.engine.steps.registry import rule_count
from perfassess.io.hashing import file_sha256
from perfassess.io.names import display_path

if TYPE_CHECKING:
    from perfassess.core.results import ScoreResult
    from perfassess.runner import RunOptions, RunRequest

MANIFEST_FILE = "manifest.json"
SCHEMA_VERSION = 2


def build_manifest(result: ScoreResult, work: Path, outputs: dict[str, dict[str, Any]],
                   options: RunOptions, request: RunRequest) -> dict[str, Any]:
    """The manifest of one pack's published folder ``work``.

    ``outputs`` maps each file written (a path relative to ``work``) to what its writer
    knows of it (e.g. ``rows``); the file's hash is added here, so any writer can add files.
    Nothing in it depends on the clock, the machine or where the command was run from.
    """
    ratings = result.ratings
    pack = result.pack.pack
    base = options.base
    hashed = {name: {**entry, "sha256": file_sha256(work / name)}
              for name, entry in sorted(outputs.items())}
    files = [s for s in result.sources if not s.derived]
    fed = [s for s in result.sources if s.derived]
    inputs = [{
        "path": display_path(path, base),
        "format": path.suffix.lower().lstrip(".") or "unknown",
        "layout": source.layout,
        "rows_read": source.rows,
        "sha256": file_sha256(path),
        "logical_sha256": source.logical_sha256,
    } for path, source in zip(result.inputs, files, strict=True)]
    feeds = [{
        "from": feed.source, "output": feed.output, "input": feed.input,
        "rows_read": source.rows, "logical_sha256": source.logical_sha256,
    } for feed, source in zip(request.feeds, fed, strict=True)]
    references = _paths(options.reference)
    previous = None
    if request.previous is not None:
        history = request.previous / pack.id / "ratings.parquet"
        previous = {"path": display_path(request.previous, base),
                    "ratings_sha256": file_sha256(history)}
    run_options: dict[str, Any] = {
        "pack": pack_display(request.pack, base),
        "inputs": [display_path(p, base) for p in result.inputs],
        "feeds": [feed.model_dump(mode="json", by_alias=True, exclude_none=True)
                  for feed in request.feeds],
        "prefer": request.prefer,
        "previous": None if request.previous is None
        else display_path(request.previous, base),
        "reference": [display_path(r, base) for r in references] if references else None,
        "trace": options.trace,
        "report": options.report,
        "templates": None if options.templates is None
        else display_path(options.templates, base),
    }
    if request.sensitivity is not None:  # only when asked: other packs' manifests unchanged
        s = request.sensitivity
        run_options["sensitivity"] = {
            "draws": s.draws, "seed": s.seed, "fragile_below": s.fragile_below,
            "vary_documented": s.vary_documented,
            "uncertainty": None if s.uncertainty is None
            else display_path(s.uncertainty, base)}
    if request.stability is not None:
        run_options["stability"] = display_path(request.stability, base)
    if request.attributes:  # only when asked, as sensitivity
        run_options["attributes"] = list(request.attributes)
    for option in ("key", "name", "period", "period_column"):  # only when asked
        if getattr(request, option):
            run_options[option] = getattr(request, option)
    return {
        "schema_version": SCHEMA_VERSION,
        "perfassess_version": __version__,
        "pack": {"id": pack.id, "title": pack.title, "version": pack.version,
                 "content_hash": result.pack.content_hash, "rules": rule_count(pack),
                 # Only when declared: other packs' manifests unchanged. diff reads it.
                 **({"digits": dict(sorted(pack.digits.items()))} if pack.digits else {})},
        "inputs": inputs,
        "feeds": feeds,
        "inputs_logical_sha256": result.inputs_logical_sha256,
        "reference": [{"path": display_path(r, base), "sha256": file_sha256(r)}
                      for r in references] if references else None,
        "previous": previous,
        "rows_read": result.returns.rows_read,
        "outputs": hashed,
        "counts": {
            "authority_periods": len(ratings),
            "authorities": _distinct_sorted(ratings["authority_code"].to_numpy()),
            "periods": sorted(str(p) for p in ratings["period"].unique()),
            "rated": int(ratings["rating"].notna().sum()),
            "not_rated": int(ratings["rating"].isna().sum()),
            "warnings": result.problems.total,
        },
        "options": run_options,
    }


def _paths(value: Path | list[Path] | None) -> list[Path]:
    if value is None:
        return []
    return [value] if isinstance(value, Path) else list(value)


def pack_display(pack_arg: str, base: Path | None) -> str:
    """A built-in id (``cqc-la-2024``, ``ss-stars-2002@1.0.0``) as given; a folder relative."""
    from perfassess.spec.loader import builtin_ids

    name = pack_arg.rpartition("@")[0] if "@" in pack_arg else pack_arg
    if name in builtin_ids() and not Path(pack_arg).exists():
        return pack_arg
    return display_path(Path(pack_arg), base)


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest in a published folder, or None when there is none (or it is not JSON)."""
    path = folder / MANIFEST_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def edited_outputs(folder: Path, manifest: dict[str, Any]) -> list[str]:
    """Files listed in a manifest whose bytes no longer match the hash recorded for them."""
    changed = []
    for name, entry in sorted(manifest.get("outputs", {}).items()):
        path = folder / name
        if not path.is_file() or file_sha256(path) != entry.get("sha256"):
            changed.append(name)
    return changed


def _distinct_sorted(values: Any) -> int:
    """How many distinct values a sorted column holds: ratings come sorted by authority,
    so counting changes is enough (hashing millions of codes is not)."""
    if len(values) == 0:
        return 0
    return int((values[1:] != values[:-1]).sum()) + 1


def written_by_perfassess(folder: Path) -> bool:
    """Whether ``folder`` is one perfassess published: its manifest.json carries our fields
    (a schema version, the perfassess version, the pack, the outputs it lists)."""
    if folder.is_symlink() or not folder.is_dir():
        return False
    manifest = read_manifest(folder)
    return manifest is not None and isinstance(manifest.get("schema_version"), int) \
        and isinstance(manifest.get("perfassess_version"), str) \
        and isinstance(manifest.get("pack"), dict) \
        and isinstance(manifest.get("outputs"), dict)


def scored_folder(folder: Path) -> bool:
    """A pack folder ``perfassess score`` published (not a sensitivity run's): the index
    lists these."""
    if not written_by_perfassess(folder):
        return False
    manifest = read_manifest(folder) or {}
    return manifest.get("kind", "score") == "score" and (folder / "ratings.parquet").is_file()
