"""perfassess's benchmark suite: synthetic returns, timed fresh processes, a DuckDB reference."""
