"""Helpers shared by the step kinds."""

from __future__ import annotations

from perfassess.engine.plan import PlanError, YamlPath, status_code
from perfassess.spec.pack import RuleMeta


def rule_status(rule: RuleMeta, parent: RuleMeta | None, path: YamlPath) -> int:
    """The rule's status code, inherited from its step; a rule without one is an error."""
    status = rule.status or (parent.status if parent is not None else None)
    if status is None:
        raise PlanError("E-PACK-STATUS", "every rule needs a status (documented, "
                        "reconstructed or illustrative)", path)
    return status_code(status)


def numeric_input(name: str, kind: str, path: YamlPath) -> None:
    if kind not in ("number", "integer", "boolean"):
        raise PlanError("E-PACK-TYPE", f"field {name!r} is {kind}; this step needs a number",
                        path)
