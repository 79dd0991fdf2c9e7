"""Review: the reschedules of a try cut off by the pause are deleted by the restore (as
Airflow's clear_task_instances deletes them, docs/metadata.md "Work interrupted by the
pause"), so the row comparison must expect them gone, not report them missing.

A reschedule-mode sensor that was running when the environment paused is exactly such a
try: its earlier reschedules of that try belong to the attempt the restore records as
failed in task_instance_history.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from cryptography.fernet import Fernet
from sandbox_compare_seed import EXPORT_DAG, EXPORT_RUN, IMPORT_DAG, _ins, _t, seed

from mwaa_pause_resume.dags.quiesce import unfinished_work
from mwaa_pause_resume.metadata import export_snapshot, open_store, restore_snapshot
from mwaa_pause_resume.sandbox.environment_comparison import Comparison, compare, read_state
from mwaa_pause_resume.sandbox.metadb import MetadataDatabases

pytestmark = [pytest.mark.postgres, pytest.mark.airflow]

WORKFLOW_DAGS = (EXPORT_DAG, IMPORT_DAG)
CUT_OFF = ("etl", "manual__2", "extract", -1)  # the seed's task instance running at export
FINISHED = ("etl", "manual__1", "extract", -1)  # a finished one: its reschedule stays


def _reschedules(cur: Any, v3: bool) -> None:
    """One reschedule of the cut-off try and one of a finished task instance."""
    for dag_id, run_id, task_id, map_index in (CUT_OFF, FINISHED):
        row: dict[str, Any] = {
            "start_date": _t(1),
            "end_date": _t(1.5),
            "duration": 30,
            "reschedule_date": _t(2),
        }
        if v3:
            cur.execute(
                "SELECT id FROM task_instance WHERE dag_id = %s AND run_id = %s "
                "AND task_id = %s AND map_index = %s",
                (dag_id, run_id, task_id, map_index),
            )
            row["ti_id"] = cur.fetchone()[0]
        else:
            row.update(
                dag_id=dag_id, run_id=run_id, task_id=task_id, map_index=map_index, try_number=1
            )
        _ins(cur, "task_reschedule", row)


@pytest.fixture
def cycle(
    metadata_databases: Callable[[str], MetadataDatabases],
    unique_name: Callable[[str], str],
    tmp_path: Path,
) -> Iterator[Callable[[str], tuple[Comparison, Any]]]:
    made: list[tuple[MetadataDatabases, str, Any]] = []

    def make(version: str) -> tuple[Comparison, Any]:
        v3 = version.startswith("3.")
        dbs = metadata_databases(version)
        names = unique_name("src"), unique_name("tgt")
        source_url, target_url = dbs.create(names[0]), dbs.create(names[1])
        source, target = psycopg2.connect(source_url), psycopg2.connect(target_url)
        made.extend([(dbs, names[0], source), (dbs, names[1], target)])
        k1, k2 = Fernet.generate_key().decode(), Fernet.generate_key().decode()
        baseline = read_state(source_url, k1, WORKFLOW_DAGS)
        seed(source, v3, k1)
        with source.cursor() as cur:
            _reschedules(cur, v3)
        source.commit()
        before = read_state(source_url, k1, WORKFLOW_DAGS)
        store = open_store(str(tmp_path / names[0]))
        export_snapshot(
            source,
            store,
            fernet_key=k1,
            airflow_version=version,
            exclude_dag_runs=[EXPORT_RUN],
            original_paused={"etl": False, EXPORT_DAG: False},
            interrupted=unfinished_work(source, EXPORT_RUN),
        )
        report = restore_snapshot(target, store, fernet_key=k2, snapshot_key=k1)
        after = read_state(target_url, k2, WORKFLOW_DAGS)
        return compare(before, after, baseline), report

    yield make
    for dbs, name, conn in made:
        conn.close()
        dbs.server.drop_database(name)


@pytest.mark.parametrize("version", ["2.10.3", "3.0.6"])
def test_cut_off_reschedules_are_expected_gone(
    cycle: Callable[[str], tuple[Comparison, Any]], version: str
) -> None:
    comparison, report = cycle(version)
    # the restore did delete the cut-off try's reschedule and kept the finished one's
    assert report.tables["task_reschedule"].cleared == 1
    assert report.tables["task_reschedule"].inserted == 1
    assert comparison.differences == []
    rows = comparison.tables["task_reschedule"]
    assert (rows.before, rows.after, rows.matching) == (1, 1, 1)
