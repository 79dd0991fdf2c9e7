"""Jobs running at export come back failed: their processes do not exist in the target.

Airflow's scheduler only fails stale *SchedulerJob* rows (adopt_or_reset_orphaned_tasks);
restored triggerer and task-runner jobs would otherwise stay "running" forever.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mwaa_pause_resume.metadata import export_snapshot, restore_snapshot
from tests.metadata.metadata_seed import EXPORT_RUN

pytestmark = [pytest.mark.postgres, pytest.mark.airflow]

LIVE = (
    ("SchedulerJob", "sched-live", "running"),
    ("TriggererJob", "trig-live", "running"),
    ("LocalTaskJob", "worker-live", "running"),
    ("LocalTaskJob", "worker-restarting", "restarting"),
)


def _jobs(conn: Any) -> dict[str, tuple[Any, ...]]:
    with conn.cursor() as cur:
        cur.execute(
            "SELECT hostname, job_type, state, start_date, end_date, latest_heartbeat FROM job"
        )
        out = {str(r[0]): tuple(r[1:]) for r in cur.fetchall()}
    conn.rollback()
    return out


@pytest.mark.parametrize("version", ["2.10.3", "3.0.6"])
def test_running_jobs_are_restored_failed(make_pair: Callable[..., Any], version: str) -> None:
    pair = make_pair(version)
    with pair.source.cursor() as cur:
        for job_type, host, state in LIVE:
            cur.execute(
                "INSERT INTO job (job_type, hostname, state, start_date, latest_heartbeat) "
                "VALUES (%s, %s, %s, now() - interval '2 hours', now() - interval '1 minute')",
                (job_type, host, state),
            )
    pair.source.commit()
    source = _jobs(pair.source)
    target_own = _jobs(pair.target)
    export_snapshot(
        pair.source,
        pair.store,
        fernet_key=pair.k1,
        exclude_dag_runs=[EXPORT_RUN],
        original_paused=pair.facts["original_paused"],
    )
    report = restore_snapshot(pair.target, pair.store, fernet_key=pair.k2, snapshot_key=pair.k1)
    assert report.jobs_ended == len(LIVE)
    after = _jobs(pair.target)
    for host, (job_type, state, start, end, beat) in source.items():
        expected = "failed" if state in ("running", "restarting") else state
        # only the state changes (as Airflow's own cleanup does); times are history
        assert after[host] == (job_type, expected, start, end, beat), host
    # the target's own live scheduler is not the snapshot's: left running
    assert target_own and all(after[h] == row for h, row in target_own.items())
    assert any(row[1] == "running" for row in target_own.values())
