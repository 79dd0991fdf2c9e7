"""First state of both workflows: validate the input, take the environment's lock,
fix the run's deadline and stamp.

Input ``{"input": <execution input>, "workflow": "pause"|"resume",
"execution": $$.Execution.Id, "execution_name": $$.Execution.Name,
"started_at": $$.Execution.StartTime}``.
Output: the normalized settings (see :mod:`settings`) plus ``workflow``,
``owner`` (the execution ARN), ``stamp`` (snapshot id of a pause, run-id suffix),
``run_id`` and ``deadline`` (epoch seconds). Raises ``InvalidInput``, ``LockHeld``
(``DuplicateDelivery``: a second delivery of the schedule fire that started the holder),
``EnvironmentNotOwned`` (tagged by another deployment; an untagged environment is
tagged on its first pause: functions.ownership).
"""

from __future__ import annotations

from typing import Any

from mwaa_pause_resume.functions import clock, layout, lock, ownership, settings, spoke_session

# The lock must outlive the execution, or a second run could take it over while this one
# still works. Handlers check the deadline when they poll, so a run can go on after it for
# one Wait (poll_seconds), then the longest handler (snapshot_verify, 15 min) and the
# failure tail: the margin covers those handlers and their retries.
LOCK_MARGIN_SECONDS = 30 * 60


def lock_ttl_seconds(timeout_minutes: int, poll_seconds: int) -> int:
    """How long a run's lock holds before another run may take it over."""
    return timeout_minutes * 60 + poll_seconds + LOCK_MARGIN_SECONDS


@spoke_session.acting_in_placement
def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    workflow = str(event["workflow"])
    stamp = layout.stamp(str(event["started_at"]), str(event["execution_name"]))
    ctx = settings.normalize(event.get("input"), workflow=workflow, stamp=stamp)
    timeout = int(ctx["timeout_minutes"]) * 60
    owner = str(event["execution"])
    ttl = lock_ttl_seconds(int(ctx["timeout_minutes"]), int(ctx["poll_seconds"]))
    # Before the lock: another deployment's environment is refused with nothing written.
    ownership.claim(ctx["environment"], workflow)
    lock.acquire(
        ctx["bucket"],
        ctx["environment"],
        owner,
        workflow,
        ttl,
        scheduled_time=ctx["scheduled_time"],
    )
    return {
        **ctx,
        "workflow": workflow,
        "owner": owner,
        "stamp": stamp,
        "run_id": settings.run_id(stamp),
        "deadline": clock.now() + timeout,
    }
