"""File names made from data (authority codes, periods): safe, distinct, inside the output."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                       *(f"lpt{i}" for i in range(10))})
MAX_LENGTH = 63  # with '-' and a 16-character hash: at most 80 characters


def _hashed(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{_UNSAFE.sub('_', text)[:MAX_LENGTH] or '_'}-{digest}"


def safe_filename(text: str) -> str:
    """A file-name stem for any text: ASCII letters, digits, ``-`` and ``_`` only.

    Text that is already such a name (not a Windows device name, not too long) is kept as
    it is; anything else has its unsafe characters replaced and a hash of the original
    appended, so no name can climb out of its folder (no ``/``, ``\\``, ``.`` survive).
    """
    if text and not _UNSAFE.search(text) and len(text) <= MAX_LENGTH and (
            text.lower() not in _RESERVED):
        return text
    return _hashed(text)


def safe_filenames(texts: Iterable[str]) -> dict[str, str]:
    """Safe names for a set of texts, distinct even on case-insensitive file systems.

    Texts whose names would clash (``E1`` and ``e1`` on macOS, or a code crafted to look
    like another's hashed name) all take the hashed form. Depends only on the set of texts.
    """
    names = {text: safe_filename(text) for text in sorted(set(texts))}
    while True:
        groups: dict[str, list[str]] = {}
        for text, name in names.items():
            groups.setdefault(name.casefold(), []).append(text)
        clashing = [t for group in groups.values() if len(group) > 1 for t in group
                    if names[t] != _hashed(t)]
        if not clashing:
            break
        for text in clashing:
            names[text] = _hashed(text)
    if len({name.casefold() for name in names.values()}) != len(names):
        raise ValueError("two different texts hash to the same file name")
    return names


def path_inside(folder: Path, *parts: str) -> Path:
    """``folder/parts…``, refused (ValueError) if it would resolve outside ``folder``.

    A second guard behind :func:`safe_filename`: use both when a part comes from data.
    """
    base = folder.resolve()
    target = base.joinpath(*parts).resolve()
    if target != base and base not in target.parents:
        raise ValueError(f"{'/'.join(parts)!r} would leave {folder}")
    return base.joinpath(*parts)


def names_inside(folder: Path, names: Iterable[str]) -> None:
    """:func:`path_inside` for many names of a fresh folder (one with no links in it), at
    once: ValueError at the first that would leave it. A name with no separator that is
    not ``.`` or ``..`` cannot, so only the others are resolved."""
    for name in names:
        if "/" in name or "\\" in name or name in ("", ".", ".."):
            path_inside(folder, name)


def display_path(path: Path, base: Path | None) -> str:
    """``path`` relative to ``base`` in POSIX form; a path outside ``base`` by its name only,
    so no machine-specific folder ever reaches a manifest."""
    if base is not None:
        try:
            rel = path.resolve().relative_to(base.resolve())
            return str(PurePosixPath(*rel.parts)) if rel.parts else "."
        except ValueError:
            pass
    if not path.is_absolute() and ".." not in path.parts:
        return str(PurePosixPath(*path.parts))
    return path.name
