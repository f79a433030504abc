"""Sensitivity runs: how solid each rating is under a pack's declared uncertainty."""
