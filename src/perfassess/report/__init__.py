"""Rendering reports with Jinja."""
