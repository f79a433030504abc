"""Pack test cases (``cases.yaml``): inputs in, expected outputs checked, all cases at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError

from perfassess.api import score_table
from perfassess.core.problems import Problem, Problems, ProblemsFound
from perfassess.engine.fields import format_values
from perfassess.io.yaml_source import Mark, YamlError, load_yaml
from perfassess.packs import LoadedPack
from perfassess.spec.loader import CASES_FILE
from perfassess.spec.pack import Model, Scalar

TOLERANCE = 1e-9


class Case(Model):
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    title: str | None = None
    published: str | None = None
    period: str
    inputs: dict[str, Scalar | None]
    expect: dict[str, Scalar | None] = Field(default_factory=dict)
    expect_note: str | None = None


class CaseFile(Model):
    cases: list[Case] = Field(min_length=1)


@dataclass
class CaseResult:
    case: Case
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
    return cases, marks


def has_cases(pack: LoadedPack) -> bool:
    return (pack.folder / CASES_FILE).is_file()


def run_cases(pack: LoadedPack) -> list[CaseResult]:
    """Score every case in one vectorised run and compare the expected fields."""
    file, marks = load_cases(pack)
    ids = [c.id for c in file.cases]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise ProblemsFound(_one(Problem("E-PACK-DUPLICATE", f"case id {dup!r} is used twice",
                                         file=str(pack.folder / CASES_FILE))))
    rows = [(c.id, c.period, key, "" if value is None else str(value))
            for c in file.cases for key, value in c.inputs.items()]
    table = pd.DataFrame(rows, columns=["authority_code", "period", "indicator", "value"])
    result = score_table(pack, table, name=str(Path(pack.folder) / CASES_FILE))
    frame = result.evaluation.frame
    ratings = result.ratings
    position = {(code, period): i for i, (code, period) in enumerate(
        zip(frame.keys["authority_code"], frame.keys["period"], strict=True))}
    outcomes = []
    for case in file.cases:
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
