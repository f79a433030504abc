"""The area report's context: one plain dict per authority and period, for any template.

``report.tables.prepare_tables`` does the whole-column work once per pack; the
``AreaBuilder`` here only picks each authority's pieces out of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, overload

import numpy as np
import pandas as pd
from markupsafe import Markup

from perfassess.core.people import listing
from perfassess.engine.dataflow import reads
from perfassess.engine.steps.limit import CAP_OUTCOMES, cap_words
from perfassess.io.names import safe_filenames
from perfassess.report import svg
from perfassess.report.data import RunData
from perfassess.report.environment import markdown_cell
from perfassess.report.facts import (
    UNCERTAIN,
    PackFacts,
    long_date,
    number,
    ordinal,
    pack_summary,
    signed,
)
from perfassess.report.input_rows import input_rows
from perfassess.report.outputs import OutputRows, by_title
from perfassess.report.record import Record
from perfassess.report.similar import prepare_similar
from perfassess.report.solidity import area_record
from perfassess.report.tables import Slices, Tables, number_text, prepare_tables
from perfassess.report.trend import prepare_trends
from perfassess.report.words import score_bands
from perfassess.spec.pack import BandStep, InputSpec

__all__ = ["AreaBuilder", "Layout", "Tables", "area_contexts", "prepare_tables"]
ORDINALS = [ordinal(k) for k in range(101)]
STEP_KEYS = ("seq", "step", "kind", "title", "field", "value", "rule_id", "rule", "status",
             "rule_status", "reason", "outcome")
POLARITY = {"higher": "; higher is better", "lower": "; lower is better",
            "range": "; best within a range"}


@dataclass
class Layout:
    """Where each report goes inside a pack folder, and the links between them."""

    periods: dict[str, str]  # period -> folder name
    areas: dict[str, str]  # authority code -> file stem

    @classmethod
    def of(cls, ratings: pd.DataFrame) -> Layout:
        return cls(safe_filenames(ratings["period"].astype(str)),
                   safe_filenames(ratings["authority_code"].astype(str)))

    def area(self, period: str, code: str, ext: str) -> str:
        """Path of an area report, relative to the pack folder."""
        return f"{self.periods[period]}/areas/{self.areas[code]}.{ext}"

    def summary(self, period: str, ext: str) -> str:
        return f"{self.periods[period]}/index.{ext}"


def area_contexts(data: RunData, facts: PackFacts, tables: Tables, layout: Layout,
                  only: set[tuple[str, str]] | None = None,
                  rows: Iterable[int] | None = None) -> Iterator[dict[str, Any]]:
    """One context per authority and period, in ratings order (``only`` some, if given;
    or the ratings rows ``rows``)."""
    builder = AreaBuilder(data, facts, tables, layout)
    columns = tables.columns
    for i in range(len(tables.ratings)) if rows is None else rows:
        if only is not None and (str(columns["authority_code"][i]),
                                 str(columns["period"][i])) not in only:
            continue
        yield builder.context(i)


class AreaBuilder:
    """Builds area contexts; everything that is the same for every area is made once here."""

    def __init__(self, data: RunData, facts: PackFacts, tables: Tables, layout: Layout):
        self.facts, self.tables, self.layout = facts, tables, layout
        self.pack = pack_summary(facts)
        self.warnings = _warnings_by_value(data)
        self.published = {p: long_date(d) for p, d in data.published.items()}
        pack = facts.pack
        travel = facts.travel
        hidden = set(travel.outputs.values()) if travel is not None else set()
        if tables.have_inputs:
            hidden |= {spec.id for spec in pack.inputs}
        self.outputs = [name for name in pack.outputs
                        if name != pack.rating.field and name in tables.columns]
        self.shown_outputs = [name for name in self.outputs if name not in hidden]
        self.output_words = [(name, facts.title(name), facts.units.get(name, ""))
                             for name in self.outputs]
        self.static_inputs = {spec.id: self._static_input(spec) for spec in pack.inputs}
        scored = score_bands(facts)
        self.input_parts = [
            (self.static_inputs[spec.id], tables.inputs[spec.id], facts.bands.get(spec.id),
             spec.na.means if spec.na else "", scored.get(spec.id))
            for spec in (pack.inputs if tables.have_inputs else [])]
        self.feeds = _feeds(facts)
        self.bands: dict[tuple[str, str, str, str], Record] = {}
        self.scales = self._band_scales()
        self.defs_stars = bool(facts.scale.stars)
        self.picked = _Picked.of(facts, tables)
        self.finals = _Among.of(np.asarray(tables.steps.columns["final"], dtype=bool),
                                tables.steps.starts)
        self.output_status = _final_column(tables.steps, self.finals, self.outputs, "status")
        self.have_bands = bool(facts.bands or facts.scales)
        self.output_rows = OutputRows(
            [w for w in self.output_words if w[0] in self.shown_outputs],
            tables.columns, self.output_status, len(tables.ratings))
        schema = facts.loaded.plan.schema
        self.cap_words = {f"{step.id}/{cap.id}": cap_words(cap, schema)
                          for step in facts.limits.values() for cap in step.caps}
        self.trends = prepare_trends(facts, tables, layout, data.history)
        self.similar = prepare_similar(facts, tables, layout, data.groups)

    def _static_input(self, spec: InputSpec) -> dict[str, Any]:
        title, polarity = self.facts.title(spec.id), POLARITY.get(spec.polarity, "")
        return {"id": spec.id, "title": title,
                "unit": self.facts.units.get(spec.id, ""),
                # The row's heading, the same on every page: spelt once per pack.
                "head": Markup("{} <small><code>{}</code>{}</small>").format(
                    title, spec.id, polarity),
                "head_md": f"{markdown_cell(title)} `{spec.id}`",
                "domain": spec.domain or "", "polarity": spec.polarity,
                "polarity_text": POLARITY.get(spec.polarity, ""),
                "required": spec.required}

    def _band_scales(self) -> dict[str, list[str]]:
        """Each band step's output scale, worst first."""
        out: dict[str, list[str]] = {}
        for step in self.facts.bands.values():
            ftype = self.facts.field_type(step.output)
            if ftype is not None and ftype.vocabulary:
                out[step.id] = list(ftype.vocabulary)
            else:
                out[step.id] = sorted({number(float(x)) for x in (step.labels or [])},
                                      key=float)
        return out

    def context(self, i: int) -> dict[str, Any]:
        facts, tables, layout = self.facts, self.tables, self.layout
        columns = tables.columns
        code = str(columns["authority_code"][i])
        period = str(columns["period"][i])
        steps = TraceRows(tables.steps, i)
        picked = self.picked.rows(steps, i)
        last = _Last(steps, self.finals.of_area(i))
        rating = self._rating(i, last.get(facts.pack.rating.field), steps)
        inputs = self._inputs(i, last) if tables.have_inputs else []
        outputs = self._outputs(i, last)
        limits = _limits(facts, picked, last, self.cap_words)
        domains = _domains(facts, inputs)
        shown_by_limits = frozenset(lim["field"] for lim in limits)
        output_rows, output_rows_md = self.output_rows.rows(
            i, shown_by_limits.intersection(self.shown_outputs))
        scales = {r["band"]["of"] for r in inputs if r["band"]}
        if rating["stars"] is None and rating["position"] is not None:
            scales.add(len(rating["labels"]))
        links = Record(
            style="../../style.css", summary="../index.html", summary_md="../index.md",
            index="../../../index.html", index_md="../../../index.md",
            html=f"{layout.areas[code]}.html", md=f"{layout.areas[code]}.md",
            csv=f"{layout.areas[code]}.csv", ratings="../../ratings.csv",
            run_summary="../../summary.html", run_summary_md="../../summary.md")
        input_groups = domains + _others(inputs)
        band_status = _shared_status([r["band"]["status"] for r in inputs if r["band"]])
        rows, rows_md = input_rows(input_groups, bool(domains), self.have_bands, band_status)
        return Record(
            pack=self.pack,
            authority=Record(code=code, name=str(columns["authority_name"][i] or "")),
            period=period,
            published=self.published.get(period, ""),
            rating=rating,
            previous=self._previous(i, code, period),
            trend=self.trends.pages[i],
            similar=self.similar[i],
            published_travel=self._published_travel(inputs),
            next_band=_next_band(facts, last, rating, inputs),
            outputs=outputs,
            output_groups=_groups([o for o in outputs if o["id"] in self.shown_outputs
                                   and o["id"] not in shown_by_limits]),
            output_rows=output_rows,  # output_groups' rows, spelt: HTML
            output_rows_md=output_rows_md,  # and Markdown
            inputs=inputs,
            have_inputs=tables.have_inputs,
            have_bands=self.have_bands,
            domains=domains,
            input_groups=input_groups,
            band_status=band_status,
            input_rows=rows,  # input_groups' rows, as the built-in pages print them: HTML
            input_rows_md=rows_md,  # and Markdown
            limits=limits,
            decisions=[s for k, s in picked if self.picked.decision[k]],
            flags=[r for r in inputs if r["id"] in facts.flags],
            quality=self._quality(i, code, period, steps, picked, inputs),
            steps=steps,
            stability=area_record(tables.stability, i, period),
            defs=svg.defs(self.defs_stars and rating["stars"] is not None, scales),
            links=links,
        )

    def _rating(self, i: int, traced: Record | None, steps: TraceRows) -> Record:
        facts = self.facts
        columns = self.tables.columns
        text = columns["rating"][i]
        rated = text != ""
        status = str(columns["rating_status"][i] or "")
        scale = facts.scale
        stars = scale.stars.get(text) if rated and scale.stars else None
        position = scale.position(text) if rated else None
        picture: Markup = Markup("")
        if stars is not None:
            picture = svg.stars(stars, scale.max_stars, 30)
        elif position is not None and scale.labels:
            picture = svg.blobs(position, len(scale.labels), True)
        return Record(
            rated=rated, label=text, status=status, uncertain=status in UNCERTAIN,
            note=str(columns["rating_note"][i] or ""),
            meaning=facts.pack.rating.meaning.get(text, "") if rated else "",
            stars=stars, max_stars=scale.max_stars if scale.stars else None,
            position=position, labels=scale.labels or [], svg=picture,
            decided_by=traced["rule_id"] if traced else "",
            decided_status=traced["rule_status"] if traced else "",
            reason=traced["reason"] if traced else "",
            depends_on=self.picked.depends_on(steps, i, status))

    def _previous(self, i: int, code: str, period: str) -> Record | None:
        ch = self.tables.changes
        before = ch["previous_period"][i]
        direction = ch["direction"][i]
        if before is None or ch["previous_rating"][i] is None or direction in (None, "new"):
            return None
        before = str(before)
        change = ch["change"][i]
        here = f"{self.layout.periods[period]}/areas"
        linked = before in self.layout.periods and (code in self.layout.areas)
        status = str(ch["status"][i] or "")
        return Record(
            period=before, rating=number_text(str(ch["previous_rating"][i]))
            if self.facts.scale.labels is None else str(ch["previous_rating"][i]),
            change=signed(change), direction=direction,
            arrow={"improved": "up", "declined": "down"}.get(direction, "same"),
            status=status, uncertain=status in UNCERTAIN,
            step=self.facts.travel.id if self.facts.travel is not None else "",
            href=_rel(here, self.layout.area(before, code, "html")) if linked else "",
            href_md=_rel(here, self.layout.area(before, code, "md")) if linked else "")

    def _published_travel(self, inputs: list[Record]) -> list[Record]:
        """The assessor's own direction-of-travel judgements (inputs), beside our change."""
        wanted = self.facts.published_travel
        if not wanted:
            return []
        who = self.facts.pack.assessor
        return [Record(id=r["id"], title=r["title"], value=r["value"],
                       label=f"{who}'s judgement") for r in inputs
                if r["id"] in wanted and r["present"]]

    def _outputs(self, i: int, last: Mapping[str, Record]) -> list[Record]:
        columns, traced = self.tables.columns, self.output_status
        out = []
        for name, title, unit in self.output_words:
            status = traced[name][i]
            if status is None:
                status = "documented"
            out.append(Record(id=name, title=title, unit=unit, value=columns[name][i],
                              status=status, uncertain=status in UNCERTAIN))
        return out

    def _inputs(self, i: int, last: Mapping[str, Record]) -> list[Record]:
        out = []
        for static, entry, band_step, na_means, scored in self.input_parts:
            if not entry["shown"][i]:
                continue
            present, na = entry["present"][i], entry["na"][i]
            band = None
            if band_step is not None and present and band_step.output in last:
                band = self._band(band_step, last[band_step.output])
            elif scored is not None and present:
                band = scored.get(entry["text"][i])
            distribution = None
            if entry["distributed"][i]:
                whole = entry["percentile"][i]
                distribution = Record(
                    entry["figures"][i], percentile=whole, percentile_text=ORDINALS[whole],
                    n=entry["count"][i], x=entry["x"][i], comparator=None,
                    standing=entry["standing"][i],
                    svg=entry["svg"][i])
            out.append(Record(
                static, present=present, na=na, na_means=na_means if na else "",
                value=entry["text"][i], note=entry["note"][i], source=entry["source"][i],
                cell=entry["cell"][i], cell_md=entry["cell_md"][i],
                position=entry["position"][i],
                band=band, distribution=distribution))
        return out

    def _band(self, step: BandStep, traced: Record) -> Record:
        """The band an input fell in; the same Record for every area with the same band."""
        key = (step.id, traced["value"], traced["status"], traced["reason"])
        band = self.bands.get(key)
        if band is None:
            labels = self.scales[step.id]
            label = traced["value"]
            position = labels.index(label) if label in labels else None
            band = self.bands[key] = Record(
                label=label, status=traced["status"],
                uncertain=traced["status"] in UNCERTAIN, reason=traced["reason"],
                step=step.id, labels=labels, position=position, of=len(labels),
                svg=svg.blobs(position, len(labels)), dots=svg.dots(position, len(labels)))
        return band

    def _quality(self, i: int, code: str, period: str, steps: TraceRows,
                 picked: list[tuple[int, Record]], inputs: list[Record]) -> list[str]:
        facts, tables = self.facts, self.tables
        notes: list[str] = []
        rating_note = tables.columns["rating_note"][i]
        if rating_note:
            notes.append(str(rating_note))
        if not tables.have_inputs:
            notes.append("This run kept no trace of its inputs: score the returns again "
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
            # An optional input others returned matters only where the rating it feeds is
            # missing here (not where, say, a coalesce took the value another way).
            unreturned = [] if tables.columns["rating"][i] != "" else [
                s.id for s in others if not s.missing_means and s.id in self.feeds
                and tables.inputs[s.id]["others_returned"][i]]
            if unreturned:
                notes.append(f"No return for {listing(unreturned)}, which other authorities "
                             f"returned for {period}: the rating, not given here, can be "
                             f"computed from {'it' if len(unreturned) == 1 else 'them'}.")
            for r in inputs:
                if r["na"]:
                    notes.append(f"{r['id']} returned as n/a: {r['na_means']}.")
        for _, s in picked:
            if s["outcome"] == "not_evaluated":
                notes.append(f"{s['rule_id']}: {s['reason']}.")
        if not steps:
            notes.append("No trace was kept for this run: the steps cannot be shown.")
        notes.extend(self.warnings.get(code, []))
        notes.extend(self.warnings.get(f"period:{period}", []))
        return notes


class TraceRows(Sequence[Record]):
    """One area's trace, a Record per row made when first read: a page reads a few rows
    (its decisions, caps and final values), ``explain`` and custom templates all."""

    def __init__(self, slices: Slices, i: int) -> None:
        self.slices, self.start, self.stop = slices, slices.starts[i], slices.starts[i + 1]
        self.made: dict[int, Record] = {}

    def __len__(self) -> int:
        return self.stop - self.start

    @overload
    def __getitem__(self, k: int) -> Record: ...
    @overload
    def __getitem__(self, k: slice) -> list[Record]: ...
    def __getitem__(self, k: int | slice) -> Record | list[Record]:
        if isinstance(k, slice):
            return [self.row(self.start + j) for j in range(*k.indices(len(self)))]
        if not -len(self) <= k < len(self):
            raise IndexError(k)
        return self.row(self.start + k % len(self))

    def row(self, at: int) -> Record:
        """The Record of the trace's row ``at`` (counted over the whole trace)."""
        made = self.made.get(at)
        if made is None:
            columns = self.slices.columns
            made = self.made[at] = Record({key: columns[key][at] for key in STEP_KEYS})
        return made


class _Last(Mapping[str, Record]):
    """Each field's value as the report shows it: its last row that is no cap's verdict."""

    def __init__(self, steps: TraceRows, finals: list[int]) -> None:
        fields = steps.slices.columns["field"]
        self.steps = steps
        self.at = {fields[k]: k for k in finals}  # a later row of a field wins

    def __getitem__(self, field: str) -> Record:
        return self.steps.row(self.at[field])

    def __contains__(self, field: object) -> bool:
        return field in self.at

    def __iter__(self) -> Iterator[str]:
        return iter(self.at)

    def __len__(self) -> int:
        return len(self.at)


@dataclass
class _Among:
    """Some rows of the trace, found once per pack, and where each area's begin."""

    at: list[int]  # trace rows, in order
    starts: list[int]  # area i's are at[starts[i]:starts[i + 1]]

    @classmethod
    def of(cls, mask: np.ndarray, area_starts: list[int]) -> _Among:
        rows = np.flatnonzero(mask)
        return cls(rows.tolist(), np.searchsorted(rows, np.asarray(area_starts)).tolist())

    def of_area(self, i: int) -> list[int]:
        return self.at[self.starts[i]:self.starts[i + 1]]


@dataclass
class _Picked:
    """The trace rows area pages show apart from final values (decisions, caps, rules not
    evaluated) and the rows that may make a rating uncertain, found once per pack."""

    shown: _Among
    decision: dict[int, bool]  # shown trace row -> a decision that pages show
    uncertain: _Among  # rows of a rule the rating depends on, of that rule's own status

    @classmethod
    def of(cls, facts: PackFacts, tables: Tables) -> _Picked:
        columns, starts = tables.steps.columns, tables.steps.starts

        def column(name: str) -> np.ndarray:
            return np.asarray(columns[name], dtype=object)

        kind, field, outcome, step = (column(c) for c in ("kind", "field", "outcome", "step"))
        status, rule_status = column("status"), column("rule_status")
        decision = (kind == "decide") | ((kind == "cluster")
                                         & (field == facts.pack.rating.field))
        cap = np.isin(outcome, list(CAP_OUTCOMES)) & np.isin(step, list(facts.limits))
        shown = _Among.of(decision | cap | (outcome == "not_evaluated"), starts)
        uncertain = (np.isin(step, list(facts.rating_steps)) & (rule_status == status)
                     & np.isin(status, list(UNCERTAIN)) & (column("rule_id") != ""))
        return cls(shown, dict(zip(shown.at, decision[shown.at].tolist(), strict=True)),
                   _Among.of(uncertain, starts))

    def rows(self, steps: TraceRows, i: int) -> list[tuple[int, Record]]:
        return [(k, steps.row(k)) for k in self.shown.of_area(i)]

    def depends_on(self, steps: TraceRows, i: int, status: str) -> list[str]:
        """The rules of the rating's status, among those it depends on, that changed a
        value of this authority on the way (provenance marks values by counterfactual)."""
        if status not in UNCERTAIN:
            return []
        columns = steps.slices.columns
        found = [str(columns["rule_id"][k]) for k in self.uncertain.of_area(i)
                 if columns["status"][k] == status]
        return list(dict.fromkeys(found))


def _final_column(steps: Slices, finals: _Among, fields: list[str], key: str
                  ) -> dict[str, list[Any]]:
    """Column ``key`` of each field's last final trace row, per area (None where none), as
    ``_Last`` finds it, for every area at once."""
    at = np.asarray(finals.at, dtype=np.int64)
    area = np.repeat(np.arange(len(finals.starts) - 1), np.diff(finals.starts))
    field = np.asarray(steps.columns["field"], dtype=object)[at]
    values = np.asarray(steps.columns[key], dtype=object)[at]
    out = {}
    for name in fields:
        rows = np.flatnonzero(field == name)[::-1]  # the last row of an area first
        areas, first = np.unique(area[rows], return_index=True)
        column = np.full(len(finals.starts) - 1, None, dtype=object)
        column[areas] = values[rows[first]]
        out[name] = column.tolist()
    return out


def _feeds(facts: PackFacts) -> set[str]:
    """The inputs the rating is computed from."""
    plan = facts.loaded.plan
    steps = {step.id: step for step in plan.pack.steps}
    return set().union(*(reads(steps[s], plan.schema) for s in facts.rating_steps))


def _rel(here: str, target: str) -> str:
    """A link from folder ``here`` to ``target`` (both relative to the pack folder)."""
    depth = here.count("/") + 1
    return "../" * depth + target


def _groups(outputs: list[Record]) -> list[Record]:
    """Outputs side by side under their shared title (one row per title, in pack order)."""
    return [Record(title=group[0]["title"], outputs=group,
                   status=_shared_status([o["status"] for o in group]))
            for group in by_title(outputs, lambda o: o["title"])]


def _shared_status(statuses: list[str]) -> str:
    """The status every item shares, when it is an uncertain one (badged once, not per row)."""
    unique = set(statuses)
    return unique.pop() if len(unique) == 1 and statuses[0] in UNCERTAIN else ""


def _domains(facts: PackFacts, inputs: list[Record]) -> list[Record]:
    out = []
    for domain in facts.domains:
        rows = [r for r in inputs if r["domain"] == domain]
        counts: dict[str, int] = {}
        for r in rows:
            if r["band"] is not None:
                counts[r["band"]["label"]] = counts.get(r["band"]["label"], 0) + 1
        labels: list[str] = next(
            (r["band"]["labels"] for r in rows if r["band"] is not None), [])
        out.append(Record(name=domain, inputs=rows,
                          band_counts=[Record(label=lb, count=counts.get(lb, 0))
                                       for lb in labels]))
    return out


def _others(inputs: list[Record]) -> list[Record]:
    """The inputs in no domain, as one more group (none when there are none)."""
    rows = [r for r in inputs if not r["domain"]]
    return [Record(name="", inputs=rows, band_counts=[])] if rows else []


def _limits(facts: PackFacts, picked: list[tuple[int, Record]], last: Mapping[str, Record],
            words: dict[str, dict[str, str]]) -> list[Record]:
    out = []
    for step_id, step in facts.limits.items():
        caps = []
        for _, s in picked:
            if s["step"] != step_id or s["outcome"] not in CAP_OUTCOMES:
                continue
            caps.append(Record(rule_id=s["rule_id"], cap=s["rule"],
                               kind=CAP_OUTCOMES[s["outcome"]], bound=s["value"],
                               reason=words[s["rule_id"]][s["outcome"]], status=s["status"],
                               uncertain=s["status"] in UNCERTAIN))
        result = last.get(step.output)
        if result is None and not caps:
            continue
        capped = result is not None and result["outcome"] == "capped"
        outcome = str(result["reason"]) if result is not None else ""
        fired = [c for c in caps if c["kind"] == CAP_OUTCOMES["cap_fired"]]
        if fired and not capped:
            outcome = "a cap fired, but the value was already within it"
        out.append(Record(
            step=step_id, title=step.title or "", input=step.input,
            field=step.output, value=result["value"] if result else "",
            status=result["status"] if result else "",
            uncertain=result is not None and result["status"] in UNCERTAIN,
            changed=capped, outcome=outcome,
            caps=caps, fired=fired))
    return out


def _next_band(facts: PackFacts, last: Mapping[str, Record], rating: Record,
               inputs: list[Record]) -> Record | None:
    """How far the rating's banded value is from the band above and below it."""
    step = facts.rating_band
    if step is None or not rating["rated"]:
        return None
    if step.input in last:
        banded = str(last[step.input]["value"])
    else:  # the rating bands an input directly
        banded = next((str(r["value"]) for r in inputs if r["id"] == step.input), "")
    try:
        value = float(banded)
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
    cuts = step.cut_values(facts.loaded.pack.parameters)
    side: Literal["left", "right"] = "right" if step.closed == "left" else "left"  # as the
    # band step searches
    idx = int(np.searchsorted(np.asarray(cuts), np.float64(value), side=side))
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
            neighbours.append(Record(
                label=labels[j], cut=number(cuts[cut]), towards=towards,
                where=where, distance=number(abs(cuts[cut] - value)),
                better=there is not None and here is not None and there > here))
    source = facts.rating_band_source
    return Record(
        field=step.input, value=number(value), label=labels[idx],
        source_field=source or "",
        source_value=last[source]["value"] if source and source in last else "",
        neighbours=neighbours, step=step.id)


def _warnings_by_value(data: RunData) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in data.warnings:
        if p.code == "W-PERIOD-OUTSIDE" and p.value is not None:
            out.setdefault(f"period:{p.value}", []).append(f"{p.code}: {p.message}")
        elif p.code == "W-UNKNOWN-AUTHORITY" and p.value is not None:
            out.setdefault(str(p.value), []).append(f"{p.code}: {p.message}")
    return out


