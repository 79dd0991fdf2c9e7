"""A small ``.env`` reader (KEY=VALUE lines) so that the seed's files load without a dependency.

Supported, as the common dotenv tools read them: blank lines and ``#`` comments,
an optional ``export `` prefix, spaces around ``=``, single quotes (literal),
double quotes (``\\n``, ``\\t``, ``\\"`` and ``\\\\`` escapes; may span lines), and
`` #`` comments after an unquoted value. No ``${VAR}`` expansion: the seed's
tooling (Node's dotenv) does not expand either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mwaa_pause_resume.config.problems import Problem

_KEY = re.compile(r"(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)", re.DOTALL)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


@dataclass
class DotEnv:
    values: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)  # key -> line number, for messages
    problems: list[Problem] = field(default_factory=list)
    # Keys whose line could not be read: already reported, so not "missing" as well.
    unreadable: set[str] = field(default_factory=set)


def parse_dotenv(text: str, name: str = ".env") -> DotEnv:
    """Parse ``.env`` text; malformed lines become problems, later keys win over earlier ones."""
    out = DotEnv()
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        number, line = i + 1, lines[i].strip()
        i += 1
        if not line or line.startswith("#"):
            continue
        match = _KEY.fullmatch(line)
        if match is None:
            out.problems.append(
                Problem(
                    f"{name} line {number}",
                    f"cannot read {line[:40]!r}",
                    "write one KEY=VALUE per line (values with spaces in quotes)",
                )
            )
            continue
        key, rest = match.group(1), match.group(2)
        # A double-quoted value may continue on the next lines until its closing quote.
        while rest.startswith('"') and _closing_quote(rest) < 0 and i < len(lines):
            rest += "\n" + lines[i]
            i += 1
        try:
            value = _value(rest)
        except ValueError as exc:
            out.problems.append(
                Problem(
                    f"{name} line {number}",
                    f"{key}: {exc}",
                    "close the quote, or remove it if the value has no spaces",
                )
            )
            out.unreadable.add(key)
            continue
        out.values[key] = value
        out.lines[key] = number
    return out


def _closing_quote(text: str) -> int:
    """Index of the quote closing ``text[0]`` (honouring backslashes in double quotes), or -1."""
    quote = text[0]
    j = 1
    while j < len(text):
        if quote == '"' and text[j] == "\\":
            j += 2
            continue
        if text[j] == quote:
            return j
        j += 1
    return -1


def _value(rest: str) -> str:
    if rest[:1] in ("'", '"'):
        end = _closing_quote(rest)
        if end < 0:
            raise ValueError(f"the {rest[0]} quote is never closed")
        trailing = rest[end + 1 :].strip()
        if trailing and not trailing.startswith("#"):
            raise ValueError(f"unexpected text after the closing quote: {trailing!r}")
        inner = rest[1:end]
        if rest[0] == "'":
            return inner
        return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), inner)
    # Unquoted: a comment starts at " #"; a '#' inside a word (e.g. a cron "6#3") is kept.
    comment = re.search(r"\s#", rest)
    return (rest[: comment.start()] if comment else rest).strip()
