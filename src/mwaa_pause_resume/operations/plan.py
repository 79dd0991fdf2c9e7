"""The plan of one environment: next pause/resume times, warnings, paused hours, saving.

Pure: ``now`` and the price table are arguments. All interval arithmetic is
done on UTC instants (subtracting two datetimes that share a ZoneInfo ignores
their UTC offsets, which would lose or gain an hour across a clock change).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any, Literal
from zoneinfo import ZoneInfo

from mwaa_pause_resume.config.model import EnvironmentConfig
from mwaa_pause_resume.errors import UserError
from mwaa_pause_resume.metadata.missed_runs import CATCHUP, LATEST, SKIP, TAG_PREFIX
from mwaa_pause_resume.operations.prices import HourlyPrice, PriceTable
from mwaa_pause_resume.schedule.cron import CronError, CronExpression, parse_cron
from mwaa_pause_resume.schedule.dst import DstConflict, conflicts
from mwaa_pause_resume.schedule.fire_times import fire_times_between, next_fire_times, zone

AVERAGE_WINDOW = timedelta(weeks=4)  # paused hours and alternation are judged over this
DST_HORIZON = timedelta(days=365)  # clock changes are looked for this far ahead
MIN_PAUSE_WINDOW = timedelta(minutes=60)  # about a DeleteEnvironment + CreateEnvironment
WEEKS_PER_MONTH = 52 / 12
_LOOKBACK_SPANS = (timedelta(days=1), timedelta(days=8), timedelta(days=35), timedelta(days=370))

Kind = Literal["pause", "resume"]

# What each missed-runs policy does at a resume, in the words ``plan`` prints.
POLICY_MEANING = {
    CATCHUP: "each DAG's own catchup decides whether the intervals missed while paused run",
    LATEST: "only the most recent interval missed while paused runs",
    SKIP: "no interval missed while paused runs; scheduling goes on after the resume",
}
POLICY_OVERRIDE = f"the DAG tag {TAG_PREFIX}<policy> overrides it per DAG"


@dataclass(frozen=True)
class SchedulePlan:
    expression: str  # as configured
    next: tuple[datetime, ...]  # aware, in the environment's zone

    def as_dict(self) -> dict[str, Any]:
        return {
            "expression": self.expression,
            "next": [fire.isoformat() for fire in self.next],
            "next_utc": [fire.astimezone(UTC).isoformat() for fire in self.next],
        }


@dataclass(frozen=True)
class EnvironmentPlan:
    name: str
    timezone: str
    pause: SchedulePlan
    resume: SchedulePlan
    paused_hours_per_week: float
    estimated_monthly_saving_usd: float | None
    price: HourlyPrice
    warnings: tuple[str, ...]
    missed_runs: str
    # Resumes that skip_dates will skip (the run gate), local times, up to a year ahead.
    skipped_resumes: tuple[datetime, ...] = ()
    # A ready-by environment's ready-by times; ``resume`` is then its schedule, which
    # fires resume_lead_max_minutes earlier (the workflow waits out the unneeded lead).
    ready_by: SchedulePlan | None = None
    # schedule_window_minutes (schedule.window): the pause starts up to this much after
    # its time, the resume up to this much before (its cron already moved); 0: exact.
    window_minutes: int = 0

    def as_dict(self) -> dict[str, Any]:
        extra: dict[str, Any] = {"ready_by": self.ready_by.as_dict()} if self.ready_by else {}
        if self.window_minutes:
            extra["window_minutes"] = self.window_minutes
        return extra | {
            "name": self.name,
            "timezone": self.timezone,
            "pause": self.pause.as_dict(),
            "resume": self.resume.as_dict(),
            "paused_hours_per_week": self.paused_hours_per_week,
            "estimated_monthly_saving_usd": self.estimated_monthly_saving_usd,
            "hourly_price_usd": self.price.usd_per_hour,
            "price_basis": self.price.basis,
            "warnings": list(self.warnings),
            "missed_runs": self.missed_runs,
            "skipped_resumes": [fire.isoformat() for fire in self.skipped_resumes],
        }


def plan_environment(
    env: EnvironmentConfig, now: datetime, count: int, prices: PriceTable
) -> EnvironmentPlan:
    """Everything ``plan`` shows for one environment, computed from ``now`` (aware)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    tz = _zone(env)
    pause = _parse(env, "pause_schedule", env.pause_schedule)
    resume = _parse(env, "resume_schedule", env.resume_schedule)
    now = now.astimezone(UTC)
    end = now + AVERAGE_WINDOW

    warnings: list[str] = []
    for kind, cron in (("pause", pause), ("resume", resume)):
        if not next_fire_times(cron, tz, now, 1):
            warnings.append(
                f"{kind} schedule {cron} never fires after {_local(now, tz)}: "
                f"nothing will {kind} {env.name}"
            )
        warnings.extend(
            _dst_warning(kind, tz, c) for c in conflicts(cron, tz, now, now + DST_HORIZON)
        )

    pauses: list[tuple[datetime, Kind]] = [
        (t.astimezone(UTC), "pause") for t in fire_times_between(pause, tz, now, end)
    ]
    resumes: list[tuple[datetime, Kind]] = [
        (t.astimezone(UTC), "resume") for t in fire_times_between(resume, tz, now, end)
    ]
    events = sorted(pauses + resumes, key=lambda event: (event[0], event[1] != "pause"))
    warnings.extend(_alternation_warnings(events, tz))
    warnings.extend(_short_window_warnings(events, tz))

    paused = _paused_at(pause, resume, tz, now)
    weeks = AVERAGE_WINDOW / timedelta(weeks=1)
    paused_hours = _paused_seconds(events, paused, now, end) / 3600 / weeks
    price = prices.hourly_price(env)
    saving = None
    if price.usd_per_hour is None:
        warnings.append(price.problem or "no price known for this environment")
    else:
        saving = round(paused_hours * WEEKS_PER_MONTH * price.usd_per_hour, 2)
    return EnvironmentPlan(
        name=env.name,
        timezone=env.timezone,
        pause=SchedulePlan(env.pause_schedule, tuple(next_fire_times(pause, tz, now, count))),
        resume=SchedulePlan(env.resume_schedule, tuple(next_fire_times(resume, tz, now, count))),
        paused_hours_per_week=round(paused_hours, 2),
        estimated_monthly_saving_usd=saving,
        price=price,
        warnings=tuple(warnings),
        missed_runs=env.missed_runs,
        skipped_resumes=skipped_resumes(env, resume, tz, now),
        ready_by=(
            SchedulePlan(
                env.resume_ready_by,
                tuple(next_fire_times(env.resume_ready_by, tz, now, count)),
            )
            if env.resume_ready_by
            else None
        ),
        window_minutes=env.schedule_window_minutes,
    )


SKIP_HORIZON = timedelta(days=366)


def skipped_resumes(
    env: EnvironmentConfig, resume: CronExpression, tz: ZoneInfo, now: datetime
) -> tuple[datetime, ...]:
    """The resume fires within :data:`SKIP_HORIZON` that fall on a skip date (local)."""
    from mwaa_pause_resume.schedule.calendar import parse_skip_dates, skipped_instants

    ranges = parse_skip_dates(env.skip_dates)
    if not ranges:
        return ()
    last = max(r.end for r in ranges)
    end = min(now + SKIP_HORIZON, datetime.combine(last, datetime.min.time(), tz) + timedelta(2))
    if end <= now:
        return ()
    return tuple(skipped_instants(fire_times_between(resume, tz, now, end), ranges, tz))


def _zone(env: EnvironmentConfig) -> ZoneInfo:
    try:
        return zone(env.timezone)
    except UserError as exc:
        raise UserError(f"environment {env.name!r}: timezone: {exc.message}", exc.hint) from None


def _parse(env: EnvironmentConfig, field: str, expression: str) -> CronExpression:
    try:
        return parse_cron(expression)
    except CronError as exc:
        raise UserError(
            f"environment {env.name!r}: {field} {expression!r}: {exc.message}", exc.hint
        ) from None


def _local(instant: datetime, tz: ZoneInfo) -> str:
    return instant.astimezone(tz).strftime("%a %Y-%m-%d %H:%M %Z")


def _utc(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%H:%M UTC")


def _dst_warning(kind: str, tz: ZoneInfo, conflict: DstConflict) -> str:
    change = conflict.transition
    times = _shorten([t.strftime("%H:%M") for t in conflict.times])
    day = conflict.times[0].strftime("%a %Y-%m-%d")
    plural = len(conflict.times) > 1
    if conflict.kind == "gap":
        return (
            f"{kind} at {times} on {day} {'do' if plural else 'does'} not exist in {tz.key} "
            f"(clocks jump from {change.before:%H:%M} to {change.after:%H:%M}): "
            f"EventBridge Scheduler skips {'them' if plural else 'it'} that day"
        )
    firsts = _shorten([_utc(t) for t in conflict.first_occurrences])
    return (
        f"{kind} at {times} on {day} {'happen' if plural else 'happens'} twice in {tz.key} "
        f"(clocks go back from {change.before:%H:%M} to {change.after:%H:%M}): "
        f"EventBridge Scheduler runs {'each' if plural else 'it'} once, at the first "
        f"occurrence ({firsts})"
    )


def _shorten(items: list[str], limit: int = 4) -> str:
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f", ... ({len(items)} times)"


def _alternation_warnings(events: list[tuple[datetime, Kind]], tz: ZoneInfo) -> list[str]:
    warnings: list[str] = []
    seen: dict[str, list[tuple[datetime, datetime]]] = {"pause": [], "resume": [], "same": []}
    for (at, kind), (next_at, next_kind) in pairwise(events):
        if at == next_at and kind != next_kind:
            seen["same"].append((at, next_at))
        elif kind == next_kind:
            seen[kind].append((at, next_at))
    if seen["same"]:
        first, _ = seen["same"][0]
        warnings.append(
            f"pause and resume both fire at {_local(first, tz)} "
            f"({_times(len(seen['same']))} in the next 4 weeks): give them different times"
        )
    for kind, other, effect in (
        ("pause", "resume", "pausing a paused environment does nothing"),
        ("resume", "pause", "resuming a running environment does nothing"),
    ):
        if seen[kind]:
            a, b = seen[kind][0]
            warnings.append(
                f"{kind} fires twice without a {other} in between ({_local(a, tz)} then "
                f"{_local(b, tz)}; {_times(len(seen[kind]))} in the next 4 weeks): {effect}, "
                "so the schedules do not alternate"
            )
    return warnings


def _short_window_warnings(events: list[tuple[datetime, Kind]], tz: ZoneInfo) -> list[str]:
    short: dict[str, list[tuple[datetime, datetime]]] = {"pause": [], "resume": []}
    for (at, kind), (next_at, next_kind) in pairwise(events):
        if kind != next_kind and timedelta(0) < next_at - at < MIN_PAUSE_WINDOW:
            short[kind].append((at, next_at))
    warnings: list[str] = []
    if short["pause"]:
        a, b = short["pause"][0]
        warnings.append(
            f"pause window of {_minutes(b - a)} min ({_local(a, tz)} to {_local(b, tz)}; "
            f"{_times(len(short['pause']))} in the next 4 weeks) is shorter than ~60 min, "
            "about the time MWAA needs to delete and re-create an environment: the resume would "
            "start before the pause has finished"
        )
    if short["resume"]:
        a, b = short["resume"][0]
        warnings.append(
            f"running window of {_minutes(b - a)} min ({_local(a, tz)} to {_local(b, tz)}; "
            f"{_times(len(short['resume']))} in the next 4 weeks) is shorter than ~60 min: the "
            "pause would start before the environment has been re-created"
        )
    return warnings


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"


def _minutes(delta: timedelta) -> int:
    return int(delta / timedelta(minutes=1))


def _last_before(cron: CronExpression, tz: ZoneInfo, now: datetime) -> datetime | None:
    """The latest fire before ``now``, searching back in growing spans (cheap when frequent)."""
    for span in _LOOKBACK_SPANS:
        fires = fire_times_between(cron, tz, now - span, now + timedelta(microseconds=1))
        if fires:
            return fires[-1].astimezone(UTC)
    return None


def _paused_at(pause: CronExpression, resume: CronExpression, tz: ZoneInfo, now: datetime) -> bool:
    """Whether the schedules leave the environment paused at ``now`` (last one to fire wins)."""
    last_pause = _last_before(pause, tz, now)
    last_resume = _last_before(resume, tz, now)
    if last_pause is None:
        return False
    return last_resume is None or last_pause > last_resume


def _paused_seconds(
    events: list[tuple[datetime, Kind]], paused: bool, start: datetime, end: datetime
) -> float:
    total = 0.0
    since = start if paused else None
    for at, kind in events:
        if kind == "pause" and since is None:
            since = at
        elif kind == "resume" and since is not None:
            total += (at - since).total_seconds()
            since = None
    if since is not None:
        total += (end - since).total_seconds()
    return total
