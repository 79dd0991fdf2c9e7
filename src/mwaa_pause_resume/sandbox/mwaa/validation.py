"""Server-side input validation from botocore's MWAA model, as AWS applies it.

botocore's client-side ParamValidator checks types, required members and
minimums; AWS also enforces maximums, enums and patterns. A request that reaches
the emulator from something other than a validating client (a hand-written
call, a step function's JSON) must be refused like AWS would refuse it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

try:  # AWS patterns use Java classes such as \p{L}; the `regex` module knows them.
    import regex as _regex_module
except ImportError:  # pragma: no cover - depends on the environment
    import re as _regex_module


class InputInvalid(ValueError):
    """The request does not satisfy its input shape; ``str()`` is AWS-style text."""


def validate_input(params: Mapping[str, Any], shape: Any) -> None:
    """Raise :class:`InputInvalid` listing every violation of ``shape``."""
    from botocore.validate import ParamValidator

    report = ParamValidator().validate(dict(params), shape)
    if report.has_errors():
        raise InputInvalid(report.generate_report())
    problems: list[str] = []
    _check(params, shape, _lower_first(shape.name), problems, sensitive=False)
    if problems:
        count = len(problems)
        raise InputInvalid(
            f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(problems)
        )


def _check(value: Any, shape: Any, path: str, problems: list[str], *, sensitive: bool) -> None:
    meta = shape.metadata
    sensitive = sensitive or bool(meta.get("sensitive"))
    if meta.get("document"):
        return
    kind = shape.type_name
    shown = "***" if sensitive else repr(value)
    if kind == "structure" and isinstance(value, Mapping):
        for key, item in value.items():
            member = shape.members.get(key)
            if member is not None and item is not None:
                _check(item, member, f"{path}.{_lower_first(key)}", problems, sensitive=sensitive)
        return
    sized = hasattr(value, "__len__")
    if kind in ("list", "map", "string") and "max" in meta and sized and len(value) > meta["max"]:
        problems.append(
            f"Value {shown} at '{path}' failed to satisfy constraint: "
            f"Member must have length less than or equal to {meta['max']}"
        )
    numeric = isinstance(value, int) and not isinstance(value, bool)
    if kind in ("integer", "long") and "max" in meta and numeric and value > meta["max"]:
        problems.append(
            f"Value {shown} at '{path}' failed to satisfy constraint: "
            f"Member must have value less than or equal to {meta['max']}"
        )
    if kind == "string" and isinstance(value, str):
        enum = getattr(shape, "enum", None)
        if enum and value not in enum:
            problems.append(
                f"Value {shown} at '{path}' failed to satisfy constraint: "
                f"Member must satisfy enum value set: [{', '.join(enum)}]"
            )
        pattern = _compiled(meta["pattern"]) if "pattern" in meta else None
        if pattern is not None and not pattern.fullmatch(value):
            problems.append(
                f"Value {shown} at '{path}' failed to satisfy constraint: "
                f"Member must satisfy regular expression pattern: {meta['pattern']}"
            )
    if kind == "list" and isinstance(value, list):
        for item in value:
            _check(item, shape.member, f"{path}.member", problems, sensitive=sensitive)
    if kind == "map" and isinstance(value, Mapping):
        for key, item in value.items():
            _check(key, shape.key, f"{path}.key", problems, sensitive=sensitive)
            _check(item, shape.value, f"{path}.{key}", problems, sensitive=sensitive)


@functools.cache
def _compiled(pattern: str) -> Any:
    """The model's patterns were anchored regexes (``^...$`` became ``.*``): full match."""
    try:
        return _regex_module.compile(pattern)
    except Exception:  # a construct the local engine lacks: skip rather than misjudge
        return None


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]
