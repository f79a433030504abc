"""File names made from data (authority codes, periods): safe, distinct, inside the output."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

MAX_NAME = 80  # characters, well under every file system's limit with a suffix added
_KEEP = re.compile(r"[^A-Za-z0-9._-]+")
_DEVICES = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
                      *(f"lpt{i}" for i in range(1, 10))})  # Windows refuses these names


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:10]


def safe_filename(text: str, max_length: int = MAX_NAME) -> str:
    """A file-name stem for any text.

    Letters, digits, ``.``, ``_`` and ``-`` are kept, every other run of characters becomes
    ``_``, and the name never starts with a dot. When that changed anything (or the text is
    empty, too long or a Windows device name), a short hash of the original is appended, so
    two different texts cannot share a name and ``../x`` cannot climb out of a folder.
    """
    cleaned = _KEEP.sub("_", text).lstrip(".")
    stem = cleaned.split(".")[0].lower()
    if cleaned == text and text and len(text) <= max_length and stem not in _DEVICES:
        return text
    return _hashed(text, max_length)


def safe_filenames(texts: Iterable[str], max_length: int = MAX_NAME) -> dict[str, str]:
    """Safe names for many texts, distinct even where case is ignored (Windows, macOS):
    names that would clash all take their hashed form. Depends only on the set of texts."""
    names = {text: safe_filename(text, max_length) for text in sorted(set(texts))}
    while True:
        by_folded: dict[str, list[str]] = {}
        for text, name in names.items():
            by_folded.setdefault(name.casefold(), []).append(text)
        clashing = [t for group in by_folded.values() if len(group) > 1 for t in group
                    if names[t] != _hashed(t, max_length)]
        if not clashing:
            return names
        for text in clashing:  # each round hashes more names; hashed names differ
            names[text] = _hashed(text, max_length)


def _hashed(text: str, max_length: int) -> str:
    cleaned = _KEEP.sub("_", text).lstrip(".")
    if cleaned.split(".")[0].lower() in _DEVICES:
        cleaned = "_" + cleaned  # Windows reserves COM1.txt as much as COM1
    return f"{cleaned[: max_length - 11] or '_'}-{_digest(text)}"


def path_inside(folder: Path, *parts: str) -> Path:
    """``folder/parts…``, refused (ValueError) if it would resolve outside ``folder``.

    A second guard behind :func:`safe_filename`: use both when a part comes from data.
    """
    base = folder.resolve()
    target = base.joinpath(*parts).resolve()
    if target != base and base not in target.parents:
        raise ValueError(f"{'/'.join(parts)!r} would leave {folder}")
    return base.joinpath(*parts)
