"""``resume_ready_by`` and ``schedule_window_minutes`` rewrite an environment's
``resume_schedule`` into the cron that actually fires (schedule.ready_by, schedule.window).

``merged`` is one environment's values ([defaults] and its own entry); ``broken`` the
keys whose value was rejected; ``where`` the path of a key (its entry or [defaults]).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mwaa_pause_resume.config.fields import ENVIRONMENT_DEFAULTS
from mwaa_pause_resume.config.naming import AddProblem, FieldPath
from mwaa_pause_resume.schedule.cron import CronError
from mwaa_pause_resume.schedule.ready_by import fire_cron
from mwaa_pause_resume.schedule.window import MAX_WINDOW_MINUTES


def apply_ready_by(
    merged: dict[str, Any],
    broken: set[str],
    where: Callable[[str], FieldPath],
    *,
    add: AddProblem,
    k: Callable[[str], str],
) -> None:
    """``resume_ready_by`` replaces ``resume_schedule``: the schedule becomes the cron
    firing the lead cap before it (schedule.ready_by)."""
    ready_by = merged.get("resume_ready_by")
    if not ready_by or "resume_ready_by" in broken:
        return
    if "resume_schedule" in merged or "resume_schedule" in broken:
        # The more specific table wins: an entry's key over the other's in [defaults].
        ready_level, schedule_level = where("resume_ready_by")[0], where("resume_schedule")[0]
        if ready_level != schedule_level:
            if schedule_level == "defaults":
                merged.pop("resume_schedule", None)
                broken.discard("resume_schedule")
            else:
                merged.pop("resume_ready_by")
                return
    if "resume_schedule" in merged or "resume_schedule" in broken:
        add(
            where("resume_ready_by"),
            f"is set together with {k('resume_schedule')}; an environment has one or the other",
            f"remove {k('resume_schedule')} (the resume then starts early enough to be "
            f"ready by {ready_by!r}) or remove {k('resume_ready_by')}",
        )
        broken.add("resume_ready_by")
        return
    cap = merged.get("resume_lead_max_minutes", ENVIRONMENT_DEFAULTS["resume_lead_max_minutes"])
    try:
        # A schedule window moves the fire that much earlier again (schedule.window).
        merged["resume_schedule"] = fire_cron(ready_by, cap + _window(merged, broken))
    except CronError as exc:
        add(where("resume_ready_by"), exc.message, exc.hint or "")
        broken.add("resume_ready_by")


def apply_resume_window(
    merged: dict[str, Any],
    broken: set[str],
    where: Callable[[str], FieldPath],
    *,
    add: AddProblem,
) -> None:
    """With ``schedule_window_minutes`` and a plain ``resume_schedule``, the resume
    fires the window earlier (it then starts within the window before the configured
    time, never after it: schedule.window)."""
    window = _window(merged, broken)
    cron = merged.get("resume_schedule")
    if not window or merged.get("resume_ready_by") or not isinstance(cron, str):
        return
    if "resume_schedule" in broken:
        return
    try:
        merged["resume_schedule"] = fire_cron(cron, window, what="resume_schedule")
    except CronError as exc:
        add(where("schedule_window_minutes"), exc.message, exc.hint or "")
        broken.add("schedule_window_minutes")


def _window(merged: dict[str, Any], broken: set[str]) -> int:
    """The schedule window in minutes, 0 when unset or invalid (its own problem is
    reported by its rule)."""
    value = merged.get("schedule_window_minutes", 0)
    if "schedule_window_minutes" in broken or isinstance(value, bool):
        return 0
    return value if isinstance(value, int) and 0 < value <= MAX_WINDOW_MINUTES else 0
