"""Check that the DuckDB reference and perfassess wrote the same answer for every authority."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.checkout import REPO

KEYS = ["authority_code", "period"]


@dataclass
class Agreement:
    rows: int
    columns: list[str]  # every column of the reference's output that was compared
    differences: dict[str, int]  # column -> rows that differ
    example: str  # the first differing row, for a reader to start from

    @property
    def equal(self) -> bool:
        return not self.differences

    def describe(self) -> str:
        if self.equal:
            return f"equal: {', '.join(self.columns)} of {self.rows} authority-periods"
        counts = ", ".join(f"{c} in {n}" for c, n in self.differences.items())
        return f"DIFFERENT: {counts} of {self.rows} rows; e.g. {self.example}"


def compare(reference: Path, perfassess: Path) -> Agreement:
    """Every column the reference writes, against perfassess's column of the same name.

    Rows are matched on authority and period; a row present in one file only is a
    difference. Numbers agree when both are missing or they are equal to 1e-9 (relative).
    """
    import numpy as np
    import pandas as pd

    ref = pd.read_parquet(reference)
    columns = [c for c in ref.columns if c not in KEYS]
    ours = pd.read_parquet(perfassess, columns=KEYS + columns)
    both = ref.merge(ours, on=KEYS, how="outer", suffixes=("_ref", "_ours"), indicator=True)
    differences: dict[str, int] = {}
    first: int | None = None
    only_one = (both["_merge"] != "both").to_numpy()
    if only_one.any():
        differences["(authority, period)"] = int(only_one.sum())
        first = int(np.flatnonzero(only_one)[0])
    for column in columns:
        a, b = both[f"{column}_ref"], both[f"{column}_ours"]
        if pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b):
            x = a.to_numpy(dtype=np.float64, na_value=np.nan)
            y = b.to_numpy(dtype=np.float64, na_value=np.nan)
            same = (np.isnan(x) & np.isnan(y)) | np.isclose(x, y, rtol=1e-9, atol=0.0)
        else:
            x_text = a.astype(object).where(a.notna(), None).to_numpy()
            y_text = b.astype(object).where(b.notna(), None).to_numpy()
            same = x_text == y_text
        differ = ~np.asarray(same, dtype=bool) & ~only_one
        if differ.any():
            differences[column] = int(differ.sum())
            first = int(np.flatnonzero(differ)[0]) if first is None else first
    example = ""
    if first is not None:
        row = both.iloc[first]
        example = "; ".join(f"{k}={row[k]!r}" for k in both.columns if k != "_merge")
    return Agreement(len(both), columns, differences, example)


def main(argv: list[str]) -> int:
    """``python -m benchmarks.check REFERENCE PERFASSESS``: print the agreement as JSON."""
    agreement = compare(Path(argv[0]), Path(argv[1]))
    print(json.dumps(asdict(agreement)))
    return 0


def compare_in_child(reference: Path, perfassess: Path) -> Agreement:
    """The comparison in a process of its own, so the suite's memory stays small."""
    done = subprocess.run([sys.executable, "-m", "benchmarks.check", str(reference),
                           str(perfassess)], cwd=REPO, check=True, capture_output=True,
                          text=True)
    return Agreement(**json.loads(done.stdout))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
