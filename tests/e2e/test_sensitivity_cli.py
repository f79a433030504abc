"""`perfassess sensitivity` end to end: outputs, manifest, determinism, exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from perfassess.cli import cli
from tests.conftest import ROOT

SAMPLE = str(ROOT / "data" / "sample" / "ss_stars_2002_2005.csv")


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_run_writes_its_tables_pages_and_manifest(tmp_path: Path) -> None:
    code, out = invoke("sensitivity", "--pack", "ss-stars-2002", "--input", SAMPLE,
                       "--draws", "200", "--seed", "1", "--out", str(tmp_path / "a"))
    assert code == 0, out
    assert "held fixed as documented: parameter a1_max_2002" in out
    assert "fragile" in out
    folder = tmp_path / "a" / "ss-stars-2002"
    written = files(folder)
    for period in ("2002", "2003", "2004", "2005"):
        assert f"{period}/stability.html" in written and f"{period}/stability.md" in written
    table = pd.read_csv(folder / "sensitivity.csv", dtype={"period": str})
    assert len(table) == 600
    probabilities = table[["p(0 stars)", "p(1 star)", "p(2 stars)", "p(3 stars)"]]
    assert (probabilities.sum(axis=1).round(9) == 1).all()
    assert (table["fragile"] == (table["rating_kept"] < 0.9)).all()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert (manifest["seed"], manifest["draws"], manifest["kind"]) == (1, 200, "sensitivity")
    assert manifest["uncertainty"]["source"] == "pack"
    assert manifest["uncertainty"]["sha256"].startswith("sha256:")
    assert manifest["pack"]["content_hash"].startswith("sha256:")
    assert manifest["inputs"][0]["name"] == "ss_stars_2002_2005.csv"
    assert manifest["counts"]["fragile"] == int(table["fragile"].sum())
    assert set(manifest["outputs"]) == set(written) - {"manifest.json"}
    indices = pd.read_csv(folder / "sensitivity_indices.csv", dtype={"period": str})
    assert set(indices["period"]) == {"all", "2002", "2003", "2004", "2005"}
    assert indices["first_order"].between(0, 1).all()


def test_the_same_seed_gives_the_same_bytes_whatever_the_chunks(tmp_path: Path) -> None:
    for name, chunk in (("one", "200"), ("many", "7")):
        code, out = invoke("sensitivity", "--pack", "ss-stars-2002", "--input", SAMPLE,
                           "--draws", "200", "--seed", "3", "--chunk", chunk, "--quiet",
                           "--out", str(tmp_path / name))
        assert code == 0, out
    assert files(tmp_path / "one") == files(tmp_path / "many")


def test_usage_and_declaration_errors(write: Callable[[str, str], Path],
                                      tmp_path: Path) -> None:
    out = str(tmp_path / "x")
    code, text = invoke("sensitivity", "--pack", "ss-stars-2002", "--input", SAMPLE,
                        "--seed", "1", "--draws", "0", "--out", out)
    assert code == 2 and "--draws" in text
    bad = write("u.yaml", "parameters:\n  a1_max_later: {plus_minus: lots}\n")
    code, text = invoke("sensitivity", "--pack", "ss-stars-2002", "--input", SAMPLE,
                        "--seed", "1", "--uncertainty", str(bad), "--out", out)
    assert code == 1 and "E-PACK-SCHEMA" in text and "u.yaml:2" in text
    assert not (tmp_path / "x").exists()


def test_a_pack_without_declared_uncertainty_needs_a_file(
        write: Callable[[str, str], Path], tmp_path: Path) -> None:
    returns = write("cqc.csv", "authority_code,period,indicator,value\n"
                    + "".join(f"E1,2024,{q},3\n" for q in (
                        "qs1_assessing_needs", "qs2_supporting_healthier_lives",
                        "qs3_equity_in_experience_and_outcomes",
                        "qs4_care_provision_integration_continuity",
                        "qs5_partnerships_and_communities",
                        "qs6_safe_pathways_systems_transitions", "qs7_safeguarding",
                        "qs8_governance_management_sustainability",
                        "qs9_learning_improvement_innovation")))
    code, text = invoke("sensitivity", "--pack", "cqc-la-2024", "--input", str(returns),
                        "--seed", "1", "--out", str(tmp_path / "x"))
    assert code == 2 and "declares no uncertainty" in text


def test_names_from_the_returns_are_escaped_in_the_pages(
        write: Callable[[str, str], Path], tmp_path: Path) -> None:
    name = '<script>alert("x")</script>'
    rows = "".join(f'E1,"{name.replace(chr(34), chr(34) * 2)}",2003,{k},{v}\n' for k, v in (
        ("adults_serving", "Most"), ("adults_prospects", "Promising"),
        ("children_serving", "Most"), ("children_prospects", "Promising")))
    returns = write("r.csv", "authority_code,authority_name,period,indicator,value\n" + rows)
    code, text = invoke("sensitivity", "--pack", "ss-stars-2002", "--input", str(returns),
                        "--seed", "1", "--draws", "20", "--out", str(tmp_path / "o"))
    assert code == 0, text
    page = (tmp_path / "o" / "ss-stars-2002" / "2003" / "stability.html").read_text()
    assert "<script>" not in page and "&lt;script&gt;" in page
    markdown = (tmp_path / "o" / "ss-stars-2002" / "2003" / "stability.md").read_text()
    assert "<script>" not in markdown
