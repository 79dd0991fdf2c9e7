"""Errors the tool reports to people, with the exit codes the CLI maps them to.

Every problem a user can cause or fix (bad config, bad cron, unreachable
database, AWS refusing a call) is raised as a :class:`UserError`; the CLI prints
its message and hint and exits 2, never a traceback.  A workflow that ran and
failed is an :class:`OperationFailed` (exit 1).
"""

from __future__ import annotations

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


class MwaaPauseResumeError(Exception):
    """Base class of the errors this package raises on purpose."""

    exit_code = EXIT_FAILED

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\nHint: {self.hint}"


class UserError(MwaaPauseResumeError):
    """Bad input: what is wrong and how to fix it. Exit code 2."""

    exit_code = EXIT_BAD_INPUT


class OperationFailed(MwaaPauseResumeError):
    """An operation ran and did not succeed. Exit code 1."""

    exit_code = EXIT_FAILED
