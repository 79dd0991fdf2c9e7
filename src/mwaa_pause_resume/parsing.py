"""JSON and TOML parsing that fails like any other malformed input (stdlib only).

The standard parsers recurse once per level of nesting, so ``[[[[...`` a few
thousand levels deep raises :class:`RecursionError`, which no caller expects
from a parser. These wrappers raise a subclass of the parsers' own error
(:class:`ValueError` / :class:`tomllib.TOMLDecodeError`) instead, so every
caller's "not valid JSON/TOML" handling covers it. Shipped in the DAG bundle:
the metadata engine reads manifests with it.
"""

from __future__ import annotations

import json
import tomllib
from typing import Any

TOO_DEEP = "values are nested too deeply (thousands of levels of arrays or tables)"


class JsonTooDeep(ValueError):
    """JSON nested beyond the interpreter's recursion limit."""


class TomlTooDeep(tomllib.TOMLDecodeError):
    """TOML nested beyond the interpreter's recursion limit."""


def loads_json(text: str | bytes) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        raise JsonTooDeep(TOO_DEEP) from None


def loads_toml(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise TomlTooDeep(TOO_DEEP) from None
