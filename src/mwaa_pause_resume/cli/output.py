"""Consoles and the decorator that maps expected errors to exit codes.

Rich loads with the first console (cli.printable_console): a command that prints JSON
(``metadata export --json``) and succeeds never imports it.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import typer

from mwaa_pause_resume.errors import MwaaPauseResumeError

if TYPE_CHECKING:
    from rich.console import Console

P = ParamSpec("P")
R = TypeVar("R")

# C0 controls but tab and newline, DEL, C1 controls (0x9b is an 8-bit CSI), and the
# bidirectional overrides that reorder what a terminal shows (U+202A-E, U+2066-9).
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def unprintable(text: str) -> bool:
    """Whether ``text`` holds a character :func:`printable` escapes."""
    return _UNPRINTABLE.search(text) is not None


def printable(text: str) -> str:
    """``text`` with control characters shown as escapes (``\\x1b``) instead of acted on."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode(), text)


def console() -> Console:
    from mwaa_pause_resume.cli.printable_console import PrintableConsole

    return PrintableConsole(soft_wrap=True)


def error_console() -> Console:
    from mwaa_pause_resume.cli.printable_console import PrintableConsole

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
    from rich.markup import escape

    err = error_console()
    err.print(f"[bold red]Error:[/] {escape(exc.message)}", highlight=False)
    if exc.hint:
        err.print(f"[yellow]Hint:[/] {escape(exc.hint)}", highlight=False)
