"""Find the rating to explain, from returns scored now or from a finished run's folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from perfassess.core.problems import UsageProblem
from perfassess.report.area import Layout, area_contexts, prepare_tables
from perfassess.report.data import RunData, read_manifest
from perfassess.report.explain import Line, explain_lines
from perfassess.report.facts import pack_facts


def explain_authority(run_dir: Path | None, pack: str | None, inputs: list[str],
                      reference: Path | None, authority: str,
                      period: str | None) -> tuple[list[Line], list[str], dict[str, Any]]:
    """The explanation's lines, notes for the user (e.g. a changed pack), and as data."""
    notes: list[str] = []
    data = _from_folder(run_dir, pack, notes) if run_dir is not None else _scored(
        pack, inputs, reference)
    ratings = data.ratings
    codes = ratings["authority_code"].astype(str)
    authority = _which_authority(ratings, authority)
    periods = sorted(ratings.loc[codes == authority, "period"].astype(str))
    if period is None:
        period = periods[-1]
        if len(periods) > 1:
            notes.append(f"explaining {period}; other periods: {', '.join(periods[:-1])} "
                         "(use --period)")
    elif period not in periods:
        raise UsageProblem(f"authority {authority!r} has no results for period {period!r} "
                           f"(it has {', '.join(periods)})")
    facts = pack_facts(data.loaded)
    tables = prepare_tables(data, facts)
    context = next(area_contexts(data, facts, tables, Layout.of(tables.ratings),
                                 only={(authority, period)}))
    return explain_lines(context, facts), notes, explain_json(context)


def explain_json(context: dict[str, Any]) -> dict[str, Any]:
    """The explanation as data: the rating and each step's field, value, rule and outcome."""
    a, rating = context["authority"], context["rating"]
    return {
        "authority": {"code": a["code"], "name": a["name"]},
        "period": str(context["period"]),
        "rating": {"rated": bool(rating["rated"]),
                   "label": rating["label"] if rating["rated"] else None,
                   "status": rating["status"]},
        "steps": [{"step": s["step"], "kind": s["kind"], "field": s["field"],
                   "value": s["value"], "rule": s.get("rule", s.get("rule_id")),
                   "status": s["status"], "reason": s["reason"], "outcome": s.get("outcome")}
                  for s in context["steps"]],
    }


def _which_authority(ratings: pd.DataFrame, given: str) -> str:
    """The code of the authority named by ``given``: a code or a name, any case, or a
    unique prefix of one; an ambiguous prefix is a usage error listing the candidates."""
    people = ratings[["authority_code"]].astype(str)
    names = (ratings["authority_name"] if "authority_name" in ratings.columns
             else ratings["authority_code"])
    people["name"] = names.fillna("").astype(str)
    people = people.drop_duplicates("authority_code")
    key = given.casefold()
    code, name = people["authority_code"].str.casefold(), people["name"].str.casefold()
    for hit in ((code == key) | (name == key),
                code.str.startswith(key) | name.str.startswith(key)):
        found = people[hit]
        if len(found) == 1:
            return str(found["authority_code"].iloc[0])
        if len(found) > 1:
            shown = ", ".join(f"{n} ({c})" if n else c
                              for c, n in zip(found["authority_code"], found["name"], strict=True))
            raise UsageProblem(f"authority {given!r} is ambiguous: it could be {shown}")
    raise UsageProblem(f"no authority {given!r} in these results "
                       f"({len(people)} authorities; give a code or a name)")


def _scored(pack: str | None, inputs: list[str], reference: Path | None) -> RunData:
    from perfassess.api import Reference, score

    if pack is None or not inputs:
        raise UsageProblem("give RUN_DIR, or --pack ID_OR_PATH with --input FILE")
    result = score(pack, inputs, reference=Reference.read(reference) if reference else None)
    return RunData.from_result(result)


def _from_folder(run_dir: Path, pack: str | None, notes: list[str]) -> RunData:
    from perfassess.packs import load_pack

    if not run_dir.is_dir():
        raise UsageProblem(f"no folder {str(run_dir)!r}")
    folder = run_dir
    picked = False  # --pack named one of the run's pack folders (not a pack definition)
    if not (folder / "manifest.json").is_file():
        candidates = sorted(p.name for p in run_dir.iterdir() if (p / "manifest.json").is_file())
        if pack is not None and pack in candidates:
            folder, picked = run_dir / pack, True
        elif len(candidates) == 1 and pack is None:
            folder = run_dir / candidates[0]
        elif candidates:
            raise UsageProblem(f"{str(run_dir)!r} holds the results of "
                               f"{', '.join(candidates)}: choose one with --pack")
        else:
            raise UsageProblem(f"{str(run_dir)!r} is not a run folder (no manifest.json)")
    manifest = read_manifest(folder)
    recorded = manifest.get("pack")
    assert isinstance(recorded, dict)
    pack_ref = pack if pack is not None and not picked else str(recorded["id"])
    loaded = load_pack(pack_ref)
    if loaded.content_hash != recorded.get("content_hash"):
        notes.append(f"warning: pack {loaded.id} has changed since this run "
                     f"({recorded.get('content_hash')} then, {loaded.content_hash} now); "
                     "titles and rule statuses come from the pack as it is now")
    return RunData.from_folder(folder, loaded)
