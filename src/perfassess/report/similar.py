"""Each authority beside its comparators in the same period, with their ratings, chosen per pack."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from perfassess.engine.steps.neighbours import read_comparators
from perfassess.engine.steps.registry import kind_of
from perfassess.report.change import positions
from perfassess.report.environment import markdown_cell
from perfassess.report.facts import PackFacts
from perfassess.report.record import Record
from perfassess.report.spelt import escaped, marked
from perfassess.report.tables import Tables
from perfassess.report.trend import key_scores, rating_values
from perfassess.spec.pack import CompareNeighboursStep

if TYPE_CHECKING:
    from perfassess.report.area import Layout

CAP = 15  # the most comparators an area page lists


def prepare_similar(facts: PackFacts, tables: Tables, layout: Layout,
                    groups: pd.DataFrame | None = None) -> list[Record | None]:
    """For each ratings row, the authorities to compare it with and how they were chosen:
    the pack's comparator list where it has one; else the strata its rating is computed
    within; else the authorities of the same type and region in ``groups`` (the reference
    data); None where there is none of these."""
    n = len(tables.ratings)
    listed = _comparators(facts)
    if listed is not None:
        return _listed(facts, tables, layout, listed)
    key, how = _strata(facts, tables)
    if key is None and groups is not None:
        key, how = _reference(facts, tables, groups)
    if key is None or how is None:
        return [None] * n
    return _grouped(facts, tables, layout, key, how)


def _comparators(facts: PackFacts) -> pd.DataFrame | None:
    """The (authority, comparator) pairs of the pack's first comparator table, in its order."""
    for k, step in enumerate(facts.pack.steps):
        if isinstance(step, CompareNeighboursStep):
            # Planning has read and checked this table already: it cannot fail here.
            return read_comparators(step.comparators, facts.loaded.plan.schema.folder,
                                    ("steps", k))
    return None


def _strata(facts: PackFacts, tables: Tables) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The rating step's strata (its ``by`` fields, published as outputs): each row's
    stratum as text ('' in none), and the words saying how its comparators were chosen."""
    ratings = tables.ratings
    by = _by_fields(facts)
    if not by or not all(name in ratings.columns and name in tables.columns for name in by):
        return None, None
    spelt = [np.asarray(tables.columns[name], dtype=object) for name in by]
    key = spelt[0].copy()
    missing = key == ""
    for more in spelt[1:]:
        key = key + ", " + more
        missing |= more == ""
    key = np.where(missing, "", key)
    what = " and ".join(name.replace("_", " ") for name in by)
    many = facts.pack.authority.plural
    how = f"other {many} in the same {what} (" + key + "), the group its rating is computed in"
    return key, how


def _by_fields(facts: PackFacts) -> list[str]:
    """The ``by`` fields of the step that writes the rating, if it works within strata."""
    rating = facts.pack.rating.field
    step = next((s for s in facts.pack.steps if rating in kind_of(s).writes(s)
                 and getattr(s, "by", None)), None)
    given = getattr(step, "by", None)
    return [given] if isinstance(given, str) else list(given or [])


def _reference(facts: PackFacts, tables: Tables, groups: pd.DataFrame
               ) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Each row's type and region in the reference data, as text ('' where it has none)."""
    codes = tables.ratings["authority_code"].astype(str)
    given = groups.drop_duplicates("authority_code").set_index("authority_code")
    kind = given["authority_type"].reindex(codes).fillna("").to_numpy(dtype=object)
    region = given["region"].reindex(codes).fillna("").to_numpy(dtype=object)
    if not ((kind != "") & (region != "")).any():
        return None, None
    key = np.where((kind != "") & (region != ""), kind + "\x1f" + region, "")
    many = facts.pack.authority.plural
    how = (f"other {many} of the same type (" + kind + ") and region (" + region
           + ") in the reference data")
    return key, how


def _listed(facts: PackFacts, tables: Tables, layout: Layout, pairs: pd.DataFrame
            ) -> list[Record | None]:
    """Each row's comparators as the pack's list gives them, the first ``CAP`` of them."""
    ratings = tables.ratings
    n = len(ratings)
    codes = ratings["authority_code"].astype(str).to_numpy(dtype=object)
    periods = ratings["period"].astype(str).to_numpy(dtype=object)
    pairs = pairs[pairs["authority"] != pairs["comparator"]].drop_duplicates()
    pairs = pairs.assign(rank=pairs.groupby("authority", sort=False).cumcount())
    total = pairs.groupby("authority").size().reindex(codes).fillna(0).to_numpy(
        dtype=np.int64)
    rows = pd.DataFrame({"i": np.arange(n), "authority": codes, "period": periods})
    joined = rows.merge(pairs[pairs["rank"] < CAP], on="authority").sort_values(
        ["i", "rank"], kind="stable")
    owner = joined["i"].to_numpy(dtype=np.int64)
    member = positions(ratings, joined["comparator"], joined["period"])
    member_codes = joined["comparator"].to_numpy(dtype=object)
    who = facts.pack.assessor
    one = facts.pack.authority.singular
    shown = np.bincount(owner, minlength=n)
    how = np.where(total == 0, f"{who} lists no comparators for this {one}", np.where(
        total > CAP, np.char.add(f"the first {CAP} of the ", total.astype(str)).astype(object)
        + f" nearest neighbours {who} lists for this {one}",
        np.char.add("the ", total.astype(str)).astype(object)
        + f" nearest neighbours {who} lists for this {one}"))
    return _assemble(facts, tables, layout, owner, member, member_codes, shown, total, how)


def _grouped(facts: PackFacts, tables: Tables, layout: Layout, key: np.ndarray,
             how: np.ndarray) -> list[Record | None]:
    """Each row's group in its period (``key``, '' for none), the ``CAP`` nearest to it in
    the rating's order (the pack's own order: best first), and the words for each."""
    ratings = tables.ratings
    n = len(ratings)
    codes = ratings["authority_code"].astype(str).to_numpy(dtype=object)
    names = np.asarray(tables.columns["authority_name"], dtype=object)
    names = np.where(pd.isna(names), "", names).astype(str)
    periods = ratings["period"].astype(str).to_numpy(dtype=object)
    grouped = key != ""
    group = pd.factorize(pd.Series(np.where(grouped, periods + "\x1e" + key, None)))[0]
    sign = -1.0 if facts.travel is not None and facts.travel.better == "lower" else 1.0
    score = rating_values(facts, ratings["rating"]) * sign
    best_first = -np.nan_to_num(score, nan=-np.inf)
    # Ties of the rating broken by the pack's first key score (as its national tables are).
    strata = set(_by_fields(facts))
    then = next((name for name in key_scores(facts, set(ratings.columns))
                 if name not in strata and pd.api.types.is_numeric_dtype(ratings[name].dtype)),
                None)
    second = np.zeros(n) if then is None else -np.nan_to_num(
        ratings[then].to_numpy(dtype=np.float64, na_value=np.nan), nan=-np.inf)
    order = np.lexsort((codes.astype(str), names, second, best_first, group))
    sorted_group = group[order]
    starts = np.searchsorted(sorted_group, sorted_group, side="left")
    ends = np.searchsorted(sorted_group, sorted_group, side="right")
    place = np.arange(n)
    offsets = np.repeat(np.arange(1, CAP + 1), 2) * np.tile([-1, 1], CAP)  # -1 +1 -2 +2 ...
    candidate = place[:, None] + offsets[None, :]
    valid = (candidate >= starts[:, None]) & (candidate < ends[:, None]) & (
        sorted_group[:, None] >= 0)
    valid &= np.cumsum(valid, axis=1) <= CAP
    chosen = np.sort(np.where(valid, candidate, n), axis=1)  # best first, gaps last
    count = valid.sum(axis=1)
    # Back from sorted places to ratings rows.
    owner_sorted = np.repeat(order, count)
    member = order[chosen[chosen < n]]
    by_owner = np.argsort(owner_sorted, kind="stable")
    owner, member = owner_sorted[by_owner], member[by_owner]
    shown = np.bincount(owner, minlength=n)
    total = np.zeros(n, dtype=np.int64)
    total[order] = np.where(sorted_group >= 0, ends - starts - 1, 0)
    closest = f"; the {CAP} closest in rating" + (f" and {then.replace('_', ' ')}" if then
                                                   else "") + " of "
    words = np.where(total > CAP, how + np.char.add(closest, total.astype(str)).astype(object),
                     how)
    out = _assemble(facts, tables, layout, owner, member, codes[member], shown, total, words)
    return [r if g else None for r, g in zip(out, grouped.tolist(), strict=True)]


def _assemble(facts: PackFacts, tables: Tables, layout: Layout, owner: np.ndarray,
              member: np.ndarray, member_codes: np.ndarray, shown: np.ndarray,
              total: np.ndarray, how: np.ndarray) -> list[Record | None]:
    """Records from the long table of (row ``owner``, its comparator's ratings row
    ``member`` or -1 where the comparator has none this period), grouped by owner: the
    members as data, and the table they make spelt once for HTML and Markdown."""
    ratings = tables.ratings
    columns = tables.columns
    codes = ratings["authority_code"].astype(str).to_numpy(dtype=object)
    periods = ratings["period"].astype(str).to_numpy(dtype=object)
    spelt_names = np.asarray(columns["authority_name"], dtype=object)
    spelt_names = np.where(pd.isna(spelt_names) | (spelt_names == ""), codes, spelt_names)
    known = dict(zip(codes.tolist(), spelt_names.tolist(), strict=True))
    rating = np.asarray(columns["rating"], dtype=object)
    stems = np.array([layout.areas[c] for c in codes.tolist()], dtype=object)
    member_codes = np.asarray(member_codes, dtype=object)
    one = facts.pack.authority.singular
    words = np.where(rating == "", "not rated", rating)
    names_html, names_md = escaped(spelt_names), marked(spelt_names)
    cell_html, cell_md = _cell(rating, words), _cell_md(rating, words)
    # A comparator's row is the same on every page that lists it: spelt once per ratings
    # row, then picked; comparators absent that period (a few) are spelt apart.
    row_html = ('<tr><th scope="row"><a href="' + escaped(stems) + '.html">' + names_html
                + "</a></th><td>" + cell_html + "</td></tr>\n")
    row_md = "| [" + names_md + "](" + stems + ".md) | " + cell_md + " |\n"
    rows = [Record(code=c, name=nm, rating=r, words=w, href=f"{st}.html", href_md=f"{st}.md",
                   this=False)
            for c, nm, r, w, st in zip(codes.tolist(), spelt_names.tolist(), rating.tolist(),
                                       words.tolist(), stems.tolist(), strict=True)]
    away = np.flatnonzero(member < 0)
    away_names = pd.Series(member_codes[away]).map(known).fillna(
        pd.Series(member_codes[away])).to_numpy(dtype=object)
    away_words = "not in this run for " + periods[owner[away]]
    away_html = ('<tr><th scope="row">' + escaped(away_names) + "</th><td><em>"
                 + escaped(away_words) + "</em></td></tr>\n")
    away_md = "| " + marked(away_names) + " | _" + marked(away_words) + "_ |\n"
    rows += [Record(code=c, name=nm, rating="", words=w, href="", href_md="", this=False)
             for c, nm, w in zip(member_codes[away].tolist(), away_names.tolist(),
                                 away_words.tolist(), strict=True)]
    pick = member.copy()
    pick[away] = len(codes) + np.arange(len(away))
    members = np.array(rows, dtype=object)[pick].tolist() if len(pick) else []
    selves = [Record(code=c, name=nm, rating=r, words=w, href="", href_md="", this=True)
              for c, nm, r, w in zip(codes.tolist(), spelt_names.tolist(), rating.tolist(),
                                     words.tolist(), strict=True)]
    # Each page's own row first, then its members: rows of one long table, joined by page.
    html = np.concatenate([
        '<tr class="this"><th scope="row">' + names_html + f" <small>(this {escape(one)})"
        "</small></th><td>" + cell_html + "</td></tr>\n",
        np.concatenate([row_html, away_html])[pick]])
    md = np.concatenate([
        "| **" + names_md + f"** (this {markdown_cell(one)}) | " + cell_md + " |\n",
        np.concatenate([row_md, away_md])[pick]])
    n = len(codes)
    order = np.argsort(np.concatenate([np.arange(n), owner]), kind="stable")
    starts = np.concatenate([[0], np.cumsum(shown + 1)[:-1]]).astype(np.int64)
    bodies = (np.add.reduceat(html[order], starts), np.add.reduceat(md[order], starts)) if n \
        else (html, md)
    bounds = np.concatenate([[0], np.cumsum(shown)]).tolist()
    out: list[Record | None] = [
        Record(how=h, total=t, shown=s, members=[me, *members[a:b]], body=Markup(body),
               body_md=body_md)
        for me, h, t, s, a, b, body, body_md in zip(
            selves, how.tolist(), total.tolist(), shown.tolist(), bounds[:-1], bounds[1:],
            bodies[0].tolist(), bodies[1].tolist(), strict=True)]
    return out


def _cell(rating: np.ndarray, words: np.ndarray) -> np.ndarray:
    """A rating cell for HTML: the rating, else in italics the words for its absence."""
    return np.where(rating != "", escaped(rating), "<em>" + escaped(words) + "</em>")


def _cell_md(rating: np.ndarray, words: np.ndarray) -> np.ndarray:
    return np.where(rating != "", marked(rating), "_" + marked(words) + "_")
