"""A sensitivity analysis attached to a score run: computed in the run, or read and checked.

Either way the pack's folder gets the analysis's files under ``sensitivity/`` and its
reports say how solid each rating is.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from perfassess.api import Reference
from perfassess.core.problems import UsageProblem
from perfassess.core.results import ScoreResult, Validated
from perfassess.io.hashing import file_sha256
from perfassess.io.names import path_inside
from perfassess.report.sensitivity import write_sensitivity
from perfassess.report.solidity import StabilityView
from perfassess.sensitivity.run import SensitivityOptions, SensitivityRun, sensitivity_of

FOLDER = "sensitivity"  # inside the pack's folder


@dataclass
class Attached:
    """What the reports show, and how to write the analysis's files into a folder."""

    view: StabilityView
    write: Callable[[Path], dict[str, dict[str, Any]]]  # -> the files written, hashed


def computed(result: ScoreResult, options: SensitivityOptions,
             reference: Reference | None = None, templates: Path | None = None) -> Attached:
    """Run the analysis over the returns the score run validated (fed values included)."""
    checked = Validated(result.pack, result.returns, result.problems, list(result.inputs))
    run = sensitivity_of(checked, options, reference)
    return Attached(_view(run), lambda folder: write_sensitivity(run, folder, templates))


def _view(run: SensitivityRun) -> StabilityView:
    return StabilityView(
        table=run.results.stability, labels=list(run.results.outcomes),
        draws=run.options.draws, seed=run.options.seed,
        fragile_below=run.options.fragile_below,
        factors=[{"name": f.name, "kind": f.kind, "varies": f.target, "status": f.status,
                  "how": f.description} for f in run.declared.factors],
        held=list(run.declared.held), folder=FOLDER)


def read(folder: Path, result: ScoreResult, rerun: str) -> Attached:
    """An earlier ``perfassess sensitivity`` result for this pack (``DIR/<pack id>``),
    checked against the score run: same pack content, same input files, files unedited.
    Any mismatch is a UsageProblem saying what differs and ``rerun``, the command to run
    (its ``<seed>`` and ``<draws>`` filled in from the earlier run where it says them)."""
    manifest = _manifest(folder, rerun.replace("<draws>", "1000").replace("<seed>", "S"))
    rerun = rerun.replace("<draws>", str(manifest.get("draws", 1000))).replace(
        "<seed>", str(manifest.get("seed", "S")))
    loaded = result.pack
    pack = manifest.get("pack") or {}
    if pack.get("content_hash") != loaded.content_hash:
        raise UsageProblem(
            f"the stability results in {folder} were computed with pack {pack.get('id')} "
            f"{pack.get('version')} ({_short(pack.get('content_hash'))}), but this run scores "
            f"{loaded.id} {loaded.pack.version} ({_short(loaded.content_hash)}); rerun: "
            f"{rerun}")
    theirs = sorted((str(i.get("sha256")), str(i.get("name")))
                    for i in manifest.get("inputs") or [])
    ours = sorted((file_sha256(p), p.name) for p in result.inputs)
    if [h for h, _ in theirs] != [h for h, _ in ours]:
        raise UsageProblem(
            f"the stability results in {folder} were computed from other input files ("
            + ", ".join(f"{n} {_short(h)}" for h, n in theirs) + ") than this run's ("
            + ", ".join(f"{n} {_short(h)}" for h, n in ours) + f"); rerun: {rerun}")
    outputs = manifest.get("outputs")
    if not isinstance(outputs, dict) or "sensitivity.parquet" not in outputs:
        raise UsageProblem(f"{folder}/manifest.json lists no sensitivity.parquet; rerun: "
                           f"{rerun}")
    for name, entry in sorted(outputs.items()):
        try:
            path = path_inside(folder, str(name))
        except ValueError:
            raise UsageProblem(f"{folder}/manifest.json lists a file outside its folder: "
                               f"{name!r}") from None
        if not path.is_file() or file_sha256(path) != (entry or {}).get("sha256"):
            raise UsageProblem(f"{folder}/{name} is missing or was changed after the "
                               f"sensitivity run wrote it; rerun: {rerun}")
    table = pd.read_parquet(folder / "sensitivity.parquet")
    labels = [str(c)[2:-1] for c in table.columns if str(c).startswith("p(")]
    view = StabilityView(
        table=table, labels=labels, draws=int(manifest.get("draws", 0)),
        seed=int(manifest.get("seed", 0)),
        fragile_below=float(manifest.get("fragile_below", 0.9)),
        factors=[{k: str(f.get(k, "")) for k in ("name", "kind", "varies", "status", "how")}
                 for f in manifest.get("factors") or []],
        held=[str(h) for h in (manifest.get("uncertainty") or {}).get("held_fixed") or []],
        folder=FOLDER)
    names = [*sorted(outputs), "manifest.json"]

    def copy(target: Path) -> dict[str, dict[str, Any]]:
        written: dict[str, dict[str, Any]] = {}
        for name in names:
            path = path_inside(target, name)
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(folder / name, path)
            written[name] = {"sha256": file_sha256(path)}
        return written
    return Attached(view, copy)


def _manifest(folder: Path, rerun: str) -> dict[str, Any]:
    path = folder / "manifest.json"
    if not path.is_file():
        raise UsageProblem(f"no sensitivity results at {folder} (no manifest.json); run: "
                           f"{rerun}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise UsageProblem(f"{path} is not a readable manifest; rerun: {rerun}") from None
    if not isinstance(data, dict) or data.get("kind") != "sensitivity":
        raise UsageProblem(f"{path} is not the manifest of a sensitivity run; run: {rerun}")
    return data


def _short(digest: object) -> str:
    return str(digest).removeprefix("sha256:")[:12]
