"""An independent, deliberately naive EventBridge cron evaluator used as the tests' oracle.

Written from the AWS reference, not from our parser or aws-croniter: every
field is a predicate on a value, and fire instants are found by walking UTC
time minute by minute (in 15-minute blocks whose local date, hour and UTC
offset cannot change: every offset and clock change of the zones tested is a
multiple of 15 minutes).  Walking UTC gives the DST rule for free: a local
time skipped by spring-forward is never reached, and a repeated local time is
reached twice, the second time with ``fold=1``, which we drop.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
Predicate = Callable[[int], bool]


def _number(token: str, names: list[str]) -> int:
    token = token.upper()
    if token in names:
        return names.index(token) + 1
    return int(token)


def _item(text: str, low: int, high: int, names: list[str]) -> Predicate:
    base, _, step_text = text.partition("/")
    step = int(step_text) if step_text else 1
    if base == "*":
        first, last = low, high
    elif "-" in base:
        a, b = base.split("-")
        first, last = _number(a, names), _number(b, names)
    else:
        first = _number(base, names)
        last = high if step_text else first

    def matches(value: int) -> bool:
        if first <= last:
            inside, offset = first <= value <= last, value - first
        else:  # wraps: FRI-MON, 22-2
            inside = value >= first or value <= last
            offset = value - first if value >= first else (high - first + 1) + (value - low)
        return inside and offset % step == 0

    return matches


def field(text: str, low: int, high: int, names: list[str] | None = None) -> Predicate:
    items = [_item(part, low, high, names or []) for part in text.split(",")]
    return lambda value: any(item(value) for item in items)


def aws_weekday(day: date) -> int:
    return day.isoweekday() % 7 + 1  # ISO Monday=1 ... Sunday=7 -> AWS Sunday=1 ... Saturday=7


def _last_day(day: date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def _weekdays_of_month(day: date) -> list[int]:
    return [
        d for d in range(1, _last_day(day) + 1) if date(day.year, day.month, d).isoweekday() <= 5
    ]


def day_matcher(dom: str, dow: str) -> Callable[[date], bool]:
    dom, dow = dom.upper(), dow.upper()
    if dow == "?":
        if dom == "L":
            return lambda d: d.day == _last_day(d)
        if dom == "LW":
            return lambda d: d.day == max(_weekdays_of_month(d))
        if dom.endswith("W"):
            n = int(dom[:-1])

            def nearest(d: date) -> bool:
                if n > _last_day(d):
                    return False
                return d.day == min(_weekdays_of_month(d), key=lambda x: abs(x - n))

            return nearest
        days = field(dom, 1, 31)
        return lambda d: days(d.day)
    if dow == "L":
        return lambda d: aws_weekday(d) == 7
    if "#" in dow:
        wd_text, nth = dow.split("#")
        wd = _number(wd_text, DAYS)
        return lambda d: aws_weekday(d) == wd and (d.day - 1) // 7 + 1 == int(nth)
    if dow.endswith("L"):
        wd = _number(dow[:-1], DAYS)
        return lambda d: aws_weekday(d) == wd and d.day + 7 > _last_day(d)
    weekdays = field(dow, 1, 7, DAYS)
    return lambda d: weekdays(aws_weekday(d))


def fire_times(expr: str, tz: ZoneInfo, after: datetime, until: datetime) -> list[datetime]:
    """UTC instants in ``(after, until]`` at which ``expr`` fires in ``tz``."""
    minute_f, hour_f, dom, month_f, dow, year_f = expr.split()
    minutes = field(minute_f, 0, 59)
    hours = field(hour_f, 0, 23)
    months = field(month_f, 1, 12, MONTHS)
    years = field(year_f, 1970, 2199)
    days = day_matcher(dom, dow)
    date_ok: dict[date, bool] = {}
    result: list[datetime] = []
    block = after.astimezone(UTC).replace(second=0, microsecond=0)
    block -= timedelta(minutes=block.minute % 15)
    while block <= until:
        local = block.astimezone(tz)
        day = local.date()
        if day not in date_ok:
            date_ok[day] = years(day.year) and months(day.month) and days(day)
        if local.fold == 0 and date_ok[day] and hours(local.hour):
            for k in range(15):
                instant = block + timedelta(minutes=k)
                if minutes(local.minute + k) and after < instant <= until:
                    result.append(instant)
        block += timedelta(minutes=15)
    return result
