"""Fault injection for the MWAA emulator: errors on chosen calls, failed creations,
failing Airflow REST calls (each armed fault fires a given number of times), and
rate-based throttling (:meth:`Faults.limit_rates`, token buckets in :mod:`.throttling`)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from mwaa_pause_resume.sandbox.mwaa.throttling import Throttle, ThrottlePolicy

# MWAA models no throttling error; AWS's generic one is what clients see.
THROTTLING_CODE = "ThrottlingException"

F = TypeVar("F")


@dataclass
class InjectedError:
    """An AWS error to answer instead of running the operation."""

    code: str
    message: str
    status: int | None = None  # None: the model's status for ``code``, else 400
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class CreateFailure:
    """The next created environment ends CREATE_FAILED with this LastUpdate.Error."""

    error_code: str
    error_message: str


@dataclass
class RestApiFailure:
    """Airflow answers ``status`` + ``body`` to a matching InvokeRestApi call."""

    status: int
    body: dict[str, Any]
    method: str | None = None
    path_prefix: str | None = None

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path_prefix is None or path.startswith(self.path_prefix)


@dataclass
class _Armed(Generic[F]):
    fault: F
    remaining: int


class Faults:
    """Armed faults, consumed by the emulator as calls arrive (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._errors: dict[str, list[_Armed[InjectedError]]] = {}
        self._creates: list[CreateFailure] = []
        self._rest: list[_Armed[RestApiFailure]] = []
        self.rates: Throttle | None = None

    def fail_next(
        self,
        operation: str,
        code: str,
        message: str = "injected failure",
        *,
        times: int = 1,
        status: int | None = None,
        fields: dict[str, Any] | None = None,
    ) -> None:
        """The next ``times`` calls of ``operation`` (e.g. "GetEnvironment") fail with ``code``."""
        with self._lock:
            fault = InjectedError(code, message, status, dict(fields or {}))
            self._errors.setdefault(operation, []).append(_Armed(fault, times))

    def throttle(self, operation: str, times: int = 1, *, status: int = 400) -> None:
        """The next ``times`` calls of ``operation`` are throttled (HTTP ``status``)."""
        self.fail_next(operation, THROTTLING_CODE, "Rate exceeded", times=times, status=status)

    def limit_rates(
        self, policy: ThrottlePolicy, clock: Callable[[], float], *, seed: int | None = None
    ) -> Throttle:
        """From now on, calls beyond ``policy``'s rates (on ``clock``) are throttled
        (HTTP 429); the returned :class:`Throttle` counts them. ``clear`` ends it."""
        with self._lock:
            self.rates = Throttle(policy, clock, seed=seed)
            return self.rates

    def admit(self, operation: str, params: dict[str, Any]) -> bool:
        """Whether the rate limits (if any) let this call through."""
        rates = self.rates
        return rates is None or rates.admit(operation, params)

    def fail_next_create(
        self,
        error_code: str = "INCORRECT_CONFIGURATION",
        error_message: str = "You may need to check the execution role permissions policy "
        "for your environment, and that each of the VPC networking components required by "
        "the environment are configured to allow traffic.",
    ) -> None:
        """The next CreateEnvironment is accepted, then the environment ends CREATE_FAILED."""
        with self._lock:
            self._creates.append(CreateFailure(error_code, error_message))

    def fail_next_invoke(
        self,
        status: int = 500,
        body: dict[str, Any] | None = None,
        *,
        times: int = 1,
        method: str | None = None,
        path_prefix: str | None = None,
    ) -> None:
        """Airflow answers ``status`` to the next matching InvokeRestApi calls."""
        default = {"title": "Injected failure", "status": status, "detail": "injected failure"}
        with self._lock:
            failure = RestApiFailure(status, body or default, method, path_prefix)
            self._rest.append(_Armed(failure, times))

    def clear(self) -> None:
        with self._lock:
            self._errors.clear()
            self._creates.clear()
            self._rest.clear()
            self.rates = None

    def take_error(self, operation: str) -> InjectedError | None:
        with self._lock:
            armed = self._errors.get(operation) or []
            return _consume(armed, lambda _: True)

    def take_create_failure(self) -> CreateFailure | None:
        with self._lock:
            return self._creates.pop(0) if self._creates else None

    def take_rest_failure(self, method: str, path: str) -> RestApiFailure | None:
        with self._lock:
            return _consume(self._rest, lambda f: f.matches(method, path))


def _consume(armed: list[_Armed[F]], accept: Callable[[F], bool]) -> F | None:
    for index, entry in enumerate(armed):
        if accept(entry.fault):
            entry.remaining -= 1
            if entry.remaining <= 0:
                del armed[index]
            return entry.fault
    return None
