"""Consoles and the decorator that maps expected errors to exit codes."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from mwaa_pause_resume.errors import MwaaPauseResumeError

P = ParamSpec("P")
R = TypeVar("R")


def console() -> Console:
    return Console(soft_wrap=True)


def error_console() -> Console:
    return Console(stderr=True, soft_wrap=True)


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
