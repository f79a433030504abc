"""The suite's printed table, its verdict on the issue's targets, and results.json."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata
from typing import Any

from benchmarks.checkout import use_checkout_source
from benchmarks.scenarios import (
    BATCH_PACKS,
    PUBLISHED,
    PUBLISHED_MODES,
    SENSITIVITY_DRAWS,
    TRACE_AUTHORITIES,
    size_label,
)

SCHEMA_VERSION = 1
BIG_CQC = "scale/cqc-la-2024/2e6"
BIG_FLOOR = "floor/cqc-la-2024/2e6"
BIG_CPA = "scale/cpa-2005/2e6"
PEAK_CQC_MIB = 1.6 * 1024  # issue 15: no more than the 1.6 GB the 2e6 cqc run took before

COLUMNS = (
    ("scenario", "scenario", "<"),
    ("input rows", "input_rows", ">"),
    ("wall s", "wall_s", ">"),
    ("cpu s", "cpu_s", ">"),
    ("rows/s", "rows_per_s", ">"),
    ("peak MiB", "peak_rss_mib", ">"),
    ("peak/arrow", "peak_over_arrow", ">"),
    ("x DuckDB", "duckdb_ratio", ">"),
    ("x DuckDB cpu", "duckdb_cpu_ratio", ">"),
    ("status", "status", "<"),
)


def number(value: float | None, digits: int) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def _cell(key: str, row: dict[str, Any]) -> str:
    value = row.get(key)
    if key in ("scenario", "status"):
        return str(value)
    if key in ("input_rows", "rows_per_s", "peak_rss_mib"):
        return number(value, 0)
    if key in ("peak_over_arrow", "duckdb_ratio", "duckdb_cpu_ratio"):
        return "-" if value is None else f"{value:.1f}x"
    return number(value, 3 if value is not None and value < 10 else 1)


def table(rows: list[dict[str, Any]]) -> str:
    """A plain-text table, one line per scenario, then every reference check."""
    cells = [[title for title, _, _ in COLUMNS]]
    cells += [[_cell(key, row) for _, key, _ in COLUMNS] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    lines = []
    for n, line in enumerate(cells):
        lines.append("  ".join(text.ljust(w) if align == "<" else text.rjust(w)
                               for text, w, (_, _, align) in zip(line, widths, COLUMNS,
                                                                 strict=True)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    checks = [f"  {row['scenario']}: {row['check']}" for row in rows
              if row["kind"] in ("duckdb", "polars") and row.get("check")]
    if checks:
        lines += ["", "References (DuckDB, Polars) against perfassess:", *checks]
    return "\n".join(lines)


def targets(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's targets, each with what was measured and whether it was met."""
    by = {row["scenario"]: row for row in rows}
    out = []
    big = by.get(BIG_CQC)
    reference = by.get("duckdb/cqc-la-2024/2e6")
    if big is not None and reference is not None:
        ratio = big.get("duckdb_ratio")
        note = None
        if ratio is None and big["wall_s"] and reference["wall_s"]:
            ratio_floor = big["wall_s"] / reference["wall_s"]
            note = (f"perfassess {big['status']} after {big['wall_s']:.0f} s: more than "
                    f"{ratio_floor:.1f}x DuckDB's {reference['wall_s']:.1f} s")
        floor = by.get(BIG_FLOOR)
        if floor is not None and floor.get("duckdb_ratio") is not None:
            note = "; ".join(filter(None, [note, (
                f"{BIG_FLOOR} (only start-up, reading, the logical hash and writing the two "
                f"ratings files) is {floor['duckdb_ratio']:.1f}x")]))
        polars = by.get("polars/cqc-la-2024/2e6")
        if polars is not None and polars.get("duckdb_ratio") is not None:
            note = "; ".join(filter(None, [note, (
                f"the same query in Polars (no validation, hash or CSV) is "
                f"{polars['duckdb_ratio']:.1f}x")]))
        out.append(_target(f"{BIG_CQC}: wall time as a multiple of DuckDB's", ratio, 1.5,
                           big, note, big.get("duckdb_cpu_ratio")))
    cpa = by.get(BIG_CPA)
    if cpa is not None and by.get("duckdb/cpa-2005/2e6") is not None:
        out.append(_target(f"{BIG_CPA}: wall time as a multiple of DuckDB's",
                           cpa.get("duckdb_ratio"), 1.5, cpa, None, cpa.get("duckdb_cpu_ratio")))
    if big is not None:
        ok = big["status"] == "ok"
        out.append(_target(f"{BIG_CQC}: peak MiB", big["peak_rss_mib"] if ok else None,
                           PEAK_CQC_MIB, big))
    one, ten = by.get("scale/cqc-la-2024/1e6"), by.get("scale/cqc-la-2024/1e7")
    if one is not None and ten is not None:
        both = one["status"] == ten["status"] == "ok"
        out.append(_target("scale/cqc-la-2024/1e7: wall time as a multiple of 1e6's (linear: "
                           "10)", ten["wall_s"] / one["wall_s"] if both else None, 10.0, ten))
    label = size_label(TRACE_AUTHORITIES)
    none, full = (by.get(f"trace/cqc-la-2024/{label}/{mode}") for mode in ("none", "full"))
    if none is not None and full is not None:
        both = none["status"] == full["status"] == "ok"
        out.append(_target(f"trace/cqc-la-2024/{label}: --trace full as a multiple of none",
                           full["wall_s"] / none["wall_s"] if both else None, 3.0, full))
    if big is not None:
        multiple = big.get("peak_over_arrow")
        note = None
        if big["status"] != "ok":
            note = (f"perfassess {big['status']}: stopped at {big['peak_rss_mib'] or 0:.0f} "
                    f"MiB, {multiple or 0:.1f}x the input's Arrow size "
                    f"({big['input_arrow_mib']:.0f} MiB)")
            multiple = None
        out.append(_target(f"{BIG_CQC}: peak memory as a multiple of the input's Arrow size",
                           multiple, 3.0, big, note))
    sample, imports = by.get("sample/default-run"), by.get("startup/import-score")
    if sample is not None and imports is not None:
        both = sample["status"] == imports["status"] == "ok"
        beyond = sample["wall_s"] - imports["wall_s"] if both else None
        beyond_cpu = (sample["cpu_s"] - imports["cpu_s"]
                      if both and sample["cpu_s"] is not None and imports["cpu_s"] is not None
                      else None)
        out.append(_target("sample/default-run: seconds beyond start-up and imports "
                           "(minus startup/import-score)", beyond, 1.0, sample, None,
                           beyond_cpu))
    if sample is not None:
        ok = sample["status"] == "ok"
        out.append(_target("sample/default-run (issue 18): seconds",
                           sample["wall_s"] if ok else None, 4.0, sample, None,
                           sample["cpu_s"] if ok else None))
    bare = by.get("sample/no-report")
    if sample is not None and bare is not None:
        both = sample["status"] == bare["status"] == "ok" and bool(sample.get("area_pages"))
        per_page = ((sample["cpu_s"] - bare["cpu_s"]) * 1000 / sample["area_pages"]
                    if both and sample["cpu_s"] is not None and bare["cpu_s"] is not None
                    else None)
        pages = sample.get("area_pages") or 0
        # Judged on CPU time, as the issue says: what rendering costs, not how it is spread.
        out.append(_target(f"sample/default-run (issue 18): CPU ms of reports per area page "
                           f"(minus sample/no-report, over its {pages:,} area pages; national "
                           "pages, index and files included)", per_page, 0.4, sample))
    if imports is not None:
        ok = imports["status"] == "ok"
        out.append(_target("startup/import-score: seconds", imports["wall_s"] if ok else None,
                           0.4, imports, None, imports["cpu_s"] if ok else None))
        for pack in BATCH_PACKS:
            batch = by.get(f"batch/{pack}")
            if batch is None:
                continue
            both = batch["status"] == imports["status"] == "ok"
            out.append(_target(f"batch/{pack}: seconds beyond start-up",
                               batch["wall_s"] - imports["wall_s"] if both else None, 0.5,
                               batch))
    out += _published_targets(by, imports)
    few, many = (by.get(f"sensitivity/ss-stars-2002/{n}") for n in SENSITIVITY_DRAWS)
    if few is not None:
        ok = few["status"] == "ok"
        out.append(_target(f"{few['scenario']} (issue 8): seconds", few["wall_s"] if ok else None,
                           10.0, few, None, few["cpu_s"] if ok else None))
    if few is not None and many is not None:
        both = few["status"] == many["status"] == "ok"
        growth = many["peak_rss_mib"] / few["peak_rss_mib"] if both else None
        out.append(_target(f"{many['scenario']} (issue 8): peak memory as a multiple of "
                           f"{few['scenario']}'s (bounded by the chunk, not the draws)",
                           growth, 1.25, many))
    help_row = by.get("cli/help")
    if help_row is not None:
        ok = help_row["status"] == "ok"
        out.append(_target("cli/help: seconds", help_row["wall_s"] if ok else None, 0.1,
                           help_row, None, help_row["cpu_s"] if ok else None))
    return out


def _published_targets(by: dict[str, dict[str, Any]], imports: dict[str, Any] | None
                       ) -> list[dict[str, Any]]:
    """Issue 16: CMS's whole file: rules check < 1 s, a run without reports or trace within
    1 s beyond start-up, the full run (trace and every report) within 15 s."""
    out = []
    for pack in PUBLISHED:
        check, batch, full = (by.get(f"published/{pack}/{m}") for m in PUBLISHED_MODES)
        if check is not None:
            ok = check["status"] == "ok"
            out.append(_target(f"{check['scenario']}: seconds", check["wall_s"] if ok else None,
                               1.0, check, None, check["cpu_s"] if ok else None))
        if batch is not None and imports is not None:
            both = batch["status"] == imports["status"] == "ok"
            out.append(_target(f"{batch['scenario']}: seconds beyond start-up",
                               batch["wall_s"] - imports["wall_s"] if both else None, 1.0,
                               batch))
        if full is not None:
            ok = full["status"] == "ok"
            out.append(_target(f"{full['scenario']}: seconds", full["wall_s"] if ok else None,
                               15.0, full, None, full["cpu_s"] if ok else None))
    return out


def _target(what: str, measured: float | None, limit: float, row: dict[str, Any],
            note: str | None = None, cpu: float | None = None) -> dict[str, Any]:
    """Judged on wall time, as the issue says; the same figure from CPU time rides along,
    for a machine that was busy with other work."""
    return {"target": what, "measured": measured, "measured_cpu": cpu, "under": limit,
            "met": measured is not None and measured < limit,
            "note": note if note is not None else (None if measured is not None
                                                    else f"not measured: {row['status']}")}


def targets_text(items: list[dict[str, Any]]) -> str:
    lines = ["Targets (issues 8, 15, 16 and 18):"]
    for item in items:
        verdict = "met" if item["met"] else "NOT met"
        value = "-" if item["measured"] is None else f"{item['measured']:.2f}"
        line = f"  {verdict:7} {item['target']}: {value} (target under {item['under']:g})"
        if item["measured_cpu"] is not None:
            line += f"; from CPU time {item['measured_cpu']:.2f}"
        if item["note"]:
            line += f"; {item['note']}"
        lines.append(line)
    return "\n".join(lines)


def load_average() -> list[float]:
    """The machine's 1, 5 and 15 minute load: other work on it slows every wall time."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def machine() -> dict[str, Any]:
    """Facts about where the figures were measured (no time of day: results are diffable)."""
    def version(package: str) -> str | None:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return None

    use_checkout_source()
    import perfassess

    memory = None
    if hasattr(os, "sysconf") and "SC_PHYS_PAGES" in os.sysconf_names:
        memory = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    return {
        "cpu_count": os.cpu_count(),
        "memory_gib": memory,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "implementation": sys.implementation.name,
        "versions": {"perfassess": perfassess.__version__} | {
            p: version(p) for p in ("numpy", "pandas", "pyarrow", "duckdb", "pydantic")},
    }


def document(which: str, rows: list[dict[str, Any]], flags: list[str], timeout_s: float,
             memory_limit_gib: float, generation_s: float, total_s: float,
             load_average: dict[str, list[float]]) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "set": which,
        "machine": machine(),
        "batch_flags": flags,
        "limits": {"timeout_s": timeout_s, "memory_limit_gib": memory_limit_gib},
        "scenarios": rows,
        "targets": targets(rows),
        "data_generation_s": generation_s,
        "load_average": load_average,
        "total_wall_s": total_s,
    }
