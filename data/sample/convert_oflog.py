"""Convert Oflog adult social care data to perfassess's long input contract, deterministically.

Usage (from any directory)::

    python data/sample/convert_oflog.py [IN.csv OUT.csv]

With no arguments it converts the shipped real data,
``data/reference/oflog_asc_outcomes_2015_2019.csv``, to ``data/sample/oflog_asc_2015_2019.csv``.
Any file in Oflog's format works (any year): it needs the columns ``Financial year``,
``Local authority code``, ``Local authority name``, ``Code`` and ``Value``; other columns
(Oflog's own ``MEDIAN``, ``MADs_from_median`` ...) are left out, so the pack computes them.

Each value is copied exactly as written (no reformatting, so no precision is lost); a blank
``Value`` stays blank, which perfassess reads as "no return". Rows are sorted by authority
code, period and indicator; the output is UTF-8 with ``\\n`` line endings, so a rerun on the
same input writes byte-identical output.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_IN = REPO_ROOT / "data" / "reference" / "oflog_asc_outcomes_2015_2019.csv"
DEFAULT_OUT = REPO_ROOT / "data" / "sample" / "oflog_asc_2015_2019.csv"

# Oflog's column -> perfassess's long-contract column
COLUMNS = {
    "Local authority code": "authority_code",
    "Local authority name": "authority_name",
    "Financial year": "period",
    "Code": "indicator",
    "Value": "value",
}
LONG_COLUMNS = ["authority_code", "authority_name", "period", "indicator", "value"]


class ConversionError(Exception):
    """The input is not in Oflog's format."""


def convert(source: Path) -> pd.DataFrame:
    """The Oflog file as a long table, every cell text, sorted."""
    try:
        table = pd.read_csv(source, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        reason = str(exc).strip()
        raise ConversionError(f"{source}: cannot read it as a UTF-8 CSV file ({reason})") from None
    missing = [name for name in COLUMNS if name not in table.columns]
    if missing:
        raise ConversionError(f"{source}: not in Oflog's format: no column(s) "
                              f"{', '.join(repr(m) for m in missing)}")
    long = table[list(COLUMNS)].rename(columns=COLUMNS)[LONG_COLUMNS]
    long = long.apply(lambda column: column.str.strip())
    return long.sort_values(["authority_code", "period", "indicator"], kind="stable",
                            ignore_index=True)


def main(argv: list[str]) -> int:
    if len(argv) not in (0, 2):
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        print("usage: python data/sample/convert_oflog.py [IN.csv OUT.csv]", file=sys.stderr)
        return 2
    source, target = (Path(argv[0]), Path(argv[1])) if argv else (DEFAULT_IN, DEFAULT_OUT)
    try:
        long = convert(source)
    except ConversionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    long.to_csv(target, index=False, lineterminator="\n", encoding="utf-8")
    print(f"{target}: {len(long)} rows, {long['authority_code'].nunique()} authorities, "
          f"periods {', '.join(sorted(long['period'].unique()))}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
