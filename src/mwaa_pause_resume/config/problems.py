"""Configuration problems: what is wrong, where, and how to fix it.

Loading never stops at the first mistake: every check appends a
:class:`Problem` and :class:`ConfigError` reports them all at once, so a user
fixes a file in one pass instead of one error per run.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from mwaa_pause_resume.errors import UserError


@dataclass(frozen=True)
class Problem:
    """One mistake. ``field`` is a TOML path (``environments[1].pause_schedule``) or a variable."""

    field: str
    message: str
    fix: str

    def line(self) -> str:
        return f"{self.field}: {self.message}. Fix: {self.fix}"

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message, "fix": self.fix}


_HINT = "docs/configuration.md describes every field; `mwaa-pause-resume validate` rechecks"


class ConfigError(UserError):
    """The configuration cannot be used; ``problems`` lists every reason."""

    def __init__(
        self,
        problems: Iterable[Problem],
        source: str,
        headline: str | None = None,
        hint: str | None = _HINT,
    ) -> None:
        self.problems = list(problems)
        self.source = source
        count = len(self.problems)
        head = headline or (
            f"{count} configuration problem{'s' if count != 1 else ''} in {source}:"
        )
        body = "\n".join(f"  - {p.line()}" for p in self.problems)
        super().__init__(
            f"{head}\n{body}" if body else head,
            hint=hint,
        )


class Invalid(ValueError):
    """Raised by a field rule; the builder turns it into a :class:`Problem` at the field's path."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix


def did_you_mean(word: str, choices: Iterable[str], what: str = "") -> str:
    """A fix suggesting the closest known spelling, or listing the choices when none is close."""
    options = sorted(set(choices))
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if not close:
        folded = {c.lower(): c for c in options}
        if word.lower() in folded:
            close = [folded[word.lower()]]
    if close:
        return f"did you mean {close[0]!r}?"
    listing = ", ".join(options)
    return f"use one of the known {what or 'values'}: {listing}"
