"""The restore's ``before_commit`` hook and the position SQL, on real Airflow schemas.

What the hook writes commits with the restore; its exception rolls the restore back.
The marker and the scheduler's cursor are written with the columns each Airflow
line has (``execution_date`` on 2.x; ``logical_date``, ``run_after``,
``triggered_by`` on 3.x); a run of another type at the marker's date is reported,
not overwritten.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from mwaa_pause_resume.metadata import export_snapshot, position_sql, restore_snapshot
from tests.metadata.metadata_seed import EXPORT_RUN

pytestmark = [pytest.mark.postgres, pytest.mark.airflow]
DAY = timedelta(days=1)


def _query(conn: Any, sql: str, args: Any = None) -> list[tuple[Any, ...]]:
    with conn.cursor() as cur:
        cur.execute(sql, args)
        out = list(cur.fetchall())
    conn.rollback()
    return out


def _export(pair: Any) -> None:
    export_snapshot(
        pair.source,
        pair.store,
        fernet_key=pair.k1,
        exclude_dag_runs=[EXPORT_RUN],
        original_paused=pair.facts["original_paused"],
    )


@pytest.mark.parametrize("version", ["2.10.3", "3.0.6", "3.3.1"])
def test_before_commit_writes_position_markers_with_the_restore(
    make_pair: Callable[..., Any], version: str
) -> None:
    pair = make_pair(version)
    _export(pair)
    seen: dict[str, Any] = {}

    def hook(cur: Any, dag_ids: list[str]) -> None:
        seen["dags"] = dag_ids
        seen["active"] = position_sql.active_dags(cur, dag_ids)
        last = position_sql.last_runs(cur, ["etl"])["etl"]
        seen["last"] = last
        marker = position_sql.Marker(
            "etl",
            "skip",
            last.logical_date + DAY,
            last.logical_date + DAY,
            last.logical_date + 2 * DAY,
            last.logical_date + 2 * DAY,
        )
        seen["inserted"] = position_sql.insert_marker(cur, marker)
        seen["again"] = position_sql.insert_marker(cur, marker)  # the position holds
        date = position_sql.date_column(position_sql.columns(cur, "dag_run"))
        cur.execute(f"SELECT {date} FROM dag_run WHERE dag_id = 'etl' AND run_type = 'manual'")
        manual = cur.fetchone()[0]
        seen["blocked"] = position_sql.insert_marker(
            cur, position_sql.Marker("etl", "skip", manual, manual, manual, manual)
        )
        nxt = last.logical_date + 2 * DAY
        position_sql.set_next_run(cur, "etl", position_sql.NextRun(nxt, nxt, nxt + DAY, nxt + DAY))
        position_sql.hold(cur, ["mapped"])

    restore_snapshot(
        pair.target, pair.store, fernet_key=pair.k2, snapshot_key=pair.k1, before_commit=hook
    )

    # the seed's originally unpaused DAGs, which the restore unpaused
    assert {"etl", "mapped"} <= set(seen["active"]) <= set(seen["dags"])
    assert (seen["inserted"], seen["again"], seen["blocked"]) == (None, None, "manual")
    date = "logical_date" if pair.major >= 3 else "execution_date"
    marker_date = seen["last"].logical_date + DAY
    rows = _query(
        pair.target,
        f"SELECT r.run_id, r.run_type, r.state, r.data_interval_end, n.content FROM dag_run r "
        f"JOIN dag_run_note n ON n.dag_run_id = r.id WHERE r.dag_id = 'etl' AND r.{date} = %s",
        (marker_date,),
    )
    assert rows == [
        (
            position_sql.MARKER_RUN_ID_PREFIX + marker_date.isoformat(),
            "backfill",
            "success",
            marker_date + DAY,
            position_sql.marker_note("skip"),
        )
    ]
    assert position_sql.last_runs(pair.target.cursor(), ["etl"])["etl"].logical_date == marker_date
    nxt = marker_date + DAY
    assert _query(
        pair.target,
        "SELECT next_dagrun, next_dagrun_data_interval_end, next_dagrun_create_after, "
        "is_paused FROM dag WHERE dag_id = 'etl'",
    ) == [(nxt, nxt + DAY, nxt + DAY, False)]
    assert _query(pair.target, "SELECT is_paused FROM dag WHERE dag_id = 'mapped'") == [(True,)]


def test_before_commit_failure_rolls_the_restore_back(make_pair: Callable[..., Any]) -> None:
    pair = make_pair("2.10.3")
    _export(pair)
    state = "SELECT (SELECT count(*) FROM dag_run), (SELECT count(*) FROM dag WHERE is_paused)"
    before = _query(pair.target, state)

    def hook(cur: Any, dag_ids: list[str]) -> None:
        position_sql.hold(cur, dag_ids)
        raise RuntimeError("the hook failed")

    with pytest.raises(RuntimeError, match="the hook failed"):
        restore_snapshot(
            pair.target, pair.store, fernet_key=pair.k2, snapshot_key=pair.k1, before_commit=hook
        )
    assert _query(pair.target, state) == before
