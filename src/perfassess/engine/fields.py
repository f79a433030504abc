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


def format_values(values: np.ndarray, ftype: FieldType) -> np.ndarray:
    """Spell values as strings, vectorised: labels by vocabulary, numbers with %.12g.

    Each distinct value is spelt once: a column of millions of rows holds far fewer
    values, and formatting is what costs."""
    if ftype.kind == "text":
        return np.where(pd.isna(values), "", values.astype(object)).astype(object)
    missing = np.isnan(values)
    if ftype.kind == "label":
        assert ftype.vocabulary is not None
        vocab = np.array((*ftype.vocabulary, ""), dtype=object)
        codes = np.where(missing, len(ftype.vocabulary), values).astype(np.int64)
        return vocab[codes]
    if ftype.kind == "boolean":
        spelt: np.ndarray = _BOOLEAN_WORDS[(values > 0).astype(np.intp)]
    elif ftype.kind == "integer":
        spelt = _spelt_once(np.where(missing, 0, values).astype(np.int64), "%d")
    else:
        # By bit pattern, so 0.0 and -0.0 (spelt "0" and "-0") stay apart.
        spelt = _spelt_once(np.where(missing, 0.0, values).view(np.int64), "%.12g",
                            np.float64)
    spelt[missing] = ""
    return spelt


_BOOLEAN_WORDS = np.array(["false", "true"], dtype=object)


def _spelt_once(keys: np.ndarray, form: str, dtype: type | None = None) -> np.ndarray:
    distinct, where = np.unique(keys, return_inverse=True)
    numbers = distinct.view(dtype) if dtype is not None else distinct
    words: np.ndarray = np.char.mod(form, numbers).astype(object)
    return words[where.reshape(-1)]


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
