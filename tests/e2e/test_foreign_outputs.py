"""perfassess replaces only what it wrote, checks before it moves anything, and reports
file-system errors as problems."""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from perfassess.cli import cli
from perfassess.packs import load_pack
from tests.conftest import ROOT

STARS = ("authority_code,period,adults_serving,adults_prospects,children_serving,"
         "children_prospects\nE1,2002,Yes,Excellent,Yes,Excellent\n")
PACK = "ss-stars-2002"


def score(folder: Path, *args: str) -> tuple[int, str]:
    here = Path.cwd()
    os.chdir(folder)
    try:
        result = CliRunner().invoke(cli, ["score", "--pack", PACK, "--input", "stars.csv",
                                          *args])
    finally:
        os.chdir(here)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


@pytest.fixture
def here(tmp_path: Path) -> Path:
    (tmp_path / "stars.csv").write_text(STARS, encoding="utf-8")
    return tmp_path


def everything(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() if p.is_file() else b"<dir>"
            for p in sorted(folder.rglob("*"))}


def test_a_pack_id_naming_someone_elses_folder_is_refused(here: Path) -> None:
    pack = here / "mypacks" / "docs"
    shutil.copytree(ROOT / "rules" / PACK, pack)
    text = (pack / "pack.yaml").read_text(encoding="utf-8")
    (pack / "pack.yaml").write_text(text.replace(f"id: {PACK}", "id: docs", 1),
                                    encoding="utf-8")
    (here / "docs").mkdir()
    (here / "docs" / "guide.md").write_text("the project's own docs\n", encoding="utf-8")
    before = everything(here)
    result = CliRunner().invoke(cli, ["score", "--pack", str(pack), "--input",
                                      str(here / "stars.csv"), "--out", str(here),
                                      "--format", "json"])
    assert result.exit_code == 2, result.output
    problems = json.loads(result.output)["problems"]
    assert [(p["code"], p["file"]) for p in problems] == [
        ("E-OUTPUT-NOT-OURS", str(here / "docs"))]
    assert everything(here) == before  # no index, no hidden folder, docs untouched


def test_everything_not_ours_is_named_in_one_pass_and_nothing_is_moved(here: Path) -> None:
    out = here / "out"
    (out / "cqc-la-2024").mkdir(parents=True)
    (out / "cqc-la-2024" / "notes.txt").write_text("mine\n", encoding="utf-8")
    (out / PACK).write_text("a plain file named like the pack\n", encoding="utf-8")
    (out / "index.md").write_text("# My index\n", encoding="utf-8")
    (out / "index.html").write_text("<title>mine</title>\n", encoding="utf-8")
    statements = [spec.id for spec in load_pack("cqc-la-2024").pack.inputs][:9]
    (here / "cqc.csv").write_text("authority_code,period," + ",".join(statements)
                                  + "\nE1,2024" + ",3" * 9 + "\n", encoding="utf-8")
    before = everything(here)
    code, output = score(here, "--pack", "cqc-la-2024", "--input", "cqc.csv", "--out", "out")
    assert code == 2, output
    for name in ("cqc-la-2024", PACK, "index.md", "index.html"):
        assert f"out/{name} " in output, name
    assert "4 errors" in output
    assert everything(here) == before


def test_an_empty_folder_and_our_own_outputs_are_replaced(here: Path) -> None:
    (here / "out" / PACK).mkdir(parents=True)
    assert score(here, "--out", "out")[0] == 0
    assert (here / "out" / PACK / "manifest.json").is_file()
    (here / "stars.csv").write_text(STARS.replace("Yes,Excellent", "No,Poor"),
                                    encoding="utf-8")
    code, output = score(here, "--out", "out")
    assert code == 0, output
    assert "0 stars" in (here / "out" / PACK / "ratings.csv").read_text(encoding="utf-8")


def test_a_users_index_template_gets_our_mark_so_the_next_run_may_replace_it(
        here: Path) -> None:
    mine = here / "templates"
    mine.mkdir()
    (mine / "index.md.j2").write_text("Packs: {{ packs | length }}\n", encoding="utf-8")
    assert score(here, "--out", "out", "--templates", "templates")[0] == 0
    text = (here / "out" / "index.md").read_text(encoding="utf-8")
    assert text == "Packs: 1\n<!-- written by perfassess -->\n"
    assert score(here, "--out", "out", "--templates", "templates")[0] == 0


def test_an_unrelated_folder_with_a_manifest_is_left_alone_and_not_indexed(
        here: Path) -> None:
    other = here / "out" / "other-tool"
    other.mkdir(parents=True)
    (other / "manifest.json").write_text('{"name": "not ours"}\n', encoding="utf-8")
    code, output = score(here, "--out", "out")
    assert code == 0, output  # before: the outputs were swapped in, then a traceback
    assert (other / "manifest.json").read_text(encoding="utf-8") == '{"name": "not ours"}\n'
    index = (here / "out" / "index.md").read_text(encoding="utf-8")
    assert PACK in index and "other-tool" not in index


def test_sensitivity_replaces_only_what_perfassess_wrote(here: Path) -> None:
    (here / "out" / PACK).mkdir(parents=True)
    (here / "out" / PACK / "notes.txt").write_text("mine\n", encoding="utf-8")
    args = ["sensitivity", "--pack", PACK, "--input", str(here / "stars.csv"), "--draws",
            "20", "--seed", "1", "--out"]
    result = CliRunner().invoke(cli, [*args, str(here / "out")])
    assert result.exit_code == 2, result.output
    assert "E-OUTPUT-NOT-OURS" in result.output
    assert [p.name for p in (here / "out").rglob("*")] == [PACK, "notes.txt"]
    assert CliRunner().invoke(cli, [*args, str(here / "fresh")]).exit_code == 0
    assert CliRunner().invoke(cli, [*args, str(here / "fresh")]).exit_code == 0


@pytest.mark.parametrize("out", ["/proc/perfassess-out", "/sys/perfassess-out",
                                 "stars.csv/out"], ids=["proc", "sys", "under-a-file"])
def test_an_output_folder_that_cannot_be_made_is_a_coded_error(here: Path, out: str) -> None:
    code, output = score(here, "--out", out)
    assert code == 1, output
    assert "E-OUTPUT-WRITE" in output and out in output and "Traceback" not in output


def test_a_run_file_whose_out_is_a_file_is_refused(here: Path) -> None:
    (here / "perfassess.yaml").write_text(
        f"out: stars.csv\nruns:\n  - pack: {PACK}\n    inputs: [stars.csv]\n",
        encoding="utf-8")
    here_before = Path.cwd()
    os.chdir(here)
    try:
        result = CliRunner().invoke(cli, ["score"])
    finally:
        os.chdir(here_before)
    assert result.exit_code == 2, result.output
    assert "E-OUTPUT-NOT-OURS" in result.output and "stars.csv" in result.output
    assert (here / "stars.csv").read_text(encoding="utf-8") == STARS


def test_folders_get_the_users_permissions(here: Path) -> None:
    before = os.umask(0o022)
    try:
        assert score(here, "--out", "out")[0] == 0
    finally:
        os.umask(before)
    folders = [here / "out" / PACK, *(p for p in (here / "out" / PACK).rglob("*")
                                      if p.is_dir())]
    assert {stat.S_IMODE(p.stat().st_mode) for p in folders} == {0o755}
    assert stat.S_IMODE((here / "out" / PACK / "ratings.csv").stat().st_mode) == 0o644


def _limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails, EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))


def test_a_file_size_limit_is_a_coded_error_and_changes_nothing(here: Path) -> None:
    assert score(here, "--out", "out")[0] == 0
    (here / "stars.csv").write_text(STARS.replace("Yes,Excellent", "No,Poor"),
                                    encoding="utf-8")
    before = everything(here)
    proc = subprocess.run([sys.executable, "-m", "perfassess", "score", "--pack", PACK,
                           "--input", "stars.csv", "--out", "out", "--format", "json"],
                          cwd=here, capture_output=True, text=True, timeout=120,
                          preexec_fn=_limit_file_size,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    problems = json.loads(proc.stdout)["problems"]
    assert [p["code"] for p in problems] == ["E-OUTPUT-WRITE"]
    assert "File too large" in problems[0]["message"]
    assert problems[0]["file"] == f"out/{PACK}"  # the folder being written
    assert everything(here) == before  # the earlier outputs, and nothing left behind
