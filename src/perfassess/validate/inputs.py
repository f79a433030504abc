"""Check returns against a pack's declared inputs and turn them into the evaluation frame."""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from perfassess.core.problems import Problem, Problems
from perfassess.core.returns import Returns
from perfassess.engine.fields import FieldType, read_only
from perfassess.io.read import SourceTable
from perfassess.narrow import int_type
from perfassess.spec.pack import PERIOD_FORMS, InputSpec, Pack

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
class _Parsed:
    """One file's rows that name a known input, as codes into cleaned categories."""

    source: SourceTable
    index: np.ndarray  # positions of these rows in source.table
    code: Text
    period: Text
    indicator: Text
    number: np.ndarray
    na: np.ndarray


@dataclass
class _Long:
    """Every file's parsed rows together, keys as integer codes into shared categories."""

    tables: list[SourceTable]
    table: np.ndarray  # which table each row came from
    index: np.ndarray  # its position in that table
    code: np.ndarray
    codes: np.ndarray  # sorted authority codes
    period: np.ndarray
    periods: np.ndarray  # sorted periods
    indicator: np.ndarray
    indicators: np.ndarray
    number: np.ndarray
    na: np.ndarray
    derived: np.ndarray

    def take(self, keep: np.ndarray) -> _Long:
        return _Long(self.tables, self.table[keep], self.index[keep], self.code[keep],
                     self.codes, self.period[keep], self.periods, self.indicator[keep],
                     self.indicators, self.number[keep], self.na[keep], self.derived[keep])

    def key(self) -> np.ndarray:
        """One integer per (authority, period, indicator)."""
        space = len(self.codes) * len(self.periods) * max(len(self.indicators), 1)
        # In place from here: one temporary, of the narrowest type that holds every key.
        key: np.ndarray = self.code.astype(int_type(space, np.int32))
        key *= len(self.periods)
        key += self.period
        key *= max(len(self.indicators), 1)
        key += self.indicator
        return key

    def locate(self, rows: np.ndarray) -> pd.DataFrame:
        """File, line, column and value as written, for a few rows (to report them)."""
        parts = []
        for t in np.unique(self.table[rows]):
            mine = rows[self.table[rows] == t]
            source = self.tables[int(t)]
            at = self.index[mine]
            parts.append(pd.DataFrame({
                "_row": mine, "_file": source.file,
                "_line": source.table["_line"].to_numpy()[at],
                "_column": np.asarray(source.table["_column"].to_numpy()[at], dtype=object),
                "raw": np.asarray(source.table["value"].to_numpy()[at], dtype=object)}))
        located = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
            columns=["_row", "_file", "_line", "_column", "raw"])
        return located.sort_values("_row", kind="stable").reset_index(drop=True)


def parse_returns(tables: list[SourceTable], pack: Pack, input_types: dict[str, FieldType],
                  problems: Problems, reference_codes: set[str] | None = None,
                  prefer: str = "derived", origin: bool = True,
                  unused: list[str] | None = None) -> Returns:
    """Parse every value by its input's declared type, collecting every problem found.

    Given ``unused`` (the files are every pack's of one run), a file none of whose
    indicators the pack has is listed there, for another pack to read, instead of being an
    error.

    Where a value is both supplied and derived from another pack, ``prefer`` decides which
    is used ("derived" or "supplied"); the other is dropped with a warning. ``origin`` keeps
    where every value came from (for the trace).
    """
    parsed = [_parse_table(t, pack, input_types, problems, unused) for t in tables]
    long = _combine(parsed)
    del parsed  # only ``long`` is needed from here: at millions of rows it matters
    long = _resolve_feeds(long, prefer, problems)
    long = _check_duplicates(long, problems)
    _check_keys(long, pack, problems, reference_codes)
    returns, first = _pivot(long, pack, sum(len(t.table) for t in tables), origin)
    if not problems.has_errors():
        _check_required(returns, first, pack, problems)
    return returns


def _check_required(returns: Returns, first: Callable[[np.ndarray], pd.DataFrame], pack: Pack,
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
    where = first(take)
    for j, i in enumerate(take):
        missing = list(names[absent[:, i]])
        code, period = returns.keys.iloc[i]
        problems.add(Problem(
            "W-REQUIRED-MISSING", f"{code} {period} has no value for required input(s) "
            f"{', '.join(missing)}: it will not be rated", file=str(where["_file"].iloc[j]),
            row=int(where["_line"].iloc[j]), column=missing[0], value="",
            expected=f"a value for {missing[0]}"))
    extra = len(rows) - len(take)
    if extra:
        problems.counts["W-REQUIRED-MISSING"] = (
            problems.counts.get("W-REQUIRED-MISSING", 0) + extra)


@dataclass
class Text:
    """A text column as integer codes into its distinct (trimmed) values."""

    codes: np.ndarray
    labels: pa.Array  # Arrow strings, distinct

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, rows: np.ndarray) -> Text:
        return Text(self.codes[rows], self.labels)

    def spelt(self) -> np.ndarray:
        return np.asarray(self.labels.to_numpy(zero_copy_only=False), dtype=object)

    def where(self, value: str) -> np.ndarray:
        """Rows whose text equals ``value``."""
        hits = np.flatnonzero(pc.equal(self.labels, value).to_numpy(zero_copy_only=False))
        rows: np.ndarray = (np.isin(self.codes, hits) if len(hits)
                            else np.zeros(len(self.codes), dtype=bool))
        return rows


def _arrow_text(values: Any) -> pa.Array:
    """Distinct values (a pandas Index or array) as Arrow strings."""
    if isinstance(values, pd.Index) and not (pd.api.types.is_string_dtype(values)
                                             or values.dtype == object):
        values = values.astype(str)
    try:
        return pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([str(v) for v in values], type=pa.string())


def text_codes(series: pd.Series | None, n: int) -> Text:
    """A text column as codes into trimmed distinct values; missing cells are ''.

    Only the distinct values are trimmed (in Arrow), so a column of millions of repeated
    codes costs one pass over its integer codes.
    """
    if series is None:
        return Text(np.zeros(n, dtype=np.int64), pa.array([""], type=pa.string()))
    cat = series.array if isinstance(series.dtype, pd.CategoricalDtype) else pd.Categorical(
        series.to_numpy(dtype=object))
    assert isinstance(cat, pd.Categorical)
    codes = np.asarray(cat.codes)  # int8 to int32 as pandas chose: no wider copy
    labels = _arrow_text(cat.categories)
    trimmed = pc.utf8_trim_whitespace(labels)
    if not (codes < 0).any() and pc.all(pc.equal(trimmed, labels)).as_py() in (True, None):
        return Text(codes, labels)
    encoded = pc.dictionary_encode(pa.concat_arrays([trimmed, pa.array([""], pa.string())]))
    mapping = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return Text(mapping[np.where(codes < 0, len(labels), codes)], encoded.dictionary)


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


@dataclass
class _Reading:
    """What each distinct spelling of a value column reads as (arrays over the spellings)."""

    spelt: np.ndarray  # trimmed, with the input's accepted spellings rewritten
    lowered: pd.Series
    blank: np.ndarray
    na: np.ndarray
    nonfinite: np.ndarray
    number: np.ndarray  # NaN where not a number


class _Spellings:
    """A file's value column as codes into its distinct spellings. Returns repeat a few
    spellings (labels, n/a, small numbers) millions of times, so each is read once per file
    (and per set of accepted spellings), then spread back over the rows by its code."""

    def __init__(self, raw: pd.Series) -> None:
        if isinstance(raw.dtype, pd.CategoricalDtype):  # already codes (a Parquet column)
            index, distinct = np.asarray(raw.array.codes), raw.cat.categories
        else:
            index, distinct = pd.factorize(raw, use_na_sentinel=True)
        self.codes = np.where(index < 0, len(distinct), index)  # missing: the extra last
        self.distinct = pd.Series([*distinct, None], dtype=object)
        self._read: dict[tuple[str, ...], _Reading] = {}

    def read(self, spec: InputSpec) -> _Reading:
        key = tuple(sorted(spec.accept))
        if key not in self._read:
            spelt = _accepted(_strings(self.distinct), spec)
            lowered = spelt.str.lower()
            self._read[key] = _Reading(
                spelt=spelt.to_numpy(dtype=object), lowered=lowered,
                blank=(spelt == "").to_numpy(), na=lowered.isin(NA_TOKENS).to_numpy(),
                nonfinite=lowered.isin(NONFINITE_TOKENS).to_numpy(),
                number=pd.to_numeric(spelt, errors="coerce").to_numpy(dtype=np.float64))
        return self._read[key]


class _Part:
    """The values of one input in one file, located lazily for problem reports."""

    def __init__(self, source: SourceTable, index: np.ndarray,
                 spellings: Callable[[], _Spellings] | None = None, quiet: bool = False
                 ) -> None:
        self.source = source
        self.index = index
        self._spellings = spellings
        self.quiet = quiet  # read only to learn whether any value is wrong: none is located

    @property
    def raw(self) -> pd.Series:
        """The values as read (numbers, from a Parquet number column)."""
        return self.source.table["value"].iloc[self.index].reset_index(drop=True)

    def reading(self, spec: InputSpec) -> tuple[_Reading, np.ndarray]:
        """How the file's spellings read for this input, and each row's spelling."""
        assert self._spellings is not None, "a part made for locating rows only"
        spellings = self._spellings()
        return spellings.read(spec), spellings.codes[self.index]

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, mask: np.ndarray) -> pd.DataFrame:
        """The rows under ``mask`` with file position and value (only built when needed)."""
        if self.quiet or not mask.any():
            return pd.DataFrame(columns=["raw", "_line", "_column"])
        at = self.index[mask]
        table = self.source.table
        return pd.DataFrame({"raw": np.asarray(table["value"].to_numpy()[at], dtype=object),
                             "_line": table["_line"].to_numpy()[at],
                             "_column": np.asarray(table["_column"].to_numpy()[at],
                                                   dtype=object)})


class _Distinct(_Part):
    """A file's distinct spellings standing in for its rows, so that each is read once
    per input; nothing is located (the input-by-input pass reports the problems)."""

    def __init__(self, source: SourceTable, spellings: _Spellings) -> None:
        super().__init__(source, np.arange(len(spellings.distinct)), lambda: spellings,
                         quiet=True)

    def reading(self, spec: InputSpec) -> tuple[_Reading, np.ndarray]:
        assert self._spellings is not None
        return self._spellings().read(spec), self.index


def _no_known_indicator(source: SourceTable, pack: Pack, inputs: list[str],
                        indicators: np.ndarray, problems: Problems, shown: int = 5) -> None:
    """E-FILE-NO-INDICATORS: a file none of whose indicators the pack has (a few of them
    named, each with the pack's closest input ids)."""
    spelt = [str(i) for i in indicators[:shown]]
    guesses = [f"{i} (did you mean {', '.join(close)}?)" if close else i
               for i in spelt for close in [difflib.get_close_matches(i, inputs, n=2)]]
    more = f" and {len(indicators) - shown} more" if len(indicators) > shown else ""
    problems.add(Problem("E-FILE-NO-INDICATORS", f"none of the file's {len(indicators)} "
                         f"indicator(s) is an input of pack {pack.id}: {'; '.join(guesses)}"
                         f"{more}", file=source.file,
                         column="indicator" if source.layout == "long" else spelt[0],
                         value=spelt[0], expected=f"an input id of {pack.id}, such as "
                         f"{', '.join(inputs[:3])}"))


def _parse_table(source: SourceTable, pack: Pack, input_types: dict[str, FieldType],
                 problems: Problems, unused: list[str] | None = None) -> _Parsed:
    t = source.table
    n = len(t)
    code = text_codes(t["authority_code"], n)
    period = text_codes(t["period"], n)
    indicator = text_codes(t["indicator"], n)
    blank_code = code.where("")
    blank_period = period.where("")
    blank_indicator = indicator.where("") if source.layout == "long" else np.zeros(n, bool)
    blank_any = blank_code | blank_period | blank_indicator
    if blank_any.any():
        # A row that is blank but for its value is a missing return, not a keyless one.
        empty = text_codes(t["value"], n).where("")
        blank_row = blank_code & blank_period & (blank_indicator | (source.layout == "wide"))
        everything = _Part(source, np.arange(n))
        for mask, column in ((blank_code, "authority_code"), (blank_period, "period"),
                             (blank_indicator, "indicator")):
            rows = everything[mask & ~(blank_row & empty)].assign(_column=column, raw="")
            if source.layout == "wide":  # one problem per row of the file, not per cell
                rows = rows.drop_duplicates("_line")
            _emit(problems, "E-KEY-BLANK", rows, _fixed(f"{column} is blank"),
                  f"a non-blank {column}", source.file)

    categories = indicator.spelt()
    ind_codes = indicator.codes
    counts = np.bincount(ind_codes[~blank_any], minlength=len(categories))
    known_category = np.isin(categories, list(input_types))
    foreign = (not source.derived and bool(counts.sum())
               and not (known_category & (counts > 0)).any())
    if foreign and unused is not None:  # another pack of the run may read it
        unused.append(source.file)
    unknown = np.flatnonzero(~known_category & (counts > 0) & (categories != ""))
    if foreign and unused is not None:
        unknown = unknown[:0]
    # Each unknown indicator's first row, for all of them in one pass over the rows (a wide
    # file of thousands of unknown columns must not scan the table once per column); past
    # the catalogue's cap they are only counted.
    room = max(problems.limit - problems.counts.get("W-UNKNOWN-INDICATOR", 0), 0)
    beyond = max(len(unknown) - room, 0)
    unknown = unknown[:room]
    firsts = _first_rows(np.where(blank_any, len(categories), ind_codes),
                         len(categories) + 1) if len(unknown) else np.zeros(0, np.int64)
    lowered = {i.lower(): i for i in input_types}
    for k in unknown:
        name = str(categories[k])
        first = int(firsts[k])
        close = difflib.get_close_matches(name, list(input_types), n=1)
        guess = lowered.get(name.lower()) or (close[0] if close else None)
        problems.add(Problem("W-UNKNOWN-INDICATOR", f"indicator {name!r} is not an input "
                             f"of pack {pack.id} ({counts[k]} value(s) ignored)"
                             + (f"; did you mean {guess!r}?" if guess else ""),
                             # A wide file names its indicators in the header row.
                             file=source.file, row=int(t["_line"].iloc[first])
                             if source.layout == "long" else source.header_row,
                             column="indicator" if source.layout == "long"
                             else str(t["_column"].iloc[first]), value=name,
                             expected=guess and f"an input id, such as {guess}"))
    if beyond:
        problems.counts["W-UNKNOWN-INDICATOR"] = (
            problems.counts.get("W-UNKNOWN-INDICATOR", 0) + beyond)
    if foreign and unused is None:
        _no_known_indicator(source, pack, list(input_types), categories[counts > 0], problems)
    keep = ~blank_any & known_category[ind_codes]
    specs: dict[int, InputSpec] = {}
    for k in np.flatnonzero(known_category & (counts > 0)):
        spec = pack.input(str(categories[k]))
        assert spec is not None
        specs[int(k)] = spec
    # Made once, and only if some input's values are text.
    spelling = functools.cache(lambda: _Spellings(t["value"]))
    at_once = _read_at_once(source, ind_codes, keep, specs, input_types, spelling)
    if at_once is not None:
        numbers, na = at_once
    else:
        numbers, na = _read_by_input(source, ind_codes, keep, specs, input_types, spelling,
                                     problems)
    if keep.all():  # the usual case: nothing to drop, so nothing to copy
        # int32 positions while they fit: half the fresh memory of a column of millions
        every: np.ndarray = np.arange(n, dtype=int_type(n, np.int32))
        return _Parsed(source, every, code, period, indicator, numbers, na)
    kept = np.flatnonzero(keep)
    return _Parsed(source, kept, code[kept], period[kept], indicator[kept], numbers[kept],
                   na[kept])


def _read_by_input(source: SourceTable, ind_codes: np.ndarray, keep: np.ndarray,
                   specs: dict[int, InputSpec], input_types: dict[str, FieldType],
                   spelling: Callable[[], _Spellings], problems: Problems
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Every kept row's number and n/a, reading one input at a time and reporting each
    value that breaks its input's rules."""
    n = len(ind_codes)
    numbers = np.full(n, np.nan)
    na = np.zeros(n, dtype=bool)
    # Rows grouped by indicator in one stable sort (rows not kept go last), not a scan of
    # the whole table per indicator.
    size = int(ind_codes.max(initial=0)) + 1
    group = np.where(keep, ind_codes, size)
    order = np.argsort(group.astype(np.int16) if size < 1 << 15 else group, kind="stable")
    starts = np.concatenate(([0], np.cumsum(np.bincount(group, minlength=size))))
    for k, spec in specs.items():
        index = order[starts[k]:starts[k + 1]]
        # A bad value stays as missing so duplicates are still seen; its error stops the run.
        numbers[index], na[index], _ = _parse_values(_Part(source, index, spelling), spec,
                                                     input_types[spec.id], problems,
                                                     source.file)
    return numbers, na


def _read_at_once(source: SourceTable, ind_codes: np.ndarray, keep: np.ndarray,
                  specs: dict[int, InputSpec], input_types: dict[str, FieldType],
                  spelling: Callable[[], _Spellings]) -> tuple[np.ndarray, np.ndarray] | None:
    """Every row's number and n/a in whole-column operations, when no kept row's value
    breaks its input's rules (the usual case); None when one does, or when the column does
    not suit, for ``_read_by_input`` to read (and report) input by input. Rows not kept
    may read as anything."""
    value = source.table["value"]
    if not _number_column(value.dtype):
        return _spellings_at_once(source, ind_codes, keep, specs, input_types, spelling())
    if any(input_types[spec.id].kind == "label" for spec in specs.values()):
        return None
    number = read_only(value.to_numpy(dtype=np.float64, na_value=np.nan))
    # The same checks as input by input, once per distinct set of rules (usually one).
    rules: dict[tuple[str, float | None, float | None], list[int]] = {}
    for k, spec in specs.items():
        rules.setdefault((input_types[spec.id].kind, spec.min, spec.max), []).append(k)
    quiet = _Part(source, np.zeros(0, dtype=np.int64), quiet=True)
    for ks in rules.values():
        spec = specs[ks[0]]
        mine = keep if len(rules) == 1 else keep & np.isin(ind_codes, ks)
        mine_only = number if len(rules) == 1 else np.where(mine, number, np.nan)
        _, _, bad = _check_numbers(mine_only, quiet, spec, input_types[spec.id], Problems(),
                                   source.file, np.zeros(len(number), dtype=bool),
                                   np.zeros(0, dtype=bool))
        if (bad & mine).any():
            return None
    return number, np.zeros(len(number), dtype=bool)


def _spellings_at_once(source: SourceTable, ind_codes: np.ndarray, keep: np.ndarray,
                       specs: dict[int, InputSpec], input_types: dict[str, FieldType],
                       spellings: _Spellings) -> tuple[np.ndarray, np.ndarray] | None:
    """A text column: each distinct spelling read once per input, into a small table of
    number, n/a and wrong by (indicator, spelling), then looked up for every row."""
    size = len(spellings.distinct)
    categories = int(ind_codes.max(initial=0)) + 1
    if categories * size > max(len(ind_codes), 1 << 16):
        return None  # too many spellings to tabulate (numbers written as text)
    number = np.full((categories, size), np.nan)
    na = np.zeros((categories, size), dtype=bool)
    wrong = np.zeros((categories, size), dtype=bool)
    distinct = _Distinct(source, spellings)
    for k, spec in specs.items():
        number[k], na[k], wrong[k] = _parse_values(distinct, spec, input_types[spec.id],
                                                   Problems(), source.file)
    pair: np.ndarray = ind_codes.astype(int_type(categories * size, np.int32))
    pair *= size
    pair += spellings.codes
    if wrong.any() and (wrong.ravel()[pair] & keep).any():
        return None
    return number.ravel()[pair], na.ravel()[pair]


def _number_column(dtype: Any) -> bool:
    """Whether a value column holds numbers (read as they are, not as text)."""
    return bool(pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype))


def _unify(texts: list[Text]) -> tuple[np.ndarray, np.ndarray]:
    """Codes of several text columns into one sorted set of distinct values."""
    if not texts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object)
    union = texts[0].labels if len(texts) == 1 else pc.unique(
        pa.concat_arrays([t.labels for t in texts]))
    if len(texts) == 1 and _ascending(union):  # codes already follow sorted labels
        return texts[0].codes, np.asarray(union.to_numpy(zero_copy_only=False), dtype=object)
    union = union.take(pc.sort_indices(union))
    parts = []
    for text in texts:
        mapping = pc.index_in(text.labels, value_set=union).to_numpy(zero_copy_only=False)
        parts.append(mapping.astype(np.int32)[text.codes])  # int32: half the memory of int64
    codes = parts[0] if len(parts) == 1 else np.concatenate(parts)
    return codes, np.asarray(union.to_numpy(zero_copy_only=False), dtype=object)


def _ascending(labels: pa.Array) -> bool:
    """Strictly ascending in code-point order (Arrow compares strings as UTF-8 bytes)."""
    if len(labels) < 2:
        return True
    return bool(pc.all(pc.less(labels[:-1], labels[1:])).as_py())


def _combine(parsed: list[_Parsed]) -> _Long:
    code, codes = _unify([p.code for p in parsed])
    period, periods = _unify([p.period for p in parsed])
    indicator, indicators = _unify([p.indicator for p in parsed])
    sizes = [len(p.index) for p in parsed]
    return _Long(
        tables=[p.source for p in parsed],
        table=np.repeat(np.arange(len(parsed), dtype=int_type(len(parsed), np.int16)), sizes),
        index=_joined([p.index for p in parsed], np.int64),
        code=code, codes=codes, period=period, periods=periods, indicator=indicator,
        indicators=indicators,
        number=_joined([p.number for p in parsed], np.float64),
        na=_joined([p.na for p in parsed], np.bool_),
        derived=np.repeat(np.array([p.source.derived for p in parsed], dtype=bool), sizes))


def _joined(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    """The parts end to end (one part is used as it is, not copied)."""
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


def _parse_values(part: _Part, spec: InputSpec, ftype: FieldType, problems: Problems,
                  file: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(part)
    bad = np.zeros(n, dtype=bool)
    if _number_column(part.source.table["value"].dtype) and ftype.kind != "label":
        number = part.raw.to_numpy(dtype=np.float64, na_value=np.nan)
        text = None
        is_na = np.zeros(n, dtype=bool)
        blank = np.isnan(number)
    else:
        reading, codes = part.reading(spec)
        blank = reading.blank[codes]
        is_na = reading.na[codes]
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
            labels = reading.lowered.map(lookup).to_numpy(dtype=np.float64, na_value=np.nan)
            label = labels[codes]
            wrong = todo & np.isnan(label)
            _emit(problems, "E-VALUE-LABEL", part[wrong],
                  lambda v: f"{v!r} is not one of its labels", _expected(spec, ftype), file,
                  spec.id)
            bad |= wrong
            number = np.where(todo & ~wrong, label, np.nan)
            return number, is_na, bad
        nonfinite = todo & reading.nonfinite[codes]
        _emit(problems, "E-VALUE-NONFINITE", part[nonfinite],
              lambda v: f"{v!r} is not a finite number", _expected(spec, ftype), file, spec.id)
        bad |= nonfinite
        todo &= ~nonfinite
        parsed = reading.number[codes]
        wrong = todo & np.isnan(parsed)
        if wrong.any():
            text = pd.Series(reading.spelt[codes], dtype=object)
            for mask, hint in _hinted(text, wrong, spec, ftype):
                _emit(problems, "E-VALUE-TYPE", part[mask], hint, _expected(spec, ftype), file,
                      spec.id)
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


def _hinted(text: pd.Series, wrong: np.ndarray, spec: InputSpec, ftype: FieldType
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
    # What the input takes, as the expected column says it: "a whole number from 1 to 4".
    takes = _expected(spec, ftype)
    out.append((left, lambda v: f"{v!r} is not {takes}"))
    return out


def _check_numbers(number: np.ndarray, part: _Part, spec: InputSpec, ftype: FieldType,
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


def _resolve_feeds(long: _Long, prefer: str, problems: Problems) -> _Long:
    derived = long.derived
    if not derived.any() or derived.all():
        return long
    key = long.key()
    both = np.isin(key, key[derived]) & np.isin(key, key[~derived])
    loser = both & (derived if prefer == "supplied" else ~derived)
    if loser.any():
        winner = "supplied" if prefer == "supplied" else "derived"
        lost = np.flatnonzero(loser)
        # The value each lost one gave way to, matched by key, to count those that differ.
        kept = np.flatnonzero(both & ~loser)
        order = np.argsort(key[kept], kind="stable")
        other = kept[order][np.searchsorted(key[kept][order], key[lost])]
        same = (long.number[lost] == long.number[other]) | (
            np.isnan(long.number[lost]) & np.isnan(long.number[other]))
        for k in np.unique(long.indicator[lost]):
            at = long.indicator[lost] == k
            mine = lost[at]
            first = long.locate(mine[:1]).iloc[0]
            fed_row = mine[0] if long.derived[mine[0]] else other[at][0]
            fed = long.tables[long.table[fed_row]].file.split("/")[0]
            periods = ", ".join(str(p) for p in long.periods[np.unique(long.period[mine])])
            differ = int((~same[at]).sum())
            problems.add(Problem(
                "W-FEED-OVERRIDE", f"{len(mine)} {long.indicators[k]} value(s) for "
                f"{periods} given both in the returns and by the feed from {fed} "
                f"({differ} of them differ): the {winner} value is used (prefer: {prefer}). "
                "This is expected where the returns keep their own values for periods the "
                "feed also covers; leave those periods out of the returns to silence it",
                file=str(first["_file"]), row=int(first["_line"]),
                column=str(first["_column"]), value=str(first["raw"])))
    return long.take(~loser)


def duplicated(key: np.ndarray) -> np.ndarray:
    """Rows whose key occurs more than once; by counting when the key space is small,
    else by sorting."""
    if not len(key):
        return np.zeros(0, dtype=bool)
    space = int(key.max()) + 1
    if space <= max(4 * len(key), 1 << 20):
        seen = np.zeros(space, dtype=bool)
        seen[key] = True
        if np.count_nonzero(seen) == len(key):  # the usual case: no key repeats
            return np.zeros(len(key), dtype=bool)
        counts = np.bincount(key, minlength=space)
        return np.asarray(counts[key] > 1)
    _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    return np.asarray(counts[inverse] > 1)


def _check_duplicates(long: _Long, problems: Problems) -> _Long:
    key = long.key()
    dup = duplicated(key)
    if not dup.any():
        return long
    rows = np.flatnonzero(dup)
    located = long.locate(rows)
    located["_key"] = key[rows]
    located["_value"] = np.where(long.na[rows], -np.inf, long.number[rows])
    for _, group in located.groupby("_key", sort=True):
        k = int(group["_key"].iloc[0])
        indicator = long.indicators[k % max(len(long.indicators), 1)]
        rest = k // max(len(long.indicators), 1)
        code, period = long.codes[rest // len(long.periods)], long.periods[rest % len(long.periods)]
        distinct = group["_value"].nunique(dropna=False)
        places = "; ".join(f"{raw!s} at {f}:{line}" for raw, f, line in zip(
            group["raw"], group["_file"], group["_line"], strict=True))
        second = group.iloc[1]
        conflict = distinct > 1
        problems.add(Problem(
            "E-DUPLICATE" if conflict else "W-DUPLICATE",
            f"{indicator} for {code} {period} is given {len(group)} times"
            + (" with different values" if conflict else " with the same value")
            + f" ({places})", file=str(second["_file"]), row=int(second["_line"]),
            column=str(second["_column"]), value=str(second["raw"]),
            expected="one value per key"))
    # Keep the first of each repeated key.
    order = np.argsort(key, kind="stable")
    repeat = np.zeros(len(key), dtype=bool)
    repeat[order[1:]] = key[order[1:]] == key[order[:-1]]
    return long.take(~repeat)


def _first_rows(codes: np.ndarray, size: int) -> np.ndarray:
    """For each code 0..size-1, the first row holding it (-1 where none), in one pass."""
    first = np.full(size, -1, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
    return first


def period_form_mask(periods: np.ndarray, form: str) -> np.ndarray:
    """Which of these (distinct, trimmed) periods are written in ``form``: one regular
    expression over the column, and for financial years the second year checked against the
    first as numbers."""
    labels = pa.array(periods, type=pa.string())
    pattern, _ = PERIOD_FORMS[form]
    ok = np.asarray(pc.match_substring_regex(labels, f"^{pattern}$").to_numpy(
        zero_copy_only=False), dtype=bool)
    if form == "YYYY-YY" and ok.any():
        shaped = labels.filter(pa.array(ok))
        first = pc.cast(pc.utf8_slice_codeunits(shaped, 0, 4), pa.int32()).to_numpy()
        second = pc.cast(pc.utf8_slice_codeunits(shaped, 5, 7), pa.int32()).to_numpy()
        ok[np.flatnonzero(ok)] = (first + 1) % 100 == second
    return ok


def _check_periods(long: _Long, pack: Pack, problems: Problems) -> np.ndarray:
    """E-PERIOD-FORM for each distinct period not written in the pack's period form (at its
    first row, with how many rows hold it); returns which distinct periods are well formed."""
    well_formed = period_form_mask(long.periods, pack.periods.period_form())
    bad = np.flatnonzero(~well_formed)
    if len(bad):
        first = _first_rows(long.period, len(long.periods))
        counts = np.bincount(long.period, minlength=len(long.periods))
        for i in bad.tolist():
            if first[i] < 0:
                continue
            at = long.locate(first[i:i + 1]).iloc[0]
            value = str(long.periods[i])
            why = ("; its digits are not the plain 0-9" if any(
                c.isdigit() and not c.isascii() for c in value) else
                "; it holds an invisible character" if not value.isprintable() else "")
            problems.add(Problem(
                "E-PERIOD-FORM", f"period {value!r} is not written as {pack.id} writes its "
                f"periods ({pack.periods.expected()}; {counts[i]:,} row(s)){why}",
                file=str(at["_file"]), row=int(at["_line"]), column="period", value=value,
                expected=pack.periods.expected()))
    return well_formed


def _check_keys(long: _Long, pack: Pack, problems: Problems,
                reference_codes: set[str] | None) -> None:
    well_formed = _check_periods(long, pack, problems)
    outside = [i for i, p in enumerate(long.periods.tolist())
               if well_formed[i] and not pack.periods.contains(str(p))]
    if outside:
        first = _first_rows(long.period, len(long.periods))
        for i in outside:
            if first[i] < 0:
                continue
            at = long.locate(first[i:i + 1]).iloc[0]
            problems.add(Problem("W-PERIOD-OUTSIDE", f"period {long.periods[i]} is outside the "
                                 f"years of {pack.id} ({pack.periods.describe()})",
                                 file=str(at["_file"]), row=int(at["_line"]),
                                 column="period", value=str(long.periods[i])))
    if reference_codes is not None:
        unknown = np.flatnonzero(~np.isin(long.codes, list(reference_codes)))
        if len(unknown):
            firsts = _first_rows(long.code, len(long.codes))
            for i in unknown.tolist():
                if firsts[i] < 0:
                    continue
                at = long.locate(firsts[i:i + 1]).iloc[0]
                problems.add(Problem("W-UNKNOWN-AUTHORITY", f"authority code {long.codes[i]} "
                                     "is not in the reference list", file=str(at["_file"]),
                                     row=int(at["_line"]), column="authority_code",
                                     value=str(long.codes[i])))


def _rows(long: _Long) -> tuple[np.ndarray, np.ndarray]:
    """Each value's row in the wide table, and the (authority, period) key of every row,
    sorted: by a dense table of the key space when it is small, else by sorting."""
    n_periods = max(len(long.periods), 1)
    combined = long.code  # one period (the usual case): the authority alone
    if n_periods > 1:
        combined = long.code.astype(np.int64)
        combined *= n_periods
        combined += long.period
    space = len(long.codes) * n_periods
    if space <= max(4 * len(combined), 1 << 20):
        present = np.zeros(space, dtype=bool)
        present[combined] = True
        keys = np.flatnonzero(present)
        if len(keys) == space:  # every key has a row (one period, the usual case)
            return combined, keys
        rank: np.ndarray = np.cumsum(present, dtype=int_type(len(keys), np.int32))
        rank -= 1
        return rank[combined], keys
    keys, row = np.unique(combined, return_inverse=True)
    return row, keys


def _pivot(long: _Long, pack: Pack, rows_read: int, want_origin: bool
           ) -> tuple[Returns, Callable[[np.ndarray], pd.DataFrame]]:
    """The wide returns, and a way to find where given authority-periods first appear."""
    n_periods = max(len(long.periods), 1)
    row, key_codes = _rows(long)
    # Object columns, not pandas' Arrow-backed strings: steps read the keys as NumPy
    # arrays, which Arrow strings would have to be spelt into on every read.
    keys = pd.DataFrame({
        "authority_code": pd.Series(long.codes[key_codes // n_periods], dtype=object),
        "period": pd.Series(long.periods[key_codes % n_periods], dtype=object),
    })
    n = len(keys)
    values: dict[str, np.ndarray] = {}
    na: dict[str, np.ndarray] = {}
    position = {str(name): i for i, name in enumerate(long.indicators)}
    # One scatter of every value into a table of a row per indicator, whose rows are the
    # inputs' columns (not a scan of the returns per indicator).
    table = np.full((len(long.indicators), n), np.nan)
    table[long.indicator, row] = long.number
    given = np.zeros((len(long.indicators), n), dtype=bool)
    if long.na.any():
        given[long.indicator, row] = long.na
    # An input no file gives shares one read-only blank column (packs declare many optional
    # inputs; at millions of rows a blank column each would cost more than the returns).
    blank = read_only(np.full(n, np.nan))
    never = read_only(np.zeros(n, dtype=bool))
    for spec in pack.inputs:
        k = position.get(spec.id)
        if k is None:
            values[spec.id] = blank
            if spec.na is not None:
                na[spec.id] = never
            continue
        values[spec.id] = table[k]
        if spec.na is not None:
            na[spec.id] = given[k]
    names, notes = _names_and_notes(long)
    origin = None
    if want_origin:
        # Files and columns as codes: each column is as long as the returns, and spelt as
        # text here it would be copied into strings only to be read once, by the trace.
        files, file_code = np.unique(np.array([t.file for t in long.tables], dtype=object),
                                     return_inverse=True)
        origin = pd.DataFrame({
            "row": row,
            "indicator": pd.Series(long.indicators[long.indicator], dtype=object, copy=False),
            "file": pd.Categorical.from_codes(file_code.reshape(-1)[long.table],
                                              pd.Index(files)),
            "line": _gather(long, "_line", np.int64),
            "column": _gather_categories(long, "_column")})

    def first(rows: np.ndarray) -> pd.DataFrame:
        starts = _first_rows(row, n)[rows]
        return long.locate(starts)
    return Returns(keys, values, na, names, notes, rows_read, origin), first


def _gather(long: _Long, column: str, dtype: type = object) -> np.ndarray:
    """A column of the tables as read, at each long row."""
    out: np.ndarray = np.empty(len(long.table), dtype=dtype)
    for t, source in enumerate(long.tables):
        mine = long.table == t
        out[mine] = np.asarray(source.table[column].to_numpy()[long.index[mine]], dtype=dtype)
    return out


def _gather_categories(long: _Long, column: str) -> pd.Categorical:
    """A text column of the tables as read, at each long row, as codes into the distinct
    texts of every table."""
    columns = [pd.Series(source.table[column], dtype="category") for source in long.tables]
    words = pd.Index(np.unique(np.concatenate(
        [np.asarray(c.cat.categories, dtype=object) for c in columns] or [np.array([])])))
    codes = np.full(len(long.table), -1, dtype=np.int32)
    for t, values in enumerate(columns):
        mine = long.table == t
        local = np.append(words.get_indexer(values.cat.categories), -1)  # code -1 stays -1
        codes[mine] = local[values.cat.codes.to_numpy()[long.index[mine]]]
    return pd.Categorical.from_codes(codes, categories=words)


def _names_and_notes(long: _Long) -> tuple[dict[str, str], pd.DataFrame]:
    """Authority names given in the returns (the first per code), and the non-empty notes."""
    names: dict[str, str] = {}
    notes = []
    for t, source in enumerate(long.tables):
        table = source.table
        has_names = bool(table["authority_name"].notna().any())
        has_notes = bool(table["note"].notna().any())
        if not (has_names or has_notes):  # the usual case at scale: spare a position per row
            continue
        mine = np.flatnonzero(long.table == t)
        if has_names:
            text = text_codes(table["authority_name"], len(table))
            spelt = text.spelt()
            named = text.codes[long.index[mine]]
            given = spelt[named] != ""
            codes = long.code[mine][given]
            firsts = np.unique(codes, return_index=True)[1]
            for c, name in zip(long.codes[codes[firsts]], spelt[named[given][firsts]],
                               strict=True):
                names.setdefault(str(c), str(name))
        if has_notes:
            notes_text = text_codes(table["note"], len(table))
            text = notes_text.spelt()[notes_text.codes[long.index[mine]]]
            has = text != ""
            if has.any():
                notes.append(pd.DataFrame({
                    "authority_code": long.codes[long.code[mine][has]],
                    "period": long.periods[long.period[mine][has]],
                    "indicator": long.indicators[long.indicator[mine][has]],
                    "note": text[has]}))
    note_frame = pd.concat(notes, ignore_index=True) if notes else pd.DataFrame(
        columns=["authority_code", "period", "indicator", "note"])
    return names, note_frame
