"""What `score --check` and `diff` tell people (issue 17, section 3), the CLI in a subprocess."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from perfassess.cli import cli
from tests.conftest import ROOT
from tests.e2e.conftest import copy_project

WIDE = Path("data/sample/cqc_2024_2025_wide.csv")
CATEGORIES = Path("data/sample/cqc_2024_evidence_categories.csv")
PACK = Path("reports/cqc-la-2024")
RUN_FILE = f"""out: reports
reference: data/reference/authorities.csv
runs:
  - pack: cqc-la-2024
    inputs: [{WIDE.as_posix()}, {CATEGORIES.as_posix()}]
"""
HARTLEPOOL_2025 = "E06000001,Hartlepool,2025,3,3,3,2,3,3,3,3,3"


def perfassess(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "perfassess", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project whose run file has been run once (in this process: it is only the setup)."""
    root = copy_project(tmp_path_factory.mktemp("published") / "project")
    (root / "perfassess.yaml").write_text(RUN_FILE, encoding="utf-8")
    result = CliRunner().invoke(cli, ["score", "--config", str(root / "perfassess.yaml"),
                                      "--quiet"])
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def world(published: Path, tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(published, root)
    return root


def test_a_page_edited_by_hand_is_named_not_blamed_on_perfassess(world: Path) -> None:
    page = world / PACK / "2025" / "index.html"
    page.write_text(page.read_text(encoding="utf-8") + "<p>Added by hand.</p>\n",
                    encoding="utf-8")
    # What sha256sum -c says, perfassess says too.
    done = perfassess("score", "--check", cwd=world)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[1] == "cqc-la-2024: differ: 2025/index.html"
    assert lines[2] == ("  why: edited by hand after publishing: 2025/index.html (bytes no "
                        "longer match the hashes in its reports.sha256)")
    assert "perfassess changed" not in done.stdout
    assert "Traceback" not in done.stderr


def test_a_deleted_page_and_an_edited_rating_are_both_named(world: Path) -> None:
    (world / PACK / "2025" / "index.md").unlink()
    ratings = world / PACK / "ratings.csv"
    ratings.write_bytes(ratings.read_bytes() + b"\n")
    done = perfassess("score", "--check", cwd=world)
    assert done.returncode == 1
    assert ("  why: edited by hand after publishing: ratings.csv and 2025/index.md (bytes no "
            "longer match the hashes in its manifest.json and reports.sha256)"
            in done.stdout.splitlines())
    assert "perfassess changed" not in done.stdout


def replace_line(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture(scope="module")
def runs(published: Path) -> Path:
    """Beside the published results (26 of 36 for Hartlepool 2025: 72.2…%): the same returns
    with Hartlepool at 25 of 36 (69.4…%), under the built-in pack and under a copy of it
    declaring one decimal place for percent_score; made once for the module."""
    root = published
    changed = root / "data" / "changed.csv"
    shutil.copy(root / WIDE, changed)
    replace_line(changed, HARTLEPOOL_2025, "E06000001,Hartlepool,2025,3,3,3,2,3,3,3,3,2")
    pack = root / "one-place"
    shutil.copytree(ROOT / "rules" / "cqc-la-2024", pack, ignore=shutil.ignore_patterns(
        "versions"))
    replace_line(pack / "pack.yaml", "\noutputs:\n", "\ndigits: {percent_score: 1}\noutputs:\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        for name, pack_arg, source, extra in (
                ("changed", "cqc-la-2024", "data/changed.csv", ["--no-report"]),
                ("one-place", "one-place", WIDE.as_posix(), []),
                ("one-place-changed", "one-place", "data/changed.csv", ["--no-report"])):
            result = CliRunner().invoke(cli, [
                "score", "--pack", pack_arg, "--input", source, "--input",
                CATEGORIES.as_posix(), "--out", f"runs/{name}", "--quiet", *extra])
            assert result.exit_code == 0, result.output
    return root


def test_diff_shows_numbers_as_people_write_them(runs: Path) -> None:
    done = perfassess("diff", PACK, "runs/changed/cqc-la-2024", cwd=runs)
    assert done.returncode == 1, done.stderr
    out = done.stdout
    assert "  E06000001 2025: total_score 26 -> 25; percent_score 72.22 -> 69.44;" in out
    assert "      percent -> percent_score: 72.22 (= total_score / 36 * 100)  =>  69.44 " in out
    assert "72.2222" not in out and "69.4444" not in out
    assert (f"files {WIDE.as_posix()} and {CATEGORIES.as_posix()} -> data/changed.csv and "
            f"{CATEGORIES.as_posix()}") in out
    assert "['" not in out
    # Machine output keeps every digit.
    payload = json.loads(perfassess("diff", "--format", "json", PACK,
                                    "runs/changed/cqc-la-2024", cwd=runs).stdout)
    [change] = [c for c in payload["packs"][0]["changes"]
                if c["authority_code"] == "E06000001" and c["period"] == "2025"]
    assert change["columns"]["percent_score"] == {"a": "72.22222222222221",
                                                  "b": "69.44444444444444"}


def test_an_output_declaring_digits_is_shown_so_everywhere_but_its_data(runs: Path) -> None:
    done = perfassess("diff", "runs/one-place/cqc-la-2024", "runs/one-place-changed/cqc-la-2024",
                      cwd=runs)
    assert "percent_score 72.2 -> 69.4;" in done.stdout, done.stdout
    assert "percent -> percent_score: 72.2 (= total_score / 36 * 100)  =>  69.4 " in done.stdout
    folder = runs / "runs" / "one-place" / "cqc-la-2024"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["pack"]["digits"] == {"percent_score": 1}
    page = (folder / "2025" / "areas" / "E06000001.md").read_text(encoding="utf-8")
    assert "72.2" in page and "72.22" not in page
    ratings = (folder / "ratings.csv").read_text(encoding="utf-8")
    assert ',72.22222222222221,' in ratings
    explained = perfassess("explain", folder, "--pack", runs / "one-place", "--authority",
                           "E06000001", "--period", "2025", cwd=runs)
    assert ("Score as a percentage of the maximum (percent_score) = 72.2  = total_score / 36 "
            "* 100") in explained.stdout
    # The built-in pack's manifest says nothing of digits: its bytes are as before.
    assert "digits" not in json.loads((runs / PACK / "manifest.json").read_text())["pack"]


def test_digits_for_something_that_is_no_output_is_a_located_error(runs: Path,
                                                                    tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(runs / "one-place", pack)
    replace_line(pack / "pack.yaml", "digits: {percent_score: 1}", "digits: {percent: 1}")
    done = perfassess("validate", "--pack", pack, "--input", WIDE, cwd=runs)
    assert done.returncode == 1
    assert "E-PACK-SCHEMA" in done.stderr
    assert "digits names 'percent', which is not one of the pack's outputs" in done.stderr
