"""Consoles and the decorator that maps expected errors to exit codes."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console, ConsoleOptions, RenderableType
from rich.markup import escape
from rich.segment import Segment
from rich.text import Text

from mwaa_pause_resume.errors import MwaaPauseResumeError

P = ParamSpec("P")
R = TypeVar("R")

# C0 controls but tab and newline, DEL, C1 controls (0x9b is an 8-bit CSI), and the
# bidirectional overrides that reorder what a terminal shows (U+202A-E, U+2066-9).
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with control characters shown as escapes (``\\x1b``) instead of acted on."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode(), text)


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
            if segment.control or not _UNPRINTABLE.search(segment.text):
                yield segment
            else:
                yield Segment(printable(segment.text), segment.style)


def console() -> Console:
    return PrintableConsole(soft_wrap=True)


def error_console() -> Console:
    return PrintableConsole(stderr=True, soft_wrap=True)


def print_json(data: Any) -> None:
    """JSON on stdout, nothing else, so it can be piped."""
    typer.echo(json.dumps(data, indent=2, default=str))


EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Report :class:`MwaaPauseResumeError` as message + hint and exit with its code."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except MwaaPauseResumeError as exc:
            report_error(exc)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            # Click would print "Aborted!" and exit 1, which scripts read as a failure of
            # the operation; 130 is the shell's convention for "stopped by Ctrl-C".
            error_console().print(
                "Interrupted (Ctrl-C). A workflow already started in AWS goes on: "
                "check with `mwaa-pause-resume status`.",
                highlight=False,
            )
            raise typer.Exit(EXIT_INTERRUPTED) from None

    return wrapper


def report_error(exc: MwaaPauseResumeError) -> None:
    """Print message and hint on stderr. User text is escaped: it may hold ``[a, b]``."""
    err = error_console()
    err.print(f"[bold red]Error:[/] {escape(exc.message)}", highlight=False)
    if exc.hint:
        err.print(f"[yellow]Hint:[/] {escape(exc.hint)}", highlight=False)
