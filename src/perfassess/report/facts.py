"""Facts about a pack that every report needs: its rating scale, titles, bands and rules."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from perfassess.core.people import humanised
from perfassess.core.people import number as number
from perfassess.core.people import signed as signed
from perfassess.engine.dataflow import upstream
from perfassess.engine.fields import FieldType
from perfassess.engine.steps.registry import kind_of, of_kind, rule_count, rule_statuses
from perfassess.packs import LoadedPack
from perfassess.report.record import Record
from perfassess.spec.pack import (
    BandStep,
    DecideStep,
    InputSpec,
    LimitStep,
    Pack,
    RoundStep,
    TravelStep,
)

_STARS = re.compile(r"^\s*(\d+)\s+stars?\s*$", re.IGNORECASE)
UNCERTAIN = ("reconstructed", "illustrative")


@dataclass
class Scale:
    """The rating's vocabulary (worst first), and star counts where every label is one."""

    labels: list[str] | None
    stars: dict[str, int] = field(default_factory=dict)

    @property
    def max_stars(self) -> int:
        return max(self.stars.values(), default=0)

    def position(self, label: object) -> int | None:
        if self.labels is None or label is None:
            return None
        try:
            return self.labels.index(str(label))
        except ValueError:
            return None


@dataclass
class PackFacts:
    loaded: LoadedPack
    scale: Scale
    titles: dict[str, str]
    bands: dict[str, BandStep]  # input id -> the band step whose input it is
    limits: dict[str, LimitStep]
    decides: dict[str, DecideStep]
    kinds: dict[str, str]  # step id -> kind
    step_titles: dict[str, str]
    rule_status: dict[str, str]
    rating_band: BandStep | None
    rating_band_source: str | None  # the unrounded field behind the rating band's input
    domains: list[str]
    flags: list[str]
    units: dict[str, str] = field(default_factory=dict)  # field -> unit shown after values
    scales: dict[str, dict[int, str]] = field(default_factory=dict)  # input -> score meanings
    travel: TravelStep | None = None  # the travel step on the rating field
    published_travel: list[str] = field(default_factory=list)  # inputs: assessor's own
    rating_steps: frozenset[str] = frozenset()  # the steps the rating depends on

    @property
    def pack(self) -> Pack:
        return self.loaded.pack

    def title(self, name: str) -> str:
        """What pages call a field: the pack's title for it, else its id in words."""
        return self.titles.get(name) or humanised(name)

    def display_title(self, name: str) -> str:
        """The title the pack's ``display`` gives a field ('' where it gives none)."""
        shown = self.loaded.pack.display.fields.get(name)
        return shown.title or "" if shown is not None else ""

    def field_type(self, name: str) -> FieldType | None:
        return self.loaded.plan.schema.fields.get(name)

    def input(self, input_id: str) -> InputSpec | None:
        return self.loaded.pack.input(input_id)


def pack_facts(loaded: LoadedPack) -> PackFacts:
    pack = loaded.pack
    schema = loaded.plan.schema
    rating_type = schema.fields[pack.rating.field]
    labels = list(rating_type.vocabulary) if rating_type.vocabulary else None
    stars: dict[str, int] = {}
    if labels:
        counts = [_STARS.match(label) for label in labels]
        if all(counts):
            stars = {label: int(m.group(1)) for label, m in zip(labels, counts, strict=True)
                     if m is not None}
    titles: dict[str, str] = {spec.id: spec.title for spec in pack.inputs}
    step_titles: dict[str, str] = {}
    for step in pack.steps:
        step_titles[step.id] = step.title or ""
        for name in kind_of(step).writes(step):
            if name not in titles and step.title:
                titles[name] = step.title
    units = {spec.id: spec.unit for spec in pack.inputs if spec.unit}
    for name, shown in pack.display.fields.items():
        if shown.title:
            titles[name] = shown.title
        if shown.unit:
            units[name] = shown.unit
    scales = {spec.id: pack.display.scales[spec.scale] for spec in pack.inputs
              if spec.scale is not None}
    bands: dict[str, BandStep] = {}
    rating_band = None
    for band in of_kind(pack.steps, BandStep):
        bands.setdefault(band.input, band)
        if band.output == pack.rating.field:
            rating_band = band
    rounds = {step.output: step for step in of_kind(pack.steps, RoundStep)}
    travel = next((step for step in of_kind(pack.steps, TravelStep)
                   if step.input == pack.rating.field), None)
    source = None
    if rating_band is not None and rating_band.input in rounds:
        source = rounds[rating_band.input].input
    domains: list[str] = []
    for spec in pack.inputs:
        if spec.domain and spec.domain not in domains:
            domains.append(spec.domain)
    flags = [spec.id for spec in pack.inputs if spec.id.endswith(("_flag", "_flags"))]
    # An assessor's published direction of travel is an input, never our computed change.
    published = [spec.id for spec in pack.inputs if spec.id.endswith("direction_of_travel")]
    return PackFacts(loaded, Scale(labels, stars), titles, bands,
                     {step.id: step for step in of_kind(pack.steps, LimitStep)},
                     {step.id: step for step in of_kind(pack.steps, DecideStep)},
                     {step.id: step.kind for step in pack.steps}, step_titles,
                     rule_statuses(pack), rating_band, source, domains, flags, units, scales,
                     travel, published,
                     frozenset(upstream(loaded.plan, pack.rating.field)))


def pack_summary(facts: PackFacts) -> Record:
    """The pack as reports show it (plain data)."""
    pack = facts.pack
    statuses = []
    notes = {step.id: step.note or "" for step in pack.steps}
    rows: dict[str, str] = {}
    for step in pack.steps:
        for rule in kind_of(step).rules(step):
            rows[f"{step.id}/{rule.id}"] = rule.note
    for rule_id, status in sorted(facts.rule_status.items()):
        if status != "documented":
            note = rows.get(rule_id) or notes.get(rule_id.split("/")[0], "")
            statuses.append(Record(id=rule_id, status=status, note=note))
    return Record(
        id=pack.id, title=pack.title, version=pack.version,
        assessor=pack.assessor, summary=pack.summary or "",
        periods=pack.periods.describe(), content_hash=facts.loaded.content_hash,
        rule_counts=Record(rule_count(pack)), uncertain_rules=statuses,
        authority=Record(singular=pack.authority.singular, plural=pack.authority.plural),
        sources=[Record(id=s.id, title=s.title, url=s.url or "") for s in pack.sources])


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def long_date(iso: str) -> str:
    """``2024-12-05`` as ``5 December 2024``, in English whatever the machine's locale."""
    year, month, day = (int(part) for part in iso.split("-"))
    return f"{day} {MONTHS[month - 1]} {year}"


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
