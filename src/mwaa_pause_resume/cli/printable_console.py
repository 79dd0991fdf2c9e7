"""The console every command prints through: control characters shown, not acted on."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment
from rich.text import Text

from mwaa_pause_resume.cli.output import printable, unprintable


class PrintableConsole(Console):
    """A console that never sends a control character it did not generate itself.

    Text printed by the CLI may come from a snapshot, S3, AWS or the database (table and
    DAG names, error messages): an escape sequence in it would drive the terminal (set
    its title, clear it, rewrite lines). Rich's own styling and cursor movement are
    ``control`` segments or are added after rendering, so they pass; every text segment,
    however it was built (str, Text, table cell, live display), is escaped.
    """

    def render_str(self, text: str, **kwargs: Any) -> Text:
        # before layout, so an escaped string is measured as it is shown
        return super().render_str(printable(text), **kwargs)

    def render(
        self, renderable: RenderableType, options: ConsoleOptions | None = None
    ) -> Iterable[Segment]:
        for segment in super().render(renderable, options):
            if segment.control or not unprintable(segment.text):
                yield segment
            else:
                yield Segment(printable(segment.text), segment.style)
