"""The floor under a batch run: perfassess's own input and output work, and nothing else.

Run as ``python -m benchmarks.floor INPUT RATINGS_DIR OUT``. In one fresh process, like a
``perfassess score`` run, it does only what the output contract asks of any implementation
that is not allowed to skip it:
- start up and import what ``perfassess score`` imports;
- read the returns with perfassess's reader (Parquet, key columns as dictionaries);
- compute their logical hash (the manifest's ``inputs_logical_sha256``);
- write the ratings as ``ratings.csv`` and ``ratings.parquet`` with perfassess's writers, and
  hash both files, as the manifest does.

It does no validation, no pivot, no scoring and writes no summary: the ratings are those a
perfassess run already wrote to RATINGS_DIR (read back from its Parquet file). Timed beside
the DuckDB reference, it shows how close to the reference any engine inside this contract
could come. It checks that it wrote the very bytes, and computed the very hash, that the
run's manifest records, and exits 1 if not.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: python -m benchmarks.floor INPUT RATINGS_DIR OUT", file=sys.stderr)
        return 2
    for module in ("perfassess.cli", "perfassess.runner"):  # a `perfassess score` start-up
        importlib.import_module(module)
    import pyarrow.parquet as pq

    from perfassess.core.problems import Problems
    from perfassess.io.hashing import file_sha256, logical_hashes
    from perfassess.io.read import read_returns
    from perfassess.io.write import write_csv_and_parquet

    source, ratings_dir, out = Path(argv[0]), Path(argv[1]), Path(argv[2])
    problems = Problems()
    tables = read_returns([source], problems)
    _, logical = logical_hashes([t.table for t in tables])
    del tables
    ratings = _as_the_run_held_it(pq.read_table(ratings_dir / "ratings.parquet"))
    out.mkdir(parents=True, exist_ok=True)
    write_csv_and_parquet(ratings, out / "ratings.csv", out / "ratings.parquet")
    written = {name: file_sha256(out / name) for name in ("ratings.csv", "ratings.parquet")}

    manifest = json.loads((ratings_dir / "manifest.json").read_text(encoding="utf-8"))
    expected = {name: manifest["outputs"][name]["sha256"] for name in written}
    if written != expected or logical != manifest["inputs_logical_sha256"]:
        print("the floor did not redo the run's work: its outputs or hash differ from the "
              "run's manifest", file=sys.stderr)
        return 1
    return 0


def _as_the_run_held_it(table: pa.Table) -> pa.Table:
    """The ratings as the run passed them to the writers: one chunk a column (the Parquet
    writer cuts row groups at chunks) and labels as pandas hands them over, dictionaries of
    ``large_string`` (Parquet gives them back as ``string``)."""
    import pyarrow as pa

    fields = [pa.field(f.name, pa.dictionary(f.type.index_type, pa.large_string(),
                                             f.type.ordered))
              if pa.types.is_dictionary(f.type) and pa.types.is_string(f.type.value_type)
              else f for f in table.schema]
    return table.cast(pa.schema(fields)).combine_chunks()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
