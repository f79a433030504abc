"""``score --check``: recompute a run in a temporary folder, compare with what is published."""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perfassess import __version__
from perfassess.compare import PackDiff, compare_packs, describe, manifest_causes
from perfassess.core.people import listing
from perfassess.io.hashing import file_sha256
from perfassess.manifest import MANIFEST_FILE, edited_outputs, read_manifest
from perfassess.report.publish import HASHES, report_files
from perfassess.runner import RunOptions, RunRequest, run


@dataclass
class PackCheck:
    """One pack's published folder against a fresh computation of it."""

    pack_id: str
    missing: list[str] = field(default_factory=list)  # would be written, is not there
    extra: list[str] = field(default_factory=list)  # is there, would not be written
    differing: list[str] = field(default_factory=list)  # bytes differ
    edited: list[str] = field(default_factory=list)  # no longer match their own manifest
    causes: list[str] = field(default_factory=list)
    diff: PackDiff | None = None

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.differing)

    def to_dict(self) -> dict[str, Any]:
        return {"pack": self.pack_id, "ok": self.ok, "missing": self.missing,
                "extra": self.extra, "differing": self.differing, "edited": self.edited,
                "causes": self.causes,
                "ratings": None if self.diff is None else self.diff.to_dict()}


@dataclass
class CheckReport:
    out: Path
    packs: list[PackCheck]
    outside: list[str]  # files beside the pack folders (the index) that differ

    @property
    def ok(self) -> bool:
        return not self.outside and all(p.ok for p in self.packs)

    def to_dict(self) -> dict[str, Any]:
        return {"out": str(self.out), "ok": self.ok, "other_files_differing": self.outside,
                "packs": [p.to_dict() for p in self.packs]}

    def lines(self, limit: int = 20) -> list[str]:
        if self.ok:
            files = sum(len(_files(self.out / p.pack_id)) for p in self.packs)
            return [f"check: {self.out} is up to date ({len(self.packs)} pack(s), {files} "
                    "file(s) identical to a fresh run)"]
        lines = [f"check FAILED: {self.out} differs from a fresh run"]
        for pack in self.packs:
            if pack.ok:
                lines.append(f"{pack.pack_id}: up to date")
                continue
            what = []
            if pack.differing:
                what.append("differ: " + _some(pack.differing))
            if pack.missing:
                what.append("missing: " + _some(pack.missing))
            if pack.extra:
                what.append("not written by this run: " + _some(pack.extra))
            lines.append(f"{pack.pack_id}: " + "; ".join(what))
            for cause in pack.causes:
                lines.append(f"  why: {cause}")
            if pack.diff is not None:
                lines.extend("  " + line for line in describe(
                    [pack.diff], limit=limit, label_a="published", label_b="recomputed",
                    causes=False))
        if self.outside:
            lines.append("differ beside the pack folders: " + _some(self.outside))
        lines.append("to publish the recomputed results, run the same command without --check")
        return lines


def check(requests: list[RunRequest], options: RunOptions, *, limit: int = 20) -> CheckReport:
    """Recompute every request over a temporary copy of ``options.out``; compare the two.

    Nothing is written to ``options.out``. Working on a copy means whatever a run writes
    beside the pack folders (the index over every pack) is recomputed over exactly what is
    published. Validation problems raise ProblemsFound as a normal run would.
    """
    published_out = options.out
    with tempfile.TemporaryDirectory(prefix="perfassess-check-") as tmp:
        fresh_out = Path(tmp) / "out"
        if published_out.is_dir():
            shutil.copytree(published_out, fresh_out, symlinks=True)
        outcome = run(requests, dataclasses.replace(options, out=fresh_out))
        ids = [r.pack.id for r in outcome.results]
        packs = [_check_pack(pack_id, published_out / pack_id, fresh_out / pack_id, limit)
                 for pack_id in ids]
        old_files = {f for f in _files(published_out) if f.split("/")[0] not in ids}
        new_files = {f for f in _files(fresh_out) if f.split("/")[0] not in ids}
        outside = sorted(old_files ^ new_files) + sorted(
            f for f in old_files & new_files
            if (published_out / f).read_bytes() != (fresh_out / f).read_bytes())
    return CheckReport(published_out, packs, outside)


def _check_pack(pack_id: str, old: Path, new: Path, limit: int) -> PackCheck:
    result = PackCheck(pack_id)
    old_files, new_files = _files(old), _files(new)
    result.missing = sorted(new_files - old_files)
    result.extra = sorted(old_files - new_files)
    result.differing = sorted(f for f in old_files & new_files
                              if (old / f).read_bytes() != (new / f).read_bytes())
    if result.ok:
        return result
    old_manifest = read_manifest(old)
    if not old.is_dir():
        result.causes.append(f"not published yet: {old} does not exist")
        return result
    if old_manifest is None:
        result.causes.append("the published folder has no readable manifest.json")
    else:
        outputs = edited_outputs(old, old_manifest)
        reports = [] if HASHES in outputs else edited_reports(old)
        result.edited = sorted(outputs + reports)
        if result.edited:
            lists = " and ".join(name for name, edited in (
                (MANIFEST_FILE, outputs), (HASHES, reports)) if edited)
            result.causes.append("edited by hand after publishing: " + _some(result.edited)
                                 + f" (bytes no longer match the hashes in its {lists})")
    new_manifest = read_manifest(new)
    made_differently = manifest_causes(old_manifest, new_manifest) \
        if old_manifest is not None and new_manifest is not None else []
    result.causes.extend(made_differently)
    if not result.edited and not made_differently and old_manifest is not None:
        if result.differing == [MANIFEST_FILE] and not result.missing and not result.extra:
            result.causes.append(f"{MANIFEST_FILE} edited by hand (every other file matches)")
        else:
            result.causes.append(
                "perfassess changed: same inputs, pack and options, different outputs "
                f"(published by perfassess {old_manifest.get('perfassess_version')}, "
                f"recomputed by {__version__})")
    if (old / "ratings.csv").is_file() or (old / "ratings.parquet").is_file():
        result.diff = compare_packs(pack_id, old, new, limit=limit)
    return result


def edited_reports(folder: Path) -> list[str]:
    """Report files whose bytes no longer match ``reports.sha256`` (what ``sha256sum -c``
    names). The manifest hashes only that list, so a page edited by hand after publishing
    leaves the manifest's own hashes intact."""
    return sorted(name for name, digest in report_files(folder).items()
                  if not (folder / name).is_file() or file_sha256(folder / name) != digest)


def _some(files: list[str], shown: int = 8) -> str:
    """File names for a report line: the ratings, trace and manifest first, then a few more."""
    first = sorted(files, key=lambda f: ("/" in f, f))
    rest = len(first) - shown
    return listing([*first[:shown], f"{rest} more"] if rest > 0 else first)


def _files(folder: Path) -> set[str]:
    if not folder.is_dir():
        return set()
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
