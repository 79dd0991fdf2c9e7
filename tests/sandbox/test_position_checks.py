"""The sandbox's judgement of where each policy DAG's scheduler starts after the resume."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mwaa_pause_resume.sandbox.position_checks import (
    PositionFacts,
    created_by_scheduler,
    judge,
    last_automated,
    newest_due,
    restored_position,
)

H = timedelta(hours=1)
L = datetime(2026, 6, 1, 5, tzinfo=UTC)
RESUMED = datetime(2026, 12, 2, 14, 20, tzinfo=UTC)
DUE = newest_due(RESUMED)  # 13:00, the interval 13:00-14:00


def facts(policy: str, created: list[datetime], last: datetime | None = L) -> PositionFacts:
    return PositionFacts("d", policy, last, created, RESUMED)


def test_newest_due_is_the_last_complete_hour() -> None:
    assert newest_due(RESUMED) == datetime(2026, 12, 2, 13, tzinfo=UTC)


@pytest.mark.parametrize(
    ("policy", "created", "passed"),
    [
        ("catchup", [L + H, L + 2 * H], True),
        ("catchup", [L + 2 * H], False),  # an interval skipped
        ("catchup", [], False),  # the backlog did not go on
        ("catchup", [L, L + H], False),  # ran again
        ("latest", [DUE], True),
        ("latest", [DUE + H], True),  # an hour turned during the resume
        ("latest", [DUE - H, DUE], False),
        ("latest", [L + H], False),
        ("latest", [], False),
        ("skip", [], True),
        ("skip", [DUE + H], True),
        ("skip", [DUE], False),
        ("skip", [L + H], False),
    ],
)
def test_each_policy_row(policy: str, created: list[datetime], passed: bool) -> None:
    ok, detail = judge(facts(policy, created))
    assert ok is passed, detail


def test_without_a_position_before_the_pause_nothing_is_proven() -> None:
    ok, detail = judge(facts("skip", [], last=None))
    assert not ok and "no scheduled run before the pause" in detail


def test_only_automated_runs_set_the_position() -> None:
    runs = [
        {"run_type": "scheduled", "logical_date": "2026-06-01T04:00:00Z"},
        {"run_type": "backfill", "logical_date": "2026-06-01T05:00:00+00:00"},
        {"run_type": "manual", "logical_date": "2026-11-01T00:00:00Z"},
    ]
    assert last_automated(runs) == L
    assert last_automated([]) is None


def test_created_counts_new_scheduled_runs_not_restored_ones_run_again() -> None:
    old_q = (RESUMED - 10 * H).isoformat()
    new_q = (RESUMED + H / 60).isoformat()
    runs = [
        {
            "dag_run_id": "a",
            "run_type": "scheduled",
            "logical_date": L.isoformat(),
            "queued_at": old_q,
        },
        {
            "dag_run_id": "b",
            "run_type": "scheduled",
            "logical_date": (L + H).isoformat(),
            "queued_at": new_q,
        },
        {
            "dag_run_id": "c",
            "run_type": "scheduled",
            "logical_date": (L - H).isoformat(),
            "queued_at": new_q,
        },
        {
            "dag_run_id": "m",
            "run_type": "backfill",
            "logical_date": DUE.isoformat(),
            "queued_at": new_q,
        },
        {
            "dag_run_id": "x",
            "run_type": "manual",
            "logical_date": DUE.isoformat(),
            "queued_at": new_q,
        },
    ]
    # "a" and "c" existed before the pause; "c" was in flight and the restore re-ran it
    # (queued again after the resume): interrupted work, not a run the scheduler made.
    assert created_by_scheduler(runs, {"a", "c"}, RESUMED) == [L + H]


def test_runs_made_between_the_read_and_the_pause_are_restored_history_not_new() -> None:
    """The scheduler goes on catching up until the export pauses the DAG: those runs are
    in the snapshot, not in the runs read before the pause, and come back queued long
    before the resume. They are the position, not runs made after the resume."""
    old_q = (RESUMED - 10 * H).isoformat()
    new_q = (RESUMED + H / 60).isoformat()
    runs = [
        {
            "dag_run_id": "a",
            "run_type": "scheduled",
            "logical_date": L.isoformat(),
            "queued_at": old_q,
        },
        {
            "dag_run_id": "late",
            "run_type": "scheduled",
            "logical_date": (L + H).isoformat(),
            "queued_at": old_q,
        },
        {
            "dag_run_id": "marker",
            "run_type": "backfill",
            "logical_date": DUE.isoformat(),
            "queued_at": new_q,
        },
        {
            "dag_run_id": "n",
            "run_type": "scheduled",
            "logical_date": (DUE + H).isoformat(),
            "queued_at": new_q,
        },
        {"dag_run_id": "?", "run_type": "scheduled", "logical_date": (DUE + 2 * H).isoformat()},
    ]
    assert created_by_scheduler(runs, {"a"}, RESUMED) == [DUE + H, DUE + 2 * H]
    assert restored_position(runs, RESUMED) == L + H


@pytest.mark.parametrize(
    ("created", "ends", "passed"),
    [
        # Airflow 2 -> 3: the last run (logical L, interval L..L+1h) was due at L+1h;
        # Airflow 3 labels the next one by when it is due, L+2h, with an empty interval
        ([L + 2 * H], [L + 2 * H], True),
        ([L + H], [L + 2 * H], True),  # the database path: 2.x's own cursor, [L+1h, L+2h]
        ([L + 3 * H], [L + 3 * H], False),  # a run skipped
        ([L + 1 * H], [L + H], False),  # the last run ran again
    ],
)
def test_catchup_across_the_version_gap_is_judged_on_when_runs_are_due(
    created: list[datetime], ends: list[datetime], passed: bool
) -> None:
    got = PositionFacts("d", "catchup", L, created, RESUMED, last_end=L + H, ends=ends)
    assert judge(got)[0] is passed, judge(got)[1]


def test_interval_ends_of_the_runs_made_after_the_resume() -> None:
    from mwaa_pause_resume.sandbox.position_checks import created_ends, last_automated_end

    def run(run_id: str, at: datetime, end: datetime, queued: datetime) -> dict[str, str]:
        return {
            "dag_run_id": run_id,
            "run_type": "scheduled",
            "logical_date": at.isoformat(),
            "data_interval_start": at.isoformat(),
            "data_interval_end": end.isoformat(),
            "queued_at": queued.isoformat(),
        }

    before = [run("a", L, L + H, L), run("b", L - H, L, L)]
    assert last_automated_end(before) == L + H
    now = [
        *before,
        run("c", L + 3 * H, L + 3 * H, RESUMED),
        run("d", L + 2 * H, L + 2 * H, RESUMED),
    ]
    assert created_ends(now, {"a", "b"}, RESUMED) == [L + 2 * H, L + 3 * H]
