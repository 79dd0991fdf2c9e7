"""Skip dates: the days an environment stays paused (pure).

``skip_dates`` items are ``YYYY-MM-DD`` or an inclusive range ``YYYY-MM-DD..YYYY-MM-DD``,
in the environment's time zone: a scheduled resume whose local date is one of them is
skipped (the pause before still happens).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

RANGE_SEPARATOR = ".."
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
EXAMPLE = '"2026-12-24" or "2026-12-24..2027-01-01"'


class CalendarError(ValueError):
    """A skip date that cannot be read: ``message`` says what, ``fix`` how."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix


@dataclass(frozen=True)
class DateRange:
    """Inclusive range of local dates."""

    start: date
    end: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def text(self) -> str:
        if self.start == self.end:
            return self.start.isoformat()
        return f"{self.start.isoformat()}{RANGE_SEPARATOR}{self.end.isoformat()}"


def _day(text: str, item: str) -> date:
    # Only YYYY-MM-DD: date.fromisoformat also reads 20261224 and 2026-W52-4.
    try:
        if not _ISO_DAY.fullmatch(text.strip()):
            raise ValueError(text)
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CalendarError(
            f"{item!r} is not a date or a range of dates", f"write dates as {EXAMPLE}"
        ) from None


def parse_skip_date(item: str) -> DateRange:
    """One ``skip_dates`` item; :class:`CalendarError` says what is wrong."""
    text = item.strip()
    if RANGE_SEPARATOR in text:
        first, _, last = text.partition(RANGE_SEPARATOR)
        start, end = _day(first, item), _day(last, item)
        if end < start:
            raise CalendarError(
                f"{item!r} ends before it starts",
                f"write the earlier date first: {end.isoformat()}{RANGE_SEPARATOR}"
                f"{start.isoformat()}",
            )
        return DateRange(start, end)
    day = _day(text, item)
    return DateRange(day, day)


def parse_skip_dates(items: Iterable[str]) -> tuple[DateRange, ...]:
    return tuple(parse_skip_date(item) for item in items)


def skip_range_of(day: date, ranges: Sequence[DateRange]) -> DateRange | None:
    """The first range holding ``day``, or None."""
    return next((r for r in ranges if day in r), None)


def local_date(instant: datetime, zone: str | ZoneInfo) -> date:
    """``instant``'s date on the wall clock of ``zone``."""
    tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    return instant.astimezone(tz).date()


def skipped_instants(
    instants: Iterable[datetime], ranges: Sequence[DateRange], zone: str | ZoneInfo
) -> list[datetime]:
    """The instants whose local date is a skip date (for ``plan``)."""
    return [i for i in instants if skip_range_of(local_date(i, zone), ranges) is not None]
