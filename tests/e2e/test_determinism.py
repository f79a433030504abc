"""Same inputs and pack, same bytes: whatever the folder, time zone, locale, file format,
layout or row order; and every manifest matches its published JSON Schema."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from perfassess.api import Reference, score
from perfassess.io.write import write_csv, write_parquet
from tests.conftest import ROOT
from tests.e2e.conftest import run_file_packs

SCHEMA = json.loads((ROOT / "docs" / "manifest.schema.json").read_text(encoding="utf-8"))


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def default_run(cwd: Path, out: Path, env: dict[str, str], *config: str) -> dict[str, bytes]:
    full = {**os.environ, "PYTHONPATH": str(ROOT / "src"), **env}
    proc = subprocess.run([sys.executable, "-m", "perfassess", "score", *config, "--out",
                           str(out)], cwd=cwd, env=full, capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    return files(out)


def test_default_run_ignores_folder_time_zone_locale_clock_and_threads(tmp_path: Path) -> None:
    """tests/e2e/test_default_run.py runs it from the project folder (Auckland time, C
    locale, two threads each for Polars and Arrow); here from elsewhere, with the run file
    named by an absolute path, in UTC+14, a German locale, a build date set and one thread:
    the bytes must be the committed ones."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    produced = default_run(
        elsewhere, tmp_path / "out",
        {"TZ": "Pacific/Kiritimati", "LC_ALL": "de_DE.UTF-8", "LANG": "de_DE.UTF-8",
         "SOURCE_DATE_EPOCH": "1700000000", "POLARS_MAX_THREADS": "1",
         "OMP_NUM_THREADS": "1"},
        "--config", str(ROOT / "perfassess.yaml"))
    committed = files(ROOT / "reports")
    assert produced.keys() == committed.keys()
    differing = [name for name in produced if produced[name] != committed[name]]
    assert not differing, f"{differing[:10]} differ from the committed reports/"
    for name, content in produced.items():
        assert str(tmp_path).encode() not in content, name
        assert str(ROOT).encode() not in content, name


def test_every_manifest_of_the_default_run_matches_the_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    validator = jsonschema.Draft202012Validator(SCHEMA)
    manifests = sorted((ROOT / "reports").glob("*/manifest.json"))
    assert {m.parent.name for m in manifests} == set(run_file_packs())
    for path in manifests:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        errors = [e.message for e in validator.iter_errors(manifest)]
        assert not errors, (path, errors)
        listed = {*manifest["outputs"], "manifest.json"}
        if "reports.sha256" in manifest["outputs"]:  # the reports, hashed one by one there
            sums = (path.parent / "reports.sha256").read_text(encoding="utf-8").splitlines()
            listed |= {line.split("  ", 1)[1] for line in sums if line}
        assert set(files(path.parent)) == listed


def test_the_schema_rejects_what_it_should() -> None:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    manifest = json.loads((ROOT / "reports" / "cqc-la-2024" / "manifest.json").read_text())
    absolute = json.loads(json.dumps(manifest))
    absolute["inputs"][0]["path"] = "/home/someone/returns.csv"
    dated = {**manifest, "written_at": "2025-01-01T00:00:00"}
    bad_hash = json.loads(json.dumps(manifest))
    bad_hash["pack"]["content_hash"] = "abc"
    for broken in (absolute, dated, bad_hash):
        assert not validator.is_valid(broken)


def trace_without_provenance(trace: pd.DataFrame) -> bytes:
    """The trace, less where each input value was read from (file, line, column): that
    differs, rightly, when the same returns are written in another file or order."""
    trace = trace.copy()
    trace.loc[trace["step"] == "input", "reason"] = ""
    return trace.to_csv(index=False).encode()


# Input variants: the same returns as published, in other formats, layouts and orders.
def cqc_variants(folder: Path) -> dict[str, list[Path]]:
    wide_csv = ROOT / "data" / "sample" / "cqc_2024_2025_wide.csv"
    categories = ROOT / "data" / "sample" / "cqc_2024_evidence_categories.csv"
    wide = pd.read_csv(wide_csv, dtype=str, keep_default_na=False)
    cats = pd.read_csv(categories, dtype=str, keep_default_na=False)
    ids = [c for c in wide.columns if c not in ("authority_code", "authority_name", "period")]
    long = wide.melt(id_vars=["authority_code", "authority_name", "period"], value_vars=ids,
                     var_name="indicator", value_name="value")
    long = long[long["value"] != ""]
    rng = np.random.default_rng(6)

    def numeric_parquet(table: pd.DataFrame, name: str) -> Path:
        path = folder / name
        frame = table.copy()
        frame["value"] = pd.to_numeric(frame["value"]).astype("int64")  # numbers, not text
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
        return path

    shuffled_wide = wide.iloc[rng.permutation(len(wide))]
    shuffled_wide = shuffled_wide[["period", *reversed(ids), "authority_name", "authority_code"]]
    shuffled_wide.to_csv(folder / "wide_shuffled.csv", index=False)
    cats.iloc[rng.permutation(len(cats))].to_csv(folder / "cats_shuffled.csv", index=False)
    pd.concat([long, cats]).iloc[::-1].to_csv(folder / "all_long.csv", index=False)
    return {
        "as published (wide CSV + long CSV)": [wide_csv, categories],
        "long Parquet, values stored as numbers": [numeric_parquet(long, "long.parquet"),
                                                   numeric_parquet(cats, "cats.parquet")],
        "rows and columns shuffled": [folder / "wide_shuffled.csv", folder / "cats_shuffled.csv"],
        "one long CSV, reversed": [folder / "all_long.csv"],
    }


def ss_variants(folder: Path) -> dict[str, list[Path]]:
    source = ROOT / "data" / "sample" / "ss_stars_2002_2005.csv"
    long = pd.read_csv(source, dtype=str, keep_default_na=False)
    wide = long.pivot(index=["authority_code", "authority_name", "period"], columns="indicator",
                      values="value").reset_index()
    wide.to_csv(folder / "ss_wide.csv", index=False)
    pq.write_table(pa.Table.from_pandas(wide, preserve_index=False), folder / "ss_wide.parquet")
    long.sample(frac=1, random_state=2).to_csv(folder / "ss_shuffled.csv", index=False)
    return {
        "as published (long CSV)": [source],
        "wide CSV": [folder / "ss_wide.csv"],
        "wide Parquet": [folder / "ss_wide.parquet"],
        "rows shuffled": [folder / "ss_shuffled.csv"],
    }


@pytest.mark.parametrize(("pack", "variants"), [("cqc-la-2024", cqc_variants),
                                                ("ss-stars-2002", ss_variants)])
def test_format_layout_and_order_do_not_change_results(pack: str, variants: object,
                                                       tmp_path: Path) -> None:
    """Scored through the API (the reports add nothing here): ratings, trace and the
    logical input hash are those of the published run, whatever the input's form."""
    assert callable(variants)
    reference = Reference.read([ROOT / "data" / "reference" / "authorities.csv",
                                ROOT / "data" / "reference" / "england_authorities.csv"])
    published = ROOT / "reports" / pack
    manifest = json.loads((published / "manifest.json").read_text(encoding="utf-8"))
    expected = {"ratings.csv": (published / "ratings.csv").read_bytes(),
                "ratings.parquet": (published / "ratings.parquet").read_bytes(),
                "trace": trace_without_provenance(pd.read_parquet(published / "trace.parquet")),
                "logical": manifest["inputs_logical_sha256"].encode()}
    for i, (what, inputs) in enumerate(variants(tmp_path).items()):
        result = score(pack, inputs, reference=reference)
        write_csv(result.ratings, tmp_path / f"{i}.csv")
        write_parquet(result.ratings, tmp_path / f"{i}.parquet")
        produced = {"ratings.csv": (tmp_path / f"{i}.csv").read_bytes(),
                    "ratings.parquet": (tmp_path / f"{i}.parquet").read_bytes(),
                    "trace": trace_without_provenance(result.trace),
                    "logical": result.inputs_logical_sha256.encode()}
        for name, content in produced.items():
            assert content == expected[name], f"{what}: {name} differs from the published run"
