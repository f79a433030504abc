"""The pack lock (``rules/packs.lock``): each built-in pack version and its content hash."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from perfassess.spec import loader
from perfassess.spec.loader import VERSIONS_DIR, pack_versions, read_pack, version_key

LOCK_FILE = "packs.lock"
CHANGELOG_FILE = "CHANGELOG.md"
LOCK_COMMAND = "perfassess rules lock"
HEADER = (
    "# Built-in rule packs: id, version, content hash (canonical form of pack.yaml).\n"
    "# A pack whose content changes needs a new version, a CHANGELOG.md entry and a\n"
    f"# refreshed lock: `{LOCK_COMMAND}`. Kept older versions are locked too.\n"
)


@dataclass(frozen=True, order=True)
class LockEntry:
    pack_id: str
    version: str
    content_hash: str

    def line(self) -> str:
        return f"{self.pack_id} {self.version} {self.content_hash}"


def lock_path(root: Path | None = None) -> Path:
    return (root or loader.builtin_root()) / LOCK_FILE


def current_entries() -> list[LockEntry]:
    """Every built-in pack and every older version kept beside it, hashed now."""
    entries = []
    for pack_id in loader.builtin_ids():
        for version in pack_versions(loader.builtin_root() / pack_id):
            loaded = read_pack(f"{pack_id}@{version}")
            entries.append(LockEntry(pack_id, loaded.pack.version, loaded.content_hash))
    return sorted(entries, key=lambda e: (e.pack_id, version_key(e.version)))


def read_lock(path: Path) -> list[LockEntry]:
    if not path.is_file():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split()
        if len(fields) == 3 and not line.startswith("#"):
            entries.append(LockEntry(*fields))
    return entries


def render_lock(entries: list[LockEntry]) -> str:
    return HEADER + "".join(e.line() + "\n" for e in entries)


def changed(locked: list[LockEntry], current: list[LockEntry]) -> list[LockEntry]:
    """Pack versions whose content hash is not the one recorded for that version."""
    recorded = {(e.pack_id, e.version): e.content_hash for e in locked}
    return [e for e in current
            if recorded.get((e.pack_id, e.version), e.content_hash) != e.content_hash]


def lock_problems(locked: list[LockEntry], current: list[LockEntry]) -> list[str]:
    """Why the lock does not match the packs as they are now (empty when it does)."""
    recorded = {(e.pack_id, e.version): e.content_hash for e in locked}
    problems = [f"{e.pack_id} {e.version} is not in {LOCK_FILE}: add a {CHANGELOG_FILE} "
                f"entry for it and run `{LOCK_COMMAND}`"
                for e in current if (e.pack_id, e.version) not in recorded]
    for entry in changed(locked, current):
        was = recorded[(entry.pack_id, entry.version)]
        head = (f"{entry.pack_id} {entry.version} changed since it was locked ({was} -> "
                f"{entry.content_hash}) without a version bump, so results published under "
                f"{entry.version} could no longer be reproduced. ")
        if _is_kept(entry):
            problems.append(head + "A kept older version must never change: restore "
                            f"rules/{entry.pack_id}/{VERSIONS_DIR}/{entry.version}/ from git.")
        else:
            where = f"rules/{entry.pack_id}"
            problems.append(
                head + f"Bump `version` in {where}/pack.yaml, add an entry for the new version "
                f"to {where}/{CHANGELOG_FILE}, and run `{LOCK_COMMAND}`. To keep the old "
                f"version runnable, copy the previous pack.yaml (from git) to "
                f"{where}/{VERSIONS_DIR}/{entry.version}/.")
    return problems


def changelog_problems(current: list[LockEntry]) -> list[str]:
    """Every locked version must have an entry (a ``## VERSION`` heading) in its changelog."""
    problems = []
    for entry in current:
        path = loader.builtin_root() / entry.pack_id / CHANGELOG_FILE
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        headings = {line[3:].split()[0] for line in text.splitlines()
                    if line.startswith("## ") and len(line) > 3}
        if entry.version not in headings:
            problems.append(f"rules/{entry.pack_id}/{CHANGELOG_FILE} has no `## {entry.version}` "
                            "entry")
    return problems


def _is_kept(entry: LockEntry) -> bool:
    return (loader.builtin_root() / entry.pack_id / VERSIONS_DIR / entry.version).is_dir()


def refresh(path: Path, *, force: bool = False) -> tuple[list[LockEntry], list[str]]:
    """The lock as it should now be; refuses (returns problems) when a locked version's
    content changed, unless ``force``. Versions no longer present stay recorded."""
    locked = read_lock(path)
    current = current_entries()
    problems = [] if force else lock_problems(locked, changed(locked, current))
    keep = {(e.pack_id, e.version): e for e in locked}
    for entry in current:
        keep[(entry.pack_id, entry.version)] = entry
    entries = sorted(keep.values(), key=lambda e: (e.pack_id, version_key(e.version)))
    return entries, problems
