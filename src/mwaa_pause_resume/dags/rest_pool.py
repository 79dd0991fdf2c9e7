"""Independent REST calls sent a few at a time, each retried while the service is busy.

The rest-only import makes one ``InvokeRestApi`` call per restored run (Airflow has no
bulk run create), so sent one at a time 10,000 runs take longer than the call latency
allows (BENCHMARKS.md). :func:`run_bounded` sends independent calls from a bounded
pool of threads and gives the results back in the input order, so the import counts
and logs the same way whatever the concurrency. :func:`with_retry` retries a call that
the service answered "busy" (HTTP 429, 502, 503, 504) or that failed in transit
(:class:`~.rest_api.TransientRestApiError`: throttled, timed out, connection lost),
with exponential backoff and full jitter.

MWAA documents no request rate for ``InvokeRestApi``; the concurrency is the import's
bound on calls in flight, set with the environment's Airflow configuration option
``mwaa_pause_resume.rest_concurrency`` (:func:`concurrency_from_environ`). Without it,
the default depends on the environment's Airflow version (:func:`default_concurrency`):
before 3.3 there is no bulk run state update, so the import makes about two calls per
run instead of one, and twice as many in flight keep it near the same time
(BENCHMARKS.md, "Airflow 3 run history through the REST channel").
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from mwaa_pause_resume.dags.rest_api import AirflowRestApi, RestApiError, TransientRestApiError
from mwaa_pause_resume.dags.rest_history_routes import Routes

T = TypeVar("T")
R = TypeVar("R")

# Calls in flight at once from Airflow 3.3. 8: on a real Airflow API server the calls are
# short database transactions, and 8 keep 10,000 runs (one POST each, states in bulk)
# within ten minutes at 0.3 s per call (BENCHMARKS.md).
DEFAULT_CONCURRENCY = 8
# Before 3.3: a PATCH per run for its state as well, twice the calls; 16 keep the same
# bound (BENCHMARKS.md), and above MWAA's 15 connections per web server, which add one.
DEFAULT_CONCURRENCY_BEFORE_BULK_RUNS = 16
MAX_CONCURRENCY = 32
# MWAA passes a configuration option ``section.key`` to tasks as AIRFLOW__SECTION__KEY.
CONCURRENCY_OPTION = "mwaa_pause_resume.rest_concurrency"
CONCURRENCY_ENV = "AIRFLOW__MWAA_PAUSE_RESUME__REST_CONCURRENCY"
# Airflow's or InvokeRestApi's answers that say "busy, try again"; a 500 is not one
# (Airflow's own error, the same on every try).
RETRY_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait: attempt n waits a random time in
    [0, min(cap, base * 2**n)] ("full jitter"), so concurrent callers spread out."""

    attempts: int = 6
    base_seconds: float = 0.5
    cap_seconds: float = 20.0

    def delay(self, attempt: int, draw: float) -> float:
        """The wait after failed attempt ``attempt`` (0-based); ``draw`` in [0, 1)."""
        return draw * min(self.cap_seconds, self.base_seconds * 2.0**attempt)


@dataclass(frozen=True)
class Attempted:
    """A call's final answer and how many attempts it took."""

    status: int
    answer: Any
    attempts: int


def with_retry(
    call: Callable[[], tuple[int, Any]],
    policy: RetryPolicy = RetryPolicy(),
    *,
    sleep: Callable[[float], None] = time.sleep,
    draw: Callable[[], float] = random.random,
) -> Attempted:
    """``call()``'s (status, answer), tried again while the answer is a busy status or
    the call fails in transit. Raises :class:`RestApiError` when every attempt failed in
    transit; a busy status on the last attempt is returned as it is."""
    for attempt in range(policy.attempts):
        last = attempt == policy.attempts - 1
        try:
            status, answer = call()
        except TransientRestApiError as exc:
            if last:
                raise RestApiError(
                    f"{exc} ({policy.attempts} attempts); if InvokeRestApi throttles this "
                    f"environment, lower the configuration option {CONCURRENCY_OPTION}"
                ) from exc
        else:
            if status not in RETRY_STATUSES or last:
                return Attempted(status, answer, attempt + 1)
        sleep(policy.delay(attempt, draw()))
    raise AssertionError("unreachable: the last attempt returns or raises")


def run_bounded(items: Iterable[T], work: Callable[[T], R], concurrency: int) -> list[R]:
    """``[work(item) for item in items]``, at most ``concurrency`` at a time, results in
    the input order. With 1, in this thread (no pool). The first exception is raised
    once every started call has ended."""
    listed = list(items)
    if concurrency <= 1 or len(listed) <= 1:
        return [work(item) for item in listed]
    with ThreadPoolExecutor(max_workers=min(concurrency, len(listed))) as pool:
        futures = [pool.submit(work, item) for item in listed]
    return [future.result() for future in futures]


def default_concurrency(airflow_version: str) -> int:
    """The concurrency when the option is not set: :data:`DEFAULT_CONCURRENCY` from
    Airflow 3.3 (bulk run states), :data:`DEFAULT_CONCURRENCY_BEFORE_BULK_RUNS` before."""
    if Routes.of(airflow_version).bulk_dag_runs:
        return DEFAULT_CONCURRENCY
    return DEFAULT_CONCURRENCY_BEFORE_BULK_RUNS


def concurrency_from_environ(environ: Mapping[str, str], *, airflow_version: str) -> int:
    """The import's concurrency: the option's value, else this Airflow version's
    :func:`default_concurrency`. Raises :class:`ValueError` (what is wrong, how to fix
    it) for a bad value."""
    default = default_concurrency(airflow_version)
    raw = environ.get(CONCURRENCY_ENV, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_CONCURRENCY:
        raise ValueError(
            f"the Airflow configuration option {CONCURRENCY_OPTION} is {raw!r}: set it to a "
            f"whole number from 1 to {MAX_CONCURRENCY} (calls to the REST API in flight "
            f"at once; 1 sends them one at a time), or remove it for {default} (the "
            f"default on Airflow {airflow_version})"
        )
    return value


class RetryingRestApi(AirflowRestApi):
    """``api`` with every call tried again while busy (:func:`with_retry`): its reads,
    bulk updates and single calls alike. Shares ``api``'s client (thread-safe)."""

    def __init__(self, api: AirflowRestApi, policy: RetryPolicy = RetryPolicy()) -> None:
        super().__init__(api.name, client=api._client)
        self._inner = api
        self.policy = policy

    def attempt(
        self, method: str, path: str, *, query: dict[str, Any] | None = None, body: Any = None
    ) -> Attempted:
        """The call's final answer, and whether it took more than one attempt (a POST
        answered 409 after a lost attempt may have been made by that attempt)."""
        return with_retry(
            lambda: self._inner.call(method, path, query=query, body=body), self.policy
        )

    def call(
        self, method: str, path: str, *, query: dict[str, Any] | None = None, body: Any = None
    ) -> tuple[int, Any]:
        done = self.attempt(method, path, query=query, body=body)
        return done.status, done.answer
