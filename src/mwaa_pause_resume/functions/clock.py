"""The handlers' clock (epoch seconds).

Deadlines are computed and checked by the handlers, never by the state machine,
so a test harness that replaces the Wait states' sleep can move this clock
instead (``set_source``) and exercise timeouts without waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

_source: list[Callable[[], float]] = [time.time]


def now() -> float:
    return _source[0]()


def set_source(source: Callable[[], float] | None) -> None:
    """Use ``source`` as the clock (None: the system clock)."""
    _source[0] = source or time.time


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
