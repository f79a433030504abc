"""The area report's context: one plain dict per authority and period, for any template."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from perfassess.engine.fields import format_values
from perfassess.report.change import previous_ratings
from perfassess.report.data import RunData
from perfassess.report.facts import UNCERTAIN, PackFacts, number, ordinal, pack_summary
from perfassess.report.names import file_names
from perfassess.spec.pack import BandStep

QUANTILES = (0.0, 0.25, 0.5, 0.75, 1.0)


@dataclass
class Layout:
    """Where each report goes inside a pack folder, and the links between them."""

    periods: dict[str, str]  # period -> folder name
    areas: dict[str, str]  # authority code -> file stem

    @classmethod
    def of(cls, ratings: pd.DataFrame) -> Layout:
        return cls(file_names(ratings["period"].astype(str)),
                   file_names(ratings["authority_code"].astype(str)))

    def area(self, period: str, code: str, ext: str) -> str:
        """Path of an area report, relative to the pack folder."""
        return f"{self.periods[period]}/areas/{self.areas[code]}.{ext}"

    def summary(self, period: str, ext: str) -> str:
        return f"{self.periods[period]}/index.{ext}"


@dataclass
class Tables:
    """Whole-column preparation shared by every report of one run (no loop per authority)."""

    ratings: pd.DataFrame
    previous: pd.DataFrame
    trace_rows: dict[tuple[str, str], np.ndarray]
    trace: dict[str, np.ndarray]
    inputs: dict[str, dict[str, np.ndarray]]  # input id -> value/text/na/pct/n
    quantiles: dict[tuple[str, str], tuple[float, ...]]  # (input, period) -> min..max
    notes: dict[tuple[str, str], dict[str, str]]  # (code, period) -> indicator -> note


def prepare_tables(data: RunData, facts: PackFacts) -> Tables:
    ratings = data.ratings.reset_index(drop=True)
    previous = previous_ratings(ratings, facts.scale.labels).reset_index(drop=True)
    trace = data.trace
    groups: dict[tuple[str, str], np.ndarray] = {}
    if len(trace):
        for key, rows in trace.groupby(["authority_code", "period"], sort=False).indices.items():
            groups[(str(key[0]), str(key[1]))] = np.asarray(rows)  # type: ignore[index]
    trace_cols = {c: trace[c].to_numpy(dtype=object) for c in (
        "step", "field", "value", "rule_id", "status", "reason")}
    trace_cols["seq"] = trace["seq"].to_numpy() if len(trace) else np.array([], dtype=int)
    inputs: dict[str, dict[str, np.ndarray]] = {}
    quantiles: dict[tuple[str, str], tuple[float, ...]] = {}
    if data.inputs is not None and data.na is not None:
        periods = ratings["period"].astype(str)
        numeric = [s.id for s in facts.pack.inputs if s.type in ("number", "integer")]
        frame = data.inputs[numeric] if numeric else pd.DataFrame(index=ratings.index)
        ranks = frame.groupby(periods).rank(method="average")
        counts = frame.notna().groupby(periods).transform("sum")
        pct = (ranks - 0.5) / counts * 100.0
        if numeric:
            q = frame.groupby(periods).quantile(np.asarray(QUANTILES))
            for period, row in q.groupby(level=0):
                for input_id in numeric:
                    spread = tuple(float(v) for v in row[input_id].to_numpy())
                    if not any(math.isnan(v) for v in spread):
                        quantiles[(input_id, str(period))] = spread
        for spec in facts.pack.inputs:
            values = data.inputs[spec.id].to_numpy(dtype=np.float64)
            ftype = facts.loaded.plan.input_types[spec.id]
            entry: dict[str, np.ndarray] = {"value": values, "text": format_values(values, ftype),
                     "na": data.na[spec.id].to_numpy(dtype=bool)}
            if spec.id in pct:
                entry["pct"] = pct[spec.id].to_numpy(dtype=np.float64)
                entry["n"] = counts[spec.id].to_numpy(dtype=np.float64)
            inputs[spec.id] = entry
    notes: dict[tuple[str, str], dict[str, str]] = {}
    for code, period, indicator, note in data.notes[
            ["authority_code", "period", "indicator", "note"]].itertuples(index=False):
        notes.setdefault((str(code), str(period)), {})[str(indicator)] = str(note)
    return Tables(ratings, previous, groups, trace_cols, inputs, quantiles, notes)


def area_contexts(data: RunData, facts: PackFacts, tables: Tables, layout: Layout,
                  only: set[tuple[str, str]] | None = None) -> Iterator[dict[str, Any]]:
    """One context per authority and period, in ratings order (``only`` some, if given)."""
    pack = pack_summary(facts)
    warnings = _warnings_by_value(data)
    ratings = tables.ratings
    columns = {c: ratings[c].to_numpy(dtype=object) for c in ratings.columns}
    prev = {c: tables.previous[c].to_numpy(dtype=object) for c in tables.previous.columns}
    for i in range(len(ratings)):
        code = str(columns["authority_code"][i])
        period = str(columns["period"][i])
        if only is not None and (code, period) not in only:
            continue
        row = {c: columns[c][i] for c in columns}
        yield _area(facts, tables, layout, pack, i, code, period, row,
                    {c: prev[c][i] for c in prev}, warnings, data.inputs is not None)


def _area(facts: PackFacts, tables: Tables, layout: Layout, pack: dict[str, Any], i: int,
          code: str, period: str, row: dict[str, Any], prev: dict[str, Any],
          warnings: dict[str, list[str]], have_inputs: bool) -> dict[str, Any]:
    steps = _steps(facts, tables, (code, period))
    last = {s["field"]: s for s in steps if not s["rule_id"] or "/" not in s["rule_id"]
            or facts.kinds.get(s["step"]) == "decide"}
    rating = _rating(facts, row, last.get(facts.pack.rating.field))
    inputs = _inputs(facts, tables, i, code, period, last) if have_inputs else []
    here = f"{layout.periods[period]}/areas"
    previous = None
    if prev["previous_period"] is not None:
        change = prev["change"]
        previous = {
            "period": str(prev["previous_period"]), "rating": str(prev["previous_rating"]),
            "change": number(change) if change is not None else "",
            "direction": ("up" if change and change > 0 else "down" if change and change < 0
                          else "same"),
            "href": _rel(here, layout.area(str(prev["previous_period"]), code, "html")),
            "href_md": _rel(here, layout.area(str(prev["previous_period"]), code, "md")),
        }
    return {
        "pack": pack,
        "authority": {"code": code, "name": str(row["authority_name"] or "")},
        "period": period,
        "rating": rating,
        "previous": previous,
        "next_band": _next_band(facts, last, rating),
        "outputs": _outputs(facts, row, last),
        "inputs": inputs,
        "have_inputs": have_inputs,
        "domains": _domains(facts, inputs),
        "band_status": _shared_status([r["band"]["status"] for r in inputs if r["band"]]),
        "limits": _limits(facts, steps, last),
        "decisions": [s for s in steps if s["kind"] == "decide"],
        "flags": [r for r in inputs if r["id"] in facts.flags],
        "quality": _quality(facts, tables, i, code, period, row, steps, inputs, warnings,
                            have_inputs),
        "steps": steps,
        "links": {
            "style": "../../style.css",
            "summary": "../index.html", "summary_md": "../index.md",
            "index": "../../../index.html", "index_md": "../../../index.md",
            "html": f"{layout.areas[code]}.html", "md": f"{layout.areas[code]}.md",
        },
    }


def _rel(here: str, target: str) -> str:
    """A link from folder ``here`` to ``target`` (both relative to the pack folder)."""
    depth = here.count("/") + 1
    return "../" * depth + target


def _steps(facts: PackFacts, tables: Tables, key: tuple[str, str]) -> list[dict[str, Any]]:
    """The trace of one authority and period, step by step, values spelt for people."""
    rows = tables.trace_rows.get(key)
    if rows is None:
        return []
    t = tables.trace
    out = []
    for j in rows:
        step = str(t["step"][j])
        field = str(t["field"][j])
        rule_id = str(t["rule_id"][j])
        own = facts.rule_status.get(rule_id) or facts.rule_status.get(step, "")
        out.append({
            "seq": int(t["seq"][j]), "step": step, "kind": facts.kinds.get(step, "input"),
            "title": facts.step_titles.get(step, ""), "field": field,
            "value": _spell(facts, field, str(t["value"][j])), "rule_id": rule_id,
            "rule": rule_id.split("/", 1)[1] if "/" in rule_id else "",
            "status": str(t["status"][j]), "rule_status": own,
            "reason": str(t["reason"][j]),
        })
    return out


def _spell(facts: PackFacts, field: str, value: str) -> str:
    ftype = facts.field_type(field)
    if ftype is not None and ftype.kind == "number" and value:
        try:
            return number(float(value))
        except ValueError:
            return value
    return value


def _rating(facts: PackFacts, row: dict[str, Any], traced: dict[str, Any] | None
            ) -> dict[str, Any]:
    label = row["rating"]
    rated = label is not None and not (isinstance(label, float) and math.isnan(label))
    text = (str(label) if facts.scale.labels else _spell(facts, facts.pack.rating.field,
                                                         str(label))) if rated else ""
    scale = facts.scale
    return {
        "rated": rated, "label": text, "status": str(row["rating_status"] or ""),
        "uncertain": str(row["rating_status"] or "") in UNCERTAIN,
        "note": str(row["rating_note"] or ""),
        "meaning": facts.pack.rating.meaning.get(text, "") if rated else "",
        "stars": scale.stars.get(text) if rated and scale.stars else None,
        "max_stars": scale.max_stars if scale.stars else None,
        "position": scale.position(text) if rated else None,
        "labels": scale.labels or [],
        "decided_by": traced["rule_id"] if traced else "",
        "decided_status": traced["rule_status"] if traced else "",
        "reason": traced["reason"] if traced else "",
    }


def _outputs(facts: PackFacts, row: dict[str, Any], last: dict[str, dict[str, Any]]
             ) -> list[dict[str, Any]]:
    out = []
    rating_field = facts.pack.rating.field
    for name in facts.pack.outputs:
        if name == rating_field:
            continue
        value = row.get(name)
        missing = value is None or (isinstance(value, float) and math.isnan(value)) or (
            value is pd.NA)
        if missing:
            text = ""
        elif isinstance(value, (float, np.floating)):
            text = number(float(value))
        else:
            text = str(value)
        traced = last.get(name)
        status = traced["status"] if traced else "documented"
        out.append({"id": name, "title": facts.titles.get(name, ""), "value": text,
                    "status": status, "uncertain": status in UNCERTAIN})
    return out


def _band_blobs(step: BandStep, facts: PackFacts, label: str) -> dict[str, Any]:
    ftype = facts.field_type(step.output)
    if ftype is not None and ftype.vocabulary:
        scale = list(ftype.vocabulary)
    else:
        scale = sorted({number(float(x)) for x in (step.labels or [])},
                       key=lambda s: float(s))
    position = scale.index(label) if label in scale else None
    return {"labels": scale, "position": position, "of": len(scale)}


def _inputs(facts: PackFacts, tables: Tables, i: int, code: str, period: str,
            last: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    notes = tables.notes.get((code, period), {})
    out = []
    for spec in facts.pack.inputs:
        entry = tables.inputs[spec.id]
        value = float(entry["value"][i])
        na = bool(entry["na"][i])
        present = not math.isnan(value)
        band_step = facts.bands.get(spec.id)
        shown = present or na or spec.required or spec.domain is not None or (
            band_step is not None) or spec.id in notes
        if not shown:
            continue
        band = None
        if band_step is not None and band_step.output in last and present:
            traced = last[band_step.output]
            band = {"label": traced["value"], "status": traced["status"],
                    "uncertain": traced["status"] in UNCERTAIN, "reason": traced["reason"],
                    "step": band_step.id, **_band_blobs(band_step, facts, traced["value"])}
        distribution = None
        q = tables.quantiles.get((spec.id, period))
        if present and q is not None and "pct" in entry and entry["n"][i] >= 2:
            pct = float(entry["pct"][i])
            lo, hi = q[0], q[-1]

            def x(v: float, lo: float = lo, hi: float = hi) -> float:
                return round(2 + 100 * (v - lo) / (hi - lo), 1) if hi > lo else 52.0

            whole = math.floor(pct + 0.5)  # half up, as people round
            distribution = {
                "percentile": whole, "percentile_text": ordinal(whole),
                "n": int(entry["n"][i]),
                "min": number(q[0]), "q1": number(q[1]), "median": number(q[2]),
                "q3": number(q[3]), "max": number(q[4]),
                "x": x(value), "x_q1": x(q[1]), "x_median": x(q[2]), "x_q3": x(q[3]),
                "comparator": None,
            }
        out.append({
            "id": spec.id, "title": spec.title, "unit": spec.unit or "",
            "domain": spec.domain or "", "polarity": spec.polarity,
            "required": spec.required, "present": present, "na": na,
            "na_means": spec.na.means if (na and spec.na) else "",
            "value": str(entry["text"][i]) if present else "",
            "note": notes.get(spec.id, ""), "band": band, "distribution": distribution,
        })
    return out


def _shared_status(statuses: list[str]) -> str:
    """The status every band shares, when it is an uncertain one (badged once, not per row)."""
    unique = set(statuses)
    return unique.pop() if len(unique) == 1 and statuses[0] in UNCERTAIN else ""


def _domains(facts: PackFacts, inputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for domain in facts.domains:
        rows = [r for r in inputs if r["domain"] == domain]
        counts: dict[str, int] = {}
        for r in rows:
            if r["band"] is not None:
                counts[r["band"]["label"]] = counts.get(r["band"]["label"], 0) + 1
        labels: list[str] = next(
            (r["band"]["labels"] for r in rows if r["band"] is not None), [])
        out.append({"name": domain, "inputs": rows,
                    "band_counts": [{"label": lb, "count": counts.get(lb, 0)}
                                    for lb in labels]})
    return out


def _limits(facts: PackFacts, steps: list[dict[str, Any]],
            last: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for step_id, step in facts.limits.items():
        caps = []
        for s in steps:
            if s["step"] != step_id or "/" not in s["rule_id"]:
                continue
            kind = s["reason"].split(":", 1)[0]
            caps.append({"rule_id": s["rule_id"], "cap": s["rule"], "kind": kind,
                         "bound": s["value"], "reason": s["reason"].split(": ", 1)[-1],
                         "status": s["status"], "uncertain": s["status"] in UNCERTAIN})
        result = last.get(step.output)
        if result is None and not caps:
            continue
        outcome = str(result["reason"]) if result is not None else ""
        fired = [c for c in caps if c["kind"] == "fired"]
        if fired and not outcome.startswith("capped from"):
            outcome = "a cap fired, but the value was already within it"
        out.append({
            "step": step_id, "title": step.title or "", "input": step.input,
            "field": step.output, "value": result["value"] if result else "",
            "status": result["status"] if result else "",
            "uncertain": result is not None and result["status"] in UNCERTAIN,
            "changed": outcome.startswith("capped from"), "outcome": outcome,
            "caps": caps,
            "fired": fired,
        })
    return out


def _next_band(facts: PackFacts, last: dict[str, dict[str, Any]],
               rating: dict[str, Any]) -> dict[str, Any] | None:
    """How far the rating's banded value is from the band above and below it."""
    step = facts.rating_band
    if step is None or not rating["rated"] or step.input not in last:
        return None
    try:
        value = float(last[step.input]["value"])
    except ValueError:
        return None
    ftype = facts.field_type(step.output)
    if step.labels is not None:
        labels = [str(x) if isinstance(x, str) else number(float(x)) for x in step.labels]
    else:
        assert ftype is not None and ftype.vocabulary is not None
        labels = list(ftype.vocabulary)
        if step.polarity == "lower":
            labels.reverse()
    cuts = step.cuts
    side = "right" if step.closed == "left" else "left"  # as the band step searches
    idx = int(np.searchsorted(np.asarray(cuts), np.float64(value),
                              side="right" if side == "right" else "left"))
    here = facts.scale.position(labels[idx])
    neighbours = []
    for j, cut, towards in ((idx + 1, idx, "above"), (idx - 1, idx - 1, "below")):
        if 0 <= j < len(labels) and 0 <= cut < len(cuts):
            there = facts.scale.position(labels[j])
            # closed "left" bands are [lo, hi): a value reaches the band above at the cut.
            reach_up = step.closed == "left"
            if towards == "above":
                where = f"{number(cuts[cut])} or more" if reach_up else \
                    f"more than {number(cuts[cut])}"
            else:
                where = f"below {number(cuts[cut])}" if reach_up else \
                    f"{number(cuts[cut])} or less"
            neighbours.append({
                "label": labels[j], "cut": number(cuts[cut]), "towards": towards,
                "where": where, "distance": number(abs(cuts[cut] - value)),
                "better": there is not None and here is not None and there > here,
            })
    source = facts.rating_band_source
    return {
        "field": step.input, "value": number(value), "label": labels[idx],
        "source_field": source or "",
        "source_value": last[source]["value"] if source and source in last else "",
        "neighbours": neighbours, "step": step.id,
    }


def _quality(facts: PackFacts, tables: Tables, i: int, code: str, period: str,
             row: dict[str, Any], steps: list[dict[str, Any]], inputs: list[dict[str, Any]],
             warnings: dict[str, list[str]], have_inputs: bool) -> list[str]:
    notes: list[str] = []
    if row["rating_note"]:
        notes.append(str(row["rating_note"]))
    if not have_inputs:
        notes.append("Input values are not kept in a run folder: score the returns again "
                     "(perfassess explain --pack … --input …) to see them.")
    else:
        missing = [r["id"] for r in inputs if not r["present"] and not r["na"]]
        if missing:
            notes.append(f"No return for {', '.join(missing)}.")
        shown = {r["id"] for r in inputs}
        others = [s for s in facts.pack.inputs if s.id not in shown]
        for spec in others:
            if spec.missing_means:
                notes.append(f"No return for {spec.id}: {spec.missing_means}.")
        others = [s for s in others if not s.missing_means]
        if others:
            notes.append(f"{len(others)} optional input(s) not returned "
                         f"(none of them is required).")
        for r in inputs:
            if r["na"]:
                notes.append(f"{r['id']} returned as n/a: {r['na_means']}.")
    for s in steps:
        if s["reason"].startswith("not evaluated"):
            notes.append(f"{s['rule_id']}: {s['reason']}.")
    if not steps:
        notes.append("No trace was kept for this run: the steps cannot be shown.")
    notes.extend(warnings.get(code, []))
    notes.extend(warnings.get(f"period:{period}", []))
    return notes


def _warnings_by_value(data: RunData) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in data.warnings:
        if p.code == "W-PERIOD-OUTSIDE" and p.value is not None:
            out.setdefault(f"period:{p.value}", []).append(f"{p.code}: {p.message}")
        elif p.code == "W-UNKNOWN-AUTHORITY" and p.value is not None:
            out.setdefault(str(p.value), []).append(f"{p.code}: {p.message}")
    return out
