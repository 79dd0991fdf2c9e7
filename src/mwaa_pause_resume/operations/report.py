"""``report``: what pausing measurably saved in a month, from the workflows' executions
(pure: the runs, the month, ``now`` and the price table are arguments).

An environment is counted paused from the end of a successful pause (the workflow ends
once MWAA has deleted it) to the start of the next resume: a successful resume's
``began_at`` (after a ready-by wait, before CreateEnvironment), or the start of a
failed one (which may have created the environment: counted as running, so the
saving is never overstated). MWAA bills an environment while it is created and
deleted, so those minutes are not counted as saved. ``plan`` estimates; this measures.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mwaa_pause_resume.config.model import EnvironmentConfig
from mwaa_pause_resume.operations.prices import PriceTable

NOT_A_RUN = frozenset({"duplicate_delivery"})  # a second delivery of one schedule fire


@dataclass(frozen=True)
class Run:
    """One pause or resume execution as the report needs it."""

    workflow: str  # pause / resume
    environment: str
    status: str
    started: float  # epoch seconds
    stopped: float | None
    outcome: str | None
    timing: Mapping[str, Any]  # the run's measured timing (functions.resume_timing)

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCEEDED"

    @property
    def paused_from(self) -> float:
        return float(self.timing.get("ended_at") or self.stopped or self.started)

    @property
    def resumed_at(self) -> float:
        """When the environment existed again (billed) from this resume on."""
        began = self.timing.get("began_at") if self.succeeded else None
        return float(began or self.started)


def run_from(workflow: str, described: Mapping[str, Any]) -> Run | None:
    """A :class:`Run` from DescribeExecution's answer (None: not one of ours)."""

    def parsed(key: str) -> dict[str, Any]:
        try:
            value = json.loads(described.get(key) or "null")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    environment = parsed("input").get("environment")
    if not isinstance(environment, str):
        return None
    output = parsed("output")
    stopped = described.get("stopDate")
    return Run(
        workflow=workflow,
        environment=environment,
        status=str(described.get("status")),
        started=described["startDate"].timestamp(),
        stopped=stopped.timestamp() if isinstance(stopped, datetime) else None,
        outcome=output.get("outcome"),
        timing=timing if isinstance(timing := output.get("timing"), dict) else {},
    )


def month_bounds(month: str) -> tuple[float, float]:
    """``YYYY-MM`` -> [first instant, first instant of the next month) in UTC."""
    start = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
    end = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return start.timestamp(), end.timestamp()


def paused_intervals(runs: Iterable[Run], now: float) -> list[tuple[float, float]]:
    """The intervals one environment's runs show it paused (not billed)."""
    intervals = []
    since: float | None = None
    for run in sorted(runs, key=lambda r: r.started):
        if run.outcome in NOT_A_RUN:
            continue
        if run.workflow == "pause" and run.succeeded and run.outcome == "paused":
            since = since if since is not None else run.paused_from
        elif run.workflow == "resume" and since is not None:  # any resume ends the pause
            intervals.append((since, max(since, run.resumed_at)))
            since = None
    if since is not None:
        intervals.append((since, max(since, now)))
    return intervals


def environment_report(
    env: EnvironmentConfig, runs: list[Run], month: str, now: float, prices: PriceTable
) -> dict[str, Any]:
    start, end = month_bounds(month)
    mine = [r for r in runs if r.environment == env.name]
    seconds = sum(
        max(0.0, min(b, end, now) - max(a, start)) for a, b in paused_intervals(mine, now)
    )
    hours = round(seconds / 3600, 2)
    in_month = [r for r in mine if start <= r.started < end and r.outcome not in NOT_A_RUN]
    finished = [r for r in in_month if r.status != "RUNNING"]
    price = prices.hourly_price(env)
    saving = round(seconds / 3600 * price.usd_per_hour, 2) if price.usd_per_hour else None
    return {
        "environment": env.name,
        "month": month,
        "paused_hours": hours,
        "hours_in_month": round((min(end, max(now, start)) - start) / 3600, 2),
        "saving_usd": saving,
        "hourly_price_usd": price.usd_per_hour,
        "price_basis": price.basis,
        "pauses": sum(1 for r in finished if r.workflow == "pause" and r.succeeded),
        "resumes": sum(1 for r in finished if r.workflow == "resume" and r.succeeded),
        "failed": [_brief(r) for r in finished if not r.succeeded],
        "late": [_brief(r) for r in finished if r.succeeded and r.timing.get("late")],
    }


def _brief(run: Run) -> dict[str, Any]:
    out: dict[str, Any] = {
        "workflow": run.workflow,
        "started": datetime.fromtimestamp(run.started, UTC).isoformat(),
        "status": run.status,
    }
    if run.timing.get("late"):
        out["late_minutes"] = round(float(run.timing.get("late_seconds") or 0) / 60)
    return out
