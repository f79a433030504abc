"""`perfassess diff RUN_A RUN_B`: what differs between two result folders, and why."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from perfassess.cli import cli
from perfassess.packs import load_pack
from tests.e2e.conftest import copy_project

SS_INPUT = "data/sample/ss_stars_2002_2005.csv"
CQC_WIDE = "data/sample/cqc_2024_2025_wide.csv"
REFERENCE = "data/reference/authorities.csv"


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def score(pack: str, inputs: list[str], out: str, *extra: str) -> None:
    args = ["score", "--pack", pack, "--reference", REFERENCE, "--out", out, "--quiet", *extra]
    for path in inputs:
        args += ["--input", path]
    code, output = invoke(*args)
    assert code == 0, output


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ss-stars-2002 over the sample (a), over a second version of it (b), under version
    1.0.0 (old), and without Hartlepool's 2005 returns (fewer); made once for the module."""
    root = copy_project(tmp_path_factory.mktemp("diff") / "project")
    text = (root / SS_INPUT).read_text(encoding="utf-8")
    # The second version: Hartlepool 2002 with A3 25.8 -> 12.0 and children served 'No'.
    v2 = text
    for old, new in (("E06000001,Hartlepool,2002,A3,25.8", "E06000001,Hartlepool,2002,A3,12.0"),
                     ("E06000001,Hartlepool,2002,children_serving,Some",
                      "E06000001,Hartlepool,2002,children_serving,No")):
        assert v2.count(old) == 1
        v2 = v2.replace(old, new)
    (root / "data" / "v2.csv").write_text(v2, encoding="utf-8")
    fewer = [x for x in text.splitlines() if not x.startswith("E06000001,Hartlepool,2005,")]
    (root / "data" / "fewer.csv").write_text("\n".join(fewer) + "\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        score("ss-stars-2002", [SS_INPUT], "runs/a")
        score("ss-stars-2002", ["data/v2.csv"], "runs/b")
        score("ss-stars-2002@1.0.0", [SS_INPUT], "runs/old")
        score("ss-stars-2002", ["data/fewer.csv"], "runs/fewer")
    return root


@pytest.fixture
def here(runs: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(runs)
    return runs


def test_identical_runs_exit_0(here: Path) -> None:
    shutil.copytree("runs/a", "runs/a-copy")
    try:
        code, out = invoke("diff", "runs/a", "runs/a-copy")
    finally:
        shutil.rmtree("runs/a-copy")
    assert (code, out) == (0, "ss-stars-2002: no difference in results\n")


def test_two_input_versions_differ_with_inputs_and_rules_explained(here: Path) -> None:
    code, out = invoke("diff", "runs/a", "runs/b")
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == ("ss-stars-2002 (A -> B): 1 rating(s) differ; 2 authority-period(s) with "
                        "any difference")
    assert lines[1] == f"  why: inputs changed: files {SS_INPUT} -> data/v2.csv"
    # Worked by hand: children not served is star-table row 1 (0 stars); before, no row
    # matched (one serving Some, prospects Uncertain) and the default gave 1 star.
    assert "  E06000001 2002: rating 1 star -> 0 stars; children_serving_capped Some -> No" in out
    assert "      inputs: A3 25.8 -> 12; children_serving Some -> No" in out
    assert "input ->" not in out  # inputs are listed once, not again as steps
    # A3 is banded lower-is-better on cuts 8/12/18/24: 25.8 is the worst band, 12 the middle.
    assert ("band.A3 -> A3_band: investigate urgently (A3 >= 24)  =>  acceptable "
            "(A3 [12, 18))") in out
    cap_line = next(x for x in lines if "caps.children -> children_serving_capped" in x)
    before, after = cap_line.split("=>")
    assert "A3-2002: fired" in before and "A3-2002" not in after
    stars = next(x for x in lines if "stars -> rating:" in x)
    assert "row5" in stars.split("=>")[0] and "row1" in stars.split("=>")[1]
    # 2003 (published 1 star) now follows 0 stars rather than 1 star: up one, improved.
    assert ("  E06000001 2003: previous_rating 1 star -> 0 stars; rating_change 0 -> 1; "
            "change_direction unchanged -> improved") in lines


def test_diff_as_json_and_between_pack_folders(here: Path) -> None:
    code, out = invoke("diff", "--format", "json", "runs/a/ss-stars-2002",
                       "runs/b/ss-stars-2002")
    assert code == 1
    payload = json.loads(out)
    assert payload["differs"] is True
    (pack,) = payload["packs"]
    assert pack["counts"]["ratings_changed"] == 1
    change, travel = pack["changes"]
    assert (travel["period"], set(travel["columns"])) == (
        "2003", {"previous_rating", "rating_change", "change_direction"})
    assert (change["authority_code"], change["period"], change["kind"]) == (
        "E06000001", "2002", "changed")
    assert change["columns"]["rating"] == {"a": "1 star", "b": "0 stars"}
    assert {i["indicator"]: (i["a"], i["b"]) for i in change["inputs"]} == {
        "A3": ("25.8", "12"), "children_serving": ("Some", "No")}
    where = {i["indicator"]: (i["where_a"], i["where_b"]) for i in change["inputs"]}
    assert where["A3"] == (f"{SS_INPUT}:4:value", "data/v2.csv:4:value")
    stars = next(s for s in change["steps"] if s["step"] == "stars")
    assert [e["rule_id"] for e in stars["a"]] == ["stars/row5"]
    assert [e["rule_id"] for e in stars["b"]] == ["stars/row1"]


def test_rows_only_in_one_run_are_listed(here: Path) -> None:
    code, out = invoke("diff", "runs/a", "runs/fewer")
    assert code == 1
    assert "(1 only in A)" in out and "  E06000001 2005: only in A (rating " in out


def test_two_pack_versions(here: Path) -> None:
    """ss-stars-2002 1.0.0 as first published against the current version: the same
    ratings; the current one adds direction-of-travel outputs (see its CHANGELOG.md) and
    declares an alternative star table, so ratings the alternative agrees with no longer
    rest on the reconstructed table (docs/provenance.md)."""
    current = load_pack("ss-stars-2002").pack.version
    code, out = invoke("diff", "runs/old", "runs/a")
    assert code == 1
    old, new = (pd.read_parquet(f"{run}/ss-stars-2002/ratings.parquet")
                for run in ("runs/old", "runs/a"))
    moved = int((old["rating_status"] != new["rating_status"]).sum())
    assert moved > 0 and (old["rating"].astype(str) == new["rating"].astype(str)).all()
    lines = out.splitlines()
    assert lines[0] == (f"ss-stars-2002 (A -> B): 0 rating(s) differ; {moved} "
                        "authority-period(s) with any difference")
    changes = [line for line in lines if line.startswith("  E")]
    assert changes and all(line.endswith("rating_status reconstructed -> documented")
                           for line in changes)
    assert "  outputs only in B: previous_rating, rating_change and change_direction" in lines
    assert (f"  why: pack changed: ss-stars-2002 1.0.0 ({short('runs/old')}) -> "
            f"ss-stars-2002 {current} ({short('runs/a')})") in lines


def short(run: str) -> str:
    manifest = json.loads((Path(run) / "ss-stars-2002" / "manifest.json").read_text("utf-8"))
    return str(manifest["pack"]["content_hash"]).removeprefix("sha256:")[:12]


def test_packs_in_only_one_folder_are_a_difference(here: Path, tmp_path: Path) -> None:
    both = tmp_path / "both"
    shutil.copytree("runs/a", both)
    shutil.copytree("runs/a/ss-stars-2002", both / "other-pack")
    code, out = invoke("diff", str(both), "runs/a")
    assert code == 1 and out == ("other-pack: only in A\n"
                                 "ss-stars-2002: no difference in results\n")


def test_a_folder_without_results_is_a_usage_error(here: Path, tmp_path: Path) -> None:
    assert invoke("diff", str(tmp_path), "runs/a")[0] == 2
    assert invoke("diff", "runs/a", str(tmp_path / "nowhere"))[0] == 2


def test_without_a_trace_the_ratings_still_differ_and_limit_bounds_the_detail(
        world: Path) -> None:
    # Every 2025 council given nine scores of 1: by hand 9 of 36, 25%, Inadequate.
    header, *rows = (world / CQC_WIDE).read_text(encoding="utf-8").splitlines()
    ones = [re.sub(r"^([^,]*,[^,]*,2025),.*$", r"\1" + ",1" * 9, r) for r in rows]
    (world / "data" / "ones.csv").write_text("\n".join([header, *ones]) + "\n",
                                             encoding="utf-8")
    score("cqc-la-2024", [CQC_WIDE], "runs/a", "--trace", "none")
    score("cqc-la-2024", ["data/ones.csv"], "runs/b", "--trace", "none")
    ratings = pd.read_csv("runs/a/cqc-la-2024/ratings.csv", dtype=str, keep_default_na=False)
    expected = ratings[(ratings["period"] == "2025") & (ratings["rating"] != "Inadequate")]
    code, out = invoke("diff", "--limit", "3", "runs/a", "runs/b")
    assert code == 1
    assert f"cqc-la-2024 (A -> B): {len(expected)} rating(s) differ" in out
    shown = [x for x in out.splitlines() if re.match(r"  E\d{8} \d{4}: rating ", x)]
    assert len(shown) == 3 and all("-> Inadequate" in x for x in shown)
    assert "inputs:" not in out and "rating -> rating" not in out  # no trace, no detail
    changed = int(re.search(r"; (\d+) authority-period\(s\) with any difference", out)[1])
    assert f"  … and {changed - 3} more authority-period(s)" in out
