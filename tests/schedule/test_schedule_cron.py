"""Parsing and validation of EventBridge Scheduler cron expressions."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from aws_croniter import AwsCroniter

from mwaa_pause_resume.errors import UserError
from mwaa_pause_resume.schedule.cron import (
    CronError,
    DomLast,
    DomLastWeekday,
    DomNearestWeekday,
    DowLast,
    DowNth,
    DowValues,
    aws_weekday,
    parse_cron,
)
from mwaa_pause_resume.schedule.fire_times import next_fire_times


def test_accepts_cron_wrapper_and_bare_fields_alike() -> None:
    wrapped = parse_cron("cron(0 20 ? * MON-FRI *)")
    bare = parse_cron("  0 20 ? * mon-fri *  ")
    assert wrapped.minutes == bare.minutes == (0,)
    assert wrapped.hours == bare.hours == (20,)
    assert wrapped.day_of_week == bare.day_of_week == DowValues(frozenset({2, 3, 4, 5, 6}))
    assert wrapped.day_of_month is None
    assert str(bare) == "cron(0 20 ? * MON-FRI *)"


@pytest.mark.parametrize(
    ("dow", "weekday"),
    [("1", "Sunday"), ("SUN", "Sunday"), ("2", "Monday"), ("7", "Saturday"), ("L", "Saturday")],
)
def test_day_of_week_counts_from_sunday_as_aws_does(dow: str, weekday: str) -> None:
    after = datetime(2026, 11, 25, tzinfo=UTC)
    fires = next_fire_times(f"0 12 ? * {dow} *", "UTC", after, 3)
    assert [f.strftime("%A") for f in fires] == [weekday] * 3
    assert aws_weekday(date(2026, 11, 29)) == 1  # a Sunday


@pytest.mark.parametrize(
    ("expr", "minutes", "hours"),
    [
        ("*/15 * * * ? *", (0, 15, 30, 45), tuple(range(24))),
        ("5/20 9-17/4 * * ? *", (5, 25, 45), (9, 13, 17)),
        ("0,30 22-2 * * ? *", (0, 30), (0, 1, 2, 22, 23)),  # a range that wraps midnight
        ("07 08 * * ? *", (7,), (8,)),
    ],
)
def test_lists_ranges_and_steps(
    expr: str, minutes: tuple[int, ...], hours: tuple[int, ...]
) -> None:
    cron = parse_cron(expr)
    assert (cron.minutes, cron.hours) == (minutes, hours)


def test_month_names_year_ranges_and_steps() -> None:
    cron = parse_cron("0 0 1 JAN-MAR,dec ? 2026/2")
    assert cron.months == {1, 2, 3, 12}
    assert cron.years[:3] == (2026, 2028, 2030)
    assert cron.years[-1] == 2198
    assert parse_cron("0 0 1 * ? 2027-2029").years == (2027, 2028, 2029)


@pytest.mark.parametrize(
    ("dom", "dow", "year_month", "days"),
    [
        ("L", "?", (2028, 2), (29,)),
        ("L", "?", (2026, 4), (30,)),
        ("LW", "?", (2026, 5), (29,)),  # 31 May 2026 is a Sunday
        ("15W", "?", (2026, 8), (14,)),  # Saturday -> Friday
        ("15W", "?", (2026, 11), (16,)),  # Sunday -> Monday
        ("1W", "?", (2026, 8), (3,)),  # Saturday the 1st -> Monday the 3rd, never July
        ("31W", "?", (2026, 5), (29,)),  # Sunday the 31st -> Friday the 29th
        ("31W", "?", (2026, 4), ()),  # no 31st: no fire that month
        ("?", "6#3", (2026, 11), (20,)),  # third Friday
        ("?", "2#5", (2026, 11), (30,)),
        ("?", "2#5", (2026, 12), ()),  # no fifth Monday
        ("?", "6L", (2026, 11), (27,)),  # last Friday
        ("?", "FRIL", (2026, 7), (31,)),
        (
            "?",
            "FRI-MON",
            (2026, 11),
            (1, 2, 6, 7, 8, 9, 13, 14, 15, 16, 20, 21, 22, 23, 27, 28, 29, 30),
        ),
    ],
)
def test_special_day_rules(
    dom: str, dow: str, year_month: tuple[int, int], days: tuple[int, ...]
) -> None:
    cron = parse_cron(f"0 0 {dom} * {dow} *")
    assert cron.days_in_month(*year_month) == days


def test_special_forms_parse_to_their_rules() -> None:
    assert parse_cron("0 0 L * ? *").day_of_month == DomLast()
    assert parse_cron("0 0 lw * ? *").day_of_month == DomLastWeekday()
    assert parse_cron("0 0 3W * ? *").day_of_month == DomNearestWeekday(3)
    assert parse_cron("0 0 ? * 3#2 *").day_of_week == DowNth(3, 2)
    assert parse_cron("0 0 ? * 6L *").day_of_week == DowLast(6)


@pytest.mark.parametrize(
    ("expr", "needles"),
    [
        ("0 20 * * MON-FRI *", ["day-of-month and day-of-week", "both are set", "'?'"]),
        ("0 20 ? * ? *", ["both are '?'"]),
        ("61 0 * * ? *", ["minutes field '61'", "61 is out of range 0-59"]),
        ("0 24 * * ? *", ["hours field '24'", "0-23"]),
        ("0 0 32 * ? *", ["day-of-month field '32'", "1-31"]),
        ("0 0 0 * ? *", ["day-of-month field '0'", "out of range 1-31"]),
        ("0 0 1 13 ? *", ["month field '13'", "1-12 or JAN-DEC"]),
        ("0 0 1 FOO ? *", ["month field 'FOO'", "not a number or a name"]),
        ("0 0 ? * 0 *", ["day-of-week field '0'", "1-7 or SUN-SAT"]),
        ("0 0 ? * 8 *", ["day-of-week field '8'"]),
        ("0 0 ? * MON/2 *", ["day-of-week field", "'/' is not allowed"]),
        ("0 0 1 * ? 1969", ["year field '1969'", "1970-2199"]),
        ("0 0 1 * ? 2200", ["year field '2200'"]),
        ("0 0 1 * ? 2030-2026", ["year field", "runs backwards"]),
        ("*/0 0 * * ? *", ["minutes field '*/0'", "increment"]),
        ("0 0 1,,2 * ? *", ["day-of-month field", "stray comma"]),
        ("0 0 ? * 3#1,6#3 *", ["day-of-week field", "'#' allows a single expression"]),
        ("0 0 ? * 3#6 *", ["day-of-week field '3#6'", "1-5"]),
        ("0 0 L-3 * ? *", ["day-of-month field 'L-3'", "L-n"]),
        ("0 0 1W,15 * ? *", ["day-of-month field", "stand alone"]),
        ("0 0 ? * 2W *", ["day-of-week field '2W'"]),
        ("0 ? 1 * ? *", ["hours field", "'?' is only allowed"]),
        ("0 0 * * ?", ["5 fields", "needs 6"]),
        ("0 0 0 * * ? *", ["7 fields"]),
        ("rate(5 minutes)", ["is a rate() expression", "cron(...)"]),
        ("at(2026-12-24T18:00:00)", ["is an at() expression", "cron(...)"]),
        ("cron(0 0 * * ? *", ["does not end with ')'"]),
        ("", ["empty"]),
    ],
)
def test_rejections_name_the_field_and_what_is_allowed(expr: str, needles: list[str]) -> None:
    with pytest.raises(CronError) as caught:
        parse_cron(expr)
    for needle in needles:
        assert needle in caught.value.message
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, UserError)  # the CLI prints it and exits 2
    assert caught.value.hint


def test_missing_year_field_hint_says_how_to_fix() -> None:
    with pytest.raises(CronError) as caught:
        parse_cron("0 20 ? * MON-FRI")
    assert caught.value.hint is not None and "add ' *' at the end" in caught.value.hint
    assert str(caught.value) == caught.value.message  # embeddable in other messages


@pytest.mark.parametrize(
    "expr",
    [
        "0 20 ? * MON-FRI *",
        "30 6 ? * 2-6 *",
        "0 0 ? * 6#3 *",
        "15 4 ? * 6L *",
        "0 9 1W * ? *",
        "0 9 15W * ? *",
        "0 0 L * ? *",
        "*/20 1-3 ? JAN-MAR SUN,WED *",
        "0 12 1/10 * ? *",
        "45 23 ? * SAT-MON 2027",
    ],
)
def test_agrees_with_aws_croniter_where_it_works(expr: str) -> None:
    """A third opinion on the syntax both implementations support (UTC, no DST)."""
    after = datetime(2026, 11, 25, 13, 7, tzinfo=UTC)
    theirs = AwsCroniter(expr).get_next(after, 25)
    assert None not in theirs
    assert next_fire_times(expr, "UTC", after, 25) == theirs
