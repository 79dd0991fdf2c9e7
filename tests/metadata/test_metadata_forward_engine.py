"""The engine that brings an older snapshot forward, on the tiny schema (no Airflow).

A stand-in for Airflow's migrations runs SQL in the scratch schema, so the engine's own
steps are checked in a second: the source schema built from shipped DDL, the files
loaded and checked, the migration's changes restored, the scratch schema dropped
whatever happens, and a downgrade or unknown revision refused with nothing changed.
(Real Airflow migrations against Airflow's own upgrade: test_metadata_forward.py.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mwaa_pause_resume.metadata import (
    RestoreFailed,
    SnapshotIncompatible,
    export_snapshot,
    open_store,
    restore_snapshot,
)
from mwaa_pause_resume.metadata.forward import SCRATCH_SCHEMA, ddl
from tests.metadata.mini_airflow import REVISION, SCHEMA, MiniPair, rows, sequences

pytestmark = pytest.mark.postgres
NEWER = "0mini1schema"
# The "migration" from REVISION to NEWER: a new column, filled from the old rows.
MIGRATION = (
    "ALTER TABLE dag_run ADD COLUMN triggered_by varchar(50); "
    "UPDATE dag_run SET triggered_by = 'migrated:' || run_id; "
    f"UPDATE alembic_version SET version_num = '{NEWER}'"
)


class FakeMigrations:
    """Airflow's migrations as the engine sees them: a chain NEWER <- REVISION."""

    def __init__(self, url: str, *, fail: bool = False) -> None:
        self.url, self.fail, self.calls = url, fail, 0

    def lineage(self, revision: str) -> list[str]:
        return [NEWER, REVISION] if revision == NEWER else [revision]

    def upgrade(self, schema: str, revision: str) -> None:
        import psycopg2

        self.calls += 1
        conn = psycopg2.connect(self.url)
        try:
            with conn.cursor() as cur:
                cur.execute(f'SET search_path TO "{schema}"')
                cur.execute("SELECT 1/0" if self.fail else MIGRATION)
            conn.commit()
        finally:
            conn.close()


@pytest.fixture
def newer(mini_pair: MiniPair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MiniPair:
    """The target migrated to NEWER; the mini schema shipped as REVISION's DDL."""
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / f"{REVISION}.sql").write_text(
        ddl.normalise(SCHEMA.replace(f"INSERT INTO alembic_version VALUES ('{REVISION}');", ""))
    )
    monkeypatch.setattr(ddl, "SCHEMAS_DIR", schemas)
    with mini_pair.target.cursor() as cur:
        cur.execute(MIGRATION)
    mini_pair.target.commit()
    export_snapshot(mini_pair.source, open_store(str(tmp_path / "snap")), fernet_key=mini_pair.key)
    return mini_pair


def _restore(pair: MiniPair, tmp_path: Path, migrations: Any) -> Any:
    return restore_snapshot(
        pair.target,
        open_store(str(tmp_path / "snap")),
        fernet_key=pair.key,
        snapshot_key=pair.key,
        migrations=migrations,
    )


def _schemas(conn: Any) -> list[str]:
    with conn.cursor() as cur:
        cur.execute("SELECT nspname FROM pg_namespace WHERE nspname = %s", (SCRATCH_SCHEMA,))
        found = [r[0] for r in cur.fetchall()]
    conn.rollback()
    return found


def test_older_snapshot_is_brought_forward(newer: MiniPair, tmp_path: Path) -> None:
    report = _restore(newer, tmp_path, FakeMigrations(newer.target_url))
    assert report.brought_forward == {"from": REVISION, "to": NEWER, "left_behind": []}
    assert report.alembic_revision == REVISION
    with newer.target.cursor() as cur:
        cur.execute("SELECT run_id, triggered_by FROM dag_run ORDER BY run_id")
        runs = cur.fetchall()
        cur.execute("SELECT version_num FROM alembic_version")
        assert cur.fetchone() == (NEWER,)  # the target's own revision, untouched
    newer.target.rollback()
    assert runs == [
        ("scheduled__1", "migrated:scheduled__1"),
        ("scheduled__2", "migrated:scheduled__2"),
    ]
    assert len(rows(newer.target)["job"]) == 3
    assert _schemas(newer.target) == []


def test_failed_migration_changes_nothing(newer: MiniPair, tmp_path: Path) -> None:
    before = rows(newer.target), sequences(newer.target)
    with pytest.raises(RestoreFailed, match=f"from {REVISION} to {NEWER} failed"):
        _restore(newer, tmp_path, FakeMigrations(newer.target_url, fail=True))
    assert (rows(newer.target), sequences(newer.target)) == before
    assert _schemas(newer.target) == []


def test_a_leftover_scratch_schema_is_replaced(newer: MiniPair, tmp_path: Path) -> None:
    with newer.target.cursor() as cur:  # a try killed midway left its scratch schema
        cur.execute(f'CREATE SCHEMA "{SCRATCH_SCHEMA}"; CREATE TABLE "{SCRATCH_SCHEMA}".x (i int)')
    newer.target.commit()
    assert _restore(newer, tmp_path, FakeMigrations(newer.target_url)).brought_forward
    assert _schemas(newer.target) == []


def test_newer_snapshot_is_refused(newer: MiniPair, tmp_path: Path) -> None:
    """A downgrade (the target's chain does not pass through the snapshot's revision)."""
    migrations = FakeMigrations(newer.target_url)
    migrations.lineage = lambda revision: [revision]  # type: ignore[method-assign]
    before = rows(newer.target), sequences(newer.target)
    with pytest.raises(SnapshotIncompatible, match=f"revision {REVISION}"):
        _restore(newer, tmp_path, migrations)
    assert migrations.calls == 0
    assert (rows(newer.target), sequences(newer.target)) == before


def test_older_revision_without_shipped_schema_is_refused(
    newer: MiniPair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ddl, "SCHEMAS_DIR", tmp_path / "none")
    with pytest.raises(SnapshotIncompatible, match="does not know its schema") as refused:
        _restore(newer, tmp_path, FakeMigrations(newer.target_url))
    assert "resume on the snapshot's Airflow version" in str(refused.value.hint)
    assert _schemas(newer.target) == []


def test_ddl_is_unqualified_and_split_per_statement() -> None:
    dump = (
        "--\n-- comment\nSET lock_timeout = 0;\n"
        "SELECT pg_catalog.set_config('search_path', '', false);\n\\restrict abc\n"
        "CREATE SCHEMA public;\n"
        "CREATE TABLE public.t (\n    id integer DEFAULT nextval('public.t_id_seq'::regclass)\n);\n"
        "ALTER TABLE ONLY public.t\n    ADD CONSTRAINT t_pkey PRIMARY KEY (id);\n"
    )
    text = ddl.normalise(dump)
    assert "public." not in text and "SET " not in text and "\\" not in text
    assert ddl.statements(text) == [
        "CREATE TABLE t (\n    id integer DEFAULT nextval('t_id_seq'::regclass)\n);",
        "ALTER TABLE ONLY t\n    ADD CONSTRAINT t_pkey PRIMARY KEY (id);",
    ]


def test_shipped_schemas_cover_every_older_supported_revision() -> None:
    """Adding an Airflow version: its revision needs a shipped schema (sandbox.forward_schemas)
    unless it is the newest one (nothing is brought forward from it)."""
    from mwaa_pause_resume.airflow_versions import BY_VERSION, SUPPORTED

    revisions = [BY_VERSION[v].alembic_revision for v in SUPPORTED]
    older = set(revisions[:-1]) - {revisions[-1]}
    assert older <= ddl.known_sources()
