"""Hostile input files through `perfassess score` in a subprocess: each is refused fast with
its code and place, exit 1, no traceback and nothing written; or, being valid, is rated."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import run_cli as perfassess
from tests.hostile import MAIN, QS1, long_sheet, row, sheet, workbook

LONG = "authority_code,period,indicator,value\n"


def parquet(columns: dict[str, object]) -> bytes:
    sink = io.BytesIO()
    pq.write_table(pa.table(columns), sink)
    return sink.getvalue()


def bomb() -> bytes:
    strings = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}"><si><t>'
               + "a" * (60 << 20) + "</t></si></sst>").encode()
    return workbook(sheet(row(1, ["authority_code", "period", QS1])), shared_xml=strings)


def formula() -> bytes:
    body = (row(1, ["authority_code", "period", "indicator", "value"])
            + row(2, ["E1", "2024", QS1]).replace("</row>", '<c r="D2"><f>2+1</f></c></row>'))
    return workbook(sheet(body))


@dataclass
class Case:
    what: str
    name: str
    content: Callable[[], bytes]
    code: str
    row: int | None
    column: str | None = None
    value: str | None = None


CASES = [
    Case("5 KB workbook declaring A1:XFD1048576, one cell in the last row", "far.xlsx",
         lambda: long_sheet((1_048_576, ["E1", "2024", QS1, "three"]),
                            dimension="A1:XFD1048576"), "E-VALUE-TYPE", 1_048_576, "value",
         "three"),
    Case("a 60 KB workbook holding a 60 MB shared string", "bomb.xlsx", bomb, "E-FILE-LIMIT",
         None, None, "xl/sharedStrings.xml"),
    Case("a row past Excel's last", "rows.xlsx",
         lambda: long_sheet((2, ["E1", "2024", QS1, 3]), (2_000_000, ["E2", "2024", QS1, 3])),
         "E-FILE-LIMIT", 2_000_000),
    Case("a formula never calculated", "formula.xlsx", formula, "E-CELL-FORMULA", 2, "D",
         "=2+1"),
    Case("a list-typed authority code", "list.parquet",
         lambda: parquet({"authority_code": [["E06000001"]], "period": ["2024"], QS1: [3]}),
         "E-COLUMN-TYPE", None, "authority_code", "list<element: string>"),
    Case("a binary column", "binary.parquet",
         lambda: parquet({"authority_code": [b"\xff\xfe"], "period": ["2024"], QS1: [3]}),
         "E-COLUMN-TYPE", None, "authority_code", "binary"),
    Case("a NUL after the first 4 KB", "nul.csv",
         lambda: (LONG + "".join(
             f"E{i},2024,{QS1},3\n" for i in range(300)) + "E\x00,2024," + QS1
             + ",3\n").encode(), "E-TEXT-CONTROL", 302, "authority_code", "E\\x00"),
    Case("a right-to-left override in a name", "rlo.csv",
         lambda: ("authority_code,authority_name,period,indicator,value\n"
                  f"E1,\u202eecnarF,2024,{QS1},3\n").encode(), "E-TEXT-CONTROL", 2,
         "authority_name", "\\u202eecnarF"),
    Case("more columns than Excel allows", "wide.csv",
         lambda: (",".join(["authority_code", "period", *(f"x{i}" for i in range(20_000))])
                  + "\n").encode(), "E-FILE-LIMIT", 1),
]



@pytest.mark.parametrize("case", CASES, ids=[c.what for c in CASES])
def test_a_hostile_file_is_refused_fast_and_located(case: Case, tmp_path: Path) -> None:
    path = tmp_path / case.name
    path.write_bytes(case.content())
    start = time.perf_counter()
    proc = perfassess("score", "--pack", "cqc-la-2024", "--input", str(path), "--out", "out",
                      "--format", "json", cwd=tmp_path)
    assert time.perf_counter() - start < 30
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    found = [p for p in json.loads(proc.stdout)["problems"] if p["code"] == case.code]
    assert found, proc.stdout[:2000]
    problem = found[0]
    assert (problem["file"], problem["row"]) == (str(path), case.row)
    if case.column is not None:
        assert problem["column"] == case.column
    if case.value is not None:
        assert problem["value"] == case.value
    assert sorted(p.name for p in tmp_path.iterdir()) == [case.name]


def test_a_valid_csv_with_one_huge_field_is_rated(tmp_path: Path) -> None:
    qs = [QS1, "qs2_supporting_healthier_lives", "qs3_equity_in_experience_and_outcomes",
          "qs4_care_provision_integration_continuity", "qs5_partnerships_and_communities",
          "qs6_safe_pathways_systems_transitions", "qs7_safeguarding",
          "qs8_governance_management_sustainability", "qs9_learning_improvement_innovation"]
    path = tmp_path / "big.csv"
    path.write_text(",".join(["authority_code", "period", "note", *qs]) + "\n"
                    + ",".join(["E1", "2024", "n" * (2 << 20), *["3"] * 9]) + "\n")
    proc = perfassess("score", "--pack", "cqc-la-2024", "--input", str(path), "--out", "out",
                      cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    ratings = (tmp_path / "out" / "cqc-la-2024" / "ratings.csv").read_text()
    assert "E1" in ratings and "Good" in ratings
