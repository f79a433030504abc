"""The default run: every sample pack over the sample data, as `make run` does it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run `perfassess score` with no options in a copy of the project's run file's world."""
    out = tmp_path_factory.mktemp("run") / "reports"
    # Two threads each, whatever the machine: test_determinism runs it again on one.
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "TZ": "Pacific/Auckland",
           "LC_ALL": "C", "POLARS_MAX_THREADS": "2", "OMP_NUM_THREADS": "2"}
    proc = subprocess.run([sys.executable, "-m", "perfassess", "score", "--out", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return out


def test_every_sample_council_is_rated(default_run: Path) -> None:
    councils = pd.read_csv(ROOT / "data" / "reference" / "authorities.csv", dtype=str)
    for pack, periods in (("ss-stars-2002", ["2002", "2003", "2004", "2005"]),
                          ("cpa-2005", ["2005", "2006", "2007", "2008"])):
        ratings = pd.read_csv(default_run / pack / "ratings.csv", dtype=str,
                              keep_default_na=False)
        for period in periods:
            rated = ratings[(ratings["period"] == period) & (ratings["rating"] != "")]
            assert set(rated["authority_code"]) == set(councils["authority_code"]), (pack, period)
    cqc = pd.read_csv(default_run / "cqc-la-2024" / "ratings.csv", dtype=str,
                      keep_default_na=False)
    assert len(cqc) > 100 and (cqc["rating"] != "").all()
    assert (cqc["authority_name"] != "").all()


def test_outputs_match_the_committed_reports(default_run: Path) -> None:
    """The published reports/ are exactly what the code produces now (from any cwd, TZ)."""
    committed = ROOT / "reports"
    produced = sorted(p.relative_to(default_run) for p in default_run.rglob("*") if p.is_file())
    assert produced == sorted(p.relative_to(committed) for p in committed.rglob("*")
                              if p.is_file())
    for rel in produced:
        assert (default_run / rel).read_bytes() == (committed / rel).read_bytes(), (
            f"{rel} differs from the committed reports/: run `make run` and commit")


def test_a_rerun_is_byte_identical(default_run: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    shutil.copytree(default_run, again)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    subprocess.run([sys.executable, "-m", "perfassess", "score", "--out", str(again)],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    for path in default_run.rglob("*"):
        if path.is_file():
            assert path.read_bytes() == (again / path.relative_to(default_run)).read_bytes()


def test_cpa_packs_are_fed_from_the_star_ratings(default_run: Path) -> None:
    """CPA 2002's social services score is ss-stars-2002's stars + 1; CPA 2005's adult
    social care from 2006 is the CSCI stars + 1; the trace says where each came from."""
    stars = pd.read_csv(default_run / "ss-stars-2002" / "ratings.csv", dtype=str)
    trace = pd.read_parquet(default_run / "cpa-2002" / "trace.parquet")
    fed = trace[(trace["step"] == "input") & (trace["field"] == "social_services")]
    assert len(fed) == 450 and fed["reason"].str.startswith("ss-stars-2002/ratings.csv:").all()
    merged = fed.merge(stars, on=["authority_code", "period"])
    expected = merged["rating"].map({"0 stars": "1", "1 star": "2", "2 stars": "3", "3 stars": "4"})
    assert (merged["value"] == expected).all()
    cpa2005 = pd.read_parquet(default_run / "cpa-2005" / "trace.parquet")
    adult = cpa2005[(cpa2005["step"] == "input") & (cpa2005["field"] == "adult_social_care")]
    from_csci = adult["reason"].str.startswith("csci-adults-2006/ratings.csv:")
    assert set(adult.loc[from_csci, "period"]) == {"2006", "2007", "2008"}
    assert set(adult.loc[~from_csci, "period"]) == {"2005"}
