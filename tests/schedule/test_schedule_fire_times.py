"""Fire times in IANA zones with EventBridge Scheduler's DST rule, checked against an oracle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mwaa_pause_resume.errors import UserError
from mwaa_pause_resume.schedule.fire_times import (
    fire_times_between,
    iter_fire_times,
    next_fire_times,
)
from tests.schedule.cron_oracle import fire_times as oracle_fire_times

NY = ZoneInfo("America/New_York")
# North and south of the equator, a midnight-transition zone (Santiago), and no DST at all.
ZONES = [
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "America/Santiago",
    "Asia/Kolkata",
]
YEAR = timedelta(days=366)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_weekday_schedule_across_the_2026_fall_back() -> None:
    pause = next_fire_times("0 20 ? * MON-FRI *", NY, utc(2026, 10, 29), 4)
    resume = next_fire_times("cron(0 6 ? * MON-FRI *)", NY, utc(2026, 10, 29), 4)
    assert pause == [
        utc(2026, 10, 30, 0),
        utc(2026, 10, 31, 0),
        utc(2026, 11, 3, 1),
        utc(2026, 11, 4, 1),
    ]
    assert resume == [
        utc(2026, 10, 29, 10),
        utc(2026, 10, 30, 10),
        utc(2026, 11, 2, 11),
        utc(2026, 11, 3, 11),
    ]
    assert [f.isoformat() for f in pause[1:3]] == [
        "2026-10-30T20:00:00-04:00",
        "2026-11-02T20:00:00-05:00",
    ]


def test_weekday_schedule_across_the_2027_spring_forward() -> None:
    pause = next_fire_times("0 20 ? * MON-FRI *", NY, utc(2027, 3, 12, 12), 2)
    resume = next_fire_times("0 6 ? * MON-FRI *", NY, utc(2027, 3, 12, 12), 2)
    assert pause == [utc(2027, 3, 13, 1), utc(2027, 3, 16, 0)]
    assert resume == [utc(2027, 3, 15, 10), utc(2027, 3, 16, 10)]
    assert pause[1].isoformat() == "2027-03-15T20:00:00-04:00"


def test_a_time_in_the_spring_forward_gap_is_skipped_that_day() -> None:
    fires = next_fire_times("30 2 * * ? *", NY, utc(2027, 3, 12), 3)
    assert [f.strftime("%m-%d %H:%M %Z") for f in fires] == [
        "03-12 02:30 EST",
        "03-13 02:30 EST",
        "03-15 02:30 EDT",  # no 03-14: 02:30 does not exist that day
    ]


def test_a_repeated_time_on_fall_back_fires_once_at_its_first_occurrence() -> None:
    fires = [
        f.astimezone(UTC) for f in next_fire_times("30 1 * * ? *", NY, utc(2026, 10, 31, 12), 3)
    ]
    # Compared in UTC: Python never finds a repeated wall time equal to another zone's instant.
    assert fires == [utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30), utc(2026, 11, 3, 6, 30)]
    # Starting between the two occurrences does not fire the second one.
    assert next_fire_times("30 1 * * ? *", NY, utc(2026, 11, 1, 6), 1) == [utc(2026, 11, 2, 6, 30)]


def test_after_is_exclusive_and_must_be_aware() -> None:
    assert next_fire_times("0 20 * * ? *", "UTC", utc(2026, 1, 1, 20), 1) == [utc(2026, 1, 2, 20)]
    with pytest.raises(ValueError, match="timezone-aware"):
        next_fire_times("0 20 * * ? *", "UTC", datetime(2026, 1, 1), 1)


def test_schedules_end_with_their_year_field_or_never_start() -> None:
    assert next_fire_times("0 0 1 JAN ? 2027", "UTC", utc(2026, 6, 1), 5) == [utc(2027, 1, 1)]
    assert next_fire_times("0 0 30 FEB ? *", "UTC", utc(2026, 6, 1), 1) == []
    # Sparse but real: February has a fifth Monday only when the 1st is a Monday of a leap year.
    assert next_fire_times("0 0 ? FEB 2#5 *", "UTC", utc(2026, 6, 1), 1) == [utc(2044, 2, 29)]


def test_unknown_zone_is_a_user_error() -> None:
    with pytest.raises(UserError, match="unknown time zone 'Mars/Olympus'"):
        next_fire_times("0 0 * * ? *", "Mars/Olympus", utc(2026, 1, 1), 1)


@pytest.mark.parametrize("zone", ZONES)
def test_clock_change_hours_match_the_oracle_over_a_year(zone: str) -> None:
    expr = "0,15,30,45 0-3,23 * * ? *"  # covers every zone's gap and overlap hours
    tz = ZoneInfo(zone)
    after = utc(2026, 11, 25, 17, 3)
    ours = [f.astimezone(UTC) for f in fire_times_between(expr, tz, after, after + YEAR)]
    assert ours == oracle_fire_times(expr, tz, after, after + YEAR - timedelta(microseconds=1))


# Strategies: expressions from the AWS grammar, weighted towards the hours where clocks change.
def _values(low: int, high: int, names: list[str] | None = None) -> st.SearchStrategy[str]:
    def show(v: int) -> str:
        return names[v - low] if names else str(v)

    single = st.integers(low, high).map(show)
    pair = st.tuples(st.integers(low, high), st.integers(low, high))
    rng = pair.map(lambda p: f"{show(p[0])}-{show(p[1])}")
    return st.one_of(single, rng, st.lists(single, min_size=2, max_size=4).map(",".join))


def _stepped(low: int, high: int) -> st.SearchStrategy[str]:
    start = st.one_of(st.just("*"), st.integers(low, high).map(str))
    return st.tuples(start, st.integers(1, high)).map(lambda p: f"{p[0]}/{p[1]}")


MINUTES = st.one_of(
    st.integers(0, 59).map(str),
    st.lists(st.integers(0, 59).map(str), min_size=2, max_size=3).map(",".join),
    st.integers(15, 59).map(lambda step: f"*/{step}"),
)
HOURS = st.one_of(
    st.sampled_from(["0", "1", "2", "3", "23", "1-3", "0,2", "*", "22-2"]),
    _values(0, 23),
    _stepped(0, 23),
)
MONTHS = st.one_of(
    st.just("*"),
    _values(
        1, 12, ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    ),
    _stepped(1, 12),
)
DAY_OF_MONTH = st.one_of(
    st.sampled_from(["*", "L", "LW"]),
    st.integers(1, 31).map(lambda d: f"{d}W"),
    _values(1, 31),
    _stepped(1, 31),
)
DAY_OF_WEEK = st.one_of(
    st.sampled_from(["*", "L"]),
    _values(1, 7, ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]),
    _values(1, 7),
    st.integers(1, 7).map(lambda d: f"{d}L"),
    st.tuples(st.integers(1, 7), st.integers(1, 5)).map(lambda p: f"{p[0]}#{p[1]}"),
)
YEARS = st.sampled_from(["*", "*", "*", "2026-2027", "2027", "2026/2", "2028-2199"])


@st.composite
def expressions(draw: st.DrawFn) -> str:
    shape = draw(st.integers(0, 3))
    if shape == 0:  # every day: the likeliest way to meet a clock change within the year
        days = "* * ?"
    elif shape == 1:
        days = f"{draw(DAY_OF_MONTH)} {draw(MONTHS)} ?"
    else:
        days = f"? {draw(MONTHS)} {draw(DAY_OF_WEEK)}"
    return f"{draw(MINUTES)} {draw(HOURS)} {days} {draw(YEARS)}"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    expr=expressions(),
    zone=st.sampled_from(ZONES),
    after=st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC)),
)
def test_fire_times_match_a_minute_by_minute_oracle_for_a_year(
    expr: str, zone: str, after: datetime
) -> None:
    tz = ZoneInfo(zone)
    until = after + YEAR
    ours = [f.astimezone(UTC) for f in fire_times_between(expr, tz, after, until)]
    expected = oracle_fire_times(expr, tz, after, until - timedelta(microseconds=1))
    assert ours == expected
    for fire in ours[:50]:  # every instant we report is a first occurrence of a named wall time
        wall = fire.astimezone(tz)
        assert wall.fold == 0


def test_iteration_is_lazy_for_frequent_schedules() -> None:
    stream = iter_fire_times("* * * * ? *", NY, utc(2026, 11, 1, 5, 58))
    first = [next(stream) for _ in range(4)]
    # 01:59 EDT, then the repeated 01:00-01:59 (now EST) is skipped until 02:00 EST.
    assert [f.astimezone(UTC) for f in first] == [
        utc(2026, 11, 1, 5, 59),
        utc(2026, 11, 1, 7, 0),
        utc(2026, 11, 1, 7, 1),
        utc(2026, 11, 1, 7, 2),
    ]
