"""Reading and validating the bundled sample gives the same hashes and arrays on one Polars
thread as on two."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import ROOT

SCRIPT = """
import hashlib, json, sys
from pathlib import Path
from perfassess.api import Reference, digests, validate

reference = Reference.read(Path(sys.argv[1]))
out = {}
for pack, path in json.loads(sys.argv[2]):
    checked = validate(pack, [path], reference)
    assert not checked.problems.has_errors(), list(checked.problems)
    r = checked.returns
    digest = hashlib.sha256()
    for name in sorted(r.values):
        digest.update(name.encode() + r.values[name].tobytes())
    for name in sorted(r.na):
        digest.update(name.encode() + r.na[name].tobytes())
    digest.update(r.keys.to_csv().encode() + r.notes.to_csv().encode()
                  + repr(sorted(r.names.items())).encode() + r.origin.to_csv().encode())
    sources, together = digests(checked.sources)
    out[pack] = {"hashes": [s.logical_sha256 for s in sources] + [together],
                 "arrays": digest.hexdigest(),
                 "problems": [repr(p) for p in checked.problems]}
print(json.dumps(out, sort_keys=True))
"""

SAMPLE = [("ss-stars-2002", "data/sample/ss_stars_2002_2005.csv"),
          ("cpa-2002", "data/sample/cpa_2002_2004.csv"),
          ("csci-adults-2006", "data/sample/csci_2006_2008.csv"),
          ("cpa-2005", "data/sample/cpa_2005_2008.parquet")]


def run(threads: int) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "POLARS_MAX_THREADS": str(threads)}
    proc = subprocess.run([sys.executable, "-c", SCRIPT,
                           str(ROOT / "data/reference/authorities.csv"),
                           json.dumps([(p, str(ROOT / f)) for p, f in SAMPLE])],
                          env=env, capture_output=True, text=True, check=False, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout)
    return result


def test_one_thread_and_two_read_and_validate_alike() -> None:
    one, two = run(1), run(2)
    assert set(one) == {p for p, _ in SAMPLE}
    assert one == two
