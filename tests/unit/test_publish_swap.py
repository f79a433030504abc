"""The switch of a batch's outputs: journalled, undone on Ctrl-C, repaired after a kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from perfassess.io.write import (
    JOURNAL,
    TEST_HOOK,
    atomic_batch,
    atomic_file,
    atomic_folder,
    publishing,
    repair,
)


def state(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(folder.rglob("*")) if p.is_file()}


def publish(out: Path, text: str) -> None:
    with atomic_batch():
        for name in ("a", "b"):
            with atomic_folder(out / name) as work:
                (work / "x.txt").write_text(text, encoding="utf-8")
        with atomic_file(out / "index.md") as path:
            path.write_text(text, encoding="utf-8")


@pytest.fixture
def ctrl_c_acts() -> Iterator[None]:
    """Ctrl-C raises KeyboardInterrupt here, as in a terminal, even when the suite was started
    as a background job (whose shell set SIGINT to be ignored)."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


OLD = {"a/x.txt": "old", "b/x.txt": "old", "index.md": "old"}
NEW = {"a/x.txt": "new", "b/x.txt": "new", "index.md": "new"}


@pytest.mark.parametrize("stage", ["built-2", "built", "journal", "aside-1", "in-1",
                                   "aside-2", "in-3"])
@pytest.mark.usefixtures("ctrl_c_acts")
def test_ctrl_c_at_any_stage_before_the_commit_puts_everything_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stage: str) -> None:
    publish(tmp_path, "old")
    term = signal.getsignal(signal.SIGTERM)
    monkeypatch.setenv(TEST_HOOK, f"{stage}:SIGINT")
    with pytest.raises(KeyboardInterrupt):
        publish(tmp_path, "new")
    assert state(tmp_path) == OLD  # and no journal, no hidden folder
    # The handlers are perfassess's only while it publishes.
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert signal.getsignal(signal.SIGTERM) == term


def test_ctrl_c_after_the_commit_is_too_late_to_stop_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    publish(tmp_path, "old")
    monkeypatch.setenv(TEST_HOOK, "committed:SIGINT")
    publish(tmp_path, "new")
    assert state(tmp_path) == NEW


def dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def killed_while_switching(out: Path, committed: bool) -> None:
    """What a SIGKILL leaves after moving a's old folder aside and a's new one in."""
    pid = dead_pid()
    publish(out, "old")
    (out / f".a.old-{pid}-00").mkdir()
    os.replace(out / "a" / "x.txt", out / f".a.old-{pid}-00" / "x.txt")
    (out / "a" / "x.txt").write_text("new", encoding="utf-8")
    for name in ("b", "index.md") if not committed else ():
        new = out / f".{name}.tmp-{pid}-00"
        if name == "b":
            new.mkdir()
            (new / "x.txt").write_text("new", encoding="utf-8")
        else:
            new.write_text("new", encoding="utf-8")
    if committed:
        for name in ("b", "index.md"):
            (out / name / "x.txt" if name == "b" else out / name).write_text(
                "new", encoding="utf-8")
    entries = [{"target": n, "new": f".{n}.tmp-{pid}-00", "old": f".{n}.old-{pid}-00"}
               for n in ("a", "b", "index.md")]
    (out / JOURNAL).write_text(json.dumps({
        "pid": pid, "state": "committed" if committed else "switching",
        "entries": entries}), encoding="utf-8")


def test_a_switch_killed_half_way_is_rolled_back(tmp_path: Path) -> None:
    killed_while_switching(tmp_path, committed=False)
    repair(tmp_path)
    assert state(tmp_path) == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "index.md"]


def test_a_committed_switch_is_finished(tmp_path: Path) -> None:
    killed_while_switching(tmp_path, committed=True)
    repair(tmp_path)
    assert state(tmp_path) == NEW
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "index.md"]


def test_the_next_publish_repairs_first(tmp_path: Path) -> None:
    killed_while_switching(tmp_path, committed=False)
    publish(tmp_path, "newer")
    assert set(state(tmp_path).values()) == {"newer"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "index.md"]


def test_only_dead_runs_work_in_progress_is_removed(tmp_path: Path) -> None:
    mine = tmp_path / f".a.tmp-{os.getpid()}-0a"  # a run still going: this one
    dead = tmp_path / f".a.tmp-{dead_pid()}-0b"
    theirs = tmp_path / ".config"
    for folder in (mine, dead, theirs):
        folder.mkdir()
    (tmp_path / JOURNAL).write_text("not json", encoding="utf-8")
    repair(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([mine.name, theirs.name])


def test_an_old_version_with_nothing_in_its_place_is_put_back(tmp_path: Path) -> None:
    # What a perfassess before the journal left when killed between its two renames.
    old = tmp_path / f".a.old-{dead_pid()}"
    old.mkdir()
    (old / "x.txt").write_text("old", encoding="utf-8")
    repair(tmp_path)
    assert state(tmp_path) == {"a/x.txt": "old"}


def test_a_journal_naming_paths_outside_is_not_followed(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "keep").mkdir()
    (tmp_path / "out" / JOURNAL).write_text(json.dumps({"state": "switching", "entries": [
        {"target": "../keep", "new": "../keep", "old": "../keep"}]}), encoding="utf-8")
    repair(tmp_path / "out")
    assert (tmp_path / "keep").is_dir() and not list((tmp_path / "out").iterdir())


def test_new_folders_follow_the_umask(tmp_path: Path) -> None:
    before = os.umask(0o027)
    try:
        with atomic_folder(tmp_path / "a") as work:
            (work / "sub").mkdir()
    finally:
        os.umask(before)
    assert {(p.stat().st_mode & 0o777) for p in (tmp_path / "a", tmp_path / "a" / "sub")} \
        == {0o750}


def test_a_batch_publishes_into_one_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError), atomic_batch():
        for name in ("one/a", "two/a"):
            with atomic_folder(tmp_path / name):
                pass
    assert not [p for p in tmp_path.rglob(".*")]


def test_runs_into_one_folder_publish_one_after_another(tmp_path: Path) -> None:
    order: list[str] = []
    holding, done = threading.Event(), threading.Event()

    def first() -> None:
        with publishing(tmp_path):
            order.append("first holds")
            holding.set()
            done.wait(5)
            order.append("first lets go")

    def second() -> None:
        holding.wait(5)
        with publishing(tmp_path):
            order.append("second holds")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    holding.wait(5)
    time.sleep(0.2)  # time enough for the second to take the lock, were it free
    done.set()
    for thread in threads:
        thread.join(5)
    assert order == ["first holds", "first lets go", "second holds"]


def test_an_output_folder_made_for_a_run_that_failed_is_removed(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), publishing(tmp_path / "out"):
        raise RuntimeError("scoring the index failed")
    assert not (tmp_path / "out").exists()
