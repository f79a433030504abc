"""Every built-in pack's YAML cases (inputs -> expected outputs), one test per case."""

from __future__ import annotations

from functools import cache

import pytest

from perfassess.cases import CaseResult, has_cases, load_cases, run_cases
from perfassess.packs import load_pack
from perfassess.spec.loader import builtin_ids


@cache
def results(pack_id: str) -> dict[str, CaseResult]:
    return {r.case.id: r for r in run_cases(load_pack(pack_id))}


def all_cases() -> list[tuple[str, str]]:
    out = []
    for pack_id in builtin_ids():
        pack = load_pack(pack_id)
        if has_cases(pack):
            file = load_cases(pack)[0]
            out.extend((pack_id, case.id) for case in [*file.cases, *file.populations])
    return out


@pytest.mark.parametrize(("pack_id", "case_id"), all_cases(),
                         ids=[f"{p}/{c}" for p, c in all_cases()])
def test_case(pack_id: str, case_id: str) -> None:
    result = results(pack_id)[case_id]
    assert result.passed, f"{result.mark}: " + "; ".join(result.failures)


def test_every_builtin_pack_has_cases() -> None:
    assert all(has_cases(load_pack(p)) for p in builtin_ids())


def test_a_wrong_expectation_fails(tmp_path: object) -> None:
    """The case runner can fail: a deliberately wrong expectation is reported."""
    import shutil
    from pathlib import Path

    folder = Path(str(tmp_path)) / "cqc"
    shutil.copytree(load_pack("cqc-la-2024").folder, folder)
    cases = (folder / "cases.yaml").read_text()
    (folder / "cases.yaml").write_text(cases.replace("rating: Requires improvement",
                                                     "rating: Good", 1))
    outcomes = run_cases(load_pack(str(folder)))
    assert any("rating: expected 'Good'" in f for r in outcomes for f in r.failures)
