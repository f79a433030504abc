"""``perfassess rules``: list, show and check rule packs."""

from __future__ import annotations

from pathlib import Path

import click


@click.group()
def rules() -> None:
    """Inspect and check rule packs."""


@rules.command("list")
def list_packs() -> None:
    """Built-in packs: id, version, older versions kept, years and rule statuses."""
    from perfassess.engine.steps.registry import rule_count
    from perfassess.packs import load_pack
    from perfassess.spec.loader import builtin_ids, builtin_root, pack_versions

    rows = []
    for pack_id in builtin_ids():
        pack = load_pack(pack_id).pack
        older = [v for v in pack_versions(builtin_root() / pack_id) if v != pack.version]
        rows.append((pack, ", ".join(older) or "-", rule_count(pack)))
    width = max([5, *(len(r[1]) for r in rows)])
    ids = max([18, *(len(r[0].id) for r in rows)])
    years = max([11, *(len(r[0].periods.describe()) for r in rows)])
    click.echo(f"{'id':<{ids}} {'version':<8} {'older':<{width}} {'years':<{years}} "
               f"{'doc':>4} {'rec':>4} {'ill':>4}  title")
    for pack, older_text, c in rows:
        click.echo(f"{pack.id:<{ids}} {pack.version:<8} {older_text:<{width}} "
                   f"{pack.periods.describe():<{years}} {c['documented']:>4} "
                   f"{c['reconstructed']:>4} {c['illustrative']:>4}  {pack.title}")
    click.echo("doc/rec/ill: rules documented / reconstructed / illustrative; "
               "run an older version as --pack ID@VERSION")


@rules.command("lock")
@click.option("--force", is_flag=True,
              help="Record new hashes even for versions whose content changed (only when "
                   "perfassess's canonical form itself changed).")
def lock(force: bool) -> None:
    """Record every built-in pack version's content hash in rules/packs.lock."""
    from perfassess.core.problems import Problem, Problems, ProblemsFound
    from perfassess.io.write import write_text
    from perfassess.spec.lock import changelog_problems, lock_path, refresh, render_lock

    path = lock_path()
    entries, problems = refresh(path, force=force)
    problems += changelog_problems(entries)
    if problems:
        found = Problems()
        for message in problems:
            found.add(Problem("E-PACK-LOCK", message, file=str(path)))
        raise ProblemsFound(found)
    write_text(render_lock(entries), path)
    click.echo(f"locked {len(entries)} pack version(s) in {path}")


@rules.command("check")
@click.argument("packs", nargs=-1, metavar="[ID_OR_PATH]...")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              help="How to print problems.")
@click.pass_context
def check(ctx: click.Context, packs: tuple[str, ...], fmt: str) -> None:
    """Check packs (default: every built-in) before any data is read.

    Schema and references (with file:line:column), expressions, cut points, and every
    decision table over the values its fields can take: gaps, overlaps, dead rows.
    """
    from perfassess.cli.output import print_problems
    from perfassess.core.problems import Problems, ProblemsFound
    from perfassess.packs import load_pack
    from perfassess.spec.loader import builtin_ids

    ctx.meta["perfassess.format"] = fmt
    problems = Problems()
    for pack_id in packs or tuple(builtin_ids()):
        try:
            loaded = load_pack(pack_id)
        except ProblemsFound as exc:
            problems.merge(exc.problems)
            if fmt == "text":
                click.echo(f"FAIL {pack_id}")
            continue
        problems.merge(loaded.warnings)
        if fmt == "text":
            click.echo(f"ok   {loaded.id} {loaded.pack.version} ({loaded.folder})")
            for line in loaded.table_checks:
                click.echo(f"       {line}")
    if problems.has_errors():
        raise ProblemsFound(problems)
    if fmt == "json" or len(problems):
        print_problems(problems, fmt, err=False)


@rules.command("show")
@click.argument("pack", metavar="ID_OR_PATH")
def show(pack: str) -> None:
    """Describe a pack: its inputs, steps and the status of every rule."""
    from perfassess.engine.steps.registry import kind_of
    from perfassess.packs import load_pack

    loaded = load_pack(pack)
    p = loaded.pack
    click.echo(f"{p.title}\n{p.id} {p.version} · {p.assessor} · {p.periods.describe()}")
    click.echo(f"content hash {loaded.content_hash}\n")
    click.echo("inputs:")
    for spec in p.inputs:
        extra = spec.vocabulary or ""
        if spec.min is not None or spec.max is not None:
            extra = f"{spec.min:g}–{spec.max:g}" if spec.min is not None and spec.max is not None \
                else extra
        req = "required" if spec.required else "optional"
        click.echo(f"  {spec.id:<44} {spec.type:<8} {extra:<16} {req}")
    if p.parameters:
        click.echo("\nparameters:")
        for name, parameter in p.parameters.items():
            click.echo(f"  {name:<44} {parameter.value:<16g} {parameter.status or ''}")
    click.echo("\nsteps:")
    for step in p.steps:
        click.echo(f"  {step.id:<40} {step.kind:<12} {step.status or ''}")
        for rule in kind_of(step).rules(step):
            if rule.shown:
                click.echo(f"    {rule.id:<10} {rule.meta.status or step.status or '':<14} "
                           f"{rule.shown}")
    if p.uncertainty is not None:
        u = p.uncertainty
        click.echo(f"\nuncertainty (perfassess sensitivity): {len(u.parameters)} parameter(s), "
                   f"{len(u.weights)} weight group(s), {len(u.alternatives)} alternative "
                   f"reading(s), data error on {len(u.data)} input(s)")


@rules.command("schema")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the schema to this file (atomically) instead of printing it.")
def schema(output: Path | None) -> None:
    """Print the JSON Schema of pack.yaml, for editors (docs/pack.schema.json).

    Every step kind with its keys described; items carrying for_each may hold
    {placeholders} in any slot but kind.
    """
    from perfassess.core.problems import UsageProblem
    from perfassess.engine.steps.schema import schema_json
    from perfassess.io.write import write_text

    text = schema_json()
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        write_text(text, output)
    except OSError as exc:
        raise UsageProblem(f"cannot write {output}: {exc.strerror or exc}") from None
    click.echo(f"wrote the pack schema to {output}", err=True)


@rules.command("test")
@click.argument("packs", nargs=-1, metavar="[ID_OR_PATH]...")
def test(packs: tuple[str, ...]) -> None:
    """Run packs' YAML test cases (default: every built-in pack)."""
    from perfassess.cases import has_cases, run_cases
    from perfassess.core.problems import Problem, Problems, ProblemsFound
    from perfassess.packs import load_pack
    from perfassess.spec.loader import builtin_ids

    problems = Problems()
    for pack_id in packs or tuple(builtin_ids()):
        loaded = load_pack(pack_id)
        if not has_cases(loaded):
            click.echo(f"{loaded.id}: no cases.yaml")
            continue
        results = run_cases(loaded)
        passed = sum(r.passed for r in results)
        click.echo(f"{loaded.id} {loaded.pack.version}: {passed} of {len(results)} cases pass")
        for r in results:
            for failure in r.failures:
                problems.add(Problem("E-CASE-FAILED", f"case {r.case.id}: {failure}",
                                     file=r.mark.file, row=r.mark.line))
    if problems.has_errors():
        raise ProblemsFound(problems)
