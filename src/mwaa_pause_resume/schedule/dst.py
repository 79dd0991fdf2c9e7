"""Clock changes of a time zone and the scheduled times they skip or repeat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from mwaa_pause_resume.schedule.cron import CronExpression


@dataclass(frozen=True)
class Transition:
    """A change of UTC offset at ``instant``; local wall time jumps from ``before`` to ``after``."""

    instant: datetime  # UTC
    before: datetime  # naive local wall time just before the change
    after: datetime  # naive local wall time at the change

    @property
    def kind(self) -> Literal["gap", "overlap"]:
        return "gap" if self.after > self.before else "overlap"


@dataclass(frozen=True)
class DstConflict:
    """Scheduled wall times that fall in a gap (never happen) or overlap (happen twice)."""

    transition: Transition
    times: tuple[datetime, ...]  # naive local wall times named by the expression
    first_occurrences: tuple[datetime, ...]  # overlap only: the UTC instants that fire

    @property
    def kind(self) -> Literal["gap", "overlap"]:
        return self.transition.kind


def transitions(tz: ZoneInfo, start: datetime, end: datetime) -> list[Transition]:
    """Offset changes in ``[start, end)``: hourly scan, then a binary search to the minute."""
    result: list[Transition] = []
    step = timedelta(hours=1)
    cursor = start.astimezone(UTC).replace(second=0, microsecond=0)
    stop = end.astimezone(UTC)
    offset = cursor.astimezone(tz).utcoffset()
    while cursor < stop:
        nxt = cursor + step
        next_offset = nxt.astimezone(tz).utcoffset()
        if next_offset != offset:
            low, high = cursor, nxt  # offset(low) == offset, offset(high) != offset
            while high - low > timedelta(minutes=1):
                mid = low + (high - low) / 2
                mid = mid.replace(second=0, microsecond=0)
                if mid.astimezone(tz).utcoffset() == offset:
                    low = mid
                else:
                    high = mid
            before = high.replace(tzinfo=None) + (low.astimezone(tz).utcoffset() or timedelta())
            after = high.astimezone(tz).replace(tzinfo=None, fold=0)
            if start <= high < end:
                result.append(Transition(high, before, after))
            offset = next_offset
        cursor = nxt
    return result


def conflicts(
    expr: CronExpression, tz: ZoneInfo, start: datetime, end: datetime
) -> list[DstConflict]:
    """Clock changes in ``[start, end)`` whose skipped or repeated wall times ``expr`` names."""
    found: list[DstConflict] = []
    for change in transitions(tz, start, end):
        low, high = sorted((change.before, change.after))
        named: list[datetime] = []
        wall = low
        while wall < high:
            if expr.matches(wall):
                named.append(wall)
            wall += timedelta(minutes=1)
        if not named:
            continue
        firsts: tuple[datetime, ...] = ()
        if change.kind == "overlap":
            firsts = tuple(w.replace(tzinfo=tz, fold=0).astimezone(UTC) for w in named)
        found.append(DstConflict(change, tuple(named), firsts))
    return found
