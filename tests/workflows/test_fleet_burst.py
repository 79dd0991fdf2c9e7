"""A fleet's burst through the real state machines: many environments paused at the
same instant under throttling (MWAA's 429s and Lambda's concurrency), every one paused.

The default suite runs a small burst with tight rates, so that every step is throttled;
``MWAA_PR_FLEET_BURST=1`` runs the 300-environment pause and resume of BENCHMARKS.md
"Fleet burst" (tens of minutes on two cores).
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any

import pytest

from mwaa_pause_resume.infra.workflows.synth import synthesize_definitions
from mwaa_pause_resume.sandbox.burst import BurstSettings, run_burst, without_jitter
from mwaa_pause_resume.sandbox.event_clock import EventClock
from mwaa_pause_resume.sandbox.mwaa.throttling import Rate, ThrottlePolicy

# Far below REALISTIC: eight environments meet a throttle at almost every MWAA call.
TIGHT = ThrottlePolicy(
    operations={
        "GetEnvironment": Rate(0.5, 2),
        "DeleteEnvironment": Rate(0.2, 1),
        "TagResource": Rate(0.5, 2),
        "InvokeRestApi": Rate(1.0, 3),
    },
    invoke_per_environment=Rate(1.0, 2),
    probability=0.05,
)


def task_retriers() -> list[tuple[str, list[dict[str, Any]]]]:
    return [
        (name, state.get("Retry") or [])
        for asl in synthesize_definitions().values()
        for name, state in asl["States"].items()
        if state["Type"] == "Task"
    ]


def test_every_task_retries_throttling_first_with_full_jitter_and_a_cap() -> None:
    for name, retriers in task_retriers():
        throttling = retriers[0]
        assert throttling["ErrorEquals"] == ["AwsThrottled", "Lambda.TooManyRequestsException"]
        assert throttling["MaxAttempts"] >= 16, name
        for retrier in retriers:
            if "DagNotParsedYet" in retrier["ErrorEquals"]:
                continue  # a fixed 20 s poll for a fresh environment, not a backoff
            assert retrier["JitterStrategy"] == "FULL", name
            assert retrier["MaxDelaySeconds"] <= 60, name
    transient = [r for _, rs in task_retriers() for r in rs if "AwsUnavailable" in r["ErrorEquals"]]
    assert transient and all("AwsThrottled" not in r["ErrorEquals"] for r in transient)


def test_the_baseline_without_jitter_removes_only_the_jitter() -> None:
    asl = json.loads(json.dumps(synthesize_definitions()["pause"]))
    changed = without_jitter(json.loads(json.dumps(asl)))
    for name, state in asl["States"].items():
        retries = zip(
            state.get("Retry") or [], changed["States"][name].get("Retry") or [], strict=True
        )
        for before, after in retries:
            before.pop("JitterStrategy", None)
            assert before == after


def test_the_event_clock_moves_only_when_every_participant_sleeps() -> None:
    clock = EventClock(start=0.0)
    woke: list[tuple[str, float]] = []

    def sleeper(name: str, seconds: float) -> None:
        clock.sleep(seconds)
        woke.append((name, clock()))
        clock.leave()

    with clock.holding():  # nothing moves while the threads start
        threads = []
        for name, seconds in (("a", 30.0), ("b", 10.0), ("c", 10.0)):
            clock.join()
            threads.append(threading.Thread(target=sleeper, args=(name, seconds)))
            threads[-1].start()
        assert clock() == 0.0
    for thread in threads:
        thread.join(5)
    assert sorted(woke) == [("a", 30.0), ("b", 10.0), ("c", 10.0)]
    assert clock() == 30.0 and clock.participants == 0
    clock.skip_to(100.0)
    assert clock() == 100.0


def test_eight_environments_paused_at_once_under_throttling_all_pause() -> None:
    [pause] = run_burst(
        BurstSettings(
            environments=8,
            delete_minutes=2,
            throttling=TIGHT,
            lambda_concurrency=4,  # eight executions at once: Lambda refuses some
            lambda_seconds=1.0,
            phases=("pause",),
            timeout_seconds=240,
        )
    )
    assert pause.failures == []
    assert pause.succeeded == 8
    assert pause.retried["AwsThrottled"] > 0
    assert pause.retried["Lambda.TooManyRequestsException"] > 0
    assert pause.lambda_throttled == pause.retried["Lambda.TooManyRequestsException"]
    assert sum(pause.mwaa_throttled.values()) > 0


@pytest.mark.skipif(
    os.environ.get("MWAA_PR_FLEET_BURST") != "1",
    reason="the 300-environment burst takes tens of minutes: MWAA_PR_FLEET_BURST=1",
)
def test_three_hundred_environments_pause_and_resume_in_one_burst() -> None:
    pause, resume = run_burst(BurstSettings(environments=300))
    for phase in (pause, resume):
        assert phase.failures == [], phase.failures[:5]
        assert phase.succeeded == 300
    assert resume.late == []
