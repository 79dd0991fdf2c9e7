"""Migrated schemas kept as dumps: restored only for the installation and revision that
made them, otherwise the caller migrates (real PostgreSQL, no Airflow needed)."""

from __future__ import annotations

from pathlib import Path

import psycopg2
import pytest

from mwaa_pause_resume import airflow_versions
from mwaa_pause_resume.sandbox import schema_cache
from mwaa_pause_resume.sandbox.airflow_runtime import AirflowRuntime
from mwaa_pause_resume.sandbox.postgres import LocalPostgres

pytestmark = pytest.mark.postgres
VERSION = "2.10.3"


def _fake_migrated(server: LocalPostgres, name: str, revision: str) -> None:
    conn = psycopg2.connect(server.create_database(name))
    with conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)")
        cur.execute("INSERT INTO alembic_version VALUES (%s)", (revision,))
        cur.execute("CREATE TABLE slot_pool (id serial PRIMARY KEY, pool text)")
        cur.execute("INSERT INTO slot_pool (pool) VALUES ('default_pool')")
    conn.close()


def test_a_dump_restores_the_schema_and_its_rows(pg_server: LocalPostgres, tmp_path: Path) -> None:
    head = airflow_versions.BY_VERSION[VERSION].alembic_revision
    _fake_migrated(pg_server, "schema_src", head)
    dump = tmp_path / "schemas" / "x.dump"
    schema_cache.save(pg_server, "schema_src", dump)
    assert dump.exists() and not list(dump.parent.glob("*.partial"))
    pg_server.create_database("schema_dst")
    assert schema_cache.restore(pg_server, "schema_dst", dump, VERSION)
    conn = psycopg2.connect(pg_server.url("schema_dst"))
    with conn.cursor() as cur:
        cur.execute("SELECT pool FROM slot_pool")
        assert cur.fetchall() == [("default_pool",)]
        cur.execute("SELECT nextval('slot_pool_id_seq')")
        assert cur.fetchone() == (2,)  # the sequence came along
    conn.close()


def test_a_dump_of_another_revision_or_none_at_all_is_not_used(
    pg_server: LocalPostgres, tmp_path: Path
) -> None:
    _fake_migrated(pg_server, "schema_old", "0000000000aa")
    dump = tmp_path / "old.dump"
    schema_cache.save(pg_server, "schema_old", dump)
    pg_server.create_database("schema_dst2")
    assert not schema_cache.restore(pg_server, "schema_dst2", dump, VERSION)
    pg_server.create_database("schema_dst3")
    assert not schema_cache.restore(pg_server, "schema_dst3", tmp_path / "missing.dump", VERSION)


def test_the_dump_name_changes_with_the_installation(
    pg_server: LocalPostgres, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MWAA_PR_CACHE", str(tmp_path))
    runtime = AirflowRuntime(VERSION, root=tmp_path)
    first = schema_cache.dump_path(runtime, pg_server, with_fab=False)
    assert first.parent == tmp_path / "schemas" and VERSION in first.name
    assert schema_cache.dump_path(runtime, pg_server, with_fab=True) != first
    runtime.venv_dir.mkdir(parents=True)
    (runtime.venv_dir / ".mwaa-pause-resume-complete").write_text("uv-mwaa-constraints-1\nx\n")
    assert schema_cache.dump_path(runtime, pg_server, with_fab=False) != first
