"""A ready-by time's schedule: the cron that fires the cap's length before it (pure).

The resume schedule of a ``resume_ready_by`` environment fires at ready-by minus the
lead cap, and the workflow waits out the difference between the cap and the learned
lead (docs/schedules.md, "Ready-by"). Shifting a cron expression back is exact when
its minute and hour are single values; a shift across midnight moves the day-of-week
back one day, and is refused where that cannot be written as a cron expression.
"""

from __future__ import annotations

from mwaa_pause_resume.schedule.cron import CronError, parse_cron

DAY_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")  # AWS: 1=SUN ... 7=SAT


def fire_cron(ready_by: str, lead_minutes: int, *, what: str = "resume_ready_by") -> str:
    """``cron(...)`` firing ``lead_minutes`` before each time ``ready_by`` names.
    ``what``: the setting the cron comes from, for the messages (``resume_schedule`` when
    a schedule window moves it, schedule.window)."""
    expr = parse_cron(ready_by)
    _, _, dom, month, dow, year = expr.fields
    if len(expr.minutes) != 1 or len(expr.hours) != 1:
        raise CronError(
            f"{what} {ready_by!r} names several times a day; moving it earlier "
            "needs one minute and one hour",
            hint="e.g. cron(0 7 ? * MON-FRI *): 07:00 on weekdays"
            + ("" if what == "resume_ready_by" else ", or set schedule_window_minutes = 0"),
        )
    at = expr.hours[0] * 60 + expr.minutes[0] - lead_minutes
    days_back = 0
    while at < 0:
        at += 24 * 60
        days_back += 1
    if days_back:
        if (dow == "?" and dom != "*") or month != "*" or year != "*":
            raise CronError(
                f"{what} {ready_by!r} starts the day before (moved {lead_minutes} min "
                "earlier) and its day-of-month, month or year fields cannot be "
                "moved back a day",
                hint="name the days with day-of-week (e.g. MON-FRI), or lower "
                "resume_lead_max_minutes so the resume starts the same day",
            )
        if dow != "?":
            dow = _days_earlier(dow, days_back, ready_by, what)
    return f"cron({at % 60} {at // 60} {dom} {month} {dow} {year})"


def _days_earlier(field: str, days: int, whole: str, what: str) -> str:
    if field in ("*", "?"):
        return field
    if any(mark in field for mark in ("#", "L", "/")):
        raise CronError(
            f"{what} {whole!r}: its day-of-week {field!r} cannot be moved back a day",
            hint="list the days (e.g. MON-FRI or MON,WED) or lower resume_lead_max_minutes",
        )
    days_of: set[int] = set()
    for item in field.split(","):
        first, _, last = item.partition("-")
        start, end = _day(first), _day(last or first)
        span = (end - start) % 7
        days_of.update((start - 1 + i) % 7 for i in range(span + 1))
    moved = sorted((d - days) % 7 for d in days_of)
    return ",".join(DAY_NAMES[d] for d in moved)


def _day(token: str) -> int:
    """AWS day number (1=SUN) of a name or number."""
    return DAY_NAMES.index(token) + 1 if token in DAY_NAMES else int(token)
