"""Pydantic models of rule packs and run files, and how they are found and loaded."""
