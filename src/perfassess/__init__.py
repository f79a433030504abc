"""perfassess: rate public services from performance evidence with declarative rule packs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from perfassess.api import ScoreResult, score, validate

__all__ = ["ScoreResult", "__version__", "score", "validate"]


def __getattr__(name: str) -> Any:
    # Imported lazily so `perfassess --help` does not pay for pandas.
    if name in ("score", "validate", "ScoreResult"):
        from perfassess import api
        return getattr(api, name)
    raise AttributeError(name)
