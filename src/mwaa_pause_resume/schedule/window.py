"""The flexible time window of an environment's schedules (pure).

``schedule_window_minutes`` spreads a fleet's schedules that name the same minute, so
that hundreds of pauses or resumes do not all reach MWAA in the same second
(docs/schedules.md, "Spreading a fleet's schedules"). EventBridge Scheduler's flexible
time window fires a schedule at a random time *after* its time, up to the window:

- the **pause** gets the window as is: it starts up to that many minutes late, which
  costs at most those minutes of running;
- the **resume** must not start later than configured, so its cron is moved the window
  earlier and gets the window: it starts in ``[time - window, time]``. With
  ``resume_ready_by`` the move adds to the lead cap's, and the resume's first state
  (functions.resume_timing) keeps the spread when it waits for ``ready-by - lead``: it
  waits until ``ready-by - lead - (window - delay)``, ``delay`` being how late in its
  window the fire came, so no resume starts later than without a window.
"""

from __future__ import annotations

from typing import Any, Final

# EventBridge Scheduler accepts 1-1440; two hours is plenty to spread a thousand
# environments (docs/throttling.md) and keeps the extra running time bounded.
MAX_WINDOW_MINUTES: Final = 120


def flexible_time_window(minutes: int) -> dict[str, Any]:
    """EventBridge Scheduler's ``FlexibleTimeWindow`` for a window of ``minutes``
    (0: the exact time)."""
    if minutes <= 0:
        return {"Mode": "OFF"}
    return {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": minutes}


def resume_shift_minutes(window_minutes: int) -> int:
    """How much earlier than configured the resume's cron fires."""
    return max(0, window_minutes)


def fire_range(window_minutes: int, action: str) -> tuple[int, int]:
    """Minutes relative to the configured time within which a run starts:
    ``(0, w)`` for a pause, ``(-w, 0)`` for a resume (its cron fires ``w`` earlier)."""
    w = max(0, window_minutes)
    return (0, w) if action == "pause" else (-w, 0)


def spread_begin(
    ready_by_at: float,
    lead_seconds: float,
    window_seconds: float,
    scheduled_at: float,
    now: float,
) -> float:
    """When a ready-by resume begins (epoch seconds): ``ready_by - lead``, brought
    forward by the part of the window its fire did not use, so that the fires' spread
    survives the wait; never later than ``ready_by - lead``."""
    delay = min(max(0.0, now - scheduled_at), window_seconds)
    return ready_by_at - lead_seconds - (window_seconds - delay)
