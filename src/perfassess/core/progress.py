"""Progress of a long run: stages, counts within them, and who watches (nobody by default)."""

from __future__ import annotations


class Progress:
    """A run's progress as the core tells it; this base class watches nothing.

    The core calls ``stage`` as a long stage starts (with the count of its units where it has
    one), ``advance`` as units are done (in chunks, never per row on the data path) and
    ``end`` as it finishes. Front ends subclass it to show a bar; nothing here is written to
    any output.
    """

    def stage(self, name: str, total: int | None = None) -> None:
        """A stage starts; ``total`` units if it counts them."""

    def advance(self, done: int) -> None:
        """``done`` more units of the current stage are done."""

    def end(self, note: str = "") -> None:
        """The current stage is over (``note`` says what it did)."""


SILENT = Progress()
