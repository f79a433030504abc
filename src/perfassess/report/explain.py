"""``explain``: how one authority's rating was reached, step by step, as lines of text.

Lines are lists of (text, role) pieces so the command line can colour them (roles:
``head``, ``key``, ``value``, ``muted``, ``uncertain``, ``up``, ``down``) and print them
plain when the output is not a terminal.
"""

from __future__ import annotations

from typing import Any

from perfassess.core.people import listing
from perfassess.engine.steps.limit import CAP_OUTCOMES
from perfassess.report.facts import UNCERTAIN, PackFacts

Piece = tuple[str, str]
Line = list[Piece]


def _status(status: str) -> list[Piece]:
    if status in UNCERTAIN:
        return [("  ", ""), (f"[{status}]", "uncertain")]
    return []


def explain_lines(context: dict[str, Any], facts: PackFacts) -> list[Line]:
    """The explanation of one area context (see ``report.area``)."""
    a, pack, rating = context["authority"], context["pack"], context["rating"]
    lines: list[Line] = [
        [(f"{a['name'] or a['code']} ({a['code']}) · {context['period']}", "head")],
        [(f"{pack['id']} {pack['version']} — {pack['title']}", "muted")],
        [],
    ]
    if rating["rated"]:
        stars = ""
        if rating["stars"] is not None:
            stars = "  " + "★" * rating["stars"] + "☆" * (rating["max_stars"] - rating["stars"])
        lines.append([("Rating: ", "key"), (rating["label"], "value"), (stars, "value"),
                      *_status(rating["status"])])
        if rating["meaning"]:
            lines.append([("  " + rating["meaning"], "")])
    else:
        lines.append([("Rating: ", "key"), ("not rated", "down"), (f"  {rating['note']}", "")])
    previous = context["previous"]
    if previous:
        role = {"up": "up", "down": "down"}.get(previous["arrow"], "muted")
        change = f" ({previous['change']})" if previous["change"] not in ("", "0") else ""
        by = f" by step {previous['step']}" if previous["step"] else ""
        lines.append([(f"  change since {previous['period']}, computed{by}: "
                       f"{previous['rating']} → {rating['label']}, ", "muted"),
                      (f"{previous['direction']}{change}", role),
                      *_status(previous["status"])])
    for t in context["published_travel"]:
        lines.append([(f"  direction of travel, {t['label']}: ", "muted"), (t["value"], "value")])
    if context["have_inputs"]:
        lines += [[], [("Inputs", "head"), ("  (value, band, national position, where it came "
                                            "from)", "muted")]]
        for r in context["inputs"]:
            value = (f"{r['value']} {r['unit']}".strip() if r["present"]
                     else "n/a" if r["na"] else "no return")
            lines.append([(f"  {r['title']}", "key"), (f"  {r['id']}", "muted")])
            line: Line = [("    = ", ""), (value, "value")]
            if r["band"]:
                # A score's meaning is its own reason; a band step's reason adds the cuts.
                reason = "" if r["band"].get("score") else f" ({r['band']['reason']})"
                line += [(f"  band: {r['band']['label']}", ""), (reason, "muted"),
                         *_status(r["band"]["status"])]
            if r["distribution"]:
                line.append((f"  {r['distribution']['standing']}", "muted"))
            if r["source"]:
                line.append((f"  from {r['source']}", "muted"))
            if r["note"]:
                line.append((f"  note: {r['note']}", "muted"))
            lines.append(line)
    lines += [[], [("Steps", "head")]]
    if not context["steps"]:
        lines.append([("  (no trace was kept for this run)", "muted")])
    lines += _steps(context, facts)
    nb = context["next_band"]
    if nb:
        lines += [[], [("Distance to the next bands", "head")]]
        source = f" ({nb['source_field']} {nb['source_value']})" if nb["source_field"] else ""
        lines.append([(f"  {nb['field']} = {nb['value']}{source}: {nb['label']}", "")])
        for n in nb["neighbours"]:
            lines.append([(f"  {n['distance']} {'below' if n['towards'] == 'above' else 'above'}"
                           f" {n['label']} ({n['where']})", "up" if n["better"] else "down")])
    lines += [[], [("Result: ", "head"),
                   (rating["label"] if rating["rated"] else "not rated",
                    "value" if rating["rated"] else "down"), *_status(rating["status"])]]
    counts = pack["rule_counts"]
    lines.append([(f"Rules of this pack: {counts['documented']} documented, "
                   f"{counts['reconstructed']} reconstructed, "
                   f"{counts['illustrative']} illustrative.", "muted")])
    if rating["uncertain"]:
        rules = listing(rating["depends_on"], empty="a rule upstream")
        lines.append([(f"This rating is {rating['status']}: undo the {rating['status']} "
                       "rules it rests on, or read them as the pack's declared "
                       f"alternatives, and it comes out differently ({rules}).",
                       "uncertain")])
    if context["quality"]:
        lines += [[], [("Data quality", "head")]]
        lines += [[(f"  - {q}", "")] for q in context["quality"]]
    return lines


def _steps(context: dict[str, Any], facts: PackFacts) -> list[Line]:
    lines: list[Line] = []
    steps = context["steps"]
    width = min(max((len(s["step"]) for s in steps), default=0), 28)
    i = 0
    while i < len(steps):
        s = steps[i]
        kind = s["kind"]
        if kind == "limit":
            group = [t for t in steps[i:] if t["step"] == s["step"]]
            i += len(group)
            title = facts.step_titles.get(s["step"], "")
            lines.append([(f"  {s['step']:<{width}}", "key"), (f"  limit    {title}", "muted")])
            for t in group:
                if t["outcome"] in CAP_OUTCOMES:
                    lines.append([(f"      {t['rule']}: {t['reason']} ({t['value']})", ""),
                                  *_status(t["status"])])
                else:
                    lines.append([(f"      → {t['field']} = ", ""), (t["value"], "value"),
                                  (f"  {t['reason']}", "muted"), *_status(t["status"])])
            continue
        i += 1
        line: Line = [(f"  {s['step']:<{width}}", "key"), (f"  {kind:<8} ", "muted")]
        if s["field"] != "(rating)":
            named = facts.display_title(s["field"])
            line += [(f"{named} ({s['field']}) = " if named else f"{s['field']} = ", ""),
                     (s["value"] or "(none)", "value")]
        line += [(f"  {s['reason']}", "muted"), *_status(s["status"])]
        lines.append(line)
        if kind == "decide":
            lines += _decision_rows(s, facts)
    return lines


def _decision_rows(s: dict[str, Any], facts: PackFacts) -> list[Line]:
    """For a first-hit table, the rows read before the one that matched (none held)."""
    step = facts.decides.get(s["step"])
    if step is None or step.hit_policy != "first":
        return []
    out: list[Line] = []
    for row in step.rules:
        if row.id == s["rule"]:
            out.append([(f"      row {row.id}: ", "key"), (f"{row.when} → {row.then}", "value"),
                        ("  matched", "up")])
            break
        out.append([(f"      row {row.id}: {row.when} → {row.then}", "muted"),
                    ("  did not hold", "muted")])
    else:
        if step.default is not None and s["rule"] == step.default.id:
            out.append([(f"      default {step.default.id}: → {step.default.then}", "key"),
                        ("  no row held", "up")])
    return out
