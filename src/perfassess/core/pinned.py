"""Files a pack ships in its own folder, pinned by SHA-256: found safely, read, checked."""

from __future__ import annotations

import hashlib
from pathlib import Path

# A name relative to the pack folder: no absolute path, no "..", no hidden file.
PACK_FILE_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$"


class PinnedFileError(ValueError):
    """A pinned file is missing, outside its folder, or not the file its hash names;
    ``key`` is the declaration's key at fault ('file' or 'sha256')."""

    def __init__(self, message: str, key: str = "file") -> None:
        super().__init__(message)
        self.key = key


def read_pinned(folder: Path | None, name: str, sha256: str, what: str) -> bytes:
    """The bytes of ``name`` inside ``folder``, if they hash to ``sha256``."""
    if folder is None:
        raise PinnedFileError(f"{name}: this pack was not loaded from a folder, so its "
                              f"{what} cannot be found")
    root = folder.resolve()
    target = (root / name).resolve()
    if not target.is_relative_to(root):
        raise PinnedFileError(f"{name}: a {what} must lie inside the pack folder")
    if not target.is_file():
        raise PinnedFileError(f"{name}: no such file in the pack folder ({folder})")
    data = target.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise PinnedFileError(f"{name} has sha256 {digest}, not the {sha256} the pack "
                              "declares", "sha256")
    return data
