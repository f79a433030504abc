"""A two-pack run interrupted at each stage of publishing leaves every output old or new."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from perfassess.cli import cli
from perfassess.io.write import JOURNAL, TEST_HOOK, repair
from tests.conftest import ROOT

CQC = ("authority_code,period,qs1_assessing_needs,qs2_supporting_healthier_lives,"
       "qs3_equity_in_experience_and_outcomes,qs4_care_provision_integration_continuity,"
       "qs5_partnerships_and_communities,qs6_safe_pathways_systems_transitions,"
       "qs7_safeguarding,qs8_governance_management_sustainability,"
       "qs9_learning_improvement_innovation\nE1,2024,3,3,3,3,3,3,3,3,3\n")
STARS = ("authority_code,period,adults_serving,adults_prospects,children_serving,"
         "children_prospects\nE1,2002,Yes,Excellent,Yes,Excellent\n")
RUN_FILE = ("out: out\nruns:\n  - pack: cqc-la-2024\n    inputs: [cqc.csv]\n"
            "  - pack: ss-stars-2002\n    inputs: [stars.csv]\n")

# Publishing two packs and the two index files: four outputs built, then switched one by
# one (docs/publishing.md names the stages).
BUILDING = ["built-1", "built-2", "built-3", "built-4", "built"]
SWITCHING = ["journal", *(f"{step}-{n}" for n in range(1, 5) for step in ("aside", "in"))]
STAGES = [*BUILDING, *SWITCHING, "committed"]
SOME = ["built-2", "journal", "aside-1", "in-1", "aside-2", "committed"]
NEXT_RUN = ["built-1", "aside-2", "committed"]

# One process runs perfassess once (warm, as a long run would be) and forks a child per
# run: each child is the CLI, `perfassess score` in its folder, killed or interrupted for
# real by the test hook.
DRIVER = r"""
import json, os, sys
from perfassess.cli.main import cli

os.chdir(sys.argv[2])
cli.main(["score", "--quiet"], prog_name="perfassess", standalone_mode=False)
status = {}
for name, folder, hooks in json.loads(sys.argv[1]):
    for number, hook in enumerate(hooks):
        pid = os.fork()
        if pid == 0:
            os.chdir(folder)
            if hook:
                os.environ["PERFASSESS_TEST_KILL_AT"] = hook
            log = os.open(f"run-{number}.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(log, 1)
            os.dup2(log, 2)
            try:
                cli.main(["score"], prog_name="perfassess")
            except SystemExit as exc:
                os._exit(exc.code if isinstance(exc.code, int) else 1)
            os._exit(0)
        status.setdefault(name, []).append(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
print(json.dumps(status))
"""


def drive(cases: list[tuple[str, Path, list[str | None]]], warm: Path) -> dict[str, list[int]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop(TEST_HOOK, None)
    proc = subprocess.run([sys.executable, "-c", DRIVER,
                           json.dumps([(n, str(f), h) for n, f, h in cases]), str(warm)],
                          capture_output=True, text=True, env=env, timeout=300, check=True)
    return {name: codes for name, codes in json.loads(proc.stdout).items()}


def project(folder: Path, new: bool) -> Path:
    folder.mkdir(parents=True)
    (folder / "perfassess.yaml").write_text(RUN_FILE, encoding="utf-8")
    cqc, stars = (CQC.replace(",3", ",4"), STARS.replace("Yes,Excellent", "No,Poor")) \
        if new else (CQC, STARS)
    (folder / "cqc.csv").write_text(cqc, encoding="utf-8")
    (folder / "stars.csv").write_text(stars, encoding="utf-8")
    return folder


def published(out: Path) -> dict[str, bytes]:
    """What a reader of ``out`` sees: every file outside the hidden work in progress."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and not p.relative_to(out).parts[0].startswith(".")}


def left_behind(out: Path) -> list[str]:
    return sorted(p.name for p in out.rglob(".*"))


def score_in(folder: Path) -> None:
    here = Path.cwd()
    os.chdir(folder)
    try:
        result = CliRunner().invoke(cli, ["score", "--quiet"])
    finally:
        os.chdir(here)
    assert result.exit_code == 0, result.output


class Runs:
    def __init__(self, root: Path) -> None:
        old, new = project(root / "old", False), project(root / "new", True)
        score_in(old)
        score_in(new)
        self.old, self.new = published(old / "out"), published(new / "out")
        assert self.old.keys() == self.new.keys() and self.old != self.new
        assert all(self.old[f] != self.new[f] for f in (
            "cqc-la-2024/ratings.csv", "ss-stars-2002/ratings.csv", "index.md"))
        cases: list[tuple[str, Path, list[str | None]]] = []
        for name, hooks in self.plan():
            folder = project(root / name, True)
            shutil.copytree(old / "out", folder / "out")
            cases.append((name, folder, hooks))
        self.root = root
        self.codes = drive(cases, project(root / "warm", True))

    @staticmethod
    def plan() -> list[tuple[str, list[str | None]]]:
        runs: list[tuple[str, list[str | None]]] = []
        runs += [(f"SIGKILL-{stage}", [f"{stage}:SIGKILL"]) for stage in STAGES]
        runs += [(f"{sig}-{stage}", [f"{stage}:{sig}"]) for sig in ("SIGINT", "SIGTERM")
                 for stage in SOME]
        runs += [(f"SIGKILL-{stage}-then-run", [f"{stage}:SIGKILL", None])
                 for stage in NEXT_RUN]
        return runs

    def out(self, name: str) -> Path:
        return self.root / name / "out"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    return Runs(tmp_path_factory.mktemp("interrupted"))


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("stage", SOME)
def test_ctrl_c_or_sigterm_leaves_all_old_and_nothing_behind(runs: Runs, sig: str,
                                                             stage: str) -> None:
    name = f"{sig}-{stage}"
    out = runs.out(name)
    assert left_behind(out) == []
    if stage == "committed":  # too late to stop: the run ends as it would have
        assert runs.codes[name] == [0]
        assert published(out) == runs.new
        return
    # Ctrl-C exits 1 ("Aborted!"), as everywhere in the CLI; SIGTERM ends the process by
    # SIGTERM, once it has put things back.
    assert runs.codes[name] == [1 if sig == "SIGINT" else -signal.SIGTERM]
    assert published(out) == runs.old


@pytest.mark.parametrize("stage", STAGES)
def test_sigkill_is_repaired_to_all_old_or_all_new(runs: Runs, stage: str) -> None:
    name = f"SIGKILL-{stage}"
    out = runs.out(name)
    assert runs.codes[name] == [-signal.SIGKILL]
    if stage in BUILDING:  # nothing was moved yet: a reader sees the old outputs
        assert published(out) == runs.old
    else:
        assert (out / JOURNAL).is_file()  # says what to undo, or finish
    assert left_behind(out)
    repair(out)
    assert left_behind(out) == []
    assert published(out) == (runs.new if stage == "committed" else runs.old)


@pytest.mark.parametrize("stage", NEXT_RUN)
def test_the_next_run_repairs_what_a_sigkill_left(runs: Runs, stage: str) -> None:
    name = f"SIGKILL-{stage}-then-run"
    out = runs.out(name)
    assert runs.codes[name] == [-signal.SIGKILL, 0]
    assert left_behind(out) == []
    assert published(out) == runs.new
