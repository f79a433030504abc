"""Area reports rendered on forked workers: the same files as in one process, the same coded
problem when a template fails there, and an interruption that leaves nothing behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from perfassess.api import score
from perfassess.core.problems import ProblemsFound
from perfassess.core.progress import Progress
from perfassess.io.write import TEST_HOOK
from perfassess.report.data import RunData
from perfassess.report.publish import (
    CHUNK,
    MIN_FORKED,
    PackReports,
    write_packs_reports,
    write_run_reports,
)
from tests.conftest import ROOT

SAMPLE = ROOT / "data" / "sample"
CQC = [SAMPLE / "cqc_2024_2025_wide.csv", SAMPLE / "cqc_2024_evidence_categories.csv"]


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def cqc() -> RunData:
    data = RunData.from_result(score("cqc-la-2024", CQC))
    assert len(data.ratings) > 2 * CHUNK  # three pieces of work at least
    return data


def test_two_workers_write_the_files_one_process_writes(cqc: RunData, tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    assert write_run_reports(cqc, one, workers=1) == write_run_reports(cqc, two, workers=2)
    written = files(two)
    assert sum(name.endswith(".html") and "/areas/" in name for name in written) == \
        len(cqc.ratings)
    assert written == files(one)


def test_a_template_failing_in_a_worker_is_the_problem_one_process_reports(
        cqc: RunData, tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    last = str(cqc.ratings["authority_code"].iloc[-1])  # rendered by the last piece of work
    (mine / "area.md.j2").write_text(
        f"# {{{{ authority.code }}}}\n{{{{ 1 // 0 if authority.code == '{last}' }}}}\n",
        encoding="utf-8")
    shown = []
    for workers in (1, 2):
        folder = tmp_path / f"out{workers}"
        folder.mkdir()
        with pytest.raises(ProblemsFound) as caught:
            write_run_reports(cqc, folder, mine, workers=workers)
        shown.append([(p.code, p.file, p.row, p.message) for p in caught.value.problems])
    assert shown[0] == shown[1]
    code, file, row, _ = shown[0][0]
    assert (code, row) == ("E-TEMPLATE-ERROR", 2) and file.endswith("mine/area.md.j2")
    assert "ZeroDivisionError" in shown[0][0][3]


OFLOG = SAMPLE / "oflog_asc_2015_2019.csv"  # more authority-periods than MIN_FORKED
ONE_PACK = ["--pack", "oflog-asc", "--input", str(OFLOG)]
# Two packs: each rendered whole by a worker, side by side.
RUN_FILE = {"runs": [{"pack": "cqc-la-2024", "inputs": [str(p) for p in CQC]},
                     {"pack": "caa-2009", "inputs": [str(SAMPLE / "caa_2009.csv")]}]}


def areas_written(out: Path) -> int:
    """Area reports in the run's hidden work folders so far."""
    count = 0
    for work in (out.glob(".*") if out.is_dir() else []):
        for areas in work.glob("*/areas"):
            count += len(os.listdir(areas))
    return count


def interrupted(tmp_path: Path, sig: str, to: str, packs: str
                ) -> subprocess.CompletedProcess[str]:
    """The run, sent ``sig`` while the workers render: by the test hook to the parent alone
    (as ``kill PID`` does), or to its whole process group (as Ctrl-C at a terminal does)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    if to == "parent":
        env[TEST_HOOK] = f"areas-2:{sig}" if packs == "one" else f"packs-1:{sig}"
    if packs == "one":
        chosen = ONE_PACK
    else:
        (tmp_path / "run.yaml").write_text(json.dumps(RUN_FILE), encoding="utf-8")
        chosen = ["--config", str(tmp_path / "run.yaml")]
    argv = [sys.executable, "-m", "perfassess", "score", *chosen, "--out",
            str(tmp_path / "out")]
    with subprocess.Popen(argv, cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, start_new_session=True) as child:
        if to == "group":
            while areas_written(tmp_path / "out") < CHUNK and child.poll() is None:
                time.sleep(0.005)
            os.killpg(child.pid, getattr(signal, sig))
        stdout, stderr = child.communicate(timeout=300)
    return subprocess.CompletedProcess(argv, child.returncode, stdout, stderr)


@pytest.mark.parametrize("packs", ["one", "two"])
@pytest.mark.parametrize("to", ["parent", "group"])
@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_an_interruption_while_workers_render_leaves_nothing_behind(
        tmp_path: Path, sig: str, to: str, packs: str) -> None:
    assert OFLOG.read_text(encoding="utf-8").count("\n") > MIN_FORKED
    proc = interrupted(tmp_path, sig, to, packs)
    assert proc.returncode == (1 if sig == "SIGINT" else -signal.SIGTERM), proc.stderr
    assert "Traceback" not in proc.stderr
    out = tmp_path / "out"
    assert not out.exists() or list(out.iterdir()) == []
    for pid in filter(str.isdigit, os.listdir("/proc")):  # no worker outlives the run
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        assert cwd != str(tmp_path), f"process {pid} still runs in the test's folder"


def test_a_template_failing_in_a_pack_worker_fails_the_run_as_in_one_process(
        tmp_path: Path) -> None:
    """Two packs rendered side by side; caa-2009's national page fails in its worker: the
    run reports the template's coded problem at its line, exits 1 and writes nothing."""
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "national.md.j2").write_text(
        "# {{ pack.id }}\n{{ 1 // 0 if pack.id == 'caa-2009' }}\n", encoding="utf-8")
    (tmp_path / "run.yaml").write_text(json.dumps(RUN_FILE), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run(
        [sys.executable, "-m", "perfassess", "score", "--config", str(tmp_path / "run.yaml"),
         "--templates", str(mine), "--out", str(tmp_path / "out")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 1, proc.stderr
    assert "E-TEMPLATE-ERROR" in proc.stderr and "mine/national.md.j2:2" in proc.stderr
    assert "ZeroDivisionError" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


class Stages(Progress):
    """A progress watcher that keeps the names of the stages it is told of."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def stage(self, name: str, total: int | None = None) -> None:
        self.names.append(name)


def test_packs_go_side_by_side_unless_one_has_most_of_the_pages(tmp_path: Path) -> None:
    cqc = score("cqc-la-2024", CQC)
    caa = score("caa-2009", [SAMPLE / "caa_2009.csv"])
    tiny = tmp_path / "tiny.csv"
    tiny.write_text("\n".join((SAMPLE / "caa_2009.csv").read_text(encoding="utf-8")
                              .splitlines()[:2]) + "\n", encoding="utf-8")
    one = score("caa-2009", [tiny])
    assert len(one.ratings) == 1
    for results, told in (([cqc, caa], ["rendering the reports of 2 packs"]),
                          ([cqc, one], ["cqc-la-2024: rendering reports",
                                        "caa-2009: rendering reports"])):
        folders = [tmp_path / f"{len(told)}-{k}" for k in range(len(results))]
        for folder in folders:
            folder.mkdir()
        stages = Stages()
        written = write_packs_reports([PackReports(r, f) for r, f in zip(results, folders,
                                                                         strict=True)],
                                      progress=stages)
        assert stages.names == told
        for result, folder, entries in zip(results, folders, written, strict=True):
            areas = list(folder.glob("*/areas/*.html"))
            assert len(areas) == len(result.ratings) and entries["reports.sha256"]["files"]
