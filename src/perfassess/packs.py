"""A pack ready to score: read and schema-checked by spec/, planned and checked here."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perfassess.core.problems import Problems, ProblemsFound
from perfassess.engine.analysis import check_tables
from perfassess.engine.plan import Plan, PlanError, build_plan
from perfassess.engine.provenance import with_provenance
from perfassess.spec.loader import PackSource, read_pack, source_from_data
from perfassess.spec.pack import Pack


@dataclass
class LoadedPack:
    pack: Pack
    plan: Plan
    folder: Path
    content_hash: str
    warnings: Problems = field(default_factory=Problems)  # from the static checks
    table_checks: list[str] = field(default_factory=list)  # what the checks covered

    @property
    def id(self) -> str:
        return self.pack.id


def load_pack(id_or_path: str) -> LoadedPack:
    """Load, expand, validate and plan a pack; every problem raises ProblemsFound."""
    return planned(read_pack(id_or_path))


def pack_from_data(data: dict[str, Any], name: str = "<memory>",
                   folder: Path = Path(".")) -> LoadedPack:
    """A pack from already-parsed data (tests, notebooks); problems point at ``name``;
    reference tables are looked up in ``folder``."""
    return planned(source_from_data(data, name, folder))


def planned(source: PackSource) -> LoadedPack:
    """Plan a pack read from its YAML and run its static checks, every problem at the place
    in the YAML it concerns."""
    problems = Problems()
    pack = source.pack
    try:
        plan = build_plan(pack, source.folder)
    except PlanError as exc:
        problems.add(source.problem(exc.code, exc.message, exc.path))
        raise ProblemsFound(problems) from None
    checks = check_tables(plan)
    for finding in checks.findings:
        problems.add(source.problem(finding.code, finding.message, finding.path))
    if pack.uncertainty is not None:  # what a sensitivity run may vary, checked like rules
        from perfassess.sensitivity.declare import check_uncertainty

        for finding in check_uncertainty(pack, plan, source.folder):
            problems.add(source.problem(finding.code, finding.message, finding.path))
    if problems.has_errors():
        raise ProblemsFound(problems)
    try:
        plan = with_provenance(plan, source.folder)
    except PlanError as exc:  # an alternative that plans alone may not plan with the rest
        problems.add(source.problem(exc.code, exc.message, exc.path))
        raise ProblemsFound(problems) from None
    return LoadedPack(pack, plan, source.folder, source.content_hash, problems,
                      checks.summaries)
