"""Field types: what a column of the evaluation frame holds and how its values are spelt."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

Kind = Literal["number", "integer", "label", "boolean", "text", "period"]

STATUSES: tuple[str, ...] = ("documented", "reconstructed", "illustrative")
STATUS_CODE: dict[str, int] = {name: i for i, name in enumerate(STATUSES)}


@dataclass(frozen=True)
class FieldType:
    """The type of one field; labels carry their ordered vocabulary (worst first)."""

    kind: Kind
    vocabulary: tuple[str, ...] | None = None
    vocabulary_name: str | None = None

    @property
    def is_ordered(self) -> bool:
        return self.kind in ("number", "integer", "label")

    def describe(self) -> str:
        if self.kind == "label":
            return f"label ({self.vocabulary_name})"
        return self.kind


NUMBER = FieldType("number")
INTEGER = FieldType("integer")
BOOLEAN = FieldType("boolean")
TEXT = FieldType("text")
PERIOD = FieldType("period")  # the built-in field `period`, compared as text


def label_type(name: str, labels: tuple[str, ...]) -> FieldType:
    return FieldType("label", tuple(labels), name)


@dataclass(frozen=True)
class Spelt:
    """Text as codes into its distinct spellings: a column of millions of rows holds far
    fewer texts, and moving codes costs less than moving texts."""

    codes: np.ndarray  # intp, a position in words for each value
    words: np.ndarray  # object, the distinct texts

    def text(self) -> np.ndarray:
        spelt: np.ndarray = self.words[self.codes]
        return spelt

    def where(self, mask: np.ndarray, word: str) -> Spelt:
        """``word`` where ``mask`` holds, these texts elsewhere."""
        return Spelt(np.where(mask, len(self.words), self.codes),
                     np.append(self.words, np.array([word], dtype=object)))


def spell(values: np.ndarray, ftype: FieldType) -> Spelt:
    """Spell values as text, vectorised: labels by vocabulary, numbers with %.12g, missing
    as ''. Each distinct value is spelt once, since formatting is what costs."""
    if ftype.kind == "text":
        return Spelt(np.arange(len(values)),
                     np.where(pd.isna(values), "", values.astype(object)).astype(object))
    missing = np.isnan(values)
    if ftype.kind == "label":
        assert ftype.vocabulary is not None
        return Spelt(np.where(missing, len(ftype.vocabulary), values).astype(np.intp),
                     np.array((*ftype.vocabulary, ""), dtype=object))
    if ftype.kind == "boolean":
        return Spelt(np.where(missing, 2, values > 0).astype(np.intp), _BOOLEAN_WORDS)
    if ftype.kind == "integer":
        keys, form, as_number = np.where(missing, 0, values).astype(np.int64), "%d", None
    else:
        # By bit pattern, so 0.0 and -0.0 (spelt "0" and "-0") stay apart.
        keys, form, as_number = np.where(missing, 0.0, values).view(np.int64), "%.12g", np.float64
    distinct, where = np.unique(keys, return_inverse=True)
    words = np.char.mod(form, distinct if as_number is None else distinct.view(as_number))
    return Spelt(np.where(missing, len(words), where.reshape(-1)),
                 np.append(words.astype(object), np.array([""], dtype=object)))


def format_values(values: np.ndarray, ftype: FieldType) -> np.ndarray:
    """Values spelt as text (:func:`spell`), one object per value."""
    return spell(values, ftype).text()


_BOOLEAN_WORDS = np.array(["false", "true", ""], dtype=object)


def repeated(value: object, n: int) -> np.ndarray:
    """An object array of n references to one value. (``np.full`` with a string makes a
    new string object per element.)"""
    out = np.empty(n, dtype=object)
    out.fill(value)
    return out


def read_only(values: np.ndarray) -> np.ndarray:
    """A read-only view of an array that is shared, not copied: whoever writes into it
    fails loudly instead of changing another's data."""
    view = values.view()
    view.flags.writeable = False
    return view
