"""Similar councils on area pages: the pack's comparator list, else the rating's strata,
else the reference's type and region; chosen once per pack."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from perfassess.api import ScoreResult
from perfassess.report.area import Layout, prepare_tables
from perfassess.report.data import RunData
from perfassess.report.facts import pack_facts
from perfassess.report.record import Record
from perfassess.report.similar import CAP, prepare_similar
from tests.conftest import run_long
from tests.unit.test_neighbours import neighbours_pack
from tests.unit.test_report_trend import banded_pack


def similar(result: ScoreResult, groups: pd.DataFrame | None = None
            ) -> dict[tuple[str, str], Record | None]:
    data = RunData.from_result(result)
    facts = pack_facts(data.loaded)
    tables = prepare_tables(data, facts)
    made = prepare_similar(facts, tables, Layout.of(tables.ratings), groups)
    keys = zip(tables.ratings["authority_code"], tables.ratings["period"], strict=True)
    return dict(zip(keys, made, strict=True))


def members(record: Record | None) -> list[tuple[str, str, str]]:
    assert record is not None
    return [(m["code"], m["words"], m["href"]) for m in record["members"]]


def test_the_pack_s_comparator_list_in_its_order_without_the_authority_itself(
        tmp_path: Path) -> None:
    rows = [(c, "2001", "s", v) for c, v in zip("ABCD", [1, 2, 3, 4], strict=True)]
    rows += [("A", "2002", "s", 5), ("B", "2002", "s", 6)]
    found = similar(run_long(neighbours_pack(tmp_path), rows))
    a01 = found[("A", "2001")]
    assert a01 is not None
    assert a01["how"] == "the 2 nearest neighbours tests lists for this authority"
    assert [m[0] for m in members(a01)] == ["A", "B", "C"]  # itself first, then its list
    assert a01["members"][0]["this"] and a01["members"][1]["href"] == "B.html"
    # C has no row in 2002: said, and not linked.
    assert members(found[("A", "2002")])[2] == ("C", "not in this run for 2002", "")
    c01 = found[("C", "2001")]
    assert c01 is not None and c01["shown"] == 0
    assert c01["how"] == "tests lists no comparators for this authority"
    body = str(a01["body"]).splitlines()
    assert body[0].startswith('<tr class="this"><th scope="row">A <small>(this authority)')
    assert body[1].startswith('<tr><th scope="row"><a href="B.html">B</a></th>')
    assert a01["body_md"].splitlines()[1].startswith("| [B](B.md) | ")


def groups_of(codes: list[str], kind: str = "Unitary authority",
              region: str = "North West") -> pd.DataFrame:
    return pd.DataFrame({"authority_code": codes, "authority_type": kind, "region": region})


def test_the_reference_s_type_and_region_best_first_in_the_same_period() -> None:
    rows = [("A", "2001", "s", 15), ("B", "2001", "s", 25), ("C", "2001", "s", 5),
            ("D", "2001", "s", 25), ("B", "2002", "s", 5)]
    groups = pd.concat([groups_of(["A", "B", "C"]), groups_of(["D"], region="London")])
    found = similar(run_long(banded_pack(), rows), groups)
    a = found[("A", "2001")]
    assert a is not None
    assert a["how"] == ("other authorities of the same type (Unitary authority) and region "
                        "(North West) in the reference data")
    assert members(a) == [("A", "mid", ""), ("B", "high", "B.html"), ("C", "low", "C.html")]
    assert members(found[("B", "2002")]) == [("B", "low", "")]  # nobody else that year
    alone = found[("D", "2001")]
    assert alone is not None and alone["shown"] == 0 and members(alone) == [("D", "high", "")]


def test_no_grouping_at_all_leaves_the_section_out() -> None:
    found = similar(run_long(banded_pack(), [("A", "2001", "s", 15), ("B", "2001", "s", 5)]))
    assert set(found.values()) == {None}
    # An authority the reference does not know has no group either.
    found = similar(run_long(banded_pack(), [("A", "2001", "s", 15), ("B", "2001", "s", 5)]),
                    groups_of(["A"]))
    assert found[("B", "2001")] is None and found[("A", "2001")] is not None


def test_a_large_group_is_cut_to_the_nearest_in_rating_then_key_score() -> None:
    # 30 councils with scores 1..30 (their copies, the key score, break the band's ties).
    codes = [f"E{k:02d}" for k in range(1, 31)]
    rows = [(c, "2001", "s", k) for k, c in enumerate(codes, 1)]
    found = similar(run_long(banded_pack(), rows), groups_of(codes))
    mine = found[("E15", "2001")]  # mid (10 to 20), score 15
    assert mine is not None and mine["shown"] == CAP and mine["total"] == 29
    assert mine["how"].endswith(f"; the {CAP} closest in rating and score of 29")
    chosen = [m[0] for m in members(mine)[1:]]
    # The nearest in the pack's order (rating, then score; E15 is 16th of 30, best first):
    # seven either side and one more above, listed best first.
    assert chosen == [f"E{k:02d}" for k in range(23, 7, -1) if k != 15]


def test_without_a_list_or_reference_the_strata_the_rating_is_computed_in() -> None:
    from perfassess.packs import pack_from_data

    pack = pack_from_data({
        "id": "strata", "title": "Strata", "version": "1.0.0", "assessor": "tests",
        "periods": {"first": "2000"}, "authority": {"singular": "home", "plural": "homes"},
        "inputs": [{"id": "s", "title": "S", "type": "number"},
                   {"id": "g", "title": "G", "type": "number"}],
        "rating": {"field": "out"}, "outputs": ["out", "peer_group"],
        "steps": [
            {"id": "copy", "kind": "compute", "expr": "g", "output": "peer_group",
             "status": "documented"},
            {"id": "q", "kind": "quantile", "input": "s", "by": "peer_group",
             "ntile": {"k": 2, "output": "out"}, "status": "documented"}]})
    rows = [(c, "2001", f, v) for c, s, g in (("A", 1, 1), ("B", 2, 1), ("C", 3, 2))
            for f, v in (("s", s), ("g", g))]
    found = similar(run_long(pack, rows), groups_of(["A", "B", "C"]))
    a = found[("A", "2001")]
    assert a is not None and [m[0] for m in members(a)] == ["A", "B"]
    assert a["how"] == "other homes in the same peer group (1), the group its rating is computed in"


def test_the_reference_gives_types_and_regions_the_earlier_file_winning(tmp_path: Path) -> None:
    from perfassess.api import Reference

    first = tmp_path / "first.csv"
    first.write_text("authority_code,authority_name,authority_type,region\n"
                     " A ,Aton,Shire county,South East\n", encoding="utf-8")
    second = tmp_path / "second.csv"
    second.write_text("authority_code,authority_name,authority_type,region\n"
                      "A,Aton,Unitary authority,London\nB,Bee,London borough,London\n",
                      encoding="utf-8")
    names_only = tmp_path / "names.csv"
    names_only.write_text("authority_code,authority_name\nC,Cee\n", encoding="utf-8")
    reference = Reference.read([first, second, names_only])
    assert reference.names == {"A": "Aton", "B": "Bee", "C": "Cee"}
    assert reference.groups is not None
    assert reference.groups.to_dict("records") == [
        {"authority_code": "A", "authority_type": "Shire county", "region": "South East"},
        {"authority_code": "B", "authority_type": "London borough", "region": "London"}]
    assert Reference.read(names_only).groups is None
    # A path given as text is one file, not a list of one-character names.
    assert Reference.read(str(names_only)).names == {"C": "Cee"}


def test_names_from_data_are_escaped_in_both_tables() -> None:
    from perfassess.api import score_table

    table = pd.DataFrame({"authority_code": ["A", "B"], "authority_name": ["A", "<b>|[x](y)"],
                          "period": "2001", "indicator": "s", "value": ["15", "5"]})
    found = similar(score_table(banded_pack(), table), groups_of(["A", "B"]))
    a = found[("A", "2001")]
    assert a is not None
    assert "&lt;b&gt;|[x](y)</a>" in str(a["body"]) and "<b>" not in str(a["body"])
    assert "[\\<b\\>\\|\\[x\\](y)](B.md)" in a["body_md"]
