"""The missed-runs policy in the full scope: the real import DAG sets each DAG's position.

Source: the seeded database, with some sample DAGs unpaused and months behind (their
scheduled runs end on 2026-06-01). Target: a fresh environment whose DAGs folder
holds those DAGs again, tagged with a policy each, parsed before the import as the
DAG processor of a new MWAA environment does. After the import, inside the same
transaction as the restore, ``latest`` and ``skip`` DAGs carry a position marker (a
finished ``backfill`` run) and the scheduler's next run; ``catchup`` keeps the
restored position; a DAG whose tag names no policy stays paused.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mwaa_pause_resume.dags.tasks import SNAPSHOT_KEY_ENV
from mwaa_pause_resume.metadata.position_sql import MARKER_RUN_ID_PREFIX
from mwaa_pause_resume.sandbox.airflow_runtime import new_fernet_key
from mwaa_pause_resume.sandbox.metadb import MetadataDatabases
from tests.dags.dags_helpers import (
    AirflowEnv,
    DagTrust,
    Seeded,
    bundle_dags_folder,
    paused_states,
    query,
)

pytestmark = [pytest.mark.postgres, pytest.mark.airflow]

EXPORT, IMPORT = "mwaa_export_data", "mwaa_import_data"
HOUR = timedelta(hours=1)
LAST_BEFORE_PAUSE = datetime(2026, 6, 1, 2, tzinfo=UTC)

# The user's DAGs as the resumed environment parses them (Airflow 2 and 3 imports).
POLICY_DAGS = """
from datetime import datetime, timedelta

try:
    from airflow.providers.standard.operators.empty import EmptyOperator
    from airflow.sdk import DAG
except ImportError:
    from airflow.models.dag import DAG
    from airflow.operators.empty import EmptyOperator

TAG = "mwaa-pause-resume:missed_runs="
for policy in ("catchup", "latest", "skip"):
    with DAG(
        dag_id=f"sample_hourly_{policy}",
        schedule=timedelta(hours=1),
        start_date=datetime(2026, 6, 1),
        catchup=True,
        tags=[TAG + policy],
    ):
        EmptyOperator(task_id="tick")
# cron, never scheduled before the pause (only manual runs): skip from its start_date
with DAG(
    dag_id="sample_etl",
    schedule="30 * * * *",
    start_date=datetime(2026, 11, 1),
    catchup=True,
    tags=[TAG + "skip"],
):
    EmptyOperator(task_id="tick")
with DAG(
    dag_id="sample_daily",
    schedule="@daily",
    start_date=datetime(2026, 6, 1),
    catchup=True,
    tags=[TAG + "sometimes"],
):
    EmptyOperator(task_id="tick")
"""
HOURLY = ("sample_hourly_catchup", "sample_hourly_latest", "sample_hourly_skip")
UNPAUSED = (*HOURLY, "sample_etl", "sample_daily")


def _run_columns(db_url: str) -> set[str]:
    rows = query(
        db_url,
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'dag_run'",
    )
    return {r[0] for r in rows}


def _behind_since_june(db_url: str) -> None:
    """The source: UNPAUSED unpaused, the hourly DAGs' scheduled runs up to 02:00 June 1st."""
    cols = _run_columns(db_url)
    date = "logical_date" if "logical_date" in cols else "execution_date"
    query(
        db_url,
        "UPDATE dag SET is_paused = false WHERE dag_id = ANY(%s) RETURNING 1",
        (list(UNPAUSED),),
    )
    for dag_id in HOURLY:
        # the catch-up was under way: latest and skip have a run in flight at the pause
        hours = 3 if dag_id.endswith("catchup") else 4
        for hour in range(hours):
            start = datetime(2026, 6, 1, hour, tzinfo=UTC)
            values: dict[str, Any] = {
                "dag_id": dag_id,
                "run_id": f"scheduled__{start.isoformat()}",
                "run_type": "scheduled",
                "state": "success" if hour < 3 else "running",
                date: start,
                "data_interval_start": start,
                "data_interval_end": start + HOUR,
                "run_after": start + HOUR,
                "external_trigger": False,
                "clear_number": 0,
            }
            values = {c: v for c, v in values.items() if c in cols}
            query(
                db_url,
                f"INSERT INTO dag_run ({', '.join(values)}) "
                f"VALUES ({', '.join(['%s'] * len(values))}) RETURNING id",
                tuple(values.values()),
            )


def _newest_due(moment: datetime, *, trigger: bool, minute: int = 0) -> datetime:
    """Logical date of the newest hourly run (at ``minute`` past) due at ``moment``.

    Airflow 2 schedules data intervals (a run at the end of its hour); Airflow 3 turns
    a ``timedelta`` or cron schedule into a trigger timetable by default (a run at its
    logical date, with an empty interval).
    """
    start = moment.astimezone(UTC).replace(minute=minute, second=0, microsecond=0)
    if start > moment:
        start -= HOUR
    return start if trigger else start - HOUR


def _span(logical: datetime, *, trigger: bool) -> tuple[datetime, datetime]:
    """(logical date, data interval end) of an hourly run."""
    return logical, logical if trigger else logical + HOUR


def _automated(db_url: str, dag_id: str) -> list[tuple[Any, ...]]:
    date = "logical_date" if "logical_date" in _run_columns(db_url) else "execution_date"
    return query(
        db_url,
        f"SELECT r.run_id, r.run_type, r.state, r.{date}, r.data_interval_end, "
        "r.start_date, n.content FROM dag_run r LEFT JOIN dag_run_note n "
        f"ON n.dag_run_id = r.id WHERE r.dag_id = %s AND r.run_type IN "
        f"('scheduled', 'backfill') ORDER BY r.{date}",
        (dag_id,),
    )


def _next_run(db_url: str, dag_id: str) -> tuple[Any, ...]:
    rows = query(
        db_url,
        "SELECT next_dagrun, next_dagrun_data_interval_start, next_dagrun_data_interval_end, "
        "next_dagrun_create_after FROM dag WHERE dag_id = %s",
        (dag_id,),
    )
    return rows[0]


@pytest.mark.parametrize("version", ["2.10.3", "3.0.6", "3.3.1"])
def test_import_sets_each_dags_position_by_its_missed_runs_policy(  # noqa: PLR0917
    version: str,
    source_env: Callable[[str], tuple[AirflowEnv, Seeded]],
    metadata_databases: Callable[[str], MetadataDatabases],
    dag_trust: DagTrust,
    unique_name: Callable[[str], str],
    tmp_path: Path,
) -> None:
    src, _ = source_env(version)
    _behind_since_june(src.db_url)
    snap = dag_trust.snapshot(uuid.uuid4().hex[:12])
    exported = src.run_dag(EXPORT, {"snapshot": str(snap), "drain_timeout_minutes": 0.05})
    assert exported["state"] == "success", exported
    dag_trust.sign(snap)

    folder = bundle_dags_folder(tmp_path / "dst-dags", dag_trust)
    (folder / "policy_dags.py").write_text(POLICY_DAGS)
    dbs = metadata_databases(version)
    dst = AirflowEnv(
        dbs.runtime,
        dbs.create(unique_name("dags_pos")),
        new_fernet_key(),
        tmp_path / "dst-home",
        folder,
        dag_trust,
    )
    imported = dst.run_dag(IMPORT, {"snapshot": str(snap)}, {SNAPSHOT_KEY_ENV: src.fernet_key})

    assert imported["state"] == "success", imported
    note = json.loads(imported["note"])
    assert (note["positions_set"], note["dags_held"]) == (3, 1), note
    paused = paused_states(dst.db_url)
    assert not any(paused[d] for d in (*HOURLY, "sample_etl")), paused
    assert paused["sample_daily"]  # its tag names no policy: held, never guessed

    # catchup: the restored runs are the position; nothing added
    catchup = _automated(dst.db_url, "sample_hourly_catchup")
    assert [r[3] for r in catchup] == [LAST_BEFORE_PAUSE - 2 * HOUR + i * HOUR for i in range(3)]

    # The run in flight at the pause runs again ("rerun"); up to Airflow 3.1 as a manual
    # run, or its finish would set the scheduler back behind the marker.
    in_flight = LAST_BEFORE_PAUSE + HOUR
    line = tuple(int(p) for p in dst.runtime.version.split(".")[:2])
    retyped = "manual" if line < (3, 2) else "scheduled"
    for dag_id in ("sample_hourly_skip", "sample_hourly_latest"):
        assert query(
            dst.db_url,
            "SELECT run_type, state FROM dag_run WHERE dag_id = %s AND run_id = %s",
            (dag_id, f"scheduled__{in_flight.isoformat()}"),
        ) == [(retyped, "queued")]

    trigger = dst.runtime.major >= 3
    for dag_id, back in (("sample_hourly_skip", 0), ("sample_hourly_latest", 1)):
        *_, marker = _automated(dst.db_url, dag_id)
        run_id, run_type, state, logical, end, placed, content = marker
        due = _newest_due(placed, trigger=trigger)
        assert run_id.startswith(MARKER_RUN_ID_PREFIX), marker
        assert (run_type, state) == ("backfill", "success"), marker
        assert f"missed_runs={dag_id.rsplit('_', 1)[1]}" in content, marker
        assert (logical, end) == _span(due - back * HOUR, trigger=trigger), marker
        nxt = due - back * HOUR + HOUR  # skip: after the newest due; latest: the newest
        nxt_end = _span(nxt, trigger=trigger)[1]
        assert _next_run(dst.db_url, dag_id) == (nxt, nxt, nxt_end, nxt_end)

    # cron "30 * * * *", no automated run before the pause: skip from start_date
    (marker,) = _automated(dst.db_url, "sample_etl")
    due = _newest_due(marker[5], trigger=trigger, minute=30)
    assert (marker[1], marker[3], marker[4]) == ("backfill", *_span(due, trigger=trigger))
    nxt = due + HOUR
    assert _next_run(dst.db_url, "sample_etl")[:3] == (nxt, nxt, _span(nxt, trigger=trigger)[1])
