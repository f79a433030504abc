"""The run file (``perfassess.yaml``): which packs to run on which inputs, and where to write."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import ConfigDict, Field, ValidationError

from perfassess.io.yaml_source import YamlError, load_yaml
from perfassess.spec.pack import Model, Scalar
from perfassess.validate.problems import Problem, Problems, ProblemsFound

RUN_FILE = "perfassess.yaml"


class Feed(Model):
    """One pack's output becomes another's input, with a declared mapping of values."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    source: str = Field(alias="from")
    output: str = "rating"
    input: str
    map: dict[str, Scalar] | None = None


class PackRun(Model):
    pack: str
    inputs: list[str] = Field(default_factory=list)
    feeds: list[Feed] = Field(default_factory=list)
    prefer: Literal["derived", "supplied"] = "derived"
    previous: str | None = None


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
            problems.add(Problem("E-RUN-SCHEMA", f"{where}: {err['msg']}", file=mark.file,
                                 row=mark.line, column=mark.column))
    raise ProblemsFound(problems)
