"""An area page notes an optional input not returned only where it matters: others in the
period returned it and a result it feeds is missing for the authority."""

from __future__ import annotations

from pathlib import Path

from perfassess.runner import RunOptions, RunRequest, run
from tests.e2e.reports_fixture import INPUT

CATEGORY = "qs1_assessing_needs__processes"
NOTE = f"No return for {CATEGORY}, which other authorities returned for 2024"


def _areas(tmp_path: Path, rows: dict[str, tuple[str, str]] | None = None) -> Path:
    """The golden CQC input scored; ``rows`` gives chosen authorities their own
    (qs1_assessing_needs, evidence category) pair, the others keep qs1 and have no category."""
    lines = (INPUT / "cqc.csv").read_text(encoding="utf-8").splitlines()
    if rows is not None:
        body = []
        for line in lines[1:]:
            cells = line.split(",")
            qs1, category = rows.get(cells[0], (cells[2], ""))
            body.append(",".join([*cells[:2], qs1, *cells[3:], category]))
        lines = [lines[0] + f",{CATEGORY}", *body]
    source = tmp_path / "cqc.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    run([RunRequest("cqc-la-2024", [source])],
        RunOptions(out, INPUT / "reference.csv", "full", None))
    return out / "cqc-la-2024" / "2024" / "areas"


def test_optional_inputs_nobody_returned_go_unmentioned(tmp_path: Path) -> None:
    page = (_areas(tmp_path) / "E09000001.html").read_text("utf-8")
    assert "optional" not in page
    assert "not returned" not in page


def test_a_category_others_returned_is_named_only_where_its_statement_is_missing(
        tmp_path: Path) -> None:
    # X1 is scored from its category; X2 has neither its statement score nor a category;
    # E09000001 returned the statement score, so the category it lacks changed nothing.
    areas = _areas(tmp_path, {"X1": ("", "4"), "X2": ("", "")})
    assert NOTE in (areas / "X2.html").read_text("utf-8")
    assert NOTE not in (areas / "E09000001.html").read_text("utf-8")
    assert NOTE not in (areas / "X1.html").read_text("utf-8")
