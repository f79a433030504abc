"""The rule engine: expressions, step kinds, planning and evaluation."""
