"""The content comparison after a real export and restore (the metadata engine) between
two real Airflow-migrated databases with different Fernet keys; then one restored
row changed by hand, which the comparison must name."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from cryptography.fernet import Fernet

from mwaa_pause_resume.airflow_versions import LATEST, SUPPORTED
from mwaa_pause_resume.dags.quiesce import unfinished_work
from mwaa_pause_resume.metadata import export_snapshot, open_store, restore_snapshot
from mwaa_pause_resume.sandbox.environment_comparison import (
    Comparison,
    EnvironmentState,
    compare,
    read_state,
)
from mwaa_pause_resume.sandbox.metadb import MetadataDatabases
from tests.sandbox.compare.sandbox_compare_seed import (
    EXPORT_DAG,
    EXPORT_RUN,
    IMPORT_DAG,
    _ins,
    _t,
    seed,
)

pytestmark = [pytest.mark.postgres, pytest.mark.airflow]

VERSIONS = SUPPORTED  # a restore compares equal on every supported schema
WORKFLOW_DAGS = (EXPORT_DAG, IMPORT_DAG)


@dataclass
class Cycle:
    """A source paused (exported) and restored into a fresh target."""

    target: Any  # psycopg2 connection to the restored database
    target_url: str
    target_key: str
    before: EnvironmentState
    baseline: EnvironmentState

    def compare(self) -> Comparison:
        after = read_state(self.target_url, self.target_key, WORKFLOW_DAGS)
        return compare(self.before, after, self.baseline)

    def change(self, statement: str) -> None:
        with self.target.cursor() as cur:
            cur.execute(statement)
            assert cur.rowcount == 1, statement
        self.target.commit()


@pytest.fixture
def restored(
    metadata_databases: Callable[[str], MetadataDatabases],
    unique_name: Callable[[str], str],
    tmp_path: Path,
) -> Iterator[Callable[[str], Cycle]]:
    made: list[tuple[MetadataDatabases, str, Any]] = []

    def make(version: str) -> Cycle:
        dbs = metadata_databases(version)
        names = unique_name("src"), unique_name("tgt")
        source_url, target_url = dbs.create(names[0]), dbs.create(names[1])
        source, target = psycopg2.connect(source_url), psycopg2.connect(target_url)
        made.extend([(dbs, names[0], source), (dbs, names[1], target)])
        k1, k2 = Fernet.generate_key().decode(), Fernet.generate_key().decode()
        baseline = read_state(source_url, k1, WORKFLOW_DAGS)
        seed(source, version.startswith("3."), k1)
        before = read_state(source_url, k1, WORKFLOW_DAGS)
        store = open_store(str(tmp_path / names[0]))
        # as the export DAG calls it: its own run left out, every unfinished run and
        # task instance recorded as interrupted
        export_snapshot(
            source,
            store,
            fernet_key=k1,
            airflow_version=version,
            exclude_dag_runs=[EXPORT_RUN],
            original_paused={"etl": False, EXPORT_DAG: False},
            interrupted=unfinished_work(source, EXPORT_RUN),
        )
        restore_snapshot(target, store, fernet_key=k2, snapshot_key=k1)
        return Cycle(target, target_url, k2, before, baseline)

    yield make
    for dbs, name, conn in made:
        conn.close()
        dbs.server.drop_database(name)


@pytest.mark.parametrize("version", VERSIONS)
def test_a_restore_compares_equal_row_by_row(
    restored: Callable[[str], Cycle], version: str
) -> None:
    comparison = restored(version).compare()
    assert comparison.differences == []
    tables = comparison.tables
    for name, rows in {
        "task_instance": 5,
        "dag_run": 2,
        "xcom": 1,
        "trigger": 1,
        "job": 3,
        "variable": 2,
        "connection": 1,
        "dag_run_note": 1,
    }.items():
        assert (tables[name].before, tables[name].after, tables[name].matching) == (
            rows,
            rows,
            rows,
        ), name
    # the audit-log row the restore writes about itself is the target's own
    assert tables["log"].made_by_target == 1
    assert (tables["log"].before, tables["log"].after) == (2, 2)
    # tables of newer schemas (seeded where they exist), references named by natural keys
    line = tuple(int(part) for part in version.split(".")[:2])
    newer = {
        **(
            {
                "team": 1,
                "callback": 1,
                "deadline": 1,
                "hitl_detail": 2,  # one of them on the cut-off task instance (new uuid)
                "asset_partition_dag_run": 1,
                "partitioned_asset_key_log": 1,
            }
            if line >= (3, 2)
            else {}
        ),
        **({"task_state_store": 1, "asset_state_store": 1} if line >= (3, 3) else {}),
    }
    for name, rows in newer.items():
        assert (tables[name].before, tables[name].after, tables[name].matching) == (
            rows,
            rows,
            rows,
        ), name


@pytest.mark.parametrize(
    ("version", "statement", "table", "shown"),
    [
        (
            "2.10.3",
            "UPDATE variable SET description = 'changed' WHERE key = 'plain'",
            "variable",
            "row variable(key='plain') differs: description 'a note' before, 'changed' after",
        ),
        (
            "3.0.6",
            "UPDATE task_instance SET try_number = 5 WHERE run_id = 'manual__1' "
            "AND task_id = 'extract'",
            "task_instance",
            "row task_instance(dag_id='etl', task_id='extract', run_id='manual__1', "
            "map_index='-1', try_number='1') differs: try_number '1' before, '5' after",
        ),
        (
            LATEST,  # a callback that lost its (remapped) trigger
            "UPDATE callback SET trigger_id = NULL",
            "callback",
            "row callback(type='triggerer') differs: trigger_id "
            "'trigger(classpath=airflow.triggers.temporal.DateTimeTrig... before, NULL after",
        ),
        (
            "2.10.3",  # a reference remapped to the wrong run
            "UPDATE xcom SET dag_run_id = (SELECT id FROM dag_run WHERE run_id = 'manual__2')",
            "xcom",
            "dag_run_id 'dag_run(dag_id=etl, run_id=manual__1)' before, "
            "'dag_run(dag_id=etl, run_id=manual__2)' after",
        ),
    ],
)
def test_one_changed_column_of_one_restored_row_is_named(
    restored: Callable[[str], Cycle], version: str, statement: str, table: str, shown: str
) -> None:
    cycle = restored(version)
    cycle.change(statement)
    comparison = cycle.compare()
    assert not comparison.restored_equal
    assert [name for name, t in comparison.tables.items() if not t.equal] == [table]
    row = comparison.tables[table]
    assert row.matching == row.before - 1
    assert row.after == row.before
    assert row.example is not None and shown in row.example
    (difference,) = comparison.differences
    assert difference.startswith(f"table {table}: ") and shown in difference


# -- reschedules of a cut-off try --------------------------------------------------
# Review: the reschedules of a try cut off by the pause are deleted by the restore (as
# Airflow's clear_task_instances deletes them, docs/metadata.md "Work interrupted by the
# pause"), so the row comparison must expect them gone, not report them missing.
#
# A reschedule-mode sensor that was running when the environment paused is exactly such a
# try: its earlier reschedules of that try belong to the attempt the restore records as
# failed in task_instance_history.


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
