"""The run file (``perfassess.yaml``): which packs to run on which inputs, and where to write."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from perfassess.core.problems import CATALOGUE, Problem, Problems, ProblemsFound
from perfassess.io.yaml_source import YamlError, load_yaml
from perfassess.spec.pack import Model, Scalar

RUN_FILE = "perfassess.yaml"
# A sensitivity run's time grows with its draws, and its memory with the draws evaluated
# together (a chunk: chunk x authority-periods cells per field); docs/limits.md.
MAX_DRAWS = 100_000
MAX_CHUNK = 10_000


def draws_problem(name: str, value: int, limit: int) -> str | None:
    """Why ``value`` is too many for ``name`` (draws or chunk), or None."""
    if value <= limit:
        return None
    what = "draws" if name == "draws" else "draws per chunk"
    return (f"{value:,} {what} asked for: a sensitivity run takes at most {limit:,} "
            f"{what} (docs/limits.md)")


def _bounded(name: str, limit: int) -> AfterValidator:
    def check(value: int) -> int:
        message = draws_problem(name, value, limit)
        if message is not None:
            raise PydanticCustomError("E-DRAWS-LIMIT", message)
        return value
    return AfterValidator(check)


class Feed(Model):
    """One pack's output becomes another's input, with a declared mapping of values."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    source: str = Field(alias="from")
    output: str = "rating"
    input: str
    map: dict[str, Scalar] | None = None


class SensitivityEntry(Model):
    """A sensitivity analysis run beside the score (see docs/sensitivity.md)."""

    draws: Annotated[int, Field(ge=1), _bounded("draws", MAX_DRAWS)] = 1000
    seed: int = Field(ge=0)
    fragile_below: float = Field(default=0.9, gt=0, le=1)
    chunk: Annotated[int, Field(ge=1), _bounded("chunk", MAX_CHUNK)] = 100
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
            code = err["type"] if err["type"] in CATALOGUE else "E-RUN-SCHEMA"
            problems.add(Problem(code, f"{where}: {err['msg']}", file=mark.file,
                                 row=mark.line, column=mark.column))
    raise ProblemsFound(problems)
