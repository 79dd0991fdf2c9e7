"""EventBridge Scheduler cron expressions: parsing, validation and date matching.

Syntax (AWS "Cron expressions reference"): six fields
``minutes hours day-of-month month day-of-week year``, written bare or as
``cron(...)``.  ``?`` goes in exactly one of the two day fields.  Day-of-week
counts 1-7 from Sunday (1=SUN ... 7=SAT), unlike Unix cron.

We parse ourselves instead of delegating to aws-croniter 2.1.1 because it
crashes on ``LW``, never fires ``L`` in day-of-week, rejects steps in the year
field and gives up on sparse schedules such as ``? 2 2#5`` (see the report in
docs/schedules.md).  Evaluation is a plain day-by-day walk (fire_times.py).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime

from mwaa_pause_resume.errors import UserError

MONTH_NAMES = {
    name: number
    for number, name in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"),
        start=1,
    )
}
WEEKDAY_NAMES = {
    name: number
    for number, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), start=1)
}
FIELD_ORDER = "minutes hours day-of-month month day-of-week year"
SYNTAX_HINT = (
    "EventBridge cron syntax is cron(minutes hours day-of-month month day-of-week year), "
    "e.g. cron(0 20 ? * MON-FRI *); see docs/schedules.md"
)
_NUMBER = re.compile("[0-9]+")  # ASCII only: int() also takes other scripts' digits


class CronError(UserError, ValueError):
    """A cron expression AWS would reject (or that we cannot evaluate). Names the field."""

    def __init__(self, message: str, hint: str | None = SYNTAX_HINT) -> None:
        super().__init__(message, hint=hint)

    def __str__(self) -> str:  # the message alone, so callers can embed it in their own
        return self.message


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: dict[str, int]
    allows_step: bool
    wildcards: str  # for messages, as the AWS reference lists them

    def allowed(self) -> str:
        values = f"{self.low}-{self.high}"
        if self.names:
            first, last = next(iter(self.names)), list(self.names)[-1]
            values += f" or {first}-{last}"
        return f"{values}, wildcards {self.wildcards}"


MINUTES = _Field("minutes", 0, 59, {}, True, ", - * /")
HOURS = _Field("hours", 0, 23, {}, True, ", - * /")
DAY_OF_MONTH = _Field("day-of-month", 1, 31, {}, True, ", - * ? / L W")
MONTH = _Field("month", 1, 12, MONTH_NAMES, True, ", - * /")
DAY_OF_WEEK = _Field("day-of-week", 1, 7, WEEKDAY_NAMES, False, ", - * ? L #")
YEAR = _Field("year", 1970, 2199, {}, True, ", - * /")


# Day-of-month forms
@dataclass(frozen=True)
class DomValues:
    days: frozenset[int]


@dataclass(frozen=True)
class DomLast:
    """``L``: the last day of the month."""


@dataclass(frozen=True)
class DomLastWeekday:
    """``LW``: the last Monday-Friday of the month."""


@dataclass(frozen=True)
class DomNearestWeekday:
    """``nW``: the Monday-Friday nearest day n, never leaving the month."""

    day: int


# Day-of-week forms (AWS numbering, 1=SUN)
@dataclass(frozen=True)
class DowValues:
    weekdays: frozenset[int]


@dataclass(frozen=True)
class DowLast:
    """``nL``: the last weekday n of the month (``6L`` = last Friday)."""

    weekday: int


@dataclass(frozen=True)
class DowNth:
    """``n#k``: the k-th weekday n of the month (``3#2`` = second Tuesday)."""

    weekday: int
    nth: int


DayOfMonth = DomValues | DomLast | DomLastWeekday | DomNearestWeekday
DayOfWeek = DowValues | DowLast | DowNth


def aws_weekday(day: date) -> int:
    """AWS day-of-week number of a date: 1=SUN ... 7=SAT."""
    return (day.weekday() + 1) % 7 + 1


@dataclass(frozen=True)
class CronExpression:
    """A validated expression. Exactly one of the two day rules is set (the other was ``?``)."""

    fields: tuple[str, str, str, str, str, str]
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    day_of_month: DayOfMonth | None
    months: frozenset[int]
    day_of_week: DayOfWeek | None
    years: tuple[int, ...]

    @property
    def text(self) -> str:
        return " ".join(self.fields)

    def __str__(self) -> str:
        return f"cron({self.text})"

    def days_in_month(self, year: int, month: int) -> tuple[int, ...]:
        """Days of ``year-month`` that match both day fields (ignores the month/year fields)."""
        length = calendar.monthrange(year, month)[1]
        if self.day_of_month is not None:
            return _dom_days(self.day_of_month, year, month, length)
        assert self.day_of_week is not None  # parse_cron guarantees one of the two
        return _dow_days(self.day_of_week, year, month, length)

    def matches_date(self, day: date) -> bool:
        return (
            day.year in self.years
            and day.month in self.months
            and day.day in self.days_in_month(day.year, day.month)
        )

    def matches(self, wall: datetime) -> bool:
        """Whether a local wall-clock time (seconds ignored) is named by the expression."""
        return (
            wall.minute in self.minutes
            and wall.hour in self.hours
            and self.matches_date(wall.date())
        )


def _is_weekday(year: int, month: int, day: int) -> bool:
    return date(year, month, day).weekday() < 5


def _dom_days(rule: DayOfMonth, year: int, month: int, length: int) -> tuple[int, ...]:
    if isinstance(rule, DomValues):
        return tuple(d for d in sorted(rule.days) if d <= length)
    if isinstance(rule, DomLast):
        return (length,)
    if isinstance(rule, DomLastWeekday):
        return (next(d for d in range(length, 0, -1) if _is_weekday(year, month, d)),)
    if rule.day > length:  # e.g. 31W in April: no such day, no fire that month
        return ()
    for offset in (0, -1, 1, -2, 2):  # Saturday -> Friday, Sunday -> Monday, within the month
        day = rule.day + offset
        if 1 <= day <= length and _is_weekday(year, month, day):
            return (day,)
    return ()  # unreachable: some weekday is always within 2 days inside a month


def _dow_days(rule: DayOfWeek, year: int, month: int, length: int) -> tuple[int, ...]:
    first = aws_weekday(date(year, month, 1))
    if isinstance(rule, DowValues):
        return tuple(d for d in range(1, length + 1) if (first + d - 2) % 7 + 1 in rule.weekdays)
    first_match = 1 + (rule.weekday - first) % 7
    if isinstance(rule, DowLast):
        return (first_match + 7 * ((length - first_match) // 7),)
    day = first_match + 7 * (rule.nth - 1)
    return (day,) if day <= length else ()


def parse_cron(expr: str) -> CronExpression:
    """Parse and validate an EventBridge Scheduler cron expression.

    Accepts ``cron(...)`` or the six bare fields. Raises :class:`CronError`
    naming the field, the offending text and what the field allows.
    """
    if not isinstance(expr, str):
        raise CronError(f"a cron expression must be text, not {type(expr).__name__}")
    text = expr.strip()
    if not text:
        raise CronError("the cron expression is empty")
    lowered = text.lower()
    if lowered.startswith(("rate(", "at(")):
        kind = lowered.split("(", 1)[0]
        article = "an" if kind == "at" else "a"
        raise CronError(
            f"{text!r} is {article} {kind}() expression; pause and resume schedules must be "
            "cron(...) expressions naming wall-clock times",
        )
    if lowered.startswith("cron("):
        if not text.endswith(")"):
            raise CronError(f"{text!r} opens 'cron(' but does not end with ')'")
        text = text[5:-1].strip()
    elif "(" in text or ")" in text:
        raise CronError(f"{text!r}: write cron(...) or the six fields alone")
    parts = text.split()
    if len(parts) != 6:
        hint = SYNTAX_HINT
        if len(parts) == 5:
            hint = "EventBridge needs a sixth field, the year: add ' *' at the end. " + SYNTAX_HINT
        elif len(parts) == 7:
            hint = "EventBridge has no seconds field: drop the first field. " + SYNTAX_HINT
        raise CronError(
            f"{expr.strip()!r} has {len(parts)} fields; EventBridge needs 6 ({FIELD_ORDER})",
            hint=hint,
        )
    upper = [part.upper() for part in parts]
    fields = (upper[0], upper[1], upper[2], upper[3], upper[4], upper[5])
    minute, hour, dom, month, dow, year = fields
    for spec, value in ((MINUTES, minute), (HOURS, hour), (MONTH, month), (YEAR, year)):
        if "?" in value:
            raise CronError(
                f"{spec.name} field {value!r}: '?' is only allowed in day-of-month or day-of-week"
            )
    if (dom == "?") == (dow == "?"):
        which = "both are '?'" if dom == "?" else f"both are set ({dom!r} and {dow!r})"
        raise CronError(
            f"day-of-month and day-of-week: {which}; AWS requires '?' in exactly one of them",
            hint="e.g. cron(0 20 ? * MON-FRI *) for weekdays or cron(0 20 1 * ? *) for the 1st "
            "of each month",
        )
    return CronExpression(
        fields=fields,
        minutes=tuple(sorted(_parse_list(MINUTES, minute))),
        hours=tuple(sorted(_parse_list(HOURS, hour))),
        day_of_month=None if dom == "?" else _parse_day_of_month(dom),
        months=frozenset(_parse_list(MONTH, month)),
        day_of_week=None if dow == "?" else _parse_day_of_week(dow),
        years=tuple(sorted(_parse_list(YEAR, year))),
    )


def _fail(spec: _Field, text: str, problem: str) -> CronError:
    return CronError(f"{spec.name} field {text!r}: {problem}. Allowed: {spec.allowed()}")


def _value(spec: _Field, token: str, whole: str) -> int:
    if token in spec.names:
        return spec.names[token]
    if not _NUMBER.fullmatch(token):
        kind = "a number or a name" if spec.names else "a number"
        raise _fail(spec, whole, f"{token!r} is not {kind}")
    number = int(token)
    if not spec.low <= number <= spec.high:
        raise _fail(spec, whole, f"{number} is out of range {spec.low}-{spec.high}")
    return number


def _parse_list(spec: _Field, text: str) -> set[int]:
    values: set[int] = set()
    for item in text.split(","):
        if not item:
            raise _fail(spec, text, "empty item in a list (stray comma)")
        values |= _parse_item(spec, item, text)
    return values


def _parse_item(spec: _Field, item: str, whole: str) -> set[int]:
    step = 1
    has_step = "/" in item
    if has_step:
        if not spec.allows_step:
            raise _fail(spec, whole, "'/' is not allowed in this field")
        base, _, step_text = item.partition("/")
        # Quartz's bounds: an increment may not exceed the field's largest value.
        largest = spec.high - spec.low if spec is YEAR else spec.high
        if not _NUMBER.fullmatch(step_text) or not 1 <= int(step_text) <= largest:
            raise _fail(spec, whole, f"the increment after '/' must be 1-{largest}")
        step = int(step_text)
        item = base
        if not item:
            raise _fail(spec, whole, "'/' needs a start: '*/n' or 'a/n'")
    if item == "*":
        start, end = spec.low, spec.high
    elif "-" in item:
        first, _, last = item.partition("-")
        if not first or not last:
            raise _fail(spec, whole, f"{item!r} is not a range 'a-b'")
        start, end = _value(spec, first, whole), _value(spec, last, whole)
        if start > end and spec is YEAR:
            raise _fail(spec, whole, f"the range {item!r} runs backwards")
    else:
        start = _value(spec, item, whole)
        end = spec.high if has_step else start  # 'a/n': from a to the top
    return _wrapping_range(spec, start, end, step)


def _wrapping_range(spec: _Field, start: int, end: int, step: int) -> set[int]:
    """Inclusive range with a step; ``end < start`` wraps past the field's top (FRI-MON, 22-2)."""
    size = spec.high - spec.low + 1
    length = (end - start) % size
    return {spec.low + (start - spec.low + offset) % size for offset in range(0, length + 1, step)}


def _parse_day_of_month(text: str) -> DayOfMonth:
    if text == "L":
        return DomLast()
    if text == "LW":
        return DomLastWeekday()
    if text.startswith("L-"):
        raise _fail(
            DAY_OF_MONTH,
            text,
            "'L-n' offsets are not in the AWS reference; use L (last day), "
            "LW (last weekday) or explicit days",
        )
    if "W" in text or "L" in text:
        if "," in text or "-" in text or "/" in text:
            raise _fail(
                DAY_OF_MONTH, text, "L, LW and nW stand alone: they cannot be combined with , - /"
            )
        if text.endswith("W"):
            return DomNearestWeekday(_value(DAY_OF_MONTH, text[:-1], text))
        raise _fail(DAY_OF_MONTH, text, "L is written alone (last day) or as LW (last weekday)")
    return DomValues(frozenset(_parse_list(DAY_OF_MONTH, text)))


def _parse_day_of_week(text: str) -> DayOfWeek:
    if text == "L":  # "last day of the week"
        return DowValues(frozenset({7}))
    if "#" in text:
        if "," in text or "-" in text:
            raise _fail(
                DAY_OF_WEEK, text, "'#' allows a single expression (AWS rejects lists like 3#1,6#3)"
            )
        weekday, _, nth = text.partition("#")
        if not re.fullmatch("[1-5]", nth):
            raise _fail(DAY_OF_WEEK, text, "the number after '#' is the week of the month, 1-5")
        return DowNth(_value(DAY_OF_WEEK, weekday, text), int(nth))
    if text.endswith("L"):
        body = text[:-1]
        if not body or "," in body or "-" in body:
            raise _fail(DAY_OF_WEEK, text, "'nL' (last weekday n of the month) stands alone")
        return DowLast(_value(DAY_OF_WEEK, body, text))
    return DowValues(frozenset(_parse_list(DAY_OF_WEEK, text)))
