"""Check returns against a pack's declared inputs and turn them into the evaluation frame."""

from __future__ import annotations

import difflib
from collections.abc import Callable

import numpy as np
import pandas as pd
import polars as pl

from perfassess.core.problems import Problem, Problems
from perfassess.core.returns import Returns
from perfassess.engine.fields import FieldType, read_only
from perfassess.io.read import SourceTable, sorted_codes
from perfassess.spec.pack import InputSpec, Pack

NA_TOKENS = ("n/a", "na", "n.a.", "not applicable")
NONFINITE_TOKENS = ("nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity")
DASHES = ("-", "\u2013", "\u2014")  # hyphen, en dash, em dash
_THOUSANDS = r"^[-+]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$"
_SPACED_THOUSANDS = r"^[-+]?[0-9]{1,3}( [0-9]{3})+(\.[0-9]+)?$"
_DECIMAL_COMMA = r"^[-+]?[0-9]+,[0-9]{1,2}$|^[-+]?[0-9]+,[0-9]{4,}$"
_PERCENT = r"^[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*%$"
_EXCEL_ERROR = (r"(?i)^#(DIV/0!|N/A|VALUE!|REF!|NAME\?|NUM!|NULL!|SPILL!|CALC!|"
                r"GETTING_DATA)$")
_PLACEHOLDERS = ("..", ".", "x", "[x]", "c", "[c]", "z", "[z]", "*", ":", "?")
_CONTROL = r"[\x00-\x1f\x7f-\x9f]"
KEY = ["code", "period", "indicator"]
# The parsed long table: where each row is (``src``: which table, ``pos``: its row there),
# its trimmed keys, and its value read by its input's type (``na``: n/a was returned).
_PARSED = {"src": pl.Int32, "pos": pl.Int64, "code": pl.UInt32, "period": pl.UInt32,
           "indicator": pl.UInt32, "number": pl.Float64, "na": pl.Boolean}
Place = tuple[str, int, str, str]  # file, line, column, value as written


def parse_returns(tables: list[SourceTable], pack: Pack, input_types: dict[str, FieldType],
                  problems: Problems, reference_codes: set[str] | None = None,
                  prefer: str = "derived", origin: bool = True) -> Returns:
    """Parse every value by its input's declared type, collecting every problem found.

    Where a value is both supplied and derived from another pack, ``prefer`` decides which
    is used ("derived" or "supplied"); the other is dropped with a warning. ``origin`` keeps
    where every value came from (for the trace).
    """
    parsed = [_parse_table(i, t, pack, input_types, problems) for i, t in enumerate(tables)]
    # Keys as integer codes into labels sorted in code-point order, the same for all files.
    labels = {}
    for column in KEY:
        union = pl.concat([p[1][column] for p in parsed] + [pl.Series([], dtype=pl.String)]
                          ).unique().sort()
        labels[column] = union
        if len(parsed) > 1:  # each file's codes into the union: a table of positions
            for _, own in parsed:
                own[column] = union.search_sorted(own[column]).cast(pl.UInt32)
    long = pl.concat([f.with_columns(code=pl.lit(o["code"]).gather(pl.col("code")),
                                     period=pl.lit(o["period"]).gather(pl.col("period")),
                                     indicator=pl.lit(o["indicator"]).gather(
                                         pl.col("indicator")))
                      if len(parsed) > 1 else f for f, o in parsed]) if parsed \
        else pl.DataFrame(schema=_PARSED)
    codes, periods, indicators = labels["code"], labels["period"], labels["indicator"]
    # One integer per authority-period (``key``), in sorted order, and per value (``key3``).
    key = pl.col("code").cast(pl.Int64) * len(periods) + pl.col("period")
    long = long.with_columns(key=key, key3=key * len(indicators) + pl.col("indicator"),
                             ind=pl.col("indicator"))
    long = _resolve_feeds(long, indicators, tables, prefer, problems)
    long = _check_duplicates(long, labels, tables, problems)
    _check_keys(long, labels, tables, pack, problems, reference_codes)
    returns, first = _pivot(long, (codes, periods, indicators), tables, pack,
                            sum(t.table.height for t in tables), origin)
    if not problems.has_errors():
        _check_required(returns, first, pack, problems)
    return returns


def _spelt(raw: object) -> str:
    """A value as read, as problems show it (a missing one as pandas showed it)."""
    return "nan" if raw is None else str(raw)


def _locate(tables: list[SourceTable], rows: pl.DataFrame) -> list[Place]:
    """File, line, column and value as written, for a few rows (``src``, ``pos``)."""
    out: list[Place] = []
    for src, pos in zip(rows["src"].to_list(), rows["pos"].to_list(), strict=True):
        row = tables[src].table.row(pos, named=True)
        out.append((tables[src].file, int(row["line"]), str(row["column"]),
                    _spelt(row["value"])))
    return out


def _emit(problems: Problems, code: str, rows: pl.DataFrame, message: Callable[[str], str],
          expected: str | None, file: str, about: str = "") -> None:
    """Add one problem per row (``line``, ``column``, ``value``), as far as the catalogue's
    cap keeps them, counting the rest; ``about`` (an input id) starts each message."""
    if rows.is_empty():
        return
    take = rows.head(max(problems.limit - problems.counts.get(code, 0), 0))
    start = f"{about}: " if about else ""
    for raw, line, column in zip(take["value"].to_list(), take["line"].to_list(),
                                 take["column"].to_list(), strict=True):
        value = _spelt(raw)
        problems.add(Problem(code, start + message(value), file=file, row=int(line),
                             column=str(column), value=value, expected=expected))
    extra = rows.height - take.height
    if extra > 0:
        problems.counts[code] = problems.counts.get(code, 0) + extra


def _parse_table(src: int, source: SourceTable, pack: Pack, input_types: dict[str, FieldType],
                 problems: Problems) -> tuple[pl.DataFrame, dict[str, pl.Series]]:
    """One file's rows of known inputs with good keys, their values read (keys as codes
    into the file's sorted labels, also returned)."""
    t = source.table
    wide = source.layout == "wide"
    labels: dict[str, pl.Series] = {}
    frame = t.select(pos=pl.int_range(pl.len(), dtype=pl.Int64), value="value", line="line",
                     column="column")
    for key, column in zip(KEY, ("authority_code", "period", "indicator"), strict=True):
        labels[key], codes = _trimmed_codes(*source.codes(column))
        frame = frame.with_columns(codes.alias(key))
    bad = _check_key_text(frame, labels, t, wide, source.file, problems)

    # Indicators in the order they first appear (on any row), with their rows of good keys.
    names = labels["indicator"]
    counts = frame.select("indicator", "pos", bad=bad).group_by("indicator").agg(
        start=pl.col("pos").min(), n=(~pl.col("bad")).sum(),
        first=pl.col("pos").filter(~pl.col("bad")).min()).filter(pl.col("n") > 0).sort("start")
    known: dict[str, int] = {}
    for k, _, n, first in counts.iter_rows():
        name = names[k]
        if name in input_types:
            known[name] = k
            continue
        if name == "":
            continue
        close = difflib.get_close_matches(name, list(input_types), n=1)
        guess = {i.lower(): i for i in input_types}.get(name.lower()) or (
            close[0] if close else None)
        problems.add(Problem("W-UNKNOWN-INDICATOR", f"indicator {name!r} is not an input "
                             f"of pack {pack.id} ({n} value(s) ignored)"
                             + (f"; did you mean {guess!r}?" if guess else ""),
                             file=source.file, row=int(t["line"][first]),
                             column="indicator" if not wide else str(t["column"][first]),
                             value=name, expected=guess and f"an input id, such as {guess}"))
    frame = frame.filter(~bad & pl.col("indicator").is_in(list(known.values())))
    # Each input's rows read by its rules, then put back in place.
    values = frame.select(pl.int_range(pl.len(), dtype=pl.Int64).alias("i"), "value", "line",
                          "column", "indicator").partition_by("indicator", as_dict=True)
    number = pl.repeat(None, frame.height, dtype=pl.Float64, eager=True)
    na = pl.repeat(False, frame.height, eager=True)
    for name, k in known.items():
        spec = pack.input(name)
        assert spec is not None
        rows = values[(k,)]
        got, given = _parse_values(rows, spec, input_types[name], problems, source.file)
        number.scatter(rows["i"], got)
        if given.any():
            na.scatter(rows["i"], given)
    return frame.select(pl.lit(src, pl.Int32).alias("src"), "pos", "code", "period",
                        "indicator", number=number, na=na), labels


def _trimmed_codes(raw: pl.Series, codes: pl.Series) -> tuple[pl.Series, pl.Series]:
    """A text column's distinct values and codes (``SourceTable.codes``) with the values
    trimmed: only the distinct values are."""
    trimmed = raw.str.strip_chars()
    if (trimmed == raw).all():
        return raw, codes
    labels, moved = sorted_codes(trimmed)
    return labels, moved.gather(codes)


def _check_key_text(frame: pl.DataFrame, labels: dict[str, pl.Series], t: pl.DataFrame,
                    wide: bool, file: str, problems: Problems) -> pl.Series:
    """Report blank keys and keys with control characters; the rows that have either."""
    never = pl.repeat(False, frame.height, eager=True)

    def rows_of(key: str, mask: pl.Series) -> pl.Series:
        """The rows whose key is one of the labels under ``mask``."""
        hits = mask.arg_true()
        if not len(hits):
            return never
        return frame[key] == hits[0] if len(hits) == 1 else frame[key].is_in(hits.to_list())

    # "" sorts first: a blank key is code 0 where there is one.
    blank = {column: rows_of(key, labels[key] == "") if not (wide and key == "indicator")
             else never for key, column in zip(KEY, ("authority_code", "period", "indicator"),
                                               strict=True)}
    bad = blank["authority_code"] | blank["period"] | blank["indicator"]
    if bad.any():
        # A row that is blank but for its value is a missing return, not a keyless one.
        value = t["value"]
        empty = value.is_null()
        if value.dtype == pl.String:
            empty = empty | (value.str.strip_chars() == "")
        blank_row = blank["authority_code"] & blank["period"]
        if not wide:
            blank_row = blank_row & blank["indicator"]
        for column, mask in blank.items():
            rows = frame.filter(mask & ~(blank_row & empty.fill_null(True))).select(
                "line", column=pl.lit(column), value=pl.lit(""))
            if wide:  # one problem per row of the file, not per cell
                rows = rows.unique("line", keep="first", maintain_order=True)
            _emit(problems, "E-KEY-BLANK", rows, _fixed(f"{column} is blank"),
                  f"a non-blank {column}", file)
    for key, column in zip(KEY, ("authority_code", "period", "indicator"), strict=True):
        if wide and key == "indicator":
            continue
        control = rows_of(key, labels[key].str.contains(_CONTROL))
        if control.any():
            rows = frame.filter(control).select(
                "line", column=pl.lit(column),
                value=pl.lit(labels[key]).gather(pl.col(key)))
            _emit(problems, "E-KEY-CONTROL", rows,
                  lambda v: f"{v!r} contains a control character (a tab, line break or other "
                            "invisible character)", "text without control characters", file)
            bad = bad | control
    return bad


def _fixed(message: str) -> Callable[[str], str]:
    return lambda _value: message


def _parse_values(rows: pl.DataFrame, spec: InputSpec, ftype: FieldType, problems: Problems,
                  file: str) -> tuple[pl.Series, pl.Series]:
    """Each row's number (null: blank or wrong) and whether n/a was returned, reporting
    each value that breaks its input's rules."""
    expected = _expected(spec, ftype)

    def emit(code: str, mask: pl.Series, message: Callable[[str], str]) -> None:
        if mask.any():
            _emit(problems, code, rows.filter(mask), message, expected, file, spec.id)

    value = rows["value"]
    n = rows.height
    bad = pl.repeat(False, n, eager=True)
    is_na = bad
    if value.dtype.is_numeric() and ftype.kind != "label":
        return _check_numbers(value.cast(pl.Float64), emit, spec, ftype, bad), is_na
    text = _accepted(value.cast(pl.String).str.strip_chars().fill_null(""), spec)
    lowered = text.str.to_lowercase()
    blank = text == ""
    is_na = lowered.is_in(NA_TOKENS)
    if spec.na is None and is_na.any():
        emit("E-VALUE-NA", is_na,
             lambda v: "n/a is not allowed here (a missing return is an empty cell)")
        bad = is_na
        is_na = pl.repeat(False, n, eager=True)
    todo = ~blank & ~is_na & ~bad
    if ftype.kind == "label":
        assert ftype.vocabulary is not None
        lookup = {label.lower(): float(i) for i, label in enumerate(ftype.vocabulary)}
        label = lowered.replace_strict(lookup, default=None, return_dtype=pl.Float64)
        wrong = todo & label.is_null()
        emit("E-VALUE-LABEL", wrong, lambda v: f"{v!r} is not one of its labels")
        return label.set(~(todo & ~wrong), None), is_na
    nonfinite = todo & lowered.is_in(NONFINITE_TOKENS)
    emit("E-VALUE-NONFINITE", nonfinite, lambda v: f"{v!r} is not a finite number")
    todo = todo & ~nonfinite
    parsed = text.cast(pl.Float64, strict=False)
    parsed = parsed.set(parsed.is_nan().fill_null(False), None)
    wrong = todo & parsed.is_null()
    if wrong.any():
        for mask, hint in _hinted(text, wrong, spec):
            emit("E-VALUE-TYPE", mask, hint)
    number = parsed.set(~(todo & ~wrong), None)
    return _check_numbers(number, emit, spec, ftype, bad | nonfinite | wrong), is_na


def _check_numbers(number: pl.Series, emit: Callable[[str, pl.Series, Callable[[str], str]],
                                                     None],
                   spec: InputSpec, ftype: FieldType, bad: pl.Series) -> pl.Series:
    infinite = number.is_infinite().fill_null(False)
    if infinite.any():
        emit("E-VALUE-NONFINITE", infinite, lambda v: f"{v!r} is not finite")
        bad = bad | infinite
        number = number.set(infinite, None)
    if ftype.kind == "integer":
        fractional = (number.floor() != number).fill_null(False)
        emit("E-VALUE-TYPE", fractional, lambda v: f"{v!r} is not a whole number")
        bad = bad | fractional
    out_of_range = pl.repeat(False, len(number), eager=True)
    if spec.min is not None:
        out_of_range = out_of_range | (number < spec.min).fill_null(False)
    if spec.max is not None:
        out_of_range = out_of_range | (number > spec.max).fill_null(False)
    emit("E-VALUE-RANGE", out_of_range, lambda v: f"{v!r} is outside its range")
    bad = bad | out_of_range
    return number.set(bad, None) if bad.any() else number


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


def _accepted(text: pl.Series, spec: InputSpec) -> pl.Series:
    """Rewrite the spellings the pack accepts for this input into plain numbers."""
    if "thousands_separator" in spec.accept:
        text = _where(text.str.contains(_THOUSANDS), text.str.replace_all(",", "", literal=True),
                      text)
    if "percent_sign" in spec.accept:
        text = _where(text.str.contains(_PERCENT),
                      text.str.strip_chars_end("%").str.strip_chars(), text)
    if "dash_as_missing" in spec.accept:
        text = _where(text.is_in(DASHES), pl.repeat("", len(text), eager=True), text)
    return text


def _where(mask: pl.Series, then: pl.Series, otherwise: pl.Series) -> pl.Series:
    return pl.select(pl.when(mask).then(then).otherwise(otherwise)).to_series()


def _hinted(text: pl.Series, wrong: pl.Series, spec: InputSpec
            ) -> list[tuple[pl.Series, Callable[[str], str]]]:
    """Split the values that are not numbers by what they look like, each with its hint."""
    empty_is = "leave the cell empty for no return" + (
        ", or write n/a" if spec.na is not None else "")
    lowered = text.str.to_lowercase()
    kinds: list[tuple[pl.Series, Callable[[str], str]]] = [
        (text.str.contains(_THOUSANDS) | text.str.contains(_SPACED_THOUSANDS),
         lambda v: f"{v!r} is not a number: write it without thousands separators "
                   f"({v.replace(',', '').replace(' ', '').strip()})"),
        (text.str.contains(_PERCENT),
         lambda v: f"{v!r} is not a number: give it without the % sign "
                   f"({v.strip().rstrip('%').strip()})"),
        (text.str.contains(_DECIMAL_COMMA),
         lambda v: f"{v!r} is not a number: use a point for decimals "
                   f"({v.strip().replace(',', '.')})"),
        (text.is_in(DASHES), lambda v: f"{v!r} is not a number: {empty_is}"),
        (lowered.is_in(_PLACEHOLDERS),
         lambda v: f"{v!r} is not a number (a suppression or not-available marker?): "
                   f"{empty_is}"),
        (text.str.contains(_EXCEL_ERROR),
         lambda v: f"{v!r} is an Excel error, not a number: correct the formula, or "
                   f"{empty_is}"),
    ]
    out = []
    left = wrong
    for mask, message in kinds:
        mine = left & mask
        left = left & ~mask
        out.append((mine, message))
    out.append((left, lambda v: f"{v!r} is not a number"))
    return out


def _resolve_feeds(long: pl.DataFrame, indicators: pl.Series, tables: list[SourceTable],
                   prefer: str, problems: Problems) -> pl.DataFrame:
    fed = [i for i, t in enumerate(tables) if t.derived]
    if not fed or len(fed) == len(tables):
        return long
    derived = pl.col("src").is_in(fed)
    both = derived.any().over("key3") & (~derived).any().over("key3")
    loser = long.select(both & (derived if prefer == "supplied" else ~derived)).to_series()
    if not loser.any():
        return long
    winner = "supplied" if prefer == "supplied" else "derived"
    lost = long.filter(loser)
    for (indicator,), mine in sorted(lost.partition_by("indicator", as_dict=True).items()):
        file, line, column, raw = _locate(tables, mine.head(1))[0]
        problems.add(Problem("W-FEED-OVERRIDE", f"{mine.height} {indicators[indicator]} "
                             "value(s) given "
                             "both in the returns and by a feed: the "
                             f"{winner} value is used", file=file, row=line, column=column,
                             value=raw))
    return long.filter(~loser)


def _check_duplicates(long: pl.DataFrame, labels: dict[str, pl.Series],
                      tables: list[SourceTable], problems: Problems) -> pl.DataFrame:
    if not (long["key3"].sort().diff() == 0).any():  # the usual case: no key repeats
        return long
    dup = long["key3"].is_duplicated()
    repeated = long.filter(dup)
    groups = repeated.partition_by(KEY, as_dict=True, maintain_order=True)
    for key in sorted(groups):
        group = groups[key]
        places = _locate(tables, group)
        values = {"na" if na else ("nan" if number is None else number)
                  for number, na in zip(group["number"].to_list(), group["na"].to_list(),
                                        strict=True)}
        file, line, column, raw = places[1]
        code, period, indicator = (labels[k][i] for k, i in zip(KEY, key, strict=True))
        problems.add(Problem(
            "E-DUPLICATE" if len(values) > 1 else "W-DUPLICATE",
            f"{indicator} for {code} {period} is given {group.height} times"
            + (" with different values" if len(values) > 1 else " with the same value")
            + " (" + "; ".join(f"{r} at {f}:{n}" for f, n, _, r in places) + ")",
            file=file, row=line, column=column, value=raw, expected="one value per key"))
    return long.filter(pl.col("key3").is_first_distinct())


def _check_keys(long: pl.DataFrame, labels: dict[str, pl.Series], tables: list[SourceTable],
                pack: Pack, problems: Problems, reference_codes: set[str] | None) -> None:
    periods, codes = labels["period"], labels["code"]
    outside = [i for i, p in enumerate(periods.to_list()) if not pack.periods.contains(p)]
    firsts = long.filter(pl.col("period").is_in(outside)).unique(
        "period", keep="first", maintain_order=True).sort("period")
    for period, (file, line, _, _) in zip(periods.gather(firsts["period"]).to_list(),
                                          _locate(tables, firsts), strict=True):
        problems.add(Problem("W-PERIOD-OUTSIDE", f"period {period} is outside the years of "
                             f"{pack.id} ({pack.periods.describe()})", file=file, row=line,
                             column="period", value=period))
    if reference_codes is None:
        return
    strange = (~codes.is_in(list(reference_codes))).arg_true()
    unknown = long.filter(pl.col("code").is_in(strange.to_list())).unique(
        "code", keep="first", maintain_order=True).sort("code")
    for code, (file, line, _, _) in zip(codes.gather(unknown["code"]).to_list(),
                                        _locate(tables, unknown), strict=True):
        problems.add(Problem("W-UNKNOWN-AUTHORITY", f"authority code {code} is not in the "
                             "reference list", file=file, row=line, column="authority_code",
                             value=code))


def _pivot(long: pl.DataFrame, labels: tuple[pl.Series, pl.Series, pl.Series],
           tables: list[SourceTable], pack: Pack, rows_read: int, want_origin: bool
           ) -> tuple[Returns, Callable[[np.ndarray], list[Place]]]:
    """The wide returns (a row per authority-period, sorted), and a way to find where given
    rows first appear. ``labels``: the sorted codes, periods and indicators that ``key`` and
    ``ind`` count in."""
    present, row = sorted_codes(long["key"])
    n = len(present)
    keyed = long.with_columns(__row=row)
    codes, periods, indicators = labels
    ids = {name: k for k, name in enumerate(indicators.to_list())}
    parts = keyed.select("__row", "number", "na", "ind").partition_by("ind", as_dict=True)
    values: dict[str, np.ndarray] = {}
    na: dict[str, np.ndarray] = {}
    # An input no file gives shares one read-only blank column (packs declare many optional
    # inputs; at millions of rows a blank column each would cost more than the returns).
    blank = read_only(np.full(n, np.nan))
    never = read_only(np.zeros(n, dtype=bool))
    any_na = bool(long["na"].any())
    for spec in pack.inputs:
        if (ids.get(spec.id),) not in parts:
            values[spec.id] = blank
            if spec.na is not None:
                na[spec.id] = never
            continue
        mine = parts[(ids[spec.id],)]
        values[spec.id] = _spread(mine["__row"], mine["number"], float("nan"), n)
        if spec.na is not None:
            na[spec.id] = _spread(mine["__row"], mine["na"], False, n) if any_na else \
                np.zeros(n, dtype=bool)
    origin = _origin(keyed, indicators, tables) if want_origin else None

    def first(rows: np.ndarray) -> list[Place]:
        starts = keyed.filter(pl.col("__row").is_first_distinct()).sort("__row")
        return _locate(tables, starts[rows.tolist()])
    at = present.cast(pl.Int64)
    keys = pd.DataFrame({
        "authority_code": codes.gather(at // len(periods)).to_numpy().astype(object),
        "period": periods.gather(at % len(periods)).to_numpy().astype(object)})
    returns = Returns(keys, values, na, *_names_and_notes(long, labels, tables), rows_read,
                      origin)
    return returns, first


def _spread(rows: pl.Series, values: pl.Series, fill: float | bool, n: int) -> np.ndarray:
    """One input's values, a row per authority-period (``fill`` where it has none)."""
    column = pl.repeat(fill, n, dtype=values.dtype, eager=True)
    column.scatter(rows, values.fill_null(fill))
    array: np.ndarray = column.to_numpy(writable=True)
    return array


def _origin(keyed: pl.DataFrame, indicators: pl.Series, tables: list[SourceTable]
            ) -> pd.DataFrame:
    """Where every value used came from, in the order of the long table."""
    parts = []
    for src, source in enumerate(tables):
        mine = keyed.filter(pl.col("src") == src)
        at = source.table.select("line", "column")[mine["pos"]]
        parts.append(pd.DataFrame({
            "row": mine["__row"].to_numpy().astype(np.int64),
            "indicator": indicators.gather(mine["indicator"]).to_numpy().astype(object),
            "file": np.full(mine.height, source.file, dtype=object),
            "line": at["line"].to_numpy(),
            "column": at["column"].cast(pl.String).to_numpy().astype(object)}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["row", "indicator", "file", "line", "column"])


def _names_and_notes(long: pl.DataFrame, labels: tuple[pl.Series, pl.Series, pl.Series],
                     tables: list[SourceTable]) -> tuple[dict[str, str], pd.DataFrame]:
    """Authority names given in the returns (the first per code), and the non-empty notes."""
    names: dict[str, str] = {}
    notes = []
    for src, source in enumerate(tables):
        table = source.table
        has_names = table["authority_name"].null_count() < table.height
        has_notes = table["note"].null_count() < table.height
        if not (has_names or has_notes):  # the usual case at scale
            continue
        mine = long.filter(pl.col("src") == src)
        if has_names:
            named = mine.select("code", name=table["authority_name"][mine["pos"]]
                                .str.strip_chars().fill_null(""))
            firsts = named.filter(pl.col("name") != "").unique(
                "code", keep="first", maintain_order=True).sort("code")
            for code, name in zip(labels[0].gather(firsts["code"]).to_list(),
                                  firsts["name"].to_list(), strict=True):
                names.setdefault(code, name)
        if has_notes:
            noted = mine.select(authority_code=pl.lit(labels[0]).gather(pl.col("code")),
                                period=pl.lit(labels[1]).gather(pl.col("period")),
                                indicator=pl.lit(labels[2]).gather(pl.col("indicator")),
                                note=table["note"][mine["pos"]].str.strip_chars()
                                .fill_null("")).filter(pl.col("note") != "")
            if noted.height:
                notes.append(pd.DataFrame({c: noted[c].to_numpy().astype(object)
                                           for c in noted.columns}))
    note_frame = pd.concat(notes, ignore_index=True) if notes else pd.DataFrame(
        columns=["authority_code", "period", "indicator", "note"])
    return names, note_frame


def _check_required(returns: Returns, first: Callable[[np.ndarray], list[Place]],
                    pack: Pack, problems: Problems) -> None:
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
    where = first(take)
    for j, i in enumerate(take):
        missing = list(names[absent[:, i]])
        code, period = returns.keys.iloc[i]
        problems.add(Problem(
            "W-REQUIRED-MISSING", f"{code} {period} has no value for required input(s) "
            f"{', '.join(missing)}: it will not be rated", file=where[j][0],
            row=where[j][1], column=missing[0], value="",
            expected=f"a value for {missing[0]}"))
    extra = len(rows) - len(take)
    if extra:
        problems.counts["W-REQUIRED-MISSING"] = (
            problems.counts.get("W-REQUIRED-MISSING", 0) + extra)
