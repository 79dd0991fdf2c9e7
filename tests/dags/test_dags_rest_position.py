"""The pure parts of dags.rest_position: which DAGs need a marker, where dry runs start,
which DAGs are held, and what the import reports. The REST side runs against real
Airflow in test_dags_rest_scope.py and the sandbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mwaa_pause_resume.dags.rest_position import (
    DagPlan,
    PositionOutcome,
    fits,
    needs_marker,
    no_intervals,
    parse_time,
    period_start,
    position_record,
)

HOUR = timedelta(hours=1)
ANCHOR = datetime(2026, 6, 1, tzinfo=UTC)


def test_dry_runs_start_on_the_dags_own_grid_near_now() -> None:
    """A timedelta schedule counts its ticks from where a dry run starts: starting at an
    arbitrary moment would move the DAG off its grid (13:27 instead of 13:00)."""
    now = datetime(2026, 12, 2, 13, 27, 38, tzinfo=UTC)
    start = period_start(ANCHOR, HOUR, now, back=3)
    assert start == datetime(2026, 12, 2, 10, tzinfo=UTC)
    assert (start - ANCHOR) % HOUR == timedelta(0)
    # never before the anchor, and a degenerate period stays there
    assert period_start(ANCHOR, HOUR, ANCHOR + HOUR, back=3) == ANCHOR
    assert period_start(ANCHOR, timedelta(0), now, back=3) == ANCHOR
    assert period_start(ANCHOR, HOUR, ANCHOR - HOUR, back=3) == ANCHOR


@pytest.mark.parametrize(
    ("policy", "catchup", "needed"),
    [
        ("catchup", True, True),
        ("catchup", None, True),  # unknown catchup counts as True
        ("catchup", False, False),  # Airflow runs the newest missed interval itself
        ("latest", False, False),
        ("latest", True, True),
        ("skip", False, True),  # Airflow would run one missed interval
        ("skip", True, True),
    ],
)
def test_a_marker_only_where_airflows_own_rule_differs(
    policy: str, catchup: bool | None, needed: bool
) -> None:
    assert needs_marker(policy, catchup) is needed


def test_only_dags_that_would_run_are_held() -> None:
    failed = DagPlan("etl", "catchup", unpause=True, reason="refused")
    asleep = DagPlan("old", "catchup", unpause=False, reason="refused")
    done = DagPlan("ok", "skip", unpause=True, marker=ANCHOR, verified=True)
    bad_tag = DagPlan("tagged", None, unpause=True, reason="tag names no policy")
    outcome = PositionOutcome([failed, asleep, done, bad_tag])
    assert outcome.held_ids() == {"etl", "tagged"}
    report = outcome.to_json()["positions"]
    assert report["set"] == 1
    assert [h["dag_id"] for h in report["held"]] == ["etl", "tagged"]
    assert all(h["action"] for h in report["held"])
    assert report["unset_paused"] == [{"dag_id": "old", "reason": "refused"}]
    assert report["by_policy"] == {"catchup": 2, "latest": 0, "skip": 1}


def test_the_position_record_and_api_times() -> None:
    run = {
        "dag_id": "d",
        "dag_run_id": "scheduled__2026-06-03T04:00:00+00:00",
        "run_type": "scheduled",
        "logical_date": "2026-06-03T04:00:00Z",
        "data_interval_start": "2026-06-03T03:00:00Z",
        "data_interval_end": "2026-06-03T04:00:00Z",
        "state": "failed",
        "conf": {"not": "kept"},
    }
    record = position_record(run)
    assert record["run_id"] == run["dag_run_id"] and "conf" not in record
    assert parse_time(record["logical_date"]) == datetime(2026, 6, 3, 4, tzinfo=UTC)
    assert parse_time("2026-06-03T04:00:00") == datetime(2026, 6, 3, 4, tzinfo=UTC)
    assert parse_time(None) is None


def test_invoke_rest_api_paths_are_at_most_64_characters() -> None:
    run = "backfill__2026-12-02T12:00:00+00:00"
    assert fits(f"/dags/etl/dagRuns/{run}")  # 53
    assert not fits(f"/dags/sample_hourly_skip/dagRuns/{run}")  # 68: the sandbox saw it refused


def test_a_schedule_without_intervals_has_no_position_to_keep() -> None:
    """Airflow 3.3 refuses dry runs of asset-triggered and @once DAGs: nothing to hold;
    any other refusal (backfills not allowed for the DAG) is one."""
    assert no_intervals(
        "Airflow answered HTTP 422: d has a non-periodic schedule that does not support backfills"
    )
    assert no_intervals("Airflow answered HTTP 422: d has no schedule")
    assert not no_intervals(
        "Airflow answered HTTP 422: Dag with dag_id: 'd' does not allow backfill runs"
    )
