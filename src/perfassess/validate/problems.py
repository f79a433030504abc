"""The error catalogue: every problem has a stable code, a severity, a place and a message."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Entry:
    code: str
    severity: Severity
    title: str
    hint: str = ""


CATALOGUE: dict[str, Entry] = {e.code: e for e in [
    # files and structure
    Entry("E-FILE-NOT-FOUND", "error", "input file does not exist"),
    Entry("E-FILE-FORMAT", "error", "file is not the format its name says, or is unreadable"),
    Entry("E-FILE-ENCODING", "error", "file is not UTF-8 text",
          "save the file as UTF-8 (with or without BOM)"),
    Entry("E-FILE-EMPTY", "error", "file has no data rows"),
    Entry("E-COLUMN-MISSING", "error", "a required column is missing",
          "long files need authority_code, period, indicator, value; wide files need "
          "authority_code, period and one column per indicator"),
    Entry("E-ROW-RAGGED", "error", "a row has a different number of fields from the header"),
    # keys
    Entry("E-KEY-BLANK", "error", "authority code or period is blank"),
    Entry("W-UNKNOWN-AUTHORITY", "warning", "authority code not in the reference list"),
    Entry("W-PERIOD-OUTSIDE", "warning", "period outside the years the pack applies to"),
    # values
    Entry("E-VALUE-TYPE", "error", "value is not of the indicator's type"),
    Entry("E-VALUE-RANGE", "error", "value is outside the indicator's range"),
    Entry("E-VALUE-LABEL", "error", "label is not in the indicator's vocabulary"),
    Entry("E-VALUE-NA", "error", "n/a given where the pack does not allow it"),
    Entry("E-VALUE-NONFINITE", "error", "value is NaN or infinite"),
    Entry("E-DUPLICATE", "error",
          "conflicting values for the same authority, period and indicator"),
    Entry("W-DUPLICATE", "warning",
          "the same value repeated for an authority, period and indicator"),
    Entry("E-FEED-VALUE", "error", "a fed value has no entry in the feed's mapping"),
    Entry("W-FEED-OVERRIDE", "warning",
          "a value given both in the returns and by a feed from another pack"),
    Entry("W-UNKNOWN-INDICATOR", "warning", "indicator id not declared by the pack (ignored)"),
    # packs
    Entry("E-PACK-NOT-FOUND", "error", "no built-in pack with that id and no such folder"),
    Entry("E-YAML-SYNTAX", "error", "YAML does not parse"),
    Entry("E-YAML-TAG", "error", "YAML tag, alias or merge key that packs may not use"),
    Entry("E-YAML-KEY", "error", "duplicate or non-text mapping key"),
    Entry("E-PACK-SCHEMA", "error", "pack does not match the rule-pack schema"),
    Entry("E-PACK-REF", "error", "reference to an undefined field, group or vocabulary"),
    Entry("E-PACK-DUPLICATE", "error", "an id or field defined twice"),
    Entry("E-PACK-EXPR", "error", "expression does not parse or type-check"),
    Entry("E-PACK-LABEL", "error", "label not in its vocabulary, or text where a number is due"),
    Entry("E-PACK-TYPE", "error", "field of the wrong type for the step"),
    Entry("E-PACK-CUTS", "error", "cut points and bands do not agree"),
    Entry("E-PACK-STATUS", "error", "rule without a status"),
    Entry("E-PACK-TABLE", "error",
          "a pack's reference table is missing, unreadable, malformed or not the declared file",
          "reference tables live inside the pack folder; after changing one on purpose, "
          "update its sha256 in the pack"),
    Entry("E-RUN-SCHEMA", "error", "run file does not match the run-file schema"),
    Entry("E-CASE-FAILED", "error", "a pack test case did not give the expected output"),
]}


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    file: str | None = None
    row: int | None = None
    column: str | int | None = None
    value: str | None = None
    expected: str | None = None

    @property
    def severity(self) -> Severity:
        entry = CATALOGUE.get(self.code)
        return entry.severity if entry else "error"

    def location(self) -> str:
        parts = [self.file or ""]
        if self.row is not None:
            parts.append(str(self.row))
        if self.column is not None:
            parts.append(str(self.column))
        return ":".join(p for p in parts if p)

    def to_dict(self) -> dict[str, object]:
        return {"severity": self.severity, **asdict(self)}


@dataclass
class Problems:
    """Problems collected in one pass; keeps the first ``limit`` of each code, counts the rest."""

    limit: int = 1000
    items: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, problem: Problem) -> None:
        seen = self.counts.get(problem.code, 0)
        self.counts[problem.code] = seen + 1
        if seen < self.limit:
            self.items.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self.add(problem)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.items)

    def __len__(self) -> int:
        return sum(self.counts.values())

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "warning"]

    def has_errors(self) -> bool:
        return any(CATALOGUE.get(code, Entry(code, "error", "")).severity == "error"
                   for code in self.counts)


class ProblemsFound(Exception):
    """Validation failed: the data or rules have errors (exit code 1)."""

    def __init__(self, problems: Problems) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s)")


class UsageProblem(Exception):
    """The command was called wrongly: unknown pack, missing file (exit code 2)."""
