"""A sensitivity run: validate the returns, declare what varies, run the draws, tabulate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import ValidationError

from perfassess.api import Reference, validate
from perfassess.core.problems import Problem, Problems, ProblemsFound, UsageProblem
from perfassess.core.results import Validated
from perfassess.core.returns import Returns
from perfassess.engine.analysis import Finding
from perfassess.io.yaml_source import YamlDocument, YamlError, load_yaml
from perfassess.packs import LoadedPack
from perfassess.sensitivity.chunk import Design, Tally, base_ratings
from perfassess.sensitivity.declare import Declared, declare, spec_hash
from perfassess.sensitivity.executors import run_chunks
from perfassess.sensitivity.factors import bins_for
from perfassess.sensitivity.prune import program
from perfassess.sensitivity.results import Results, results
from perfassess.spec.pack import Uncertainty
from perfassess.spec.runfile import MAX_CHUNK, MAX_DRAWS, draws_problem

Executor = Literal["local", "dask"]


@dataclass
class SensitivityOptions:
    draws: int
    seed: int
    chunk: int = 100  # draws evaluated together: memory grows with it, results do not change
    executor: Executor = "local"
    scheduler: str | None = None  # a Dask scheduler's address (default: a local cluster)
    workers: int | None = None  # processes here (default: a CPU each) or local Dask workers (2)
    fragile_below: float = 0.9
    vary_documented: bool = False
    uncertainty: Path | None = None  # a file that replaces the pack's `uncertainty:`


@dataclass
class SensitivityRun:
    loaded: LoadedPack
    inputs: list[Path]
    options: SensitivityOptions
    spec: Uncertainty
    spec_source: str  # "pack" or the uncertainty file's name
    declared: Declared
    design: Design
    results: Results
    problems: Problems = field(default_factory=Problems)  # warnings from the returns


def sensitivity(pack: str | LoadedPack, inputs: Sequence[str | Path],
                options: SensitivityOptions, reference: Reference | None = None
                ) -> SensitivityRun:
    """Rate the returns ``options.draws`` times under the declared uncertainty; no files
    are written. Raises ProblemsFound (bad data or declarations) or UsageProblem."""
    _check_options(options)
    checked = validate(pack, inputs, reference)
    if checked.problems.has_errors():
        raise ProblemsFound(checked.problems)
    return sensitivity_of(checked, options, reference)


def sensitivity_of(checked: Validated, options: SensitivityOptions,
                   reference: Reference | None = None) -> SensitivityRun:
    """The same, over returns already validated (a score run's, fed values and all)."""
    _check_options(options)
    loaded = checked.pack
    spec, source, document = _uncertainty(loaded, options.uncertainty)
    bins = bins_for(options.draws)
    declared, findings = declare(loaded.pack, loaded.plan, loaded.folder, spec, bins=bins,
                                 vary_documented=options.vary_documented,
                                 base=("uncertainty",) if document is None else ())
    if findings:
        raise ProblemsFound(_located(findings, document))
    if not declared.factors:
        held = declared.held_note() or "nothing is declared"
        raise UsageProblem(f"nothing varies in {loaded.id}: {held}")
    design = _design(loaded, checked.returns, declared, options, bins)
    design.computed = base_ratings(design)
    tally: Tally = run_chunks(design, options.chunk, options.executor, options.scheduler,
                              options.workers)
    names = {**(reference.names if reference else {}), **checked.returns.names}
    table = results(design, tally, design.computed, names, options.fragile_below)
    return SensitivityRun(loaded, list(checked.inputs), options, spec, source, declared,
                          design, table, checked.problems)


def _check_options(options: SensitivityOptions) -> None:
    if options.draws < 1:
        raise UsageProblem("--draws must be at least 1")
    if options.chunk < 1:
        raise UsageProblem("--chunk must be at least 1")
    problems = Problems()
    for name, value, limit in (("draws", options.draws, MAX_DRAWS),
                               ("chunk", options.chunk, MAX_CHUNK)):
        message = draws_problem(name, value, limit)
        if message is not None:
            problems.add(Problem("E-DRAWS-LIMIT", f"--{name}: {message}", column=f"--{name}",
                                 value=str(value), expected=f"1 to {limit:,}"))
    if problems:
        raise ProblemsFound(problems)
    if not 0 < options.fragile_below <= 1:
        raise UsageProblem("--fragile-below is a share of draws, above 0 and at most 1")
    if options.seed < 0:
        raise UsageProblem("--seed must be a whole number, 0 or more")
    if options.executor == "local" and options.scheduler is not None:
        raise UsageProblem("--scheduler needs --executor dask")


def _uncertainty(loaded: LoadedPack, path: Path | None
                 ) -> tuple[Uncertainty, str, YamlDocument | None]:
    if path is None:
        if loaded.pack.uncertainty is None:
            raise UsageProblem(f"pack {loaded.id} declares no uncertainty: give "
                               "--uncertainty FILE (see docs/sensitivity.md)")
        return loaded.pack.uncertainty, "pack", None
    if not path.is_file():
        raise UsageProblem(f"no uncertainty file {str(path)!r}")
    problems = Problems()
    try:
        document = load_yaml(path)
    except YamlError as exc:
        problems.add(Problem(exc.code, exc.message, file=exc.mark.file, row=exc.mark.line,
                             column=exc.mark.column))
        raise ProblemsFound(problems) from None
    try:
        spec = Uncertainty.model_validate(document.data if document.data is not None else {})
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            mark = document.mark(loc)
            kind = err.get("type", "")
            message = ("unknown key (not part of the uncertainty schema)"
                       if kind == "extra_forbidden" else "required key is missing"
                       if kind == "missing" else str(err.get("msg", "invalid")).removeprefix(
                           "Value error, "))
            problems.add(Problem("E-PACK-SCHEMA", f"{_dotted(loc)}: {message}",
                                 file=mark.file, row=mark.line, column=mark.column))
        raise ProblemsFound(problems) from None
    return spec, path.name, document


def _located(findings: list[Finding], document: YamlDocument | None) -> Problems:
    """Problems of a declaration, at their place in the uncertainty file (or the pack,
    whose own declaration was already checked when it loaded)."""
    problems = Problems()
    for finding in findings:
        mark = document.mark(finding.path) if document is not None else None
        problems.add(Problem(finding.code, f"{_dotted(finding.path)}: {finding.message}",
                             file=mark.file if mark else None, row=mark.line if mark else None,
                             column=mark.column if mark else None))
    return problems


def _dotted(path: tuple[object, ...]) -> str:
    return ".".join(str(p) for p in path) or "(top)"


def _design(loaded: LoadedPack, returns: Returns, declared: Declared,
            options: SensitivityOptions, bins: int) -> Design:
    plan = loaded.plan
    rating = loaded.pack.rating.field
    rating_type = plan.schema.fields[rating]
    if rating_type.kind not in ("label", "integer"):
        raise UsageProblem(f"the rating of {loaded.id} ({rating}) is a {rating_type.kind}; a "
                           "sensitivity run counts ratings, so it needs labels or whole "
                           "numbers")
    programs = {combo: program(p) for combo, p in declared.plans.items()}
    wanted = {name for p in programs.values() for name in p.inputs}
    for d in declared.data:
        wanted.add(d.input)
        if d.cases is not None:
            wanted.add(d.cases)
    codes, periods = pd.factorize(returns.keys["period"], sort=True)
    return Design(
        seed=options.seed, draws=options.draws, bins=bins, rating=rating,
        rating_type=rating_type,
        codes=returns.keys["authority_code"].to_numpy(dtype=object),
        period_codes=np.asarray(codes, dtype=np.int64),
        periods=[str(p) for p in periods],
        values={k: v for k, v in returns.values.items() if k in wanted},
        na={k: v for k, v in returns.na.items() if k in wanted},
        declared=declared, programs=programs)


def uncertainty_hash(run: SensitivityRun) -> str:
    return spec_hash(run.spec)
