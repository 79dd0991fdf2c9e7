"""Routing: HTTP method + path -> MWAA operation, from the service model's requestUri.

botocore percent-encodes every non-greedy URI label (``/`` and ``:`` included),
so a label never spans a ``/`` and is unquoted once matched.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

# Operations the emulator answers (the rest of the model answers 404).
SUPPORTED_OPERATIONS = (
    "CreateEnvironment",
    "GetEnvironment",
    "ListEnvironments",
    "DeleteEnvironment",
    "UpdateEnvironment",
    "InvokeRestApi",
    "TagResource",
    "UntagResource",
    "ListTagsForResource",
)


@dataclass(frozen=True)
class Route:
    operation: str
    method: str
    pattern: re.Pattern[str]


@functools.cache
def service_model() -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model("mwaa")


@functools.cache
def routes() -> tuple[Route, ...]:
    table = []
    for name in SUPPORTED_OPERATIONS:
        http = service_model().operation_model(name).http
        table.append(Route(name, http["method"], _compile(http["requestUri"])))
    return tuple(table)


def match(method: str, path: str) -> tuple[str, dict[str, str]] | None:
    """(operation name, URI labels) for a request, or None if no operation matches."""
    for route in routes():
        if route.method != method:
            continue
        found = route.pattern.fullmatch(path)
        if found:
            return route.operation, {k: unquote(v) for k, v in found.groupdict().items()}
    return None


def _compile(request_uri: str) -> re.Pattern[str]:
    path = request_uri.split("?", 1)[0]
    regex = ""
    for part in re.split(r"(\{[^}]+\})", path):
        if part.startswith("{"):
            label = part[1:-1]
            if label.endswith("+"):
                regex += f"(?P<{label[:-1]}>.+)"
            else:
                regex += f"(?P<{label}>[^/]+)"
        else:
            regex += re.escape(part)
    return re.compile(regex)
