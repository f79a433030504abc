"""The error catalogue: every problem has a stable code, a severity, a place and a message."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Literal, overload

if TYPE_CHECKING:
    import pandas as pd

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Entry:
    """One catalogued problem: its code, how serious it is, what it means, how to fix it."""

    code: str
    severity: Severity
    title: str
    hint: str = ""
    where: str = "file, row, column, value"  # the parts of the location it carries
    section: str = ""


def _section(name: str, entries: list[Entry]) -> list[Entry]:
    return [Entry(e.code, e.severity, e.title, e.hint, e.where, name) for e in entries]


_FILE = "file"
_FILE_ROW = "file, row"
_PACK = "pack file, line, column"
_VALUE = "file, row, column, value, expected"
_TEMPLATE = "template file, line"

CATALOGUE: dict[str, Entry] = {e.code: e for e in [
    *_section("Input files", [
        Entry("E-FILE-NOT-FOUND", "error", "input file does not exist",
              "check the path (a usage error: the command exits 2)", _FILE),
        Entry("E-FILE-FORMAT", "error",
              "file is not the format its name says, or cannot be read as that format",
              "returns are .csv (UTF-8), .parquet or .xlsx; save the file in one of these and "
              "name it accordingly", _FILE),
        Entry("E-FILE-ENCODING", "error", "file is not UTF-8 text",
              "save the file as UTF-8 (with or without BOM); in Excel choose "
              "'CSV UTF-8 (Comma delimited)'", _FILE_ROW),
        Entry("E-FILE-EMPTY", "error", "file (or sheet) has no data rows", "", _FILE),
        Entry("E-SHEET-NOT-FOUND", "error", "the workbook has no sheet of that name",
              "the message lists the sheets the workbook has; pass one with --sheet", _FILE),
        Entry("E-HEADER-ROW", "error", "the header row given is not a header of this input",
              "--header-row N (run file: header_row) names the row of an Excel sheet that "
              "holds the column names, as Excel numbers it; pick a row with the names, or "
              "leave it out to have the header found", _FILE_ROW),
        Entry("W-ROWS-ABOVE-HEADER", "warning", "rows above the header were skipped",
              "the header is the first of the sheet's first 20 rows with a value that names "
              "authority_code and period; rows above it (titles, notes) are not read; give "
              "--header-row N to choose the row yourself", _FILE_ROW),
        Entry("E-COLUMN-MISSING", "error", "a required column is missing",
              "long files need authority_code, period, indicator, value; wide files need "
              "authority_code, period and one column per indicator; a file that keys its "
              "rows by other columns, or has no period column, is read with --key COLUMN, "
              "--name COLUMN, --period PERIOD (run file and pack: key, name, period)",
              "file, row, column"),
        Entry("E-COLUMN-DUPLICATE", "error", "two columns have the same name",
              "rename or remove one of them; column names are compared after trimming spaces",
              "file, row, column"),
        Entry("E-COLUMN-TWICE", "error",
              "a key column is in the file and also given (--key, --name, --period)",
              "the file has authority_code, authority_name or period (or the period column "
              "named) and the command line, run file or pack makes it from another column or "
              "gives it: drop one of the two", _FILE_ROW + ", column"),
        Entry("E-KEY-DUPLICATE", "error", "a key given by --key is on two rows of a file",
              "a key (--key, key:) names one row per period; for a name that is not unique, "
              "add a column to the key (--key name --key state) or, as a last resort, key "
              "by the row's position (--key @row)", _VALUE),
        Entry("E-ROW-RAGGED", "error",
              "a row has a different number of fields from the header",
              "look for an unquoted comma inside a value, or a missing or extra separator",
              _FILE_ROW),
        Entry("E-CELL-UNHEADED", "error", "an Excel cell holds a value in a column with no header",
              "give the column a name in the header row, or clear the stray cell; if title "
              "rows sit above the table, see --header-row (the message names the cell)",
              _FILE_ROW),
        Entry("E-FILE-LIMIT", "error",
              "file beyond what perfassess reads: more rows or columns than Excel allows, "
              "or a workbook that expands far beyond its size",
              "Excel's limits hold for every input: 1,048,576 rows and 16,384 columns (CSV "
              "and Parquet: columns); a workbook may expand to 1 GiB, and a part over 10 MiB "
              "at most 100-fold; split the returns into several files", _FILE_ROW),
        Entry("E-COLUMN-TYPE", "error", "a Parquet column of a type returns do not use",
              "columns hold text, numbers, true/false, dates or nulls (dictionary-encoded "
              "text too); write lists, structs, maps and bytes as plain columns",
              "file, column, value (the type)"),
        Entry("E-CELL-FORMULA", "error", "an Excel formula with no saved value",
              "the workbook was written by a program and never calculated: open and save it "
              "in Excel (or LibreOffice), or write values instead of formulas", _VALUE),
        Entry("E-CELL-TOO-LONG", "error", "an Excel cell holds more than 32,767 characters",
              "Excel's own limit for a cell; a value that long is not a return", _VALUE),
        Entry("E-TEXT-CONTROL", "error",
              "text holds a control character or a bidirectional override",
              "remove it: such characters are invisible, and change what a value means or "
              "how it shows (NUL, escape, U+202E); the value is shown with it escaped",
              _VALUE),
    ]),
    *_section("Keys", [
        Entry("E-KEY-BLANK", "error", "authority code, period or indicator is blank",
              "every row needs an authority_code and a period (and, in long files, an "
              "indicator)", "file, row, column"),
        Entry("W-UNKNOWN-AUTHORITY", "warning", "authority code not in the reference list",
              "check the code against the reference list; the row is still scored", _VALUE),
        Entry("E-PERIOD-FORM", "error", "period is not written in the pack's period form",
              "write periods in the form the pack's own periods take (2024, or 2024-25 for "
              "a financial year), in plain digits 0-9 with nothing hidden; the expected "
              "column gives the form", _VALUE),
        Entry("W-PERIOD-OUTSIDE", "warning", "period outside the years the pack applies to",
              "the row is still scored under this pack's rules; check you chose the right "
              "pack", _VALUE),
        Entry("W-REQUIRED-MISSING", "warning",
              "an authority-period has no value for a required input",
              "that authority-period gets no rating and its rating_note says why; the run "
              "goes on", "file, row (where the authority-period first appears), column"),
    ]),
    *_section("Values", [
        Entry("E-VALUE-TYPE", "error", "value is not of the indicator's type",
              "give a value of the kind the expected column says (the input's type, range "
              "or labels, from the pack); thousands separators, % signs and dashes are "
              "accepted only where the pack declares them (inputs: accept)",
              _VALUE),
        Entry("E-VALUE-RANGE", "error", "value is outside the indicator's range", "", _VALUE),
        Entry("E-VALUE-LABEL", "error", "label is not in the indicator's vocabulary",
              "labels are matched ignoring case and surrounding spaces", _VALUE),
        Entry("E-VALUE-NA", "error", "n/a given where the pack does not allow it",
              "leave the cell empty for a missing return", _VALUE),
        Entry("E-VALUE-NONFINITE", "error", "value is NaN or infinite",
              "leave the cell empty for a missing return", _VALUE),
        Entry("E-DUPLICATE", "error",
              "conflicting values for the same authority, period and indicator",
              "keep one row per authority, period and indicator; the message lists every "
              "place the key occurs", _VALUE),
        Entry("W-DUPLICATE", "warning",
              "the same value repeated for an authority, period and indicator",
              "the repeat is ignored", _VALUE),
        Entry("E-FEED-VALUE", "error", "a fed value has no entry in the feed's mapping",
              "add the value to the feed's map in the run file", _VALUE),
        Entry("W-FEED-OVERRIDE", "warning",
              "a value given both in the returns and by a feed from another pack",
              "the run file's prefer (derived or supplied) decides which is used; the "
              "message names the feed and periods and counts the values replaced and those "
              "that differ. Expected when the returns keep their own values for periods a "
              "feed covers (the bundled cpa-2005 sample does, for 2006-08): leave those "
              "periods out of the returns to silence it", _VALUE),
        Entry("W-ATTRIBUTE-CONFLICT", "warning",
              "an attribute given two different values for one authority-period",
              "the first value (in file and row order) is kept in the results; correct the "
              "other", _VALUE),
        Entry("W-ATTRIBUTE-MISSING", "warning", "a declared attribute is in no file",
              "check the column's name, or drop it from --attribute / attributes", "value"),
        Entry("E-ATTRIBUTE-CLASH", "error",
              "an attribute named like an input, an output or a key column",
              "attributes are text carried into the results: give the column a name of its "
              "own", "value"),
        Entry("W-UNKNOWN-INDICATOR", "warning",
              "indicator id not declared by the pack (its rows are ignored)",
              "check the spelling against `perfassess rules show PACK`", "file, row, column, "
              "value (the first row of each unknown indicator; the message counts them)"),
        Entry("E-FILE-NO-INDICATORS", "error",
              "no indicator of the file is an input of the pack",
              "the message lists some of the file's indicators and the pack's closest input "
              "ids; rename the columns (or indicator values), or choose the right pack",
              "file, column, value (the file's first indicator)"),
    ]),
    *_section("Results", [
        Entry("W-NOT-RATED", "warning", "an authority-period ends without a rating",
              "the message names the step that took the rating away and why (the inputs "
              "missing or blank); its rating_note in ratings.csv says the same",
              "column (the step), value (the authority code)"),
        Entry("E-NOTHING-RATED", "error", "a pack rated no authority-period at all",
              "nothing is written; the W-NOT-RATED warnings say why each went unrated "
              "(often a misspelt column name, the wrong pack, or an input that a run file's feeds: "
              "give: run it with the run file)", "column (the pack)"),
        Entry("E-STRICT", "error", "warnings, and --strict (or strict: true) makes them fail",
              "fix what the warnings say, or run without --strict; nothing is written",
              "column (the pack)"),
        Entry("E-NOT-RATED", "error",
              "authority-periods not rated, and --fail-on-unrated (or fail_on_unrated: true) "
              "makes that fail", "the W-NOT-RATED warnings say why; nothing is written",
              "column (the pack)"),
        Entry("E-DIVISION-BY-ZERO", "error",
              "an expression divides by zero where the pack does not say what that means",
              "the message names the step, the authority-period and the expression; if a zero "
              "divisor is expected, say what it gives: div(a, b, otherwise) or div(a, b) "
              "(missing) in the expression, or zero_division: missing on a compute step",
              "column (the step), value (the authority code)"),
    ]),
    *_section("Rule packs", [
        Entry("E-YAML-SYNTAX", "error", "YAML does not parse", "", _PACK),
        Entry("E-YAML-TAG", "error", "YAML tag, alias or merge key that packs may not use",
              "write plain mappings, lists, text and numbers; repeat structure with for_each",
              _PACK),
        Entry("E-YAML-KEY", "error", "duplicate or non-text mapping key", "", _PACK),
        Entry("E-PACK-SCHEMA", "error", "pack does not match the rule-pack schema",
              "the message names the YAML path and what was expected", _PACK),
        Entry("E-PACK-LIMIT", "error",
              "pack expands to, or lists, more than a pack may (for_each copies, items, "
              "decision rows, labels)", "docs/limits.md gives each limit and why; split the "
              "pack, or shorten the list the message names", _PACK),
        Entry("E-PACK-REF", "error",
              "reference to an undefined input, field, group, vocabulary or list", "", _PACK),
        Entry("E-PACK-DUPLICATE", "error", "an id or field defined twice", "", _PACK),
        Entry("E-PACK-EXPR", "error", "expression does not parse or type-check",
              "the message shows the position in the expression", _PACK),
        Entry("E-PACK-LABEL", "error", "label not in its vocabulary, or text where a number "
              "is due", "", _PACK),
        Entry("E-PACK-TYPE", "error", "field of the wrong type for the step", "", _PACK),
        Entry("E-PACK-CUTS", "error", "cut points and bands do not agree", "", _PACK),
        Entry("E-PACK-STATUS", "error", "rule without a status",
              "give status: documented, reconstructed or illustrative", _PACK),
        Entry("E-PACK-TABLE", "error",
              "a pack's reference table is missing, unreadable, malformed or not the declared "
              "file", "reference tables live inside the pack folder; after changing one on "
              "purpose, update its sha256 in the pack", _PACK),
        Entry("E-PACK-GAP", "error",
              "decision table without a default leaves a combination of values uncovered",
              "add a row for the combination shown, or a default", _PACK),
        Entry("E-PACK-OVERLAP", "error",
              "two rows of a decision table with hit policy unique match the same values",
              "make the conditions exclusive, or use hit policy first", _PACK),
        Entry("E-PACK-UNREACHABLE", "error",
              "a decision-table row can never fire (never true, or always preceded by "
              "earlier rows)", "remove the row, or move it above the rows that shadow it",
              _PACK),
        Entry("W-PACK-UNCHECKED", "warning",
              "a decision table could not be checked for gaps and overlaps",
              "the message says why: a field without a finite set of values, or too many "
              "combinations", _PACK),
        Entry("E-PACK-LOCK", "error", "a pack's content changed without a version bump",
              "bump the pack's version, add a CHANGELOG.md entry, then run `perfassess rules "
              "lock`", "rules/packs.lock"),
        Entry("E-RUN-SCHEMA", "error", "run file does not match the run-file schema", "",
              _PACK),
        Entry("E-RUN-REF", "error",
              "run file names a pack, pack output, input or earlier run that does not exist",
              "a run's pack is a built-in id or a pack folder; a feed's from is the id of an "
              "earlier run in the same file, its output one of that pack's outputs, its "
              "input one of the receiving pack's inputs (a usage error: exit 2)", _PACK),
        Entry("E-DRAWS-LIMIT", "error",
              "a sensitivity run asks for more draws, or more draws per chunk, than allowed",
              "the message states the limit (docs/limits.md); a usage error: the command "
              "exits 2", "run file, line, column; or the --draws/--chunk option"),
        Entry("E-CASE-FAILED", "error", "a pack test case did not give the expected output",
              "", "cases file, line"),
    ]),
    *_section("Outputs", [
        Entry("E-OUTPUT-NOT-OURS", "error",
              "the output folder holds something perfassess did not write where it would "
              "write",
              "perfassess replaces only folders it wrote (with its manifest.json), empty "
              "folders, and its own index files; move the thing named, or choose another "
              "--out (a usage error: the command exits 2)", _FILE),
        Entry("E-OUTPUT-WRITE", "error",
              "the outputs could not be written (no permission, read-only or full file "
              "system, a file where a folder is needed, a file-size limit)",
              "the earlier outputs are as they were and nothing was left behind; fix what "
              "the message names and run again", _FILE),
    ]),
    *_section("Earlier results", [
        Entry("E-PREVIOUS-UNREADABLE", "error",
              "the earlier results named by --previous (or previous:) cannot be read",
              "point --previous at the output folder of an earlier `perfassess score`; "
              "its OUT/<pack>/ratings.parquet is read (a usage error: exit 2)", _FILE),
        Entry("E-PREVIOUS-COLUMNS", "error",
              "the earlier results lack a column direction of travel needs",
              "the message names the missing columns; score the earlier returns again with "
              "this pack (a usage error: exit 2)", "file, column, expected"),
        Entry("E-RESULTS-UNREADABLE", "error",
              "a published results file (ratings, trace) cannot be read",
              "the file is damaged or is not what perfassess wrote: score the returns again "
              "(`sha256sum -c reports.sha256` in the folder names changed files; exit 2)",
              _FILE),
        Entry("E-RESULTS-COLUMNS", "error",
              "a published results file lacks columns perfassess writes",
              "written by another program or an older perfassess (docs/trace.md): score "
              "the returns again (exit 2)", "file, column, expected"),
    ]),
    *_section("Report templates", [
        Entry("E-TEMPLATE-SYNTAX", "error", "a report template does not parse",
              "the message gives Jinja's reason; every template in the --templates folder "
              "is checked before the run starts", _TEMPLATE),
        Entry("E-TEMPLATE-NOT-FOUND", "error",
              "a template includes, imports or extends a template that is neither in the "
              "--templates folder nor built in",
              "name templates relative to the folder, e.g. {% import '_charts.html.j2' as "
              "chart %}; docs/templates.md lists the built-in ones", _TEMPLATE),
        Entry("E-TEMPLATE-UNSAFE", "error",
              "a template reached for something the sandbox forbids",
              "a template reads its context and calls the filters and functions "
              "docs/templates.md lists; no names starting with _, no changing data, no file "
              "outside the --templates folder and the built-in templates", _TEMPLATE),
        Entry("E-TEMPLATE-UNDEFINED", "error",
              "a template uses a variable or attribute its context does not have",
              "docs/templates.md lists each template's context; test optional values with "
              "`is defined` or give a `default`", _TEMPLATE),
        Entry("E-TEMPLATE-ERROR", "error",
              "a template failed while rendering (a division by zero, a wrong type…)",
              "the message gives the error; the file and line are the template's", _TEMPLATE),
    ]),
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
        entry = CATALOGUE.get(self.code)
        return {"severity": self.severity, "title": entry.title if entry else "",
                **asdict(self)}


FRAME_COLUMNS = ("code", "severity", "file", "row", "column", "value", "expected", "message",
                 "hint")
SHOWN = 10  # problems a ProblemsFound spells in its text


@dataclass
class Problems(Sequence[Problem]):
    """Problems collected in one pass; keeps the first ``limit`` of each code, counts the rest.

    A sequence of the problems kept (``len``, index, iterate); ``total`` counts every
    problem found, kept or not."""

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

    def merge(self, other: Problems) -> None:
        """Add another collection's problems, keeping its counts of those it left out."""
        for problem in other.items:
            self.add(problem)
        for code, count in other.counts.items():
            kept = sum(1 for p in other.items if p.code == code)
            if count > kept:
                self.counts[code] = self.counts.get(code, 0) + count - kept

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @overload
    def __getitem__(self, index: int) -> Problem: ...

    @overload
    def __getitem__(self, index: slice) -> list[Problem]: ...

    def __getitem__(self, index: int | slice) -> Problem | list[Problem]:
        return self.items[index]

    @property
    def total(self) -> int:
        """Every problem found, including those past the limit of their code."""
        return sum(self.counts.values())

    def to_frame(self) -> pd.DataFrame:
        """The problems kept as a table: one row each, columns ``FRAME_COLUMNS``."""
        import pandas as pd

        rows = [(p.code, p.severity, p.file, p.row, p.column, p.value, p.expected, p.message,
                 _hint(p.code)) for p in self.items]
        frame = pd.DataFrame(rows, columns=list(FRAME_COLUMNS), dtype=object)
        frame["row"] = frame["row"].astype("Int64")
        return frame

    def summary(self, shown: int = SHOWN) -> str:
        """A count, then the first ``shown`` problems (errors first), one a line: code,
        place, message; then how many more."""
        errors = sum(n for c, n in self.counts.items() if _severity(c) == "error")
        warnings = self.total - errors
        head = (f"{self.total} problem{'s' * (self.total != 1)} ({errors} "
                f"error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)})")
        first = sorted(self.items, key=lambda p: p.severity != "error")[:shown]
        lines = [head + (":" if first else "")]
        for p in first:
            where = p.location()
            lines.append(f"  {p.code}  {where + ': ' if where else ''}{p.message}")
        if self.total > len(first):
            lines.append(f"  … and {self.total - len(first)} more")
        return "\n".join(lines)

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
        super().__init__(f"{problems.total} problem(s)")

    def __str__(self) -> str:
        # Spelt when shown, so problems added after raising are counted too.
        return self.problems.summary()

    def __reduce__(self) -> tuple[type[ProblemsFound], tuple[Problems]]:
        return ProblemsFound, (self.problems,)  # from a worker process, problems and all


def _severity(code: str) -> Severity:
    entry = CATALOGUE.get(code)
    return entry.severity if entry else "error"


def _hint(code: str) -> str:
    entry = CATALOGUE.get(code)
    return entry.hint if entry else ""


class UsageProblem(Exception):
    """The command was called wrongly: unknown pack, missing file (exit code 2)."""


def catalogue_markdown() -> str:
    """``docs/errors.md``: the catalogue as a page (a test keeps the file in step)."""
    lines = [
        "# Error catalogue",
        "",
        "Every problem perfassess reports has a stable code. Codes starting `E-` are errors:",
        "the run stops with exit code 1 and writes nothing. Codes starting `W-` are warnings:",
        "they are printed and the run goes on. Rows and lines are counted as the user sees",
        "them (the header of a CSV is line 1; an Excel row is the number Excel shows).",
        "",
        "This page is generated from the catalogue in `src/perfassess/core/problems.py`;",
        "regenerate it with",
        "",
        "```sh",
        "PYTHONPATH=src python -m perfassess errors --format markdown > docs/errors.md",
        "```",
        "",
        f"{len(CATALOGUE)} codes.",
    ]
    sections: dict[str, list[Entry]] = {}
    for entry in CATALOGUE.values():
        sections.setdefault(entry.section, []).append(entry)
    for name, entries in sections.items():
        lines += ["", f"## {name}", "", "| code | severity | meaning | located by | hint |",
                  "|---|---|---|---|---|"]
        for e in entries:
            cells = [f"`{e.code}`", e.severity, e.title, e.where, e.hint]
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"
