"""Many independent AWS reads at once, never more than a bound in flight.

A fleet's ``status`` reads a few objects per environment; one after the other, a
thousand environments wait on a thousand round trips several times over. A small pool
overlaps the round trips while keeping within what AWS lets one caller do (botocore
retries the throttled ones).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Reads in flight at once: enough to hide round trips, well under the request rates
# Step Functions, S3, SSM and the MWAA control plane allow one caller.
DEFAULT_CONCURRENCY = 8


def map_bounded(fn: Callable[[T], R], items: Sequence[T], concurrency: int) -> list[R]:
    """``[fn(item) for item in items]``, in order, up to ``concurrency`` at once; the
    first exception raised by ``fn`` is raised here."""
    if concurrency <= 1 or len(items) <= 1:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(concurrency, len(items))) as pool:
        return list(pool.map(fn, items))
