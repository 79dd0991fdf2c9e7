"""When a cron expression fires in an IANA time zone, with EventBridge Scheduler's DST rule.

The expression names local wall-clock times. On spring-forward day a named
time that does not exist locally is skipped (no run that day); on fall-back
day a named time that happens twice runs once, at its first occurrence.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from itertools import islice
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mwaa_pause_resume.errors import UserError
from mwaa_pause_resume.schedule.cron import CronExpression, parse_cron


def zone(name: str | ZoneInfo) -> ZoneInfo:
    """The IANA zone called ``name``; :class:`UserError` if unknown."""
    if isinstance(name, ZoneInfo):
        return name
    try:
        return ZoneInfo(name)
    # OSError: zoneinfo opens the name as a file ("File name too long", "Is a directory")
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise UserError(
            f"unknown time zone {name!r}",
            hint="use an IANA name such as Europe/London, America/New_York or UTC",
        ) from None


def exists_locally(wall: datetime, tz: ZoneInfo) -> bool:
    """False for a naive wall time skipped by a spring-forward transition."""
    aware = wall.replace(tzinfo=tz, fold=0)
    return aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall


def local_candidates(expr: CronExpression, start: date) -> Iterator[datetime]:
    """Naive wall-clock times named by ``expr`` from ``start`` (00:00) on, in order."""
    times = [(hour, minute) for hour in expr.hours for minute in expr.minutes]
    for year in expr.years:
        if year < start.year:
            continue
        for month in sorted(expr.months):
            if (year, month) < (start.year, start.month):
                continue
            for day in expr.days_in_month(year, month):
                if (year, month, day) < (start.year, start.month, start.day):
                    continue
                for hour, minute in times:
                    yield datetime(year, month, day, hour, minute)


def iter_fire_times(
    expr: CronExpression | str, timezone: str | ZoneInfo, after: datetime
) -> Iterator[datetime]:
    """Fire instants strictly after ``after`` (aware), as aware datetimes in the zone, in order.

    Stops after 2199 (the last year AWS accepts). Gap times are skipped; a
    repeated time yields its first occurrence only (``fold=0``), so the
    instants come out in increasing order.
    """
    if after.tzinfo is None or after.utcoffset() is None:
        raise ValueError("after must be timezone-aware")
    cron = parse_cron(expr) if isinstance(expr, str) else expr
    tz = zone(timezone)
    # Compare in UTC: Python compares datetimes sharing a tzinfo by wall time, ignoring fold.
    after_utc = after.astimezone(UTC)
    for wall in local_candidates(cron, after_utc.astimezone(tz).date()):
        if not exists_locally(wall, tz):
            continue
        fire = wall.replace(tzinfo=tz, fold=0)
        if fire.astimezone(UTC) > after_utc:
            yield fire


def next_fire_times(
    expr: CronExpression | str, timezone: str | ZoneInfo, after: datetime, count: int
) -> list[datetime]:
    """The next ``count`` fire instants after ``after`` (fewer if the schedule ends)."""
    return list(islice(iter_fire_times(expr, timezone, after), count))


def fire_times_between(
    expr: CronExpression | str, timezone: str | ZoneInfo, after: datetime, until: datetime
) -> list[datetime]:
    """Fire instants in ``(after, until)``."""
    result: list[datetime] = []
    until_utc = until.astimezone(UTC)
    for fire in iter_fire_times(expr, timezone, after):
        if fire.astimezone(UTC) >= until_utc:
            break
        result.append(fire)
    return result
