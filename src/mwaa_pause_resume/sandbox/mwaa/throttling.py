"""Rate-based throttling for the MWAA emulator: token buckets, as AWS front ends use.

Each throttled call is answered ``ThrottlingException`` with HTTP 429, as MWAA's
REST-JSON front end answers it (the service model declares no throttling shape; botocore
and our functions recognise the code and the status). A bucket holds ``burst`` tokens,
refilled at ``per_second``; a call takes one token or is throttled. Buckets are per
operation and account-wide, and for ``InvokeRestApi`` also per environment (AWS documents
a 10 TPS limit for it). On top, ``probability`` throttles any call at random, as a busy
service does now and then. Time comes from the emulator's clock, so the sandbox's
virtual time drives the refill.

Which rates are realistic is in docs/throttling.md: AWS publishes only the InvokeRestApi
figure; the control-plane rates of :data:`REALISTIC` are assumptions, chosen on the low
side of what AWS control planes allow.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

THROTTLING_STATUS: Final = 429


@dataclass(frozen=True)
class Rate:
    """``per_second`` sustained, ``burst`` at once (the bucket's size)."""

    per_second: float
    burst: int

    def __post_init__(self) -> None:
        if self.per_second <= 0 or self.burst < 1:
            raise ValueError(f"a rate needs per_second > 0 and burst >= 1, got {self}")


class TokenBucket:
    """Tokens refilled continuously at ``rate.per_second`` up to ``rate.burst`` (pure:
    the caller gives the time)."""

    def __init__(self, rate: Rate, now: float) -> None:
        self.rate = rate
        self.tokens = float(rate.burst)
        self.updated = now

    def take(self, now: float) -> bool:
        """One token if there is one (True), else False; ``now`` never goes back."""
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(float(self.rate.burst), self.tokens + elapsed * self.rate.per_second)
        self.updated = max(self.updated, now)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


@dataclass(frozen=True)
class ThrottlePolicy:
    """What to throttle: account-wide rates per operation, InvokeRestApi's rate per
    environment, and a probability of throttling any call at random."""

    operations: Mapping[str, Rate] = field(default_factory=dict)
    invoke_per_environment: Rate | None = None
    probability: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.probability < 1.0:
            raise ValueError(f"probability must be in [0, 1), got {self.probability}")


# Assumed account-wide control-plane rates (AWS publishes none for MWAA: see
# docs/throttling.md); InvokeRestApi's 10 TPS is AWS's own figure (MWAA FAQ), applied per
# environment and, pessimistically, also to the whole account (5 per second sustained
# leaves room for the 1,000 environments one poll a minute each makes, 17 a second, only
# with throttling: the burst then runs with it). 2 % of all calls throttled at random.
REALISTIC: Final = ThrottlePolicy(
    operations={
        "GetEnvironment": Rate(10.0, 20),
        "ListEnvironments": Rate(5.0, 10),
        "CreateEnvironment": Rate(2.0, 5),
        "UpdateEnvironment": Rate(2.0, 5),
        "DeleteEnvironment": Rate(2.0, 5),
        "TagResource": Rate(5.0, 10),
        "UntagResource": Rate(5.0, 10),
        "ListTagsForResource": Rate(5.0, 10),
        "InvokeRestApi": Rate(10.0, 20),
    },
    invoke_per_environment=Rate(10.0, 10),
    probability=0.02,
)


class Throttle:
    """A :class:`ThrottlePolicy` applied to calls as they arrive (thread-safe); counts
    what it admitted and what it throttled, per operation."""

    def __init__(
        self,
        policy: ThrottlePolicy,
        clock: Callable[[], float],
        *,
        seed: int | None = None,
    ) -> None:
        self.policy = policy
        self.clock = clock
        self.throttled: Counter[str] = Counter()
        self.admitted: Counter[str] = Counter()
        self._random = random.Random(seed)
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._lock = threading.Lock()

    def admit(self, operation: str, params: Mapping[str, Any]) -> bool:
        """True: the call goes on; False: answer it ThrottlingException."""
        with self._lock:
            now = self.clock()
            keys: list[tuple[tuple[str, str], Rate]] = []
            rate = self.policy.operations.get(operation)
            if rate is not None:
                keys.append(((operation, ""), rate))
            per_env = self.policy.invoke_per_environment
            if operation == "InvokeRestApi" and per_env is not None:
                keys.append(((operation, str(params.get("Name", ""))), per_env))
            admitted = all(self._bucket(key, rate_, now).take(now) for key, rate_ in keys)
            if admitted and self.policy.probability:
                admitted = self._random.random() >= self.policy.probability
            (self.admitted if admitted else self.throttled)[operation] += 1
            return admitted

    def _bucket(self, key: tuple[str, str], rate: Rate, now: float) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(rate, now)
        return bucket

    @property
    def total_throttled(self) -> int:
        with self._lock:
            return sum(self.throttled.values())
