"""Where this checkout's code and the suite's caches live; the suite measures this checkout."""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
DATA_DIR = REPO / "benchmarks" / ".data"  # synthetic returns, generated once (git-ignored)
PROFILE_DIR = REPO / "benchmarks" / ".profiles"  # profiles (git-ignored)
PARTIAL_RESULTS_DIR = REPO / "benchmarks" / ".results"  # results of partial runs (git-ignored)
RESULTS_FILE = REPO / "benchmarks" / "results.json"  # results of a full run (committed)


def use_checkout_source() -> None:
    """Import perfassess from this checkout's src/, whatever the virtualenv has installed."""
    if str(SRC) not in sys.path:
        sys.path.insert(0, str(SRC))


def child_env() -> dict[str, str]:
    """The environment of a measured child: this checkout's src/ first on the path."""
    env = dict(os.environ)
    rest = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(SRC) + (os.pathsep + rest if rest else "")
    return env
