"""Score runs that say how solid each rating is: the run file's `sensitivity:` entry and
`score --stability DIR` (an earlier `perfassess sensitivity`), end to end."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from perfassess.cli import cli
from perfassess.core.problems import ProblemsFound
from perfassess.spec.runfile import load_run_file
from tests.conftest import ROOT
from tests.e2e.reports_fixture import INPUT, STABILITY_INPUT

REFERENCE = INPUT / "reference.csv"
SCHEMA = json.loads((ROOT / "docs" / "manifest.schema.json").read_text(encoding="utf-8"))


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def run_file(folder: Path, entry: str) -> Path:
    """A run file over the constructed ss-stars input, with ``entry`` added to its run."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(STABILITY_INPUT, folder / "returns.csv")
    shutil.copy(REFERENCE, folder / "reference.csv")
    path = folder / "perfassess.yaml"
    path.write_text("out: out\nreference: reference.csv\nruns:\n  - pack: ss-stars-2002\n"
                    "    inputs: [returns.csv]\n" + entry, encoding="utf-8")
    return path


# --- the run file's key --------------------------------------------------------------------

def test_the_run_file_takes_a_sensitivity_entry(tmp_path: Path) -> None:
    path = run_file(tmp_path, "    sensitivity: {draws: 50, seed: 3, fragile_below: 0.8,"
                              " uncertainty: u.yaml}\n")
    runfile, base = load_run_file(path)
    entry = runfile.runs[0].sensitivity
    assert entry is not None and base == tmp_path
    assert (entry.draws, entry.seed, entry.fragile_below, entry.chunk, entry.uncertainty) == (
        50, 3, 0.8, 100, "u.yaml")


@pytest.mark.parametrize(("entry", "line", "words"), [
    ("    sensitivity: {draws: 50, seed: 3, bogus: 1}\n", 6, "runs.0.sensitivity.bogus"),
    ("    sensitivity: {draws: 50}\n", 6, "runs.0.sensitivity.seed"),
    ("    sensitivity:\n      seed: 1\n      draws: 0\n", 8, "greater than or equal to 1"),
    ("    sensitivity: {seed: 1, fragile_below: 1.5}\n", 6, "less than or equal to 1"),
    ("    sensitivity: {seed: 1}\n    stability: earlier\n", 4, "not both"),
])
def test_run_file_schema_errors_are_located(tmp_path: Path, entry: str, line: int,
                                            words: str) -> None:
    path = run_file(tmp_path, entry)
    with pytest.raises(ProblemsFound) as caught:
        load_run_file(path)
    (problem,) = caught.value.problems.items
    assert problem.code == "E-RUN-SCHEMA"
    assert (problem.file, problem.row) == (str(path), line), problem
    assert words in problem.message


# --- computed in the run -------------------------------------------------------------------

def test_a_run_file_run_writes_the_analysis_into_the_pack_folder_deterministically(
        tmp_path: Path) -> None:
    path = run_file(tmp_path / "p", "    sensitivity: {draws: 60, seed: 5}\n")
    outs = []
    for name in ("a", "b"):
        code, text = invoke("score", "--config", str(path), "--out", str(tmp_path / name),
                            "--quiet")
        assert code == 0, text
        outs.append(files(tmp_path / name))
    assert outs[0] == outs[1]  # byte for byte, the sensitivity folder included
    pack = tmp_path / "a" / "ss-stars-2002"
    written = outs[0]
    for name in ("sensitivity.csv", "sensitivity.parquet", "sensitivity_indices.csv",
                 "sensitivity_factors.parquet", "manifest.json", "2003/stability.html",
                 "2003/stability.md"):
        assert f"ss-stars-2002/sensitivity/{name}" in written
    manifest = json.loads((pack / "manifest.json").read_text(encoding="utf-8"))
    assert not list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(manifest))
    assert manifest["options"]["sensitivity"] == {
        "draws": 60, "seed": 5, "fragile_below": 0.9, "vary_documented": False,
        "uncertainty": None}
    # Every file of the pack folder is listed with its hash (reports through reports.sha256).
    sums = (pack / "reports.sha256").read_text(encoding="utf-8").splitlines()
    listed = {*manifest["outputs"], "manifest.json", *(s.split("  ", 1)[1] for s in sums)}
    assert listed == set(files(pack))
    inner = json.loads((pack / "sensitivity" / "manifest.json").read_text(encoding="utf-8"))
    assert (inner["seed"], inner["draws"]) == (5, 60)
    assert "How solid is this rating?" in (pack / "2003/areas/X1.html").read_text("utf-8")
    assert "## Fragile ratings" in (pack / "2003/index.md").read_text("utf-8")
    # Hartlepool is far from every threshold: both star tables give 3 stars, no number varies.
    area = (pack / "2003/areas/E06000001.md").read_text("utf-8")
    assert "3 stars was kept in **100.0%** of 60 draws." in area and "FRAGILE" not in area


def test_packs_run_without_an_analysis_have_no_stability_content(tmp_path: Path) -> None:
    path = run_file(tmp_path / "p", "")
    code, text = invoke("score", "--config", str(path), "--out", str(tmp_path / "o"))
    assert code == 0, text
    pack = tmp_path / "o" / "ss-stars-2002"
    assert not (pack / "sensitivity").exists()
    assert "How solid" not in (pack / "2003/areas/X1.html").read_text("utf-8")
    assert "Fragile ratings" not in (pack / "2003/index.html").read_text("utf-8")
    assert "sensitivity" not in json.loads((pack / "manifest.json").read_text())["options"]


# --- read from an earlier sensitivity run --------------------------------------------------

def sensitivity_run(out: Path, *extra: str, inputs: tuple[Path, ...] = (STABILITY_INPUT,),
                    pack: str = "ss-stars-2002") -> None:
    args = [a for i in inputs for a in ("--input", str(i))]
    code, text = invoke("sensitivity", "--pack", pack, *args, "--draws", "60", "--seed", "5",
                        "--reference", str(REFERENCE), "--quiet", "--out", str(out), *extra)
    assert code == 0, text


def test_score_stability_reads_an_earlier_run_like_the_run_file_computes_it(
        tmp_path: Path) -> None:
    sensitivity_run(tmp_path / "s")
    code, text = invoke("score", "--pack", "ss-stars-2002", "--input", str(STABILITY_INPUT),
                        "--reference", str(REFERENCE), "--stability", str(tmp_path / "s"),
                        "--out", str(tmp_path / "o"))
    assert code == 0, text
    read = tmp_path / "o" / "ss-stars-2002"
    # The earlier run's files, copied byte for byte and listed in the manifest.
    earlier = files(tmp_path / "s" / "ss-stars-2002")
    assert files(read / "sensitivity") == earlier
    manifest = json.loads((read / "manifest.json").read_text(encoding="utf-8"))
    assert {f"sensitivity/{n}" for n in earlier} <= set(manifest["outputs"])
    assert manifest["options"]["stability"] == "s"  # outside the working folder: its name
    assert not list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(manifest))
    # One code path: the same seed and draws computed in a run give the same reports.
    path = run_file(tmp_path / "p", "    sensitivity: {draws: 60, seed: 5}\n")
    code, text = invoke("score", "--config", str(path), "--out", str(tmp_path / "c"))
    assert code == 0, text
    computed = tmp_path / "c" / "ss-stars-2002"
    for name in ("2003/index.html", "2003/index.md", "2003/areas/X1.html",
                 "2003/areas/X2.md"):
        assert (read / name).read_bytes() == (computed / name).read_bytes(), name
    assert (read / "sensitivity/sensitivity.csv").read_bytes() == (
        computed / "sensitivity/sensitivity.csv").read_bytes()


def test_stability_from_other_inputs_is_refused(tmp_path: Path) -> None:
    sensitivity_run(tmp_path / "s")
    other = INPUT / "ss_stars.csv"
    code, text = invoke("score", "--pack", "ss-stars-2002", "--input", str(other),
                        "--stability", str(tmp_path / "s"), "--out", str(tmp_path / "o"))
    assert code == 2
    assert "other input files (ss_stars_stability.csv" in text
    assert "than this run's (ss_stars.csv" in text
    assert (f"rerun: perfassess sensitivity --pack ss-stars-2002 --input {other} --draws 60 "
            f"--seed 5 --out {tmp_path / 's'}") in " ".join(text.split())
    assert not (tmp_path / "o").exists()


def test_stability_from_another_pack_content_is_refused(tmp_path: Path) -> None:
    changed = tmp_path / "pack"
    shutil.copytree(ROOT / "rules" / "ss-stars-2002", changed)
    yaml = changed / "pack.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8").replace(
        "title: ", "title: Changed ", 1), encoding="utf-8")
    sensitivity_run(tmp_path / "s", pack=str(changed))
    code, text = invoke("score", "--pack", "ss-stars-2002", "--input", str(STABILITY_INPUT),
                        "--stability", str(tmp_path / "s"), "--out", str(tmp_path / "o"))
    assert code == 2
    assert "were computed with pack ss-stars-2002" in text and "rerun:" in text
    assert not (tmp_path / "o").exists()


def test_stability_edited_or_missing_is_refused(tmp_path: Path) -> None:
    code, text = invoke("score", "--pack", "ss-stars-2002", "--input", str(STABILITY_INPUT),
                        "--stability", str(tmp_path / "none"), "--out", str(tmp_path / "o"))
    assert code == 2 and "no sensitivity results at" in text
    sensitivity_run(tmp_path / "s")
    table = tmp_path / "s" / "ss-stars-2002" / "sensitivity.csv"
    table.write_text(table.read_text(encoding="utf-8").replace("true", "false"),
                     encoding="utf-8")
    assert "true" not in table.read_text(encoding="utf-8")
    code, text = invoke("score", "--pack", "ss-stars-2002", "--input", str(STABILITY_INPUT),
                        "--stability", str(tmp_path / "s"), "--out", str(tmp_path / "o"))
    assert code == 2 and "sensitivity.csv is missing or was changed" in text
    assert not (tmp_path / "o").exists()


def test_stability_needs_pack_mode(tmp_path: Path) -> None:
    path = run_file(tmp_path / "p", "")
    code, text = invoke("score", "--config", str(path), "--stability", str(tmp_path))
    assert code == 2 and "--stability goes with --pack" in text
