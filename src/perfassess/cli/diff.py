"""``perfassess diff``: ratings that differ between two result folders, and why."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("run_a", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("run_b", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--limit", type=click.IntRange(min=0), default=20, show_default=True,
              help="Explain at most this many authority-periods per pack (0: all).")
@click.pass_context
def diff(ctx: click.Context, run_a: Path, run_b: Path, fmt: str, limit: int) -> None:
    """Compare two output folders (or two pack folders in them).

    Lists every authority and period whose results differ, with the steps (decision rows,
    caps, bands) and, where the input files are still here, the input values behind each
    difference. Exit 0 when nothing differs, 1 when something does, 2 on a usage error
    (like diff).
    """
    import json

    from perfassess.compare import compare_runs, describe, is_pack_folder
    from perfassess.core.problems import UsageProblem

    for folder in (run_a, run_b):
        if not is_pack_folder(folder) and not any(
                is_pack_folder(p) for p in folder.iterdir() if p.is_dir()):
            raise UsageProblem(f"{folder} holds no results (no manifest.json or ratings.csv, "
                               "here or in a pack folder inside)")
    diffs = compare_runs(run_a, run_b, limit=limit)
    differs = any(d.differs for d in diffs)
    if fmt == "json":
        payload = {"a": str(run_a), "b": str(run_b), "differs": differs,
                   "packs": [d.to_dict() for d in diffs]}
        click.echo(json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False))
    else:
        lines = describe(diffs, limit=limit)
        for same in (d for d in diffs if not d.differs):
            made = "; ".join(same.causes())
            lines.append(f"{same.name}: no difference in results"
                         + (f" (though {made})" if made else ""))
        for line in lines:
            click.echo(line)
    if differs:
        ctx.exit(1)
