"""The normaliser on real Airflow-migrated schemas (2.10.3 and 3.0.6) in PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import psycopg2
import pytest
from cryptography.fernet import Fernet

from mwaa_pause_resume.sandbox.metadb import MetadataDatabases
from mwaa_pause_resume.sandbox.row_normalise import (
    UNDECRYPTABLE,
    NormalTable,
    normalise,
    read_tables,
)
from tests.sandbox.compare.sandbox_compare_seed import EXPORT_DAG, seed

pytestmark = [pytest.mark.postgres, pytest.mark.airflow]

VERSIONS = ["2.10.3", "3.0.6"]
WORKFLOW_DAGS = (EXPORT_DAG, "mwaa_import_data")


@pytest.fixture
def seeded(
    metadata_databases: Callable[[str], MetadataDatabases],
    unique_name: Callable[[str], str],
) -> Iterator[Callable[[str], tuple[Any, str]]]:
    made: list[tuple[MetadataDatabases, str, Any]] = []

    def make(version: str) -> tuple[Any, str]:
        dbs = metadata_databases(version)
        name = unique_name("norm")
        conn = psycopg2.connect(dbs.create(name))
        made.append((dbs, name, conn))
        key = Fernet.generate_key().decode()
        seed(conn, version.startswith("3."), key)
        return conn, key

    yield make
    for dbs, name, conn in made:
        conn.close()
        dbs.server.drop_database(name)


def rows_of(tables: dict[str, NormalTable], name: str) -> list[dict[str, str | None]]:
    return [dict(row) for row in tables[name].rows]


def only(rows: list[dict[str, str | None]], **match: str) -> dict[str, str | None]:
    found = [r for r in rows if all(r.get(c) == v for c, v in match.items())]
    assert len(found) == 1, (match, rows)
    return found[0]


def read(conn: Any, key: str | None) -> dict[str, NormalTable]:
    with conn.cursor() as cur:
        raw = read_tables(cur)
    conn.rollback()
    return normalise(raw, key, WORKFLOW_DAGS)


@pytest.mark.parametrize("version", VERSIONS)
def test_surrogate_ids_become_the_natural_keys_they_point_at(
    seeded: Callable[[str], tuple[Any, str]], version: str
) -> None:
    conn, key = seeded(version)
    tables = read(conn, key)
    assert all("id" not in dict(row) for table in tables.values() for row in table.rows)

    xcom = only(rows_of(tables, "xcom"), task_id="extract")
    assert xcom["dag_run_id"] == "dag_run(dag_id=etl, run_id=manual__1)"
    note = only(rows_of(tables, "dag_run_note"), content="checked by hand")
    assert note["dag_run_id"] == "dag_run(dag_id=etl, run_id=manual__1)"

    ti = only(rows_of(tables, "task_instance"), task_id="wait")
    assert ti["queued_by_job_id"] == (
        "job(job_type=SchedulerJob, dag_id=None, hostname=scheduler-1, "
        "start_date=2026-03-01 12:05:00.6+00)"
    )
    assert ti["trigger_id"] == (
        "trigger(classpath=airflow.triggers.temporal.DateTimeTrigger, "
        "created_date=2026-03-01 12:03:00+00)"
    )
    trigger = only(rows_of(tables, "trigger"))
    assert trigger["triggerer_id"] is not None
    assert trigger["triggerer_id"].startswith("job(job_type=TriggererJob")
    if version.startswith("3."):
        assert ti["dag_version_id"] == "dag_version(dag_id=etl, version_number=1)"
        ti_note = only(rows_of(tables, "task_instance_note"))
        assert ti_note["ti_id"] == (
            "task_instance(dag_id=etl, task_id=extract, run_id=manual__1, map_index=-1)"
        )
        run = only(rows_of(tables, "dag_run"), run_id="manual__1")
        assert run["created_dag_version_id"] == "dag_version(dag_id=etl, version_number=1)"
    else:
        assert ti["job_id"] is not None and ti["job_id"].startswith("job(job_type=LocalTaskJob")


@pytest.mark.parametrize("version", VERSIONS)
def test_secrets_are_compared_decrypted_with_the_sides_own_key(
    seeded: Callable[[str], tuple[Any, str]], version: str
) -> None:
    conn, key = seeded(version)
    tables = read(conn, key)
    assert only(rows_of(tables, "variable"), key="secret")["val"] == "s3cr3t"
    assert only(rows_of(tables, "variable"), key="plain")["val"] == "visible"
    connection = only(rows_of(tables, "connection"), conn_id="warehouse")
    assert (connection["password"], connection["extra"]) == ("pw", '{"sslmode": "require"}')
    assert "is_encrypted" not in connection
    kwargs = only(rows_of(tables, "trigger"))["kwargs"]
    assert kwargs is not None and kwargs.startswith('{"moment": "2026-04-01')

    wrong = read(conn, Fernet.generate_key().decode())
    assert only(rows_of(wrong, "variable"), key="secret")["val"] == UNDECRYPTABLE
    assert only(rows_of(wrong, "trigger"))["kwargs"] == UNDECRYPTABLE


@pytest.mark.parametrize("version", VERSIONS)
def test_the_workflow_dags_rows_are_left_out_also_through_references(
    seeded: Callable[[str], tuple[Any, str]], version: str
) -> None:
    conn, key = seeded(version)
    tables = read(conn, key)
    for name in ("dag", "dag_run", "task_instance", "xcom", "log", "job"):
        assert all(dict(r).get("dag_id") != EXPORT_DAG for r in tables[name].rows), name
    # dag_run_note has no dag_id: it is left out through its run
    assert [dict(r)["content"] for r in tables["dag_run_note"].rows] == ["checked by hand"]
    assert len(tables["task_instance"].rows) == 5
    assert len(tables["log"].rows) == 2


def test_a_reference_to_a_row_that_does_not_exist_is_null(
    seeded: Callable[[str], tuple[Any, str]],
) -> None:
    conn, key = seeded("2.10.3")
    with conn.cursor() as cur:  # task_instance.job_id has no declared foreign key
        cur.execute("UPDATE task_instance SET job_id = 99999 WHERE task_id = 'wait'")
    conn.commit()
    ti = only(rows_of(read(conn, key), "task_instance"), task_id="wait")
    assert ti["job_id"] is None
