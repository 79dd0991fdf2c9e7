"""Rate-based throttling in the MWAA emulator: token buckets per operation and per
environment for InvokeRestApi, random throttling, HTTP 429 on the wire."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mwaa_pause_resume.functions import aws
from mwaa_pause_resume.functions.errors import AwsThrottled
from mwaa_pause_resume.sandbox.mwaa import ManualClock, MwaaBackend
from mwaa_pause_resume.sandbox.mwaa.throttling import (
    REALISTIC,
    Rate,
    Throttle,
    ThrottlePolicy,
    TokenBucket,
)

Request = Callable[..., dict[str, Any]]


def test_a_bucket_allows_its_burst_then_its_rate() -> None:
    bucket = TokenBucket(Rate(per_second=2.0, burst=3), now=0.0)
    assert [bucket.take(0.0) for _ in range(4)] == [True, True, True, False]
    assert bucket.take(0.4) is False  # 0.8 of a token
    assert bucket.take(0.5) is True  # one token after half a second
    assert [bucket.take(10.0) for _ in range(4)] == [True, True, True, False]  # never > burst


def test_invoke_rest_api_has_a_bucket_per_environment() -> None:
    now = [0.0]
    policy = ThrottlePolicy(invoke_per_environment=Rate(1.0, 2))
    throttle = Throttle(policy, lambda: now[0])
    for _ in range(2):
        assert throttle.admit("InvokeRestApi", {"Name": "a"})
    assert not throttle.admit("InvokeRestApi", {"Name": "a"})
    assert throttle.admit("InvokeRestApi", {"Name": "b"})  # another environment's bucket
    assert throttle.admit("GetEnvironment", {"Name": "a"})  # no limit set for it
    assert throttle.throttled == {"InvokeRestApi": 1}
    assert throttle.admitted == {"InvokeRestApi": 3, "GetEnvironment": 1}


def test_random_throttling_is_reproducible_with_a_seed() -> None:
    policy = ThrottlePolicy(probability=0.3)
    runs = [Throttle(policy, lambda: 0.0, seed=7) for _ in range(2)]
    answers = [[t.admit("GetEnvironment", {}) for _ in range(200)] for t in runs]
    assert answers[0] == answers[1]
    assert 30 < answers[0].count(False) < 90  # about 60 of 200


@pytest.mark.parametrize(
    "bad", [lambda: Rate(0.0, 1), lambda: Rate(1.0, 0), lambda: ThrottlePolicy(probability=1.0)]
)
def test_impossible_rates_are_refused(bad: Callable[[], object]) -> None:
    with pytest.raises(ValueError):
        bad()


def test_the_realistic_policy_limits_every_call_the_workflows_make() -> None:
    for operation in ("GetEnvironment", "CreateEnvironment", "DeleteEnvironment",
                      "UpdateEnvironment", "InvokeRestApi", "TagResource"):  # fmt: skip
        assert operation in REALISTIC.operations
    assert REALISTIC.invoke_per_environment == Rate(10.0, 10)  # AWS's 10 TPS


def test_over_the_rate_mwaa_answers_429_throttling_which_the_functions_retry(
    client: Any, backend: MwaaBackend, clock: ManualClock, make_request: Request
) -> None:
    backend.seed(make_request())
    policy = ThrottlePolicy(operations={"GetEnvironment": Rate(1.0, 2)})
    throttle = backend.faults.limit_rates(policy, clock)
    client.get_environment(Name="env-a")
    client.get_environment(Name="env-a")
    with pytest.raises(client.exceptions.ClientError) as caught:
        client.get_environment(Name="env-a")
    error = caught.value.response
    assert error["Error"]["Code"] == "ThrottlingException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert isinstance(aws.translate(caught.value, "GetEnvironment"), AwsThrottled)
    clock.advance(1.0)
    assert client.get_environment(Name="env-a")["Environment"]["Name"] == "env-a"
    assert throttle.total_throttled == 1
    backend.faults.clear()  # ends the limits
    for _ in range(5):
        client.get_environment(Name="env-a")
