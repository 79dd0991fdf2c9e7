"""Field rules for schedules: EventBridge Scheduler cron expressions, IANA time zones and
skip dates. The parsing itself is the schedule package's; these turn its errors into
configuration problems (``Invalid``)."""

from __future__ import annotations

from mwaa_pause_resume.config.problems import Invalid


def timezone(value: str) -> str:
    """An IANA zone known to this machine's tz database (the ``tzdata`` package ships one)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    # OSError: zoneinfo opens the name as a file ("File name too long", "Is a directory")
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise Invalid(f"{_shorten(value)!r} is not an IANA time zone", _zone_fix(value)) from None
    return value


def _shorten(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else f"{value[:limit]}... ({len(value)} characters)"


def _zone_fix(value: str) -> str:
    import difflib
    from zoneinfo import available_timezones

    # Only on failure: listing every zone costs tens of milliseconds.
    zones = sorted(available_timezones())
    folded = {z.lower(): z for z in zones}
    close = [folded[value.lower()]] if value.lower() in folded else []
    close = close or difflib.get_close_matches(value, zones, n=3, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(repr(z) for z in close) + "?"
    return "use a name from the IANA tz database, e.g. America/New_York or Europe/Paris"


def cron(value: str) -> str:
    """Delegate to the schedule layer's EventBridge Scheduler parser; keep the user's text."""
    from mwaa_pause_resume.schedule.cron import CronError, parse_cron

    try:
        parse_cron(value)
    except CronError as exc:
        raise Invalid(
            f"{value!r} is not a valid EventBridge Scheduler cron expression: {exc.message}",
            exc.hint
            or "write six fields 'minutes hours day-of-month month day-of-week year', "
            "e.g. '0 20 ? * MON-FRI *'",
        ) from None
    return value


def cron_key(value: str) -> tuple[str, ...]:
    """A spelling-insensitive form of a cron expression, to spot identical schedules."""
    text = value.strip()
    if text.lower().startswith("cron(") and text.endswith(")"):
        text = text[5:-1]
    return tuple(text.upper().split())


def skip_dates(values: tuple[str, ...]) -> tuple[str, ...]:
    """Dates or inclusive ranges (schedule.calendar), kept in their canonical spelling."""
    from mwaa_pause_resume.schedule.calendar import CalendarError, parse_skip_date

    out = []
    for i, item in enumerate(values):
        try:
            out.append(parse_skip_date(item).text())
        except CalendarError as exc:
            raise Invalid(f"item {i + 1}: {exc.message}", exc.fix) from None
    return tuple(dict.fromkeys(out))
