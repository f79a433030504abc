"""Write a sensitivity run's outputs atomically: tables, stability pages, manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from perfassess import __version__
from perfassess.io.hashing import file_sha256
from perfassess.io.write import atomic_folder, write_csv, write_json, write_parquet
from perfassess.report.stability import fragile_share, percent, write_stability_pages
from perfassess.sensitivity.results import NO_RATING_LABEL
from perfassess.sensitivity.run import SensitivityRun, uncertainty_hash

MANIFEST_SCHEMA_VERSION = 1


def publish(run: SensitivityRun, out: Path, templates: Path | None = None) -> Path:
    """``out/<pack id>/``: sensitivity.csv and .parquet, sensitivity_indices.csv,
    sensitivity_factors.parquet, ``<period>/stability.html`` and ``.md``, manifest.json.
    Nothing in them depends on the chunk size or the executor."""
    target = out / run.loaded.id
    with atomic_folder(target) as work:
        write_sensitivity(run, work, templates)
    return target


def write_sensitivity(run: SensitivityRun, work: Path, templates: Path | None = None
                      ) -> dict[str, dict[str, Any]]:
    """Every output of a sensitivity run into the folder ``work`` (made if need be);
    returns the files written (manifest.json included), each with its rows and hash."""
    table = run.results
    work.mkdir(parents=True, exist_ok=True)
    outputs: dict[str, dict[str, Any]] = {}
    write_csv(table.stability, work / "sensitivity.csv")
    write_parquet(table.stability, work / "sensitivity.parquet")
    write_csv(table.indices, work / "sensitivity_indices.csv")
    write_parquet(table.influence, work / "sensitivity_factors.parquet")
    for name, rows in (("sensitivity.csv", len(table.stability)),
                       ("sensitivity.parquet", len(table.stability)),
                       ("sensitivity_indices.csv", len(table.indices)),
                       ("sensitivity_factors.parquet", len(table.influence))):
        outputs[name] = {"rows": rows}
    outputs.update(write_stability_pages(table.stability, table.indices, table.outcomes,
                                         page_info(run), work, NO_RATING_LABEL, templates))
    for name, entry in outputs.items():
        entry["sha256"] = file_sha256(work / name)
    write_json(manifest(run, outputs), work / "manifest.json")
    return {**outputs, "manifest.json": {"sha256": file_sha256(work / "manifest.json")}}


def page_info(run: SensitivityRun) -> dict[str, Any]:
    pack = run.loaded.pack
    spec = uncertainty_hash(run)
    return {
        "pack": {"id": pack.id, "title": pack.title, "version": pack.version,
                 "hash_short": run.loaded.content_hash[:19],
                 "authority": {"singular": pack.authority.singular,
                               "plural": pack.authority.plural}},
        "draws": run.options.draws, "seed": run.options.seed,
        "fragile_below": percent(run.options.fragile_below),
        "uncertainty": {"source": "the pack" if run.spec_source == "pack" else run.spec_source,
                        "hash_short": spec[:19]},
        "held": run.declared.held,
    }


def manifest(run: SensitivityRun, outputs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    pack = run.loaded.pack
    stability = run.results.stability
    rated = stability["rating"] != ""
    by_period = {
        str(period): {"authority_periods": len(rows),
                      "rated": int((rows["rating"] != "").sum()),
                      "fragile": int(rows["fragile"].sum())}
        for period, rows in stability.groupby("period", sort=True)}
    return {
        "schema_version": MANIFEST_SCHEMA_VERSION,
        "kind": "sensitivity",
        "perfassess_version": __version__,
        "pack": {"id": pack.id, "title": pack.title, "version": pack.version,
                 "content_hash": run.loaded.content_hash},
        "uncertainty": {"source": run.spec_source, "sha256": uncertainty_hash(run),
                        "held_fixed": run.declared.held},
        "inputs": [{"name": p.name, "sha256": file_sha256(p)} for p in run.inputs],
        "seed": run.options.seed,
        "draws": run.options.draws,
        "classes_per_factor": run.design.bins,
        "fragile_below": run.options.fragile_below,
        "vary_documented": run.options.vary_documented,
        "factors": [{"name": f.name, "kind": f.kind, "varies": f.target, "status": f.status,
                     "how": f.description} for f in run.declared.factors],
        "outputs": outputs,
        "counts": {
            "authority_periods": len(stability),
            "rated": int(rated.sum()),
            "fragile": int(stability["fragile"].sum()),
            "fragile_share_of_rated": round(fragile_share(stability), 6),
            "authorities_with_a_fragile_rating": int(
                stability.loc[stability["fragile"].to_numpy(dtype=bool), "authority_code"]
                .nunique()),
            "by_period": by_period,
            "mean_rating_kept": round(float(np.mean(stability["rating_kept"])), 6),
        },
    }
