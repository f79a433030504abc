"""Pack test cases (``cases.yaml``): inputs in, expected outputs checked, all cases at once;
and whole published populations, for methods that compare each authority with the rest."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, model_validator

from perfassess.api import score, score_table
from perfassess.core.pinned import PACK_FILE_PATTERN, PinnedFileError, read_pinned
from perfassess.core.problems import Problem, Problems, ProblemsFound
from perfassess.engine.fields import format_values
from perfassess.io.yaml_source import Mark, YamlError, load_yaml
from perfassess.packs import LoadedPack
from perfassess.spec.loader import CASES_FILE
from perfassess.spec.pack import Model, Scalar

TOLERANCE = 1e-9
MAX_REPORTED = 10  # disagreements listed one by one; the rest are counted


class Case(Model):
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    title: str | None = None
    published: str | None = None
    period: str
    inputs: dict[str, Scalar | None]
    expect: dict[str, Scalar | None] = Field(default_factory=dict)
    expect_note: str | None = None


class PinnedFile(Model):
    """A file inside the pack folder, pinned by its SHA-256."""

    file: str = Field(pattern=PACK_FILE_PATTERN)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class PublishedResults(PinnedFile):
    """An assessor's published results: a CSV with a column naming each authority and
    columns of expected outputs (``columns`` maps the file's column to the output)."""

    key: str
    columns: dict[str, str] = Field(min_length=1)
    # A column's published spellings as the output's values (CMS: "3) # of groups=5" -> 5).
    values: dict[str, dict[str, Scalar]] = Field(default_factory=dict)


class Population(Model):
    """A whole population scored as published (a clustering or a standardisation needs all
    of it), checked against published results for some or all of its authorities and
    against published counts of an output's values (``none`` for no value)."""

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    title: str | None = None
    published: str | None = None
    inputs: list[PinnedFile] = Field(min_length=1, max_length=8)
    period: str | None = None
    key: list[str] = Field(default_factory=list)
    expect: PublishedResults | None = None
    counts: dict[str, dict[str, int]] = Field(default_factory=dict)


class CaseFile(Model):
    cases: list[Case] = Field(default_factory=list)
    populations: list[Population] = Field(default_factory=list)

    @model_validator(mode="after")
    def _something(self) -> CaseFile:
        if not self.cases and not self.populations:
            raise ValueError("a cases file needs at least one case or population")
        return self


@dataclass
class CaseResult:
    case: Case | Population
    mark: Mark
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def load_cases(pack: LoadedPack) -> tuple[CaseFile, dict[str, Mark]]:
    path = pack.folder / CASES_FILE
    problems = Problems()
    try:
        doc = load_yaml(path, str(path))
        cases = CaseFile.model_validate(doc.data)
    except YamlError as exc:
        problems.add(Problem(exc.code, exc.message, file=exc.mark.file, row=exc.mark.line))
        raise ProblemsFound(problems) from None
    except ValidationError as exc:
        for err in exc.errors():
            mark = doc.mark(tuple(err["loc"]))
            problems.add(Problem("E-PACK-SCHEMA", f"{'.'.join(map(str, err['loc']))}: "
                                 f"{err['msg']}", file=mark.file, row=mark.line))
        raise ProblemsFound(problems) from None
    marks = {c.id: doc.mark(("cases", i)) for i, c in enumerate(cases.cases)}
    marks |= {p.id: doc.mark(("populations", i)) for i, p in enumerate(cases.populations)}
    return cases, marks


def has_cases(pack: LoadedPack) -> bool:
    return (pack.folder / CASES_FILE).is_file()


def run_cases(pack: LoadedPack) -> list[CaseResult]:
    """Score every case in one vectorised run and compare the expected fields; then each
    population in a run of its own."""
    file, marks = load_cases(pack)
    ids = [c.id for c in file.cases] + [p.id for p in file.populations]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise ProblemsFound(_one(Problem("E-PACK-DUPLICATE", f"case id {dup!r} is used twice",
                                         file=str(pack.folder / CASES_FILE))))
    outcomes = _run_cases(pack, file.cases, marks) if file.cases else []
    return outcomes + [run_population(pack, p, marks[p.id]) for p in file.populations]


def _run_cases(pack: LoadedPack, cases: list[Case], marks: dict[str, Mark]
               ) -> list[CaseResult]:
    rows = [(c.id, c.period, key, "" if value is None else str(value))
            for c in cases for key, value in c.inputs.items()]
    table = pd.DataFrame(rows, columns=["authority_code", "period", "indicator", "value"])
    result = score_table(pack, table, name=str(Path(pack.folder) / CASES_FILE))
    frame = result.evaluation.frame
    ratings = result.ratings
    position = {(code, period): i for i, (code, period) in enumerate(
        zip(frame.keys["authority_code"], frame.keys["period"], strict=True))}
    outcomes = []
    for case in cases:
        outcome = CaseResult(case, marks[case.id])
        row = position.get((case.id, case.period))
        if row is None:
            outcome.failures.append("the case produced no row (no inputs?)")
            outcomes.append(outcome)
            continue
        for name, want in case.expect.items():
            got = _value(name, row, frame, ratings)
            if got is None and name not in ratings.columns and name not in frame.values:
                outcome.failures.append(f"{name}: no such output or field")
            elif not _same(got, want):
                outcome.failures.append(f"{name}: expected {want!r}, got {got!r}")
        if case.expect_note is not None:
            note = str(ratings["rating_note"].iloc[row])
            if case.expect_note not in note:
                outcome.failures.append(f"rating_note: expected to contain "
                                        f"{case.expect_note!r}, got {note!r}")
        outcomes.append(outcome)
    return outcomes


def run_population(pack: LoadedPack, population: Population, mark: Mark) -> CaseResult:
    """Score a population's files as published and compare the published results."""
    outcome = CaseResult(population, mark)
    try:
        tables = [_pinned_csv(pack, f, "population input") for f in population.inputs]
        expected = (_pinned_csv(pack, population.expect, "published results")
                    if population.expect is not None else None)
    except PinnedFileError as exc:
        outcome.failures.append(str(exc))
        return outcome
    try:
        result = score(pack, tables, trace="none", period=population.period,
                       key=population.key)
    except ProblemsFound as exc:
        outcome.failures.extend(f"{p.code}: {p.message}"
                                for p in list(exc.problems)[:MAX_REPORTED])
        return outcome
    ratings = result.ratings
    if expected is not None:
        assert population.expect is not None
        outcome.failures.extend(_published_failures(population.expect, expected, ratings))
    for output, counts in population.counts.items():
        if output not in ratings.columns:
            outcome.failures.append(f"counts: no output {output!r}")
            continue
        values = ratings[output].map(lambda v: "none" if pd.isna(v) or v == "" else _spelt(v))
        got = values.value_counts().to_dict()
        if got != counts:
            outcome.failures.append(f"counts of {output}: expected {counts}, got "
                                    f"{dict(sorted(got.items()))}")
    return outcome


def _published_failures(spec: PublishedResults, expected: pd.DataFrame,
                        ratings: pd.DataFrame) -> list[str]:
    missing = [c for c in (spec.key, *spec.columns) if c not in expected.columns]
    if missing:
        return [f"{spec.file} has no column {missing[0]!r}"]
    absent = [o for o in spec.columns.values() if o not in ratings.columns]
    if absent:
        return [f"{spec.file}: no output {absent[0]!r} to compare with"]
    scored = ratings.drop_duplicates("authority_code").set_index(
        ratings["authority_code"].drop_duplicates().astype(str))
    codes = expected[spec.key].astype(str)
    found = codes.isin(scored.index).to_numpy()
    wrong = [(int(i), f"{codes.iloc[i]} was not scored") for i in np.flatnonzero(~found)]
    for column, output in spec.columns.items():
        spelling = spec.values.get(column, {})
        wanted = [spelling[t] if t in spelling else _published(t) for t in expected[column]]
        got = [None if pd.isna(v) or v == "" else _spelt(v)
               for v in scored[output].reindex(codes)]
        agree = np.array([_same(g, w) for g, w in zip(got, wanted, strict=True)], dtype=bool)
        wrong += [(int(i), f"{codes.iloc[i]} {output}: published {expected[column].iloc[i]!r}, "
                           f"got {got[i]!r}") for i in np.flatnonzero(found & ~agree)]
    wrong.sort()
    failures = [f"{spec.file} line {i + 2}: {what}" for i, what in wrong[:MAX_REPORTED]]
    if len(wrong) > MAX_REPORTED:
        failures.append(f"{len(wrong)} published values disagree in all")
    return failures


def _pinned_csv(pack: LoadedPack, pinned: PinnedFile, what: str) -> pd.DataFrame:
    data = read_pinned(pack.folder, pinned.file, pinned.sha256, what)
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False,
                       encoding="utf-8-sig")


def _published(text: str) -> Scalar | None:
    """A published cell as a case's expectation: blank is none, a number is a number."""
    text = text.strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return text


def _spelt(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _value(name: str, row: int, frame: Any, ratings: pd.DataFrame) -> str | None:
    if name in ratings.columns:
        value = ratings[name].iloc[row]
        return None if pd.isna(value) or value == "" else str(value)
    if name in frame.values:
        spelt = format_values(frame.values[name][row:row + 1], frame.types[name])[0]
        return spelt or None
    return None


def _same(got: str | None, want: Scalar | None) -> bool:
    if want is None or got is None:
        return want is None and got is None
    if isinstance(want, bool):
        return got == str(want).lower()
    if isinstance(want, int | float):
        try:
            return bool(np.isclose(float(got), float(want), rtol=0, atol=TOLERANCE))
        except ValueError:
            return False
    return got == want


def _one(problem: Problem) -> Problems:
    problems = Problems()
    problems.add(problem)
    return problems
