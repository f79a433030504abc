"""An area page as rendered by `perfassess score`: titles, score meanings, shared axes, ties."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import ROOT, run_cli

INPUT = ROOT / "tests" / "golden" / "input"


def test_a_cqc_area_page_speaks_in_words_on_one_scale(tmp_path: Path) -> None:
    done = run_cli("score", "--pack", "cqc-la-2024", "--input", str(INPUT / "cqc.csv"),
                   "--reference", str(INPUT / "reference.csv"), "--out", str(tmp_path / "out"),
                   "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    areas = tmp_path / "out" / "cqc-la-2024" / "2024" / "areas"
    page = (areas / "E09000001.html").read_text(encoding="utf-8")
    # The title first, the id small beside it; the output's title from the pack's display.
    assert "<th>Assessing needs <small><code>qs1_assessing_needs</code>" in page
    assert "Score as a percentage of the maximum <small><code>percent_score</code>" in page
    # A score of 3 says what it means (the band column was empty for every CQC input).
    row = re.search(r"<tr><th>Assessing needs .*?</tr>", page)
    assert row is not None
    assert "Evidence shows a good standard" in row.group(0)
    # The strip is drawn on the score scale 1-4, labelled, whatever the four returned.
    assert '<span class="ax">1</span><svg class="st"' in row.group(0)
    assert '</svg><span class="ax">4</span>' in row.group(0)
    # 3 among 4, 2 and 3: above one of the three others, level with one; no percentile.
    assert "better than 33% of authorities, equal to 33%" in row.group(0)
    assert "percentile" not in row.group(0)
    top = (areas / "X1.html").read_text(encoding="utf-8")
    assert re.search(r"Assessing needs .*?better than 100% of authorities</td>", top)
    markdown = (areas / "E09000001.md").read_text(encoding="utf-8")
    assert ("| Assessing needs `qs1_assessing_needs` | 3 | ··●· Evidence shows a good standard "
            "| better than 33% of authorities, equal to 33% |") in markdown
