"""``python -m benchmarks``: run the benchmark suite (see benchmarks/README.md)."""

from benchmarks.run import main

raise SystemExit(main())
