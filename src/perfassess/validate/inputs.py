"""Check returns against a pack's declared inputs and turn them into the evaluation frame."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from perfassess.engine.fields import FieldType
from perfassess.io.read import SourceTable
from perfassess.spec.pack import InputSpec, Pack
from perfassess.validate.problems import Problem, Problems

NA_TOKENS = frozenset({"n/a", "na", "n.a.", "not applicable"})
NONFINITE_TOKENS = frozenset({"nan", "inf", "+inf", "-inf", "infinity", "+infinity",
                              "-infinity"})
DASHES = ("-", "\u2013", "\u2014")  # hyphen, en dash, em dash
_THOUSANDS = re.compile(r"^[-+]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$")
_SPACED_THOUSANDS = re.compile(r"^[-+]?[0-9]{1,3}( [0-9]{3})+(\.[0-9]+)?$")
_DECIMAL_COMMA = re.compile(r"^[-+]?[0-9]+,[0-9]{1,2}$|^[-+]?[0-9]+,[0-9]{4,}$")
_PERCENT = re.compile(r"^[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*%$")
_EXCEL_ERROR = re.compile(
    r"^#(DIV/0!|N/A|VALUE!|REF!|NAME\?|NUM!|NULL!|SPILL!|CALC!|GETTING_DATA)$", re.IGNORECASE)
_PLACEHOLDERS = ("..", ".", "x", "[x]", "c", "[c]", "z", "[z]", "*", ":", "?")


@dataclass
class Returns:
    """Validated returns, wide: one row per authority and period, sorted."""

    keys: pd.DataFrame  # authority_code, period
    values: dict[str, np.ndarray]  # input id -> float64 (labels as positions)
    na: dict[str, np.ndarray]  # input id -> bool, where n/a was returned
    names: dict[str, str]  # authority code -> name given in the returns
    notes: pd.DataFrame  # authority_code, period, indicator, note (non-empty only)
    rows_read: int
    origin: pd.DataFrame  # row (in keys), indicator, file, line, column of every value used


def parse_returns(tables: list[SourceTable], pack: Pack, input_types: dict[str, FieldType],
                  problems: Problems, reference_codes: set[str] | None = None,
                  prefer: str = "derived") -> Returns:
    """Parse every value by its input's declared type, collecting every problem found.

    Where a value is both supplied and derived from another pack, ``prefer`` decides which
    is used ("derived" or "supplied"); the other is dropped with a warning.
    """
    parsed = [_parse_table(t, pack, input_types, problems).assign(_derived=t.derived)
              for t in tables]
    frame = pd.concat(parsed, ignore_index=True) if parsed else _empty().assign(_derived=False)
    frame = _resolve_feeds(frame, prefer, problems)
    frame = _check_duplicates(frame, problems)
    _check_keys(frame, pack, problems, reference_codes)
    returns, first = _pivot(frame, pack, sum(len(t.table) for t in tables))
    if not problems.has_errors():
        _check_required(returns, first, pack, problems)
    return returns


def _check_required(returns: Returns, first: pd.DataFrame, pack: Pack,
                    problems: Problems) -> None:
    """Warn, per authority-period, about required inputs with no value (no rating follows)."""
    required = [spec.id for spec in pack.inputs if spec.required]
    if not required or not len(returns.keys):
        return
    absent = np.vstack([np.isnan(returns.values[r]) & ~returns.na.get(
        r, np.zeros(len(returns.keys), dtype=bool)) for r in required])
    rows = np.flatnonzero(absent.any(axis=0))
    if not len(rows):
        return
    take = rows[: max(problems.limit - problems.counts.get("W-REQUIRED-MISSING", 0), 0)]
    names = np.array(required, dtype=object)
    for i in take:
        missing = list(names[absent[:, i]])
        code, period = returns.keys.iloc[i]
        problems.add(Problem(
            "W-REQUIRED-MISSING", f"{code} {period} has no value for required input(s) "
            f"{', '.join(missing)}: it will not be rated", file=str(first["_file"].iloc[i]),
            row=int(first["_line"].iloc[i]), column=missing[0], value="",
            expected=f"a value for {missing[0]}"))
    extra = len(rows) - len(take)
    if extra:
        problems.counts["W-REQUIRED-MISSING"] = (
            problems.counts.get("W-REQUIRED-MISSING", 0) + extra)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({
        "authority_code": pd.Series([], dtype=object), "period": pd.Series([], dtype=object),
        "indicator": pd.Series([], dtype=object), "number": pd.Series([], dtype=float),
        "na": pd.Series([], dtype=bool), "raw": pd.Series([], dtype=object),
        "authority_name": pd.Series([], dtype=object), "note": pd.Series([], dtype=object),
        "_file": pd.Series([], dtype=object), "_line": pd.Series([], dtype=np.int64),
        "_column": pd.Series([], dtype=object)})


def _strings(series: pd.Series) -> pd.Series:
    return series.where(series.notna(), "").astype(str).str.strip()


def _emit(problems: Problems, code: str, rows: pd.DataFrame, message: Callable[[str], str],
          expected: str, file: str, about: str = "") -> None:
    """Add one problem per offending row (the catalogue caps how many are kept); ``about``
    (an input id) starts each message."""
    if rows.empty:
        return
    take = rows.head(max(problems.limit - problems.counts.get(code, 0), 0))
    start = f"{about}: " if about else ""
    for raw, line, column in zip(take["raw"], take["_line"], take["_column"], strict=True):
        problems.add(Problem(code, start + message(str(raw)), file=file, row=int(line),
                             column=str(column), value=str(raw), expected=expected))
    extra = len(rows) - len(take)
    if extra > 0:
        problems.counts[code] = problems.counts.get(code, 0) + extra


def _parse_table(source: SourceTable, pack: Pack, input_types: dict[str, FieldType],
                 problems: Problems) -> pd.DataFrame:
    t = source.table
    out = pd.DataFrame({
        "authority_code": _strings(t["authority_code"]),
        "period": _strings(t["period"]),
        "indicator": _strings(t["indicator"]),
        "number": np.full(len(t), np.nan),
        "na": np.zeros(len(t), dtype=bool),
        "raw": t["value"].to_numpy(),
        "authority_name": _strings(t["authority_name"]) if t["authority_name"].notna().any()
        else "",
        "note": _strings(t["note"]) if t["note"].notna().any() else "",
        "_file": source.file,
        "_line": t["_line"].to_numpy(),
        "_column": t["_column"].to_numpy(),
    })
    blank_code = (out["authority_code"] == "").to_numpy()
    blank_period = (out["period"] == "").to_numpy()
    blank_indicator = ((out["indicator"] == "").to_numpy() if source.layout == "long"
                       else np.zeros(len(out), dtype=bool))
    # A row that is blank but for its value is a missing return, not a keyless one.
    empty = (_strings(t["value"]) == "").to_numpy()
    blank_row = blank_code & blank_period & (blank_indicator | (source.layout == "wide"))
    for mask, column in ((blank_code, "authority_code"), (blank_period, "period"),
                         (blank_indicator, "indicator")):
        mask = mask & ~(blank_row & empty)
        rows = out[mask].assign(_column=column, raw="")
        if source.layout == "wide":  # one problem per row of the file, not per cell
            rows = rows.drop_duplicates("_line")
        _emit(problems, "E-KEY-BLANK", rows, _fixed(f"{column} is blank"),
              f"a non-blank {column}", source.file)
    out = out[~(blank_code | blank_period | blank_indicator)]

    known = out["indicator"].isin(input_types)
    unknown = out.loc[~known, "indicator"]
    for indicator, count in unknown.value_counts().sort_index().items():
        first = out.loc[~known & (out["indicator"] == indicator)].iloc[0]
        close = difflib.get_close_matches(str(indicator), list(input_types), n=1)
        lowered = {i.lower(): i for i in input_types}.get(str(indicator).lower())
        guess = lowered or (close[0] if close else None)
        problems.add(Problem("W-UNKNOWN-INDICATOR", f"indicator {indicator!r} is not an input "
                             f"of pack {pack.id} ({count} value(s) ignored)"
                             + (f"; did you mean {guess!r}?" if guess else ""),
                             file=source.file, row=int(first["_line"]),
                             column="indicator" if source.layout == "long"
                             else str(first["_column"]), value=str(indicator),
                             expected=guess and f"an input id, such as {guess}"))
    out = out[known]
    numbers = np.full(len(out), np.nan)
    na = np.zeros(len(out), dtype=bool)
    positions = pd.Series(np.arange(len(out)), index=out.index)
    for indicator, index in out.groupby("indicator", sort=True).groups.items():
        spec = pack.input(str(indicator))
        assert spec is not None
        pos = positions[index].to_numpy()
        part = out.loc[index]
        # A bad value stays as missing so duplicates are still seen; its error stops the run.
        numbers[pos], na[pos], _ = _parse_values(part, spec, input_types[spec.id], problems,
                                                 source.file)
    return out.assign(number=numbers, na=na)


def _parse_values(part: pd.DataFrame, spec: InputSpec, ftype: FieldType, problems: Problems,
                  file: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    raw = part["raw"]
    n = len(part)
    bad = np.zeros(n, dtype=bool)
    if (pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype)
            and ftype.kind != "label"):
        number = raw.to_numpy(dtype=np.float64, na_value=np.nan)
        text = None
        is_na = np.zeros(n, dtype=bool)
        blank = np.isnan(number)
    else:
        text = _accepted(_strings(raw), spec)
        lowered = text.str.lower()
        blank = (text == "").to_numpy()
        is_na = lowered.isin(NA_TOKENS).to_numpy()
        number = np.full(n, np.nan)
        if is_na.any() and spec.na is None:
            rows = part[is_na]
            _emit(problems, "E-VALUE-NA", rows,
                  lambda v: "n/a is not allowed here (a missing return is an empty cell)",
                  _expected(spec, ftype), file, spec.id)
            bad |= is_na
            is_na = np.zeros(n, dtype=bool)
        todo = ~blank & ~is_na & ~bad
        if ftype.kind == "label":
            assert ftype.vocabulary is not None
            lookup = {label.lower(): float(i) for i, label in enumerate(ftype.vocabulary)}
            codes = lowered.map(lookup).to_numpy(dtype=np.float64, na_value=np.nan)
            wrong = todo & np.isnan(codes)
            _emit(problems, "E-VALUE-LABEL", part[wrong],
                  lambda v: f"{v!r} is not one of its labels", _expected(spec, ftype), file,
                  spec.id)
            bad |= wrong
            number = np.where(todo & ~wrong, codes, np.nan)
            return number, is_na, bad
        nonfinite = todo & lowered.isin(NONFINITE_TOKENS).to_numpy()
        _emit(problems, "E-VALUE-NONFINITE", part[nonfinite],
              lambda v: f"{v!r} is not a finite number", _expected(spec, ftype), file, spec.id)
        bad |= nonfinite
        todo &= ~nonfinite
        parsed = pd.to_numeric(text.where(todo, ""), errors="coerce").to_numpy(dtype=np.float64)
        wrong = todo & np.isnan(parsed)
        for mask, hint in _hinted(text, wrong, spec):
            _emit(problems, "E-VALUE-TYPE", part[mask], hint, _expected(spec, ftype), file, spec.id)
        bad |= wrong
        number = np.where(todo & ~wrong, parsed, np.nan)
    return _check_numbers(number, part, spec, ftype, problems, file, bad, is_na)


def _fixed(message: str) -> Callable[[str], str]:
    return lambda _value: message


def _accepted(text: pd.Series, spec: InputSpec) -> pd.Series:
    """Rewrite the spellings the pack accepts for this input into plain numbers."""
    if "thousands_separator" in spec.accept:
        grouped = text.str.match(_THOUSANDS)
        text = text.where(~grouped, text.str.replace(",", "", regex=False))
    if "percent_sign" in spec.accept:
        percent = text.str.match(_PERCENT)
        text = text.where(~percent, text.str.rstrip("%").str.strip())
    if "dash_as_missing" in spec.accept:
        text = text.where(~text.isin(DASHES), "")
    return text


def _hinted(text: pd.Series, wrong: np.ndarray, spec: InputSpec
            ) -> list[tuple[np.ndarray, Callable[[str], str]]]:
    """Split the values that are not numbers by what they look like, each with its hint
    (only the wrong values are looked at, so clean returns cost nothing here)."""
    if not wrong.any():
        return []
    where = np.flatnonzero(wrong)
    stripped = text.iloc[where].str.strip()
    lowered = stripped.str.lower().to_numpy(dtype=object)
    empty_is = "leave the cell empty for no return" + (
        ", or write n/a" if spec.na is not None else "")
    kinds: list[tuple[np.ndarray, Callable[[str], str]]] = [
        (stripped.str.match(_THOUSANDS).to_numpy(dtype=bool) | stripped.str.match(
            _SPACED_THOUSANDS).to_numpy(dtype=bool),
         lambda v: f"{v!r} is not a number: write it without thousands separators "
                   f"({v.replace(',', '').replace(' ', '').strip()})"),
        (stripped.str.match(_PERCENT).to_numpy(dtype=bool),
         lambda v: f"{v!r} is not a number: give it without the % sign "
                   f"({v.strip().rstrip('%').strip()})"),
        (stripped.str.match(_DECIMAL_COMMA).to_numpy(dtype=bool),
         lambda v: f"{v!r} is not a number: use a point for decimals "
                   f"({v.strip().replace(',', '.')})"),
        (np.isin(stripped.to_numpy(dtype=object), DASHES),
         lambda v: f"{v!r} is not a number: {empty_is}"),
        (np.isin(lowered, _PLACEHOLDERS),
         lambda v: f"{v!r} is not a number (a suppression or not-available marker?): "
                   f"{empty_is}"),
        (stripped.str.match(_EXCEL_ERROR).to_numpy(dtype=bool),
         lambda v: f"{v!r} is an Excel error, not a number: correct the formula, or "
                   f"{empty_is}"),
    ]
    full = []
    for sub, message in kinds:
        mask = np.zeros(len(wrong), dtype=bool)
        mask[where[sub]] = True
        full.append((mask, message))
    out = []
    left = wrong.copy()
    for mask, message in full:
        mask = left & mask
        left &= ~mask
        out.append((mask, message))
    out.append((left, lambda v: f"{v!r} is not a number"))
    return out


def _check_numbers(number: np.ndarray, part: pd.DataFrame, spec: InputSpec, ftype: FieldType,
                   problems: Problems, file: str, bad: np.ndarray, is_na: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    present = ~np.isnan(number)
    infinite = np.isinf(number)
    if infinite.any():
        _emit(problems, "E-VALUE-NONFINITE", part[infinite], lambda v: f"{v!r} is not finite",
              _expected(spec, ftype), file, spec.id)
        bad |= infinite
        number = np.where(infinite, np.nan, number)
        present &= ~infinite
    if ftype.kind == "integer":
        fractional = present & (np.floor(number) != number)
        _emit(problems, "E-VALUE-TYPE", part[fractional],
              lambda v: f"{v!r} is not a whole number", _expected(spec, ftype), file, spec.id)
        bad |= fractional
    out_of_range = np.zeros(len(number), dtype=bool)
    if spec.min is not None:
        out_of_range |= present & (number < spec.min)
    if spec.max is not None:
        out_of_range |= present & (number > spec.max)
    _emit(problems, "E-VALUE-RANGE", part[out_of_range],
          lambda v: f"{v!r} is outside its range", _expected(spec, ftype), file, spec.id)
    bad |= out_of_range
    number = np.where(bad, np.nan, number)
    return number, is_na, bad


def _expected(spec: InputSpec, ftype: FieldType) -> str:
    if ftype.kind == "label":
        assert ftype.vocabulary is not None
        text = "one of " + ", ".join(ftype.vocabulary)
    else:
        text = "a whole number" if ftype.kind == "integer" else "a number"
        if spec.min is not None and spec.max is not None:
            text += f" from {spec.min:g} to {spec.max:g}"
        elif spec.min is not None:
            text += f" of at least {spec.min:g}"
        elif spec.max is not None:
            text += f" of at most {spec.max:g}"
    if spec.na is not None:
        text += ", or n/a"
    return text


def _resolve_feeds(frame: pd.DataFrame, prefer: str, problems: Problems) -> pd.DataFrame:
    derived = frame["_derived"].to_numpy(dtype=bool)
    if not derived.any() or derived.all():
        return frame
    key = ["authority_code", "period", "indicator"]
    both = frame.groupby(key)["_derived"].transform("nunique").to_numpy() > 1
    loser = both & (derived if prefer == "supplied" else ~derived)
    if loser.any():
        dropped = frame[loser]
        for indicator, count in dropped["indicator"].value_counts().sort_index().items():
            first = dropped[dropped["indicator"] == indicator].iloc[0]
            winner = "supplied" if prefer == "supplied" else "derived"
            problems.add(Problem("W-FEED-OVERRIDE", f"{count} {indicator} value(s) given both "
                                 f"in the returns and by a feed: the {winner} value is used",
                                 file=str(first["_file"]), row=int(first["_line"]),
                                 column=str(first["_column"]), value=str(first["raw"])))
    kept: pd.DataFrame = frame[~loser]
    return kept


def _check_duplicates(frame: pd.DataFrame, problems: Problems) -> pd.DataFrame:
    key = ["authority_code", "period", "indicator"]
    dup = frame.duplicated(key, keep=False)
    if not dup.any():
        return frame
    group = frame[dup].copy()
    group["_value"] = np.where(group["na"], -np.inf, group["number"])
    for keys, rows in group.groupby(key, sort=True):
        code, period, indicator = (str(k) for k in keys)
        distinct = rows["_value"].nunique(dropna=False)
        places = "; ".join(f"{raw!s} at {f}:{line}" for raw, f, line in zip(
            rows["raw"], rows["_file"], rows["_line"], strict=True))
        first = rows.iloc[1]
        conflict = distinct > 1
        problems.add(Problem(
            "E-DUPLICATE" if conflict else "W-DUPLICATE",
            f"{indicator} for {code} {period} is given {len(rows)} times"
            + (" with different values" if conflict else " with the same value")
            + f" ({places})", file=str(first["_file"]), row=int(first["_line"]),
            column=str(first["_column"]), value=str(first["raw"]),
            expected="one value per key"))
    return frame.drop_duplicates(key, keep="first")


def _check_keys(frame: pd.DataFrame, pack: Pack, problems: Problems,
                reference_codes: set[str] | None) -> None:
    periods = pd.unique(frame["period"])
    for period in sorted(periods):
        if not pack.periods.contains(str(period)):
            first = frame[frame["period"] == period].iloc[0]
            problems.add(Problem("W-PERIOD-OUTSIDE", f"period {period} is outside the years "
                                 f"of {pack.id} ({pack.periods.describe()})",
                                 file=str(first["_file"]), row=int(first["_line"]),
                                 column="period", value=str(period)))
    if reference_codes is not None:
        codes = pd.unique(frame["authority_code"])
        for code in sorted(c for c in codes if c not in reference_codes):
            first = frame[frame["authority_code"] == code].iloc[0]
            problems.add(Problem("W-UNKNOWN-AUTHORITY", f"authority code {code} is not in the "
                                 "reference list", file=str(first["_file"]),
                                 row=int(first["_line"]), column="authority_code",
                                 value=str(code)))


def _pivot(frame: pd.DataFrame, pack: Pack, rows_read: int) -> tuple[Returns, pd.DataFrame]:
    """The wide returns, and where each authority-period first appears (file, line)."""
    a_codes, a_uniques = pd.factorize(frame["authority_code"], sort=True)
    p_codes, p_uniques = pd.factorize(frame["period"], sort=True)
    n_periods = max(len(p_uniques), 1)
    combined = a_codes.astype(np.int64) * n_periods + p_codes
    keys_code, row = np.unique(combined, return_inverse=True)
    keys = pd.DataFrame({
        "authority_code": np.asarray(a_uniques, dtype=object)[keys_code // n_periods],
        "period": np.asarray(p_uniques, dtype=object)[keys_code % n_periods],
    })
    n = len(keys)
    values: dict[str, np.ndarray] = {}
    na: dict[str, np.ndarray] = {}
    i_codes, i_uniques = pd.factorize(frame["indicator"])
    number = frame["number"].to_numpy()
    is_na = frame["na"].to_numpy()
    order = np.argsort(i_codes, kind="stable")
    bounds = np.searchsorted(i_codes[order], np.arange(len(i_uniques) + 1))
    slices = {str(ind): order[bounds[i]:bounds[i + 1]] for i, ind in enumerate(i_uniques)}
    for spec in pack.inputs:
        column = np.full(n, np.nan)
        mask = np.zeros(n, dtype=bool)
        idx = slices.get(spec.id)
        if idx is not None:
            column[row[idx]] = number[idx]
            mask[row[idx]] = is_na[idx]
        values[spec.id] = column
        if spec.na is not None:
            na[spec.id] = mask
    named = frame[frame["authority_name"] != ""]
    names = dict(named.drop_duplicates("authority_code")[["authority_code", "authority_name"]]
                 .itertuples(index=False, name=None))
    notes = frame.loc[frame["note"] != "", ["authority_code", "period", "indicator", "note"]]
    origin = pd.DataFrame({"row": row, "indicator": frame["indicator"].to_numpy(),
                           "file": frame["_file"].to_numpy(), "line": frame["_line"].to_numpy(),
                           "column": frame["_column"].to_numpy()})
    _, first_row = np.unique(row, return_index=True)
    first = frame[["_file", "_line"]].iloc[first_row].reset_index(drop=True)
    return Returns(keys, values, na, names, notes.reset_index(drop=True), rows_read,
                   origin), first
