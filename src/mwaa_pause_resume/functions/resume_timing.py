"""Timing of the workflows: when a ready-by resume starts, and what each run measured.

``{"action": "plan", "input": <execution input>}`` (the resume's first state, before
Begin): the learned lead (schedule.lead_time) from ``<env>/timing.json`` and how long to
wait before starting, so the resume ends by the ready-by time that follows the schedule's
fire. Output ``{"began_at", "wait_seconds", "ready_by_at", "lead_seconds",
"lead_source"}`` (epoch seconds; ``ready_by_at`` is null for a run without a ready-by
time, e.g. started from the CLI). Invalid input is Begin's to refuse, and an unreadable
history falls back to the default lead; only throttling and 5xx (``AwsThrottled``,
``AwsUnavailable``) fail it, for the state's Retry.

``{"action": "record", "workflow", "environment", "bucket", "timing"}`` (a successful
run's last step, under the lock): adds the run to ``timing.json``. Output: what the
notification, the metrics and ``report`` read (``began_at``, ``ended_at``,
``duration_seconds``, ``late``, ``paused_seconds`` since the last pause, ...).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from mwaa_pause_resume.functions import clock, settings, snapshot_io
from mwaa_pause_resume.functions.errors import AwsThrottled, AwsUnavailable
from mwaa_pause_resume.schedule import lead_time, timing_history, window
from mwaa_pause_resume.schedule.fire_times import next_fire_times

# Errors the state's Retry handles: never swallowed here.
TRANSIENT = (AwsThrottled, AwsUnavailable)


def ready_by_instant(ready_by: dict[str, Any], scheduled_time: str) -> float | None:
    """The first ready-by time after the schedule's fire (epoch seconds)."""
    fired = datetime.fromisoformat(scheduled_time.replace("Z", "+00:00"))
    if fired.tzinfo is None:
        fired = fired.replace(tzinfo=UTC)
    times = next_fire_times(str(ready_by["cron"]), str(ready_by["timezone"]), fired, 1)
    return times[0].timestamp() if times else None


def plan(raw: Any) -> dict[str, Any]:
    now = clock.now()
    nothing = {"began_at": now, "wait_seconds": 0, "ready_by_at": None}
    if not isinstance(raw, dict):
        return {**nothing, "lead_seconds": None, "lead_source": None}
    ready_by = raw.get("ready_by")
    scheduled = raw.get("scheduled_time")
    if not isinstance(ready_by, dict) or not isinstance(scheduled, str):
        return {**nothing, "lead_seconds": None, "lead_source": None}
    try:
        at = ready_by_instant(ready_by, scheduled)
    except (ValueError, KeyError, TypeError):  # not substituted, or not a cron: no wait
        at = None
    history, source_note = _history(raw)
    lead = lead_time.learned_lead(
        timing_history.durations(history),
        default_minutes=int(ready_by.get("default_lead_minutes", lead_time.DEFAULT_LEAD_MINUTES)),
        margin_minutes=int(ready_by.get("margin_minutes", lead_time.DEFAULT_MARGIN_MINUTES)),
        max_minutes=int(ready_by.get("max_lead_minutes", lead_time.DEFAULT_MAX_LEAD_MINUTES)),
    )
    if at is None:
        return {**nothing, "lead_seconds": lead.seconds, "lead_source": lead.source}
    begin = window.spread_begin(at, lead.seconds, _window_seconds(ready_by), _epoch(scheduled), now)
    wait = max(0, math.floor(begin - now))
    return {
        "began_at": now + wait,
        "wait_seconds": wait,
        "ready_by_at": at,
        "lead_seconds": lead.seconds,
        "lead_source": lead.source + source_note + (" (capped)" if lead.capped else ""),
    }


def _window_seconds(ready_by: dict[str, Any]) -> float:
    """The schedule's flexible window (schedule.window), 0 when absent or not a number."""
    try:
        return max(0.0, float(ready_by.get("window_minutes") or 0) * 60)
    except (TypeError, ValueError):
        return 0.0


def _epoch(scheduled_time: str) -> float:
    fired = datetime.fromisoformat(scheduled_time.replace("Z", "+00:00"))
    return (fired if fired.tzinfo else fired.replace(tzinfo=UTC)).timestamp()


def _history(raw: dict[str, Any]) -> tuple[dict[str, Any], str]:
    bucket = raw.get("bucket")
    if not settings.is_environment_name(raw.get("environment")) or not (
        isinstance(bucket, str) and settings.BUCKET_NAME.fullmatch(bucket)
    ):
        return timing_history.empty(), ""
    try:
        document = snapshot_io.read_json(bucket, timing_history.timing_key(raw["environment"]))
    except TRANSIENT:
        raise  # throttled or unavailable: the state's Retry asks again (a burst must not
        # fall back to the default lead for want of one read)
    except Exception as exc:  # the lead still has its default: the resume must go on
        return timing_history.empty(), f" (history unreadable: {type(exc).__name__})"
    return timing_history.parse(document), ""


def record(event: dict[str, Any]) -> dict[str, Any]:
    environment = settings.environment_name(event)
    bucket = str(event["bucket"])
    workflow = str(event.get("workflow"))
    now = clock.now()
    key = timing_history.timing_key(environment)
    out: dict[str, Any] = {"ended_at": now}
    try:
        history = timing_history.parse(snapshot_io.read_json(bucket, key))
    except TRANSIENT:
        raise  # retried: writing an empty history over one we could not read loses it
    except Exception as exc:
        history, out["history_error"] = timing_history.empty(), str(exc)
    if workflow == "pause":
        history = timing_history.with_pause(history, now)
    else:
        given = event.get("timing")
        timing: dict[str, Any] = given if isinstance(given, dict) else {}
        began = float(timing.get("began_at") or now)
        ready_by_at = timing.get("ready_by_at")
        paused_since = history["last_pause_ended_at"]
        out |= {
            "began_at": began,
            "duration_seconds": round(now - began),
            "ready_by_at": ready_by_at,
            "late": ready_by_at is not None and now > float(ready_by_at),
            "late_seconds": max(0, round(now - float(ready_by_at))) if ready_by_at else 0,
            "lead_seconds": timing.get("lead_seconds"),
            "paused_seconds": round(began - paused_since) if paused_since else None,
        }
        kept = ("began_at", "ended_at", "ready_by_at", "late", "lead_seconds")
        entry = {k: out[k] for k in kept} | {"duration": out["duration_seconds"]}
        history = timing_history.with_resume(history, entry)
    try:
        snapshot_io.write_json(bucket, key, history)
    except TRANSIENT:
        raise  # retried (the read above is repeated, so nothing is appended twice)
    except Exception as exc:  # measured, not stored: the run itself succeeded
        out["history_error"] = str(exc)
    return out


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    if event.get("action") == "plan":
        return plan(event.get("input"))
    return record(event)
