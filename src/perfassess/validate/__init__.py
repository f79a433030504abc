"""Input checks and the error catalogue."""
