"""The run file (``perfassess.yaml``): which packs to run on which inputs, and where to write."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import ConfigDict, Field, ValidationError, model_validator

from perfassess.core.problems import Problem, Problems, ProblemsFound
from perfassess.io.yaml_source import YamlError, load_yaml
from perfassess.spec.pack import Model, Scalar

RUN_FILE = "perfassess.yaml"


class Feed(Model):
    """One pack's output becomes another's input, with a declared mapping of values."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    source: str = Field(alias="from")
    output: str = "rating"
    input: str
    map: dict[str, Scalar] | None = None


class SensitivityEntry(Model):
    """A sensitivity analysis run beside the score (see docs/sensitivity.md)."""

    draws: int = Field(default=1000, ge=1)
    seed: int = Field(ge=0)
    fragile_below: float = Field(default=0.9, gt=0, le=1)
    chunk: int = Field(default=100, ge=1)
    uncertainty: str | None = None  # a declaration file, relative to the run file
    vary_documented: bool = False


class PackRun(Model):
    pack: str
    inputs: list[str] = Field(default_factory=list)
    feeds: list[Feed] = Field(default_factory=list)
    prefer: Literal["derived", "supplied"] = "derived"
    previous: str | None = None
    sensitivity: SensitivityEntry | None = None
    stability: str | None = None  # an earlier `perfassess sensitivity --out` folder

    @model_validator(mode="after")
    def _one_source_of_stability(self) -> PackRun:
        if self.sensitivity is not None and self.stability is not None:
            raise ValueError("give sensitivity (computed in this run) or stability (an "
                             "earlier result), not both")
        if self.stability is not None and self.feeds:
            raise ValueError("a fed pack's stability depends on the fed values: compute it "
                             "in the run with sensitivity: {draws: N, seed: S}")
        return self


class RunFile(Model):
    out: str = "reports"
    reference: str | list[str] | None = None  # several lists: the first naming a code wins
    trace: str = "full"
    strict: bool = False  # as --strict: any warning fails the run
    fail_on_unrated: bool = False  # as --fail-on-unrated
    runs: list[PackRun] = Field(min_length=1)


def load_run_file(path: Path) -> tuple[RunFile, Path]:
    """The run file and the folder its relative paths are resolved against."""
    problems = Problems()
    try:
        doc = load_yaml(path, str(path))
        return RunFile.model_validate(doc.data), path.parent
    except YamlError as exc:
        problems.add(Problem(exc.code, exc.message, file=exc.mark.file, row=exc.mark.line,
                             column=exc.mark.column))
    except ValidationError as exc:
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"])
            mark = doc.mark(tuple(err["loc"]))
            problems.add(Problem("E-RUN-SCHEMA", f"{where}: {err['msg']}", file=mark.file,
                                 row=mark.line, column=mark.column))
    raise ProblemsFound(problems)
