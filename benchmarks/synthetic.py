"""Deterministic synthetic returns for any pack, made from its input declarations alone.

Each input gets values its declaration accepts: whole numbers or numbers within its min/max
(spread over a band step's cut points where the pack bands it, so every band is hit), labels
from its vocabulary, ``n/a`` where the pack allows it. Required inputs are always present;
an optional one is left out now and then. A new pack is benchmarked without new code.

Files are long Parquet (authority_code, period, indicator, value), written once to
``benchmarks/.data/`` with a JSON note of what they hold, and reused while that note matches.
The value column is float64 when every value is a number, else text (labels, ``n/a``, and
numbers written as text), as one Parquet column holds one type.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.checkout import DATA_DIR, REPO, child_env, use_checkout_source

GENERATOR_VERSION = 1  # bump when the generated data changes, so caches are remade
SEED = 20240607
NA_TOKEN = "n/a"
TAKE_ROWS = 8_000_000


@dataclass(frozen=True)
class DataSpec:
    """What to generate: a pack's returns for so many authorities and periods."""

    pack: str
    authorities: int
    periods: tuple[str, ...] = ()  # empty: every period the pack covers (see pack_periods)
    inputs: tuple[str, ...] = ()  # empty: every declared input
    missing: float = 0.02  # chance an optional input is not returned
    na: float = 0.10  # chance an input that allows n/a is returned as n/a

    @property
    def name(self) -> str:
        subset = "all" if not self.inputs else f"{len(self.inputs)}in"
        periods = "allp" if not self.periods else f"{len(self.periods)}p"
        return f"{self.pack}-{self.authorities}a-{periods}-{subset}-v{GENERATOR_VERSION}"


@dataclass(frozen=True)
class Dataset:
    """A generated file and the facts the suite reports about it."""

    path: str
    rows: int
    authorities: int
    periods: list[str]
    inputs: list[str]
    value_type: str  # "float64" or "string"
    arrow_bytes: int  # size of the table in memory as pyarrow reads it


def ensure(spec: DataSpec, folder: Path = DATA_DIR) -> Dataset:
    """The cached file for ``spec``, generating it first if it is missing or stale."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{spec.name}.parquet"
    note = folder / f"{spec.name}.json"
    wanted = {"spec": asdict(spec), "generator": GENERATOR_VERSION, "seed": SEED}
    if path.is_file() and note.is_file():
        saved = json.loads(note.read_text(encoding="utf-8"))
        if saved.get("made_from") == json.loads(json.dumps(wanted)):
            return Dataset(**saved["dataset"])
    dataset = _generate_in_child(spec, path)
    tmp = note.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"made_from": wanted, "dataset": asdict(dataset)}, indent=2,
                              sort_keys=True), encoding="utf-8")
    os.replace(tmp, note)
    return dataset


def pack_periods(first: str, last: str | None) -> list[str]:
    """Every period of a pack: its years first to last; an open-ended pack gets three years."""
    if first.isdigit() and (last is None or last.isdigit()):
        end = int(last) if last is not None else int(first) + 2
        return [str(year) for year in range(int(first), end + 1)]
    return [first] if last is None else [first, last]


def _seed(spec: DataSpec) -> int:
    # Each data set has its own stream, so one file never depends on which others were made.
    return SEED ^ zlib.crc32(spec.name.encode("utf-8"))


def _generate_in_child(spec: DataSpec, path: Path) -> Dataset:
    """Generate in a process of its own, so its memory is given back before anything is timed."""
    made = subprocess.run([sys.executable, "-m", "benchmarks.synthetic",
                           json.dumps(asdict(spec)), str(path)],
                          cwd=REPO, env=child_env(), check=True, capture_output=True, text=True)
    return Dataset(**json.loads(made.stdout))


def _generate(spec: DataSpec, path: Path) -> Dataset:
    use_checkout_source()
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from perfassess.packs import load_pack

    pack = load_pack(spec.pack).pack
    periods = list(spec.periods) or pack_periods(pack.periods.first, pack.periods.last)
    declared = {s.id: s for s in pack.inputs}
    unknown = [i for i in spec.inputs if i not in declared]
    if unknown:
        raise ValueError(f"{spec.pack} declares no input(s) {', '.join(unknown)}")
    chosen = [declared[i] for i in spec.inputs] if spec.inputs else list(pack.inputs)
    ranges = _band_ranges(pack.steps)
    rng = np.random.default_rng(_seed(spec))

    n_keys = spec.authorities * len(periods)
    k = len(chosen)
    present = np.ones((n_keys, k), dtype=bool)
    numbers = np.full((n_keys, k), np.nan)
    is_na = np.zeros((n_keys, k), dtype=bool)
    labels: dict[int, list[str]] = {}
    for j, item in enumerate(chosen):
        if not item.required:
            present[:, j] = rng.random(n_keys) >= spec.missing
        if item.na is not None and item.na.allowed:
            is_na[:, j] = present[:, j] & (rng.random(n_keys) < spec.na)
        if item.type == "label":
            assert item.vocabulary is not None
            labels[j] = list(pack.vocabularies[item.vocabulary])
            numbers[:, j] = rng.integers(0, len(labels[j]), n_keys)
        elif item.type == "integer":
            least = int(item.min) if item.min is not None else 0
            most = int(item.max) if item.max is not None else least + 50
            numbers[:, j] = rng.integers(least, most + 1, n_keys)
        else:  # number, or text (given a number, which text accepts)
            lo, hi = _number_range(item.min, item.max, ranges.get(item.id))
            numbers[:, j] = np.clip(np.round(rng.uniform(lo, hi, n_keys), 1), lo, hi)

    textual = bool(labels) or bool(is_na.any())
    if textual:
        columns = []
        for j in range(k):
            if j in labels:
                text = pc.take(pa.array(labels[j]), pa.array(numbers[:, j].astype(np.int64)))
            elif chosen[j].type == "integer":
                text = pc.cast(pa.array(numbers[:, j].astype(np.int64)), pa.string())
            else:
                text = pc.cast(pa.array(numbers[:, j]), pa.string())
            columns.append(pc.if_else(pa.array(is_na[:, j]), NA_TOKEN, text))
        by_input = pa.concat_arrays([c.combine_chunks() if isinstance(c, pa.ChunkedArray)
                                     else c for c in columns])
    # Rows in authority, period, input order; position of (key i, input j) when input-major.
    flat = np.flatnonzero(present.reshape(-1))
    key_of_row = flat // k
    input_of_row = flat % k
    del present, is_na

    one_code = pc.binary_join_element_wise(
        "A", pc.utf8_lpad(pc.cast(pa.array(np.arange(1, spec.authorities + 1)), pa.string()),
                          7, "0"), "")
    codes = _take(one_code, key_of_row // len(periods))
    period_col = _take(pa.array(periods), key_of_row % len(periods))
    indicator = _take(pa.array([c.id for c in chosen]), input_of_row)
    if textual:
        value = _take(by_input, input_of_row * n_keys + key_of_row)
    else:
        value = pa.array(numbers.reshape(-1)[flat])
    del numbers, flat
    table = pa.table({"authority_code": codes, "period": period_col, "indicator": indicator,
                      "value": value})
    tmp = path.with_suffix(".parquet.tmp")
    pq.write_table(table, tmp)
    del table, codes, period_col, indicator, value
    os.replace(tmp, path)
    read_back = pq.read_table(path)
    dataset = Dataset(path=str(path), rows=read_back.num_rows, authorities=spec.authorities,
                      periods=periods, inputs=[c.id for c in chosen],
                      value_type=str(read_back.schema.field("value").type)
                      .replace("double", "float64"),
                      arrow_bytes=int(read_back.nbytes))
    return dataset


def _take(values: Any, rows: np.ndarray) -> Any:
    """``values[rows]`` in chunks of TAKE_ROWS: one Arrow string array holds at most 2 GiB
    of text, which 88M indicator names would pass."""
    import pyarrow as pa
    import pyarrow.compute as pc

    return pa.chunked_array([pc.take(values, pa.array(rows[i:i + TAKE_ROWS]))
                             for i in range(0, max(len(rows), 1), TAKE_ROWS)])


def _band_ranges(steps: list[Any]) -> dict[str, tuple[float, float]]:
    """For each input a band step reads directly: a span a little wider than its cut points."""
    out: dict[str, tuple[float, float]] = {}
    for step in steps:
        if getattr(step, "kind", None) == "band" and step.input not in out:
            cuts = [float(c) for c in step.cuts]
            margin = max((cuts[-1] - cuts[0]) / 4, abs(cuts[0]) / 10, 1.0)
            out[step.input] = (cuts[0] - margin, cuts[-1] + margin)
    return out


def _number_range(lo: float | None, hi: float | None,
                  banded: tuple[float, float] | None) -> tuple[float, float]:
    start, end = banded if banded is not None else (
        lo if lo is not None else 0.0, hi if hi is not None else (lo or 0.0) + 100.0)
    if lo is not None:
        start = max(start, lo)
    if hi is not None:
        end = min(end, hi)
    return start, max(end, start)


def main(argv: list[str]) -> int:
    """``python -m benchmarks.synthetic SPEC_JSON PATH``: generate one file, print its facts."""
    fields = json.loads(argv[0])
    spec = DataSpec(pack=str(fields["pack"]), authorities=int(fields["authorities"]),
                    periods=tuple(fields["periods"]), inputs=tuple(fields["inputs"]),
                    missing=float(fields["missing"]), na=float(fields["na"]))
    print(json.dumps(asdict(_generate(spec, Path(argv[1])))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
