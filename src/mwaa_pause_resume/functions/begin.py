"""First state of both workflows: validate the input, take the environment's lock,
fix the run's deadline and stamp.

Input ``{"input": <execution input>, "workflow": "pause"|"resume",
"execution": $$.Execution.Id, "execution_name": $$.Execution.Name,
"started_at": $$.Execution.StartTime}``.
Output: the normalized settings (see :mod:`settings`) plus ``workflow``,
``owner`` (the execution ARN), ``stamp`` (snapshot id of a pause, run-id suffix),
``run_id`` and ``deadline`` (epoch seconds). Raises ``InvalidInput``, ``LockHeld``.
"""

from __future__ import annotations

from typing import Any

from mwaa_pause_resume.functions import clock, layout, lock, settings

# The lock outlives the run's own deadline by this much, then can be taken over.
LOCK_MARGIN_SECONDS = 30 * 60


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    workflow = str(event["workflow"])
    stamp = layout.stamp(str(event["started_at"]), str(event["execution_name"]))
    ctx = settings.normalize(event.get("input"), workflow=workflow, stamp=stamp)
    timeout = int(ctx["timeout_minutes"]) * 60
    owner = str(event["execution"])
    lock.acquire(ctx["bucket"], ctx["environment"], owner, workflow, timeout + LOCK_MARGIN_SECONDS)
    return {
        **ctx,
        "workflow": workflow,
        "owner": owner,
        "stamp": stamp,
        "run_id": settings.run_id(stamp),
        "deadline": clock.now() + timeout,
    }
