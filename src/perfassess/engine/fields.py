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
    """Spell values as strings, vectorised: labels by vocabulary, numbers with %.12g."""
    if ftype.kind == "text":
        return np.where(pd.isna(values), "", values.astype(object)).astype(object)
    missing = np.isnan(values)
    if ftype.kind == "label":
        assert ftype.vocabulary is not None
        vocab = np.array((*ftype.vocabulary, ""), dtype=object)
        codes = np.where(missing, len(ftype.vocabulary), values).astype(np.int64)
        return vocab[codes]
    if ftype.kind == "boolean":
        spelt = np.where(values > 0, "true", "false").astype(object)
    elif ftype.kind == "integer":
        spelt = np.char.mod("%d", np.where(missing, 0, values).astype(np.int64)).astype(object)
    else:
        spelt = np.char.mod("%.12g", np.where(missing, 0.0, values)).astype(object)
    spelt[missing] = ""
    return spelt



def repeated(value: object, n: int) -> np.ndarray:
    """An object array of n references to one value. (``np.full`` with a string makes a
    new string object per element: at millions of rows, a tenth of a second and a hundred
    megabytes each time.)"""
    out = np.empty(n, dtype=object)
    out.fill(value)
    return out


def read_only(values: np.ndarray) -> np.ndarray:
    """A read-only view of an array that is shared, not copied: whoever writes into it
    fails loudly instead of changing another's data."""
    view = values.view()
    view.flags.writeable = False
    return view
