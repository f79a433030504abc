"""Reading and writing: returns, YAML, outputs, hashes."""
