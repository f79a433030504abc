"""Numbers and lists spelt for people (machine outputs keep every digit; see io.write)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

DIGITS = 2  # decimal places shown for a number no output declares ``digits`` for
_MAX_DIGITS = 17  # enough to tell any two doubles apart
_DECIMAL = re.compile(r"^[+-]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?$")


def number(value: float | None, digits: int = DIGITS) -> str:
    """A number for people: whole numbers without decimals, others to ``digits`` places
    (rounded half up, as people round: 0.125 -> 0.13), trailing zeros dropped; '' if
    missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if math.isinf(value):
        return "-∞" if value < 0 else "∞"
    if float(value).is_integer():
        return str(int(value))
    text = repr(float(value))
    if "e" not in text and len(text) - text.index(".") - 1 <= digits:
        return text  # already short enough: nothing to round
    rounded = Decimal(text).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP)
    spelt = f"{rounded:f}".rstrip("0").rstrip(".") if digits > 0 else f"{rounded:f}"
    return "0" if spelt in ("-0", "") else spelt


def humanised(name: str) -> str:
    """A field id as words, for a field its pack gives no title: ``theme_leadership_rating``
    -> ``Theme leadership rating``."""
    words = re.sub(r"[_.\-]+", " ", name).strip()
    return words[:1].upper() + words[1:] if words else name


def signed(change: float | None, digits: int = DIGITS) -> str:
    """A change for people, with its sign: ``+1``, ``-0.5``, ``0``; '' when unknown."""
    if change is None or math.isnan(change):
        return ""
    text = number(change, digits)
    return f"+{text}" if change > 0 else text


def number_text(text: str, digits: int = DIGITS) -> str:
    """The text of a number field's value, for people: by ``number``; text that is no
    number as it is."""
    try:
        return number(float(text), digits)
    except ValueError:
        return text


def decimals(text: str, digits: int = DIGITS) -> str:
    """Text of no known type, for people: a decimal number with more than ``digits``
    places spelt by ``number``; anything else (labels, codes, whole numbers, short
    decimals) exactly as written."""
    if not _DECIMAL.match(text) or ("." not in text and "e" not in text.lower()):
        return text
    places = len(text.partition(".")[2]) if "e" not in text.lower() else _MAX_DIGITS
    return number(float(text), digits) if places > digits else text


def told_apart(values: Iterable[str], digits: int = DIGITS) -> list[str]:
    """Values (text of no known type) spelt by ``decimals`` with as few places as tell
    apart the ones that differ: ``61.111111111111114, 63.888888888888886`` -> ``61.11,
    63.89``, but ``0.1234, 0.1239`` -> ``0.123, 0.124`` rather than ``0.12, 0.12``."""
    values = list(values)
    distinct = len(set(values))
    for places in range(digits, _MAX_DIGITS + 1):
        spelt = [decimals(v, places) for v in values]
        if len(set(spelt)) == distinct:
            return spelt
    return values


def listing(items: Iterable[object], conjunction: str = "and", empty: str = "none") -> str:
    """Items as people list them: ``A``, ``A and B``, ``A, B and C`` (``empty`` if none)."""
    words = [str(item) for item in items]
    if not words:
        return empty
    if len(words) == 1:
        return words[0]
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def spelt(value: object, digits: int = DIGITS) -> str:
    """Any value found in a manifest or a result, for people: numbers by ``number``, lists
    by ``listing``, mappings as ``key value`` pairs, nothing as ``none``."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return number(value, digits)
    if isinstance(value, dict):
        return listing(f"{k} {spelt(v, digits)}" for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return listing(spelt(v, digits) for v in items)
    return str(value)
