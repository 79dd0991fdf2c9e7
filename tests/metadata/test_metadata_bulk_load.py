"""The bulk load of large tables (bulk_load): same rows, same structure, all or nothing.

``BULK_ROWS`` is lowered to 1 so that every table of the seeded snapshot takes the bulk
path; the restore runs on the only connection to the target database, so its indexes
and foreign keys are dropped and rebuilt. A counting wrapper around the real
``defer_indexes`` proves they were.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from typing import Any

import psycopg2
import pytest
from cryptography.fernet import Fernet, InvalidToken

from mwaa_pause_resume.metadata import RestoreFailed, bulk_load, export_snapshot, restore_snapshot
from tests.metadata.metadata_compare import as_counter, rows
from tests.metadata.metadata_fingerprint import changed, fingerprint
from tests.metadata.metadata_seed import EXPORT_RUN

pytestmark = [pytest.mark.postgres, pytest.mark.airflow]

# The restore's own audit-log record carries the time it was written.
DIFFERS_BY_TIME = {"log"}
# Airflow 3: the try a rerun cuts off gets a new task instance id (uuid7, drawn at
# restore, see ti_history), so two restores never give it the same one.
UUIDS_DRAWN_AT_RESTORE = {
    "task_instance": ("id",),
    "task_instance_history": ("task_instance_id",),
    "task_instance_note": ("ti_id",),
}


@pytest.fixture
def deferred(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every table takes the bulk path; the tables whose indexes were dropped, in order."""
    tables: list[str] = []
    real = bulk_load.defer_indexes

    def counting(cur: Any, table: str) -> bulk_load.Deferred:
        tables.append(table)
        return real(cur, table)

    monkeypatch.setattr(bulk_load, "BULK_ROWS", 1)
    monkeypatch.setattr(bulk_load, "defer_indexes", counting)
    yield tables


def _structure(conn: Any) -> dict[str, Any]:
    """Every index and constraint: definition, validity and identity (oid)."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid), i.indisvalid, i.indexrelid "
            "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema() "
            "ORDER BY 1"
        )
        indexes = {name: (d, valid, oid) for name, d, valid, oid in cur.fetchall()}
        cur.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), "
            "convalidated, oid FROM pg_constraint "
            "WHERE connamespace = current_schema()::regnamespace ORDER BY 1, 2"
        )
        constraints = {(t, n): (d, v, oid) for t, n, d, v, oid in cur.fetchall()}
    conn.rollback()
    return {"indexes": indexes, "constraints": constraints}


def _plain(conn: Any, table: str, key: str) -> list[dict[str, Any]]:
    """Rows as :func:`rows` gives them, Fernet values decrypted (a token is never the same
    twice: each restore encrypts anew)."""
    fernet = Fernet(key.encode())
    out = []
    for row in rows(conn, table):
        for col in UUIDS_DRAWN_AT_RESTORE.get(table, ()):
            row.pop(col, None)
        for col, value in row.items():
            if isinstance(value, str) and value.startswith("gAAAAA"):
                with contextlib.suppress(InvalidToken):
                    row[col] = fernet.decrypt(value.encode())
        out.append(row)
    return out


def _definitions(structure: dict[str, Any]) -> dict[str, Any]:
    return {kind: {k: v[:2] for k, v in items.items()} for kind, items in structure.items()}


def _export(pair: Any) -> None:
    export_snapshot(
        pair.source,
        pair.store,
        fernet_key=pair.k1,
        airflow_version=pair.version,
        exclude_dag_runs=[EXPORT_RUN],
        original_paused=pair.facts["original_paused"],
    )


def _alone(pair: Any) -> Any:
    """The only connection to the target database (the fixture's one is closed)."""
    pair.target.close()
    return psycopg2.connect(pair.target_url)


def _restore(conn: Any, pair: Any) -> Any:
    return restore_snapshot(conn, pair.store, fernet_key=pair.k2, snapshot_key=pair.k1)


@pytest.mark.parametrize("version", ["2.10.3", "3.0.6"])
def test_bulk_path_restores_the_rows_of_the_row_by_row_path_and_every_index(
    make_pair: Callable[..., Any],
    unique_name: Callable[[str], str],
    deferred: list[str],
    version: str,
) -> None:
    pair = make_pair(version)
    _export(pair)
    # a byte-for-byte copy of the target, restored the row-by-row way
    pair.target.close()
    copy = unique_name("rowwise")
    admin = psycopg2.connect(pair.databases.server.url())
    try:
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{pair.target_url.rsplit("/", 1)[1]}"')
    finally:
        admin.close()
    other = psycopg2.connect(pair.databases.server.url(copy))
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(bulk_load, "BULK_ROWS", 10**12)
            rowwise = _restore(other, pair)
        assert deferred == []

        conn = _alone(pair)
        try:
            before = _structure(conn)
            bulk = _restore(conn, pair)
            after = _structure(conn)
            assert "task_instance" in deferred and "dag_run" in deferred
            # every index and constraint is back, identical and valid ...
            assert _definitions(after) == _definitions(before)
            # ... and those of the loaded tables were rebuilt (new objects), not kept
            rebuilt = [n for n, v in after["indexes"].items() if v[2] != before["indexes"][n][2]]
            assert "ti_state" in rebuilt or "ti_state_lkp" in rebuilt, rebuilt
            assert bulk.tables == rowwise.tables  # same counts: inserted, skipped, ...
            with conn.cursor() as cur:
                cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
                tables = sorted(r[0] for r in cur.fetchall())
            conn.rollback()
            for table in tables:
                if table in DIFFERS_BY_TIME:
                    continue
                mine, theirs = _plain(conn, table, pair.k2), _plain(other, table, pair.k2)
                assert as_counter(mine) == as_counter(theirs), table
        finally:
            conn.close()
    finally:
        other.close()
        pair.databases.server.drop_database(copy)


@pytest.mark.parametrize("version", ["2.10.3", "3.0.6"])
def test_failure_after_indexes_were_dropped_leaves_the_target_as_it_was(
    make_pair: Callable[..., Any], deferred: list[str], version: str
) -> None:
    pair = make_pair(version)
    _export(pair)
    with pair.target.cursor() as cur:  # fails the bulk insert itself, indexes already gone
        cur.execute(
            "ALTER TABLE task_instance ADD CONSTRAINT no_success CHECK (state <> 'success')"
        )
    pair.target.commit()
    conn = _alone(pair)
    try:
        structure, rows_before = _structure(conn), fingerprint(conn)
        with pytest.raises(RestoreFailed, match=r"task_instance.*rolled back"):
            _restore(conn, pair)
        assert "task_instance" in deferred  # its indexes had been dropped
        assert _structure(conn) == structure  # the very same indexes (same oids) are back
        # every row as it was (sequences keep the ids drawn: PostgreSQL never gives them back)
        assert changed(rows_before, fingerprint(conn)) in ([], ["(sequences)"])
    finally:
        conn.close()


def test_a_key_the_anti_join_cannot_see_falls_back_to_on_conflict(
    make_pair: Callable[..., Any], deferred: list[str]
) -> None:
    """A partial unique index (the anti-join checks full keys only) that two snapshot
    rows collide on: the bulk insert fails, the savepoint takes it back with the dropped
    indexes, and the row-by-row ON CONFLICT path keeps one of them, as it always did."""
    pair = make_pair("2.10.3")
    _export(pair)
    with pair.target.cursor() as cur:  # the snapshot has two return values (etl, mapped)
        cur.execute("CREATE UNIQUE INDEX one_return_value ON xcom (key) WHERE key = 'return_value'")
    pair.target.commit()
    conn = _alone(pair)
    try:
        before = _structure(conn)
        report = _restore(conn, pair)
        assert "xcom" in deferred  # the bulk path was taken, then given up
        assert _definitions(_structure(conn)) == _definitions(before)
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM xcom WHERE key = 'return_value'")
            assert cur.fetchone() == (1,)
        conn.rollback()
        xcom = report.tables["xcom"]
        assert xcom.inserted == 1 and xcom.skipped_conflict >= 1
        assert (
            xcom.inserted + xcom.skipped_with_parent + xcom.skipped_conflict == xcom.snapshot_rows
        )
    finally:
        conn.close()


def test_a_user_who_does_not_own_the_tables_loads_without_dropping_indexes(
    make_pair: Callable[..., Any], deferred: list[str], unique_name: Callable[[str], str]
) -> None:
    """GRANTed every privilege but not the owner: DROP INDEX would be refused, so the
    bulk path keeps the indexes (and the restore succeeds, as it did before)."""
    pair = make_pair("2.10.3")
    _export(pair)
    role = unique_name("writer")
    with pair.target.cursor() as cur:
        cur.execute(f"CREATE ROLE \"{role}\" LOGIN PASSWORD 'writer-pw'")
        cur.execute(f'GRANT ALL ON ALL TABLES IN SCHEMA public TO "{role}"')
        cur.execute(f'GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
    pair.target.commit()
    pair.target.close()
    conn = psycopg2.connect(re.sub(r"//[^@]*@", f"//{role}:writer-pw@", pair.target_url))
    try:
        before = _structure(conn)
        report = _restore(conn, pair)
        assert deferred == []  # nothing dropped ...
        assert _structure(conn) == before  # ... the same index objects, untouched
        assert report.tables["task_instance"].inserted > 0
    finally:
        conn.close()
        admin = psycopg2.connect(pair.target_url)
        with admin.cursor() as cur:
            cur.execute(f'DROP OWNED BY "{role}"')
            cur.execute(f'DROP ROLE "{role}"')
        admin.commit()
        admin.close()
