"""Compare two published results: which ratings differ, and the inputs and rules behind each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import pandas as pd

from perfassess.core.people import DIGITS, listing, spelt, told_apart
from perfassess.core.problems import Problem, Problems, ProblemsFound
from perfassess.io.published import read_published_parquet
from perfassess.io.spreadsheet import original_text
from perfassess.manifest import MANIFEST_FILE, read_manifest

KEYS = ["authority_code", "period"]
INPUT_STEP = "input"  # trace rows holding each input value and where it was read
IGNORED_COLUMNS = {"authority_name"}  # a name is not a rating; names come from reference data
RESULTS_CODES = ("E-RESULTS-UNREADABLE", "E-RESULTS-COLUMNS")
# What a diff reads of a trace (a trace from before the outcome columns still compares).
DIFFED_TRACE_COLUMNS = [*KEYS, "seq", "step", "field", "value", "rule_id", "status", "reason"]


@dataclass
class TraceEntry:
    value: str
    rule_id: str
    status: str
    reason: str

    def describe(self, step: str) -> str:
        rule = self.rule_id.removeprefix(step + "/") if self.rule_id != step else ""
        why = f"{rule}: {self.reason}" if rule else self.reason
        return f"{self.value or '(no value)'} ({why})" if why else self.value


@dataclass
class StepChange:
    """A step whose trace rows for one authority-period differ between the two runs."""

    step: str
    field: str
    a: list[TraceEntry]
    b: list[TraceEntry]


@dataclass
class InputChange:
    indicator: str
    a: str
    b: str
    where_a: str = ""  # file:line:column the value was read from
    where_b: str = ""


@dataclass
class RowChange:
    """One authority-period whose results differ: ``changed``, ``added`` (only in B) or
    ``removed`` (only in A)."""

    authority_code: str
    period: str
    kind: str
    columns: dict[str, tuple[str, str]] = field(default_factory=dict)
    steps: list[StepChange] = field(default_factory=list)
    inputs: list[InputChange] | None = None  # None: the runs kept no trace

    @property
    def rating(self) -> tuple[str, str] | None:
        return self.columns.get("rating")


@dataclass
class PackDiff:
    """Two published folders of (usually) the same pack."""

    name: str
    a: Path | None
    b: Path | None
    manifest_a: dict[str, Any] | None
    manifest_b: dict[str, Any] | None
    changes: list[RowChange] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    explained: int = 0  # how many of ``changes`` carry the trace and input detail
    only_in_a: list[str] = field(default_factory=list)  # published columns A has, B has not
    only_in_b: list[str] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        return (bool(self.changes or self.only_in_a or self.only_in_b)
                or self.a is None or self.b is None)

    def causes(self) -> list[str]:
        return manifest_causes(self.manifest_a, self.manifest_b)

    def digits(self, column: str) -> int:
        """Decimal places people are shown of an output: as the pack declares (the newer
        side's manifest first), else ``DIGITS``."""
        for manifest in (self.manifest_b, self.manifest_a):
            declared = (manifest or {}).get("pack", {}).get("digits") or {}
            if isinstance(declared.get(column), int):
                return int(declared[column])
        return DIGITS

    def to_dict(self) -> dict[str, Any]:
        return {
            "pack": self.name,
            "a": _pack_ref(self.manifest_a), "b": _pack_ref(self.manifest_b),
            "missing_in": "a" if self.a is None else "b" if self.b is None else None,
            "causes": self.causes(),
            "counts": self.counts,
            "columns_only_in_a": self.only_in_a, "columns_only_in_b": self.only_in_b,
            "changes": [_change_dict(c) for c in self.changes],
        }


def is_pack_folder(folder: Path) -> bool:
    return (folder / MANIFEST_FILE).is_file() or (folder / "ratings.csv").is_file()


def compare_runs(a: Path, b: Path, *, limit: int = 20) -> list[PackDiff]:
    """Compare two output folders pack by pack, or two pack folders directly.

    ``limit`` bounds how many changed authority-periods per pack get the step-by-step
    explanation (0: all): the input values (from the trace's ``input`` rows, with where
    each came from) and the steps whose trace rows differ.
    """
    if is_pack_folder(a) and is_pack_folder(b):
        name = a.name if a.name == b.name else f"{a.name} vs {b.name}"
        return [compare_packs(name, a, b, limit=limit)]
    names = sorted({p.name for p in _pack_folders(a)} | {p.name for p in _pack_folders(b)})
    return [compare_packs(n, a / n if is_pack_folder(a / n) else None,
                          b / n if is_pack_folder(b / n) else None, limit=limit)
            for n in names]


def _pack_folders(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.is_dir() and is_pack_folder(p)] \
        if folder.is_dir() else []


def compare_packs(name: str, a: Path | None, b: Path | None, *, limit: int = 20) -> PackDiff:
    diff = PackDiff(name, a, b, read_manifest(a) if a else None,
                    read_manifest(b) if b else None)
    if a is None or b is None:
        return diff
    ratings_a, ratings_b = read_ratings(a), read_ratings(b)
    diff.only_in_a = [c for c in ratings_a.columns if c not in ratings_b.columns]
    diff.only_in_b = [c for c in ratings_b.columns if c not in ratings_a.columns]
    diff.changes, diff.counts = _row_changes(ratings_a, ratings_b)
    detailed = diff.changes if limit <= 0 else diff.changes[:limit]
    diff.explained = len(detailed)
    if detailed:
        keys = pd.DataFrame([(c.authority_code, c.period) for c in detailed], columns=KEYS)
        trace_a, trace_b = read_trace(a), read_trace(b)
        steps = _step_changes(trace_a, trace_b, keys)
        for change in detailed:
            changed_steps = steps.get((change.authority_code, change.period), [])
            change.steps = [s for s in changed_steps if s.step != INPUT_STEP]
            if trace_a is not None and trace_b is not None:
                change.inputs = [InputChange(s.field, _value(s.a), _value(s.b),
                                             _value(s.a, "reason"), _value(s.b, "reason"))
                                 for s in changed_steps if s.step == INPUT_STEP]
    return diff


def read_ratings(folder: Path) -> pd.DataFrame:
    """Published ratings as text, as written to ratings.csv (formula quotes taken off); a
    file that cannot be read, or lacks the keys, is an E-RESULTS-* error naming it."""
    path = folder / "ratings.csv"
    if path.is_file():
        try:
            table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
        except (ValueError, UnicodeDecodeError, OSError) as exc:  # pandas' ParserError too
            _unreadable(path, f"the published ratings: {path} is not readable CSV ({exc})")
        _require(path, table.columns, KEYS)
        return table.apply(original_text)
    table = read_published_parquet(folder / "ratings.parquet", KEYS, codes=RESULTS_CODES,
                                   what="the published ratings")
    return table.astype(object).where(table.notna(), "").astype(str)


def read_trace(folder: Path) -> pd.DataFrame | None:
    path = folder / "trace.parquet"
    if not path.is_file():
        return None
    table = read_published_parquet(path, DIFFED_TRACE_COLUMNS, codes=RESULTS_CODES,
                                   what="the published trace (docs/trace.md)")
    return table.astype({c: object for c in table.columns if c != "seq"})


def _require(path: Path, columns: pd.Index, required: list[str]) -> None:
    missing = [c for c in required if c not in columns]
    if missing:
        problems = Problems()
        for column in missing:
            problems.add(Problem("E-RESULTS-COLUMNS", f"the published ratings: {path} has no "
                                 f"{column} column", file=str(path), column=column,
                                 expected=f"a column {column}"))
        raise ProblemsFound(problems)


def _unreadable(path: Path, message: str) -> NoReturn:
    problems = Problems()
    problems.add(Problem("E-RESULTS-UNREADABLE", message, file=str(path)))
    raise ProblemsFound(problems)


def _row_changes(a: pd.DataFrame, b: pd.DataFrame) -> tuple[list[RowChange], dict[str, int]]:
    """Rows (by authority and period) that differ in any column both publish, but the name
    (a column only one side has is reported once, not row by row)."""
    columns = [c for c in a.columns if c in b.columns
               and c not in KEYS and c not in IGNORED_COLUMNS]
    sides = []
    for table, suffix in ((a, "#a"), (b, "#b")):
        side = pd.DataFrame({k: table[k] if k in table.columns else "" for k in KEYS})
        for column in columns:
            side[column + suffix] = table[column] if column in table.columns else ""
        sides.append(side)
    merged = sides[0].merge(sides[1], on=KEYS, how="outer", indicator=True, sort=True)
    for column in merged.columns:
        if column != "_merge":
            merged[column] = merged[column].where(merged[column].notna(), "").astype(str)
    differs = pd.Series(False, index=merged.index)
    for column in columns:
        differs |= merged[column + "#a"] != merged[column + "#b"]
    changed = merged[(merged["_merge"] != "both") | differs]
    kinds = changed["_merge"].astype(str).map(
        {"both": "changed", "left_only": "removed", "right_only": "added"})
    out = []
    for kind, row in zip(kinds, changed.to_dict("records"), strict=True):
        if kind == "changed":
            cols = {c: (row[c + "#a"], row[c + "#b"]) for c in columns
                    if row[c + "#a"] != row[c + "#b"]}
        else:
            cols = {"rating": (row["rating#a"] if kind == "removed" else "",
                               row["rating#b"] if kind == "added" else "")}
        out.append(RowChange(row["authority_code"], row["period"], kind, cols))
    # Rating changes first, then other outputs; each in authority and period order.
    out.sort(key=lambda c: c.rating is None or c.rating[0] == c.rating[1])
    counts = {
        "rows_a": len(a), "rows_b": len(b), "rows_changed": len(out),
        "ratings_changed": sum(1 for c in out if c.rating and c.rating[0] != c.rating[1]),
        "only_in_a": int((kinds == "removed").sum()),
        "only_in_b": int((kinds == "added").sum()),
    }
    return out, counts


def _step_changes(a: pd.DataFrame | None, b: pd.DataFrame | None, keys: pd.DataFrame
                  ) -> dict[tuple[str, str], list[StepChange]]:
    """For each key, the steps whose trace rows differ, in the order the steps ran."""
    if a is None or b is None:
        return {}
    groups: dict[tuple[str, str], list[StepChange]] = {}
    sides = [t.merge(keys, on=KEYS, how="inner") for t in (a, b)]
    grouped = [dict(list(t.groupby([*KEYS, "step", "field"], sort=False))) for t in sides]
    order = pd.concat(sides, ignore_index=True).sort_values(["seq"], kind="stable")
    seen: set[tuple[str, str, str, str]] = set()
    for code, period, step, fld in order[[*KEYS, "step", "field"]].itertuples(index=False):
        group_key = (str(code), str(period), str(step), str(fld))
        if group_key in seen:
            continue
        seen.add(group_key)
        entries = [_entries(g.get(group_key)) for g in grouped]
        if step == INPUT_STEP:  # the same value read from another line is no difference
            differs = [e.value for e in entries[0]] != [e.value for e in entries[1]]
        else:
            differs = entries[0] != entries[1]
        if differs:
            groups.setdefault((str(code), str(period)), []).append(
                StepChange(str(step), str(fld), entries[0], entries[1]))
    return groups


def _entries(rows: pd.DataFrame | None) -> list[TraceEntry]:
    if rows is None:
        return []
    return [TraceEntry(str(v), str(r), str(s), str(why)) for v, r, s, why in
            rows[["value", "rule_id", "status", "reason"]].itertuples(index=False)]


def _value(entries: list[TraceEntry], attribute: str = "value") -> str:
    return str(getattr(entries[0], attribute)) if entries else ""


def _pack_ref(manifest: dict[str, Any] | None) -> dict[str, Any] | None:
    if manifest is None:
        return None
    pack = manifest.get("pack", {})
    return {"id": pack.get("id"), "version": pack.get("version"),
            "content_hash": pack.get("content_hash"),
            "perfassess_version": manifest.get("perfassess_version"),
            "inputs_logical_sha256": manifest.get("inputs_logical_sha256")}


def manifest_causes(a: dict[str, Any] | None, b: dict[str, Any] | None) -> list[str]:
    """What differs between how two runs were made: inputs, reference, pack, options,
    perfassess. Empty when the manifests agree on all of them."""
    if a is None or b is None:
        return [] if a is b else ["one side has no manifest.json"]
    causes = []
    if a.get("schema_version") != b.get("schema_version"):
        return [f"manifest format changed (schema {a.get('schema_version')} -> "
                f"{b.get('schema_version')}): the results were published by another "
                f"perfassess ({a.get('perfassess_version')} -> {b.get('perfassess_version')})"]
    inputs_a = {i.get("path"): i for i in a.get("inputs", [])}
    inputs_b = {i.get("path"): i for i in b.get("inputs", [])}
    if a.get("inputs_logical_sha256") != b.get("inputs_logical_sha256"):
        changed = sorted(p for p in set(inputs_a) & set(inputs_b)
                         if inputs_a[p].get("logical_sha256") != inputs_b[p].get("logical_sha256"))
        detail = []
        if changed:
            detail.append("content differs in " + ", ".join(str(p) for p in changed))
        if set(inputs_a) != set(inputs_b):
            detail.append(f"files {listing(sorted(map(str, inputs_a)))} -> "
                          f"{listing(sorted(map(str, inputs_b)))}")
        if detail or a.get("feeds") == b.get("feeds"):  # else the feeds say it, below
            causes.append("inputs changed: " + ("; ".join(detail) or "logical content differs"))
    rewritten = sorted(str(p) for p in set(inputs_a) & set(inputs_b)
                       if inputs_a[p].get("sha256") != inputs_b[p].get("sha256")
                       and inputs_a[p].get("logical_sha256") == inputs_b[p].get("logical_sha256"))
    if rewritten:
        causes.append("inputs rewritten with the same content: " + ", ".join(rewritten)
                      + " (only their byte hashes in manifest.json change)")
    if a.get("feeds") != b.get("feeds"):
        causes.append("values fed from other packs changed")
    if a.get("reference") != b.get("reference"):
        causes.append("reference data changed")
    if a.get("previous") != b.get("previous"):
        causes.append("the earlier results used for direction of travel changed")
    pack_a, pack_b = a.get("pack", {}), b.get("pack", {})
    if (pack_a.get("id"), pack_a.get("version"), pack_a.get("content_hash")) != (
            pack_b.get("id"), pack_b.get("version"), pack_b.get("content_hash")):
        causes.append(f"pack changed: {_pack_name(pack_a)} -> {_pack_name(pack_b)}")
    opts_a, opts_b = a.get("options", {}), b.get("options", {})
    for option in ("trace", "report", "templates", "prefer", "sensitivity", "stability"):
        if opts_a.get(option) != opts_b.get(option):
            causes.append(f"option {option} changed: {spelt(opts_a.get(option))} -> "
                          f"{spelt(opts_b.get(option))}")
    if a.get("perfassess_version") != b.get("perfassess_version"):
        causes.append(f"perfassess changed: {a.get('perfassess_version')} -> "
                      f"{b.get('perfassess_version')}")
    return causes


def _pack_name(pack: dict[str, Any]) -> str:
    digest = str(pack.get("content_hash", "")).removeprefix("sha256:")[:12]
    return f"{pack.get('id')} {pack.get('version')} ({digest})"


def _change_dict(change: RowChange) -> dict[str, Any]:
    return {
        "authority_code": change.authority_code, "period": change.period, "kind": change.kind,
        "columns": {c: {"a": a, "b": b} for c, (a, b) in change.columns.items()},
        "steps": [{"step": s.step, "field": s.field,
                   "a": [vars(e) for e in s.a], "b": [vars(e) for e in s.b]}
                  for s in change.steps],
        "inputs": None if change.inputs is None else
        [vars(i) for i in change.inputs],
    }


def describe(diffs: list[PackDiff], *, limit: int = 20, label_a: str = "A",
             label_b: str = "B", causes: bool = True) -> list[str]:
    """The differences as short lines of text, for people."""
    lines: list[str] = []
    for diff in diffs:
        if diff.a is None or diff.b is None:
            lines.append(f"{diff.name}: only in {label_b if diff.a is None else label_a}")
            continue
        if not diff.differs:
            continue
        c = diff.counts
        only = [f"{n} only in {side}" for n, side in ((c["only_in_a"], label_a),
                                                      (c["only_in_b"], label_b)) if n]
        lines.append(f"{diff.name} ({label_a} -> {label_b}): {c['ratings_changed']} rating(s) "
                     f"differ; {c['rows_changed']} authority-period(s) with any difference"
                     + (f" ({listing(only)})" if only else ""))
        for side, columns in ((label_a, diff.only_in_a), (label_b, diff.only_in_b)):
            if columns:
                lines.append(f"  outputs only in {side}: {listing(columns)}")
        for cause in diff.causes() if causes else []:
            lines.append(f"  why: {cause}")
        shown = diff.changes if limit <= 0 else diff.changes[:limit]
        for change in shown:
            lines.extend(_describe_change(change, label_a, label_b, diff.digits))
        if len(shown) < len(diff.changes):
            lines.append(f"  … and {len(diff.changes) - len(shown)} more authority-period(s)")
    return lines


def _describe_change(change: RowChange, label_a: str, label_b: str,
                     digits: Callable[[str], int]) -> list[str]:
    """One authority-period's difference for people: numbers to the places their output
    declares (or ``DIGITS``), with more only where fewer would hide the difference."""
    where = f"{change.authority_code} {change.period}"
    if change.kind != "changed":
        side = label_a if change.kind == "removed" else label_b
        rating = change.rating
        value = (rating[0] or rating[1]) if rating else ""
        return [f"  {where}: only in {side}" + (f" (rating {value})" if value else "")]
    parts = []
    for col, (a, b) in change.columns.items():
        a, b = told_apart([a, b], digits(col))
        parts.append(f"{col} {a or '(none)'} -> {b or '(none)'}")
    lines = [f"  {where}: " + "; ".join(parts)]
    if change.inputs:
        shown = []
        for i in change.inputs:
            a, b = told_apart([i.a, i.b])
            shown.append(f"{i.indicator} {a or '(blank)'} -> {b or '(blank)'}")
        lines.append("      inputs: " + "; ".join(shown))
    for step in change.steps:
        values = told_apart([e.value for e in (*step.a, *step.b)], digits(step.field))
        entries = [TraceEntry(v, e.rule_id, e.status, e.reason)
                   for v, e in zip(values, (*step.a, *step.b), strict=True)]
        before = "; ".join(e.describe(step.step) for e in entries[:len(step.a)])
        after = "; ".join(e.describe(step.step) for e in entries[len(step.a):])
        lines.append(f"      {step.step} -> {step.field}: {before or '(not reached)'}  =>  "
                     f"{after or '(not reached)'}")
    return lines
