"""What `score --check` and `diff` tell people (issue 17, section 3), the CLI in a subprocess."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from perfassess.cli import cli
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
    assert ("  why: edited by hand after publishing: ratings.csv, 2025/index.md (bytes no "
            "longer match the hashes in its manifest.json and reports.sha256)"
            in done.stdout.splitlines())
    assert "perfassess changed" not in done.stdout
