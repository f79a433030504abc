"""A failed or interrupted run leaves the previous outputs exactly as they were."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from perfassess import runner
from perfassess.core.problems import ProblemsFound
from perfassess.io.write import atomic_batch, atomic_folder, atomic_folders, pending_outputs
from perfassess.runner import RunOptions, RunRequest, run

WIDE = ("authority_code,period,qs1_assessing_needs,qs2_supporting_healthier_lives,"
        "qs3_equity_in_experience_and_outcomes,qs4_care_provision_integration_continuity,"
        "qs5_partnerships_and_communities,qs6_safe_pathways_systems_transitions,"
        "qs7_safeguarding,qs8_governance_management_sustainability,"
        "qs9_learning_improvement_innovation\nE1,2024,3,3,3,3,3,3,3,3,3\n")
STARS = ("authority_code,period,adults_serving,adults_prospects,children_serving,"
         "children_prospects\nE1,2002,Yes,Excellent,Yes,Excellent\n")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def published(tmp_path: Path) -> tuple[list[RunRequest], RunOptions, dict[str, bytes]]:
    cqc = tmp_path / "cqc.csv"
    cqc.write_text(WIDE, encoding="utf-8")
    stars = tmp_path / "stars.csv"
    stars.write_text(STARS, encoding="utf-8")
    requests = [RunRequest("cqc-la-2024", [cqc]), RunRequest("ss-stars-2002", [stars])]
    options = RunOptions(tmp_path / "out")
    run(requests, options)
    before = snapshot(options.out)
    assert "cqc-la-2024/ratings.csv" in before and "ss-stars-2002/ratings.csv" in before
    # The next run would change the outputs: a different rating for E1.
    cqc.write_text(WIDE.replace(",3,3,3,3,3,3,3,3,3", ",4,4,4,4,4,4,4,4,4"), encoding="utf-8")
    return requests, options, before


def fail_on(pack_id: str, error: BaseException) -> Any:
    real = runner.render_summary

    def render(plan: Any, *args: Any, **kwargs: Any) -> str:
        if plan.pack.id == pack_id:
            raise error
        return real(plan, *args, **kwargs)
    return render


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()],
                         ids=["failure", "interrupt"])
@pytest.mark.parametrize("pack_id", ["cqc-la-2024", "ss-stars-2002"])
def test_a_failure_while_publishing_changes_nothing(
        published: tuple[list[RunRequest], RunOptions, dict[str, bytes]],
        monkeypatch: pytest.MonkeyPatch, pack_id: str, error: BaseException) -> None:
    requests, options, before = published
    monkeypatch.setattr(runner, "render_summary", fail_on(pack_id, error))
    # A file-system error is reported as a problem (E-OUTPUT-WRITE), not raised as it came.
    with pytest.raises(ProblemsFound if isinstance(error, OSError) else type(error)):
        run(requests, options)
    # Even when the second pack fails, the first pack's new outputs are not published.
    assert snapshot(options.out) == before
    assert sorted(p.name for p in options.out.iterdir()) == [
        "cqc-la-2024", "index.html", "index.md", "ss-stars-2002"]  # no temporary folders left


def test_a_successful_run_replaces_each_folder_whole(
        published: tuple[list[RunRequest], RunOptions, dict[str, bytes]]) -> None:
    requests, options, before = published
    stale = options.out / "cqc-la-2024" / "left-over.txt"
    stale.write_text("from an older version", encoding="utf-8")
    run(requests, options)
    after = snapshot(options.out)
    assert after["cqc-la-2024/ratings.csv"] != before["cqc-la-2024/ratings.csv"]
    assert after["ss-stars-2002/ratings.csv"] == before["ss-stars-2002/ratings.csv"]
    assert not stale.exists()
    assert not [p for p in options.out.iterdir() if p.name.startswith(".")]


def test_a_batch_swaps_only_when_every_folder_succeeded(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for folder in (first, second):
        folder.mkdir()
        (folder / "x.txt").write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_batch():
        with atomic_folder(first) as work:
            (work / "x.txt").write_text("new", encoding="utf-8")
        assert (first / "x.txt").read_text() == "old"  # built, not yet swapped in
        with atomic_folder(second) as work:
            raise RuntimeError("boom")
    assert [(f / "x.txt").read_text() for f in (first, second)] == ["old", "old"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]
    with atomic_batch():
        for folder in (first, second):
            with atomic_folder(folder) as work:
                (work / "x.txt").write_text("new", encoding="utf-8")
    assert [(f / "x.txt").read_text() for f in (first, second)] == ["new", "new"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]


def test_folders_built_side_by_side_replace_their_targets_all_or_none(tmp_path: Path) -> None:
    targets = [tmp_path / name for name in ("a", "b", "c")]
    for folder in targets[:2]:
        folder.mkdir()
        (folder / "x.txt").write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_folders(targets) as works:
        for work in works:
            (work / "x.txt").write_text("new", encoding="utf-8")
        raise RuntimeError("boom")
    assert [(f / "x.txt").read_text() for f in targets[:2]] == ["old", "old"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]  # nothing of the works
    with atomic_batch():
        with atomic_folders(targets) as works:
            assert [w.parent for w in works] == [tmp_path] * 3 and len(set(works)) == 3
            for work, target in zip(works, targets, strict=True):
                (work / "x.txt").write_text(f"new {target.name}", encoding="utf-8")
        assert list(pending_outputs()) == targets  # in the order given
        assert (targets[0] / "x.txt").read_text() == "old"  # built, not yet swapped in
    assert [(f / "x.txt").read_text() for f in targets] == ["new a", "new b", "new c"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "c"]


def test_folders_that_cannot_be_made_leave_none_of_the_others(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    targets = [tmp_path / "a", tmp_path / "file" / "b"]
    with pytest.raises(ProblemsFound) as caught, atomic_folders(targets):
        pass
    problem = next(iter(caught.value.problems))
    assert problem.code == "E-OUTPUT-WRITE" and "file" in str(problem.file)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]  # a's work removed
