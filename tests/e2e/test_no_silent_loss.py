"""Nothing lost without a word (issue 17, section 1): the CLI in a subprocess."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from perfassess.cli import cli
from perfassess.runner import RunOptions, RunRequest, run
from perfassess.spec.runfile import load_run_file
from tests.conftest import ROOT

SAMPLE = ROOT / "data" / "sample" / "cqc_2024_2025_wide.csv"
CQC = "cqc-la-2024"


def perfassess(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "perfassess", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, check=False)


def invoke(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The same, in this process (faster) where the exit code and output are all we read."""
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout,
                                       result.stderr)


def sample_rows() -> list[list[str]]:
    with SAMPLE.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def write_rows(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


def blanked(path: Path, councils: list[str], indicator: str = "qs7_safeguarding") -> Path:
    """The CQC sample with one indicator's cell emptied for the named councils."""
    rows = sample_rows()
    at = rows[0].index(indicator)
    for row in rows[1:]:
        if row[1] in councils:
            row[at] = ""
    return write_rows(path, rows)


def as_long(path: Path, misspell: tuple[str, str, str] | None = None) -> Path:
    """The CQC sample as a long file; ``misspell`` (council, indicator, as written) gives one
    council's indicator id as a user mistyped it."""
    rows = sample_rows()
    header = rows[0]
    out = [["authority_code", "authority_name", "period", "indicator", "value"]]
    for row in rows[1:]:
        for name, value in zip(header[3:], row[3:], strict=True):
            if misspell and row[1] == misspell[0] and name == misspell[1]:
                name = misspell[2]
            out.append([*row[:3], name, value])
    return write_rows(path, out)


def test_an_empty_cell_names_the_council_that_lost_its_rating(tmp_path: Path) -> None:
    returns = blanked(tmp_path / "cqc.csv", ["Sunderland"])
    out = tmp_path / "out"
    proc = perfassess("score", "--pack", CQC, "--input", returns, "--out", out,
                      "--trace", "none", "--no-report")
    assert proc.returncode == 0, proc.stderr
    assert "W-NOT-RATED" in proc.stderr and "(1 warning)" in proc.stderr
    warning = next(line for line in proc.stderr.splitlines() if "E08000024 Sunderland" in line)
    assert "2025 is not rated" in warning and "qs7_safeguarding" in warning
    assert "(step complete)" in warning
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith(f"{CQC}: rated 124 of 125 authority-periods; 1 not rated")
    assert "W-NOT-RATED" in last and str(out / CQC / "ratings.csv") in last


def test_a_misspelt_indicator_for_one_council_is_named_by_validate_and_score(
        tmp_path: Path) -> None:
    returns = as_long(tmp_path / "cqc.csv", ("Kensington and Chelsea", "qs1_assessing_needs",
                                             "qs1_asessing_needs"))
    proc = invoke("validate", "--pack", CQC, "--input", returns)
    assert proc.returncode == 0, proc.stdout
    assert "W-UNKNOWN-INDICATOR" in proc.stdout and "W-NOT-RATED" in proc.stdout
    assert "E09000020 Kensington and Chelsea 2025 is not rated" in proc.stdout
    assert proc.stdout.strip().splitlines()[-1].endswith(
        "valid: 1 authority-period would not be rated (W-NOT-RATED above)")
    proc = invoke("score", "--pack", CQC, "--input", returns, "--out", tmp_path / "out",
                      "--no-report")
    assert proc.returncode == 0, proc.stderr
    assert "E09000020 Kensington and Chelsea 2025 is not rated" in proc.stderr
    assert "rated 124 of 125 authority-periods; 1 not rated" in proc.stdout


def test_validate_lists_the_first_ten_on_screen_and_every_one_in_json(tmp_path: Path) -> None:
    councils = [row[1] for row in sample_rows()[1:13]]
    returns = blanked(tmp_path / "cqc.csv", councils)
    proc = invoke("validate", "--pack", CQC, "--input", returns)
    assert proc.returncode == 0, proc.stdout
    assert sum(" is not rated: " in line for line in proc.stdout.splitlines()) == 10
    assert "… and 2 more" in proc.stdout
    assert "valid: 12 authority-periods would not be rated" in proc.stdout
    proc = invoke("validate", "--pack", CQC, "--input", returns, "--format", "json")
    payload = json.loads(proc.stdout)
    assert payload["not_rated_count"] == 12 and payload["counts"]["W-NOT-RATED"] == 12
    assert sorted(r["authority_name"] for r in payload["not_rated"]) == sorted(councils)
    assert {r["step"] for r in payload["not_rated"]} == {"complete"}


def test_a_file_with_no_indicator_the_pack_knows_is_an_error(tmp_path: Path) -> None:
    rows = sample_rows()
    rows[0] = rows[0][:3] + [f"Q_{name}" for name in rows[0][3:]]  # a scraper's own names
    returns = write_rows(tmp_path / "scraped.csv", rows)
    out = tmp_path / "out"
    for command in (["validate"], ["score", "--out", str(out)]):
        proc = invoke(*command, "--pack", CQC, "--input", returns)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        text = proc.stdout + proc.stderr
        assert "E-FILE-NO-INDICATORS" in text and "scraped.csv" in text
        assert "Q_qs1_assessing_needs (did you mean qs1_assessing_needs" in text
    assert not out.exists()


def test_a_run_that_rates_nothing_is_an_error_and_writes_nothing(tmp_path: Path) -> None:
    rows = sample_rows()
    rows[0] = [name.replace("qs1_assessing_needs", "qs1_asessing_needs") for name in rows[0]]
    returns = write_rows(tmp_path / "cqc.csv", rows)
    out = tmp_path / "out"
    proc = perfassess("score", "--pack", CQC, "--input", returns, "--out", out)
    assert proc.returncode == 1
    assert "E-NOTHING-RATED" in proc.stderr and "rated none of its 125" in proc.stderr
    assert "did you mean 'qs1_assessing_needs'?" in proc.stderr
    assert not out.exists()
    proc = invoke("validate", "--pack", CQC, "--input", returns)
    assert proc.returncode == 1 and "E-NOTHING-RATED" in proc.stdout + proc.stderr


def test_strict_turns_warnings_into_a_failure(tmp_path: Path) -> None:
    rows = sample_rows()
    rows[0].append("region")  # an unknown indicator: a warning
    for row in rows[1:]:
        row.append("North")
    returns = write_rows(tmp_path / "cqc.csv", rows)
    out = tmp_path / "out"
    args = ("--pack", CQC, "--input", returns)
    assert invoke("validate", *args).returncode == 0
    for command in (["validate"], ["score", "--out", str(out), "--no-report"]):
        proc = invoke(*command, *args, "--strict")
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert "E-STRICT" in proc.stdout + proc.stderr
    assert not out.exists()
    assert invoke("score", *args, "--out", out, "--no-report").returncode == 0


def test_fail_on_unrated_fails_the_run_and_writes_nothing(tmp_path: Path) -> None:
    returns = blanked(tmp_path / "cqc.csv", ["Sunderland"])
    out = tmp_path / "out"
    args = ("--pack", CQC, "--input", returns)
    for command in (["validate"], ["score", "--out", str(out), "--no-report"]):
        proc = invoke(*command, *args, "--fail-on-unrated")
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert "E-NOT-RATED" in proc.stdout + proc.stderr
        assert "E08000024 Sunderland 2025" in proc.stdout + proc.stderr
    assert not out.exists()


@pytest.mark.parametrize("key", ["strict", "fail_on_unrated"])
def test_the_run_file_keys_fail_the_run_as_the_options_do(tmp_path: Path, key: str) -> None:
    blanked(tmp_path / "cqc.csv", ["Sunderland"])  # a W-NOT-RATED warning: both keys fail
    (tmp_path / "run.yaml").write_text(f"out: out\n{key}: true\nruns:\n"
                                       f"  - pack: {CQC}\n    inputs: [cqc.csv]\n",
                                       encoding="utf-8")
    proc = invoke("score", "--config", tmp_path / "run.yaml", "--no-report")
    assert proc.returncode == 1, proc.stderr
    assert ("E-STRICT" if key == "strict" else "E-NOT-RATED") in proc.stderr
    assert not (tmp_path / "out").exists()


FAILURES = {
    "sensitivity without uncertainty": ["sensitivity", "--pack", CQC, "--input", SAMPLE,
                                        "--out", "s", "--seed", "1", "--draws", "2"],
    "sensitivity without uncertainty, json": ["sensitivity", "--pack", CQC, "--input", SAMPLE,
                                              "--out", "s", "--seed", "1", "--format", "json"],
    "explain an unknown authority": ["explain", "--pack", CQC, "--input", SAMPLE,
                                     "--authority", "E99999999"],
    "diff folders without results": ["diff", ".", "."],
    "rules show an unknown pack": ["rules", "show", "no-such-pack"],
    "validate a missing file": ["validate", "--pack", CQC, "--input", "missing.csv"],
    "score a bad run file": ["score", "--config", "bad.yaml"],
    "score --check with nothing published": ["score", "--pack", CQC, "--input", SAMPLE,
                                             "--out", "nothing-here", "--check"],
}


@pytest.mark.parametrize("args", list(FAILURES.values()), ids=list(FAILURES))
def test_every_failure_exits_non_zero(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "bad.yaml").write_text("runs: [\n", encoding="utf-8")
    proc = perfassess(*args, cwd=tmp_path)
    assert proc.returncode in (1, 2), proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "s").exists()


# The foreign samples' homes and hospitals that their assessors did not rate either.
PUBLISHED_UNRATED = {"cms-hospital-stars-2025": 50, "au-aged-care-2025": 46}


def test_the_default_sample_run_loses_no_authority_period(tmp_path: Path) -> None:
    """The new checks are quiet on the sample: its only warnings are the known feed override
    and, for the foreign packs, the homes and hospitals published without a rating."""
    runfile, base = load_run_file(ROOT / "perfassess.yaml")
    requests = [RunRequest(r.pack, [base / i for i in r.inputs], list(r.feeds), r.prefer,
                           reference=r.reference) for r in runfile.runs]
    reference = runfile.reference
    assert isinstance(reference, list)
    outcome = run(requests, RunOptions(tmp_path / "out", [base / r for r in reference], "none",
                                       report=False))
    assert set(outcome.problems.counts) == {"W-FEED-OVERRIDE", "W-NOT-RATED"}
    assert outcome.problems.counts["W-NOT-RATED"] == sum(PUBLISHED_UNRATED.values())
    for result in outcome.results:
        unrated = int(result.ratings["rating"].isna().sum())
        assert unrated == PUBLISHED_UNRATED.get(result.pack.id, 0), result.pack.id


def test_several_packs_share_the_inputs_each_reading_its_own(tmp_path: Path) -> None:
    """--pack A --pack B --input a --input b: each pack reads the file it knows; a file
    neither knows is an error naming it, not silently ignored."""
    stars = tmp_path / "stars.csv"
    stars.write_text("authority_code,period,adults_serving,adults_prospects,"
                     "children_serving,children_prospects\nE1,2002,Yes,Excellent,Yes,"
                     "Excellent\n", encoding="utf-8")
    both = ["--pack", CQC, "--pack", "ss-stars-2002", "--input", SAMPLE, "--input", stars]
    done = invoke("score", *both, "--out", tmp_path / "out")
    assert done.returncode == 0, done.stdout
    assert "W-UNKNOWN-INDICATOR" not in done.stdout + done.stderr
    stray = tmp_path / "stray.csv"
    stray.write_text("authority_code,period,nothing_known\nE1,2002,1\n", encoding="utf-8")
    failed = invoke("score", *both, "--input", stray, "--out", tmp_path / "again")
    assert failed.returncode == 1
    assert "E-FILE-NO-INDICATORS" in failed.stderr and "stray.csv" in failed.stderr
    assert not (tmp_path / "again").exists()
