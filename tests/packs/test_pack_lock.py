"""Pack versions: a pack's content never changes without a version bump, a changelog entry and
a refreshed lock; older versions kept in the repository still load and pass their cases."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from perfassess.cases import has_cases, run_cases
from perfassess.cli import cli
from perfassess.packs import load_pack
from perfassess.spec import loader
from perfassess.spec.loader import builtin_ids, builtin_root, pack_versions
from perfassess.spec.lock import (
    LOCK_COMMAND,
    changelog_problems,
    current_entries,
    lock_path,
    lock_problems,
    read_lock,
)


def test_every_pack_version_matches_the_lock() -> None:
    problems = lock_problems(read_lock(lock_path()), current_entries())
    assert not problems, "\n".join(problems)


def test_every_pack_version_has_a_changelog_entry() -> None:
    problems = changelog_problems(current_entries())
    assert not problems, "\n".join(problems)


def test_every_kept_version_loads_and_passes_its_cases() -> None:
    kept = [(p, v) for p in builtin_ids() for v in pack_versions(builtin_root() / p)
            if v != load_pack(p).pack.version]
    assert ("ss-stars-2002", "1.0.0") in kept
    for pack_id, version in kept:
        loaded = load_pack(f"{pack_id}@{version}")
        assert loaded.pack.id == pack_id and loaded.pack.version == version
        if has_cases(loaded):
            assert all(r.passed for r in run_cases(loaded)), (pack_id, version)


@pytest.fixture
def rules_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of rules/ that the loader treats as the built-in packs."""
    root = tmp_path / "rules"
    shutil.copytree(builtin_root(), root)
    monkeypatch.setattr(loader, "builtin_root", lambda: root)
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_rule_change_without_a_bump_fails_and_says_what_to_do(rules_copy: Path) -> None:
    version = load_pack("cqc-la-2024").pack.version
    edit(rules_copy / "cqc-la-2024" / "pack.yaml", "cuts: [39, 63, 88]", "cuts: [40, 63, 88]")
    problems = lock_problems(read_lock(lock_path()), current_entries())
    assert len(problems) == 1
    message = problems[0]
    assert message.startswith(f"cqc-la-2024 {version} changed since it was locked")
    assert "Bump `version`" in message and "CHANGELOG.md" in message and LOCK_COMMAND in message
    # ... and `rules lock` refuses to paper over it.
    result = CliRunner().invoke(cli, ["rules", "lock"])
    assert result.exit_code == 1 and "E-PACK-LOCK" in result.output


def test_a_formatting_change_needs_no_bump(rules_copy: Path) -> None:
    path = rules_copy / "cqc-la-2024" / "pack.yaml"
    path.write_text("# reformatted\n" + path.read_text(encoding="utf-8").replace(
        "cuts: [39, 63, 88]", "cuts: [39, 63, 88.0]"), encoding="utf-8")
    assert lock_problems(read_lock(lock_path()), current_entries()) == []


def test_an_older_version_must_never_change(rules_copy: Path) -> None:
    edit(rules_copy / "ss-stars-2002" / "versions" / "1.0.0" / "pack.yaml",
         "cuts: [9, 12, 16, 20]", "cuts: [9, 12, 16, 21]")
    problems = lock_problems(read_lock(lock_path()), current_entries())
    assert len(problems) == 1 and "ss-stars-2002 1.0.0" in problems[0]
    assert "must never change" in problems[0]


def test_bump_changelog_and_lock_is_the_way_through(rules_copy: Path) -> None:
    pack = rules_copy / "cqc-la-2024" / "pack.yaml"
    version = load_pack("cqc-la-2024").pack.version
    edit(pack, "cuts: [39, 63, 88]", "cuts: [40, 63, 88]")
    edit(pack, f"version: {version}", "version: 9.0.0")
    problems = lock_problems(read_lock(lock_path()), current_entries())
    assert problems == ["cqc-la-2024 9.0.0 is not in packs.lock: add a CHANGELOG.md entry for "
                        f"it and run `{LOCK_COMMAND}`"]
    result = CliRunner().invoke(cli, ["rules", "lock"])
    assert result.exit_code == 1 and "no `## 9.0.0` entry" in result.output
    changelog = rules_copy / "cqc-la-2024" / "CHANGELOG.md"
    changelog.write_text(changelog.read_text(encoding="utf-8") + "\n## 9.0.0\n\n- A cut.\n",
                         encoding="utf-8")
    result = CliRunner().invoke(cli, ["rules", "lock"])
    assert result.exit_code == 0, result.output
    locked = read_lock(lock_path())
    assert {(e.pack_id, e.version) for e in locked} >= {("cqc-la-2024", version),
                                                        ("cqc-la-2024", "9.0.0")}
    assert lock_problems(locked, current_entries()) == []
    # The real lock is untouched.
    assert lock_path() == rules_copy / "packs.lock"


def test_rules_list_shows_older_versions() -> None:
    result = CliRunner().invoke(cli, ["rules", "list"])
    assert result.exit_code == 0
    line = next(x for x in result.output.splitlines() if x.startswith("ss-stars-2002"))
    assert line.split()[1:3] == [load_pack("ss-stars-2002").pack.version, "1.0.0"]
