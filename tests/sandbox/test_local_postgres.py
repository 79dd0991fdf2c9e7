"""The throwaway PostgreSQL server and Airflow-migrated template databases are real."""

from __future__ import annotations

from collections.abc import Callable

import psycopg2
import pytest

from mwaa_pause_resume.sandbox.metadb import MetadataDatabases
from mwaa_pause_resume.sandbox.postgres import LocalPostgres


def test_server_accepts_sql_and_isolates_databases(pg_server: LocalPostgres) -> None:
    url_a = pg_server.create_database("t_iso_a")
    url_b = pg_server.create_database("t_iso_b")
    with psycopg2.connect(url_a) as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE only_in_a (x int)")
    with psycopg2.connect(url_b) as conn, conn.cursor() as cur:
        cur.execute("SELECT to_regclass('only_in_a')")
        assert cur.fetchone() == (None,)
    pg_server.drop_database("t_iso_a")
    pg_server.drop_database("t_iso_b")


@pytest.mark.airflow
def test_migrated_copies_carry_airflow_schema(
    metadata_databases: Callable[[str], MetadataDatabases],
) -> None:
    dbs = metadata_databases("2.10.3")
    url = dbs.create("t_migrated_copy")
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT version_num FROM alembic_version")
        row = cur.fetchone()
        assert row is not None and row[0]
        cur.execute("SELECT pool, slots FROM slot_pool WHERE pool = 'default_pool'")
        assert cur.fetchone() == ("default_pool", 128)
