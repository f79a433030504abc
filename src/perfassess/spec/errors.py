"""The error a pack's semantic checks raise, located by its YAML path."""

from __future__ import annotations

YamlPath = tuple[str | int, ...]


class PackError(ValueError):
    """A semantic problem in a pack, located by its YAML path."""

    def __init__(self, code: str, message: str, path: YamlPath,
                 column_offset: int | None = None) -> None:
        self.code = code
        self.message = message
        self.path = path
        self.column_offset = column_offset
        super().__init__(message)
