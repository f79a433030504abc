"""Context dicts that templates read quickly: ``row.key`` looks up the key first."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment


class Record(dict[str, Any]):
    """A plain dict to Python code; in a template ``record.key`` is ``record["key"]``.

    Jinja tries ``getattr`` before ``[]``: on a bare dict every ``{{ row.value }}`` costs a
    raised and caught AttributeError, which dominated rendering. ``RecordEnvironment``
    looks a Record's keys up first (a Record never needs a dict method by dot).
    """

    __slots__ = ()


class RecordEnvironment(Environment):
    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is Record:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)
