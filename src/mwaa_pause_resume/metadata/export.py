"""Export: one consistent read of the metadata database into a snapshot store.

One REPEATABLE READ READ ONLY transaction; per kept table one
``COPY (SELECT ...) TO STDOUT (FORMAT csv)`` streamed through gzip into the
store while sha256, size and row count are taken. Tables with Fernet columns
(small: variables, connections, triggers) take a Python path that decrypts
with the source key and re-encrypts under the snapshot key. The manifest is
written last: a snapshot without one is incomplete by definition.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import io
import json
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from mwaa_pause_resume.errors import UserError
from mwaa_pause_resume.metadata.catalog import Catalog, TableInfo, quote, read_catalog
from mwaa_pause_resume.metadata.db import transaction, user_error
from mwaa_pause_resume.metadata.key_context import data_key_environment
from mwaa_pause_resume.metadata.layout import table_file
from mwaa_pause_resume.metadata.manifest import (
    MANIFEST_NAME,
    Manifest,
    TableEntry,
    validate_interrupted,
)
from mwaa_pause_resume.metadata.secrets import (
    Cipher,
    check_decrypts,
    new_snapshot_key,
    optional_cipher,
    reencrypt,
    secret_fields,
)
from mwaa_pause_resume.metadata.store import SnapshotStore
from mwaa_pause_resume.metadata.streams import (
    GZIP_LEVEL,
    Batches,
    HashingSink,
    csv_line,
    row_buffer,
)
from mwaa_pause_resume.metadata.tables import (
    INTERRUPTED_TI_STATES,
    KEPT,
    REGENERATED,
    kept_tables,
)
from mwaa_pause_resume.metadata.topology import restore_order

ENGINE = {"name": "mwaa-pause-resume", "format": "csv+gzip"}
Progress = Callable[[str, int], None]
# The excluded runs reach the SQL as the value of this transaction-local setting, set
# with a bound parameter: COPY takes no parameters, and a run id spliced in as a literal
# breaks out of it when standard_conforming_strings is off (backslash escapes a quote).
EXCLUDED_SETTING = "mwaa_pause_resume.excluded_runs"
_EXCLUDED_ROWS = (
    f"jsonb_to_recordset(current_setting('{EXCLUDED_SETTING}')::jsonb) "
    "AS x(dag_id text, run_id text)"
)


def export_snapshot(
    conn: Any,
    store: SnapshotStore,
    *,
    fernet_key: str | None,
    snapshot_key: str | None = None,
    airflow_version: str | None = None,
    exclude_dag_runs: Sequence[tuple[str, str]] = (),
    original_paused: Mapping[str, bool] | None = None,
    interrupted: Sequence[Mapping[str, Any]] = (),
    progress: Progress | None = None,
    environment: str | None = None,
    connect: Callable[[], Any] | None = None,
) -> Manifest:
    """Write every kept table and the manifest to ``store``; return the manifest.

    Secrets in the snapshot are encrypted under a KMS data key when the store has
    ``kms_key_id`` (bound to ``environment``, by default the ``<env>/`` folder of an
    S3 location: metadata.key_context); else under ``snapshot_key`` (a Fernet key) when given; else
    under the source's primary Fernet key. The last two must be given again to
    :func:`restore_snapshot` as ``snapshot_key``.

    With ``connect`` (a function opening another connection to the same database) a
    second connection reads tables too, in the same snapshot (``pg_export_snapshot``):
    the largest table streams on one while the others are written from the second.
    """
    excluded = [(str(d), str(r)) for d, r in exclude_dag_runs]
    for item in interrupted:
        validate_interrupted(item, lambda what: UserError(f"the interrupted argument {what}"))
    if store.exists(MANIFEST_NAME):  # never overwrite a complete snapshot
        raise UserError(
            f"{store.location} already holds a complete snapshot ({MANIFEST_NAME})",
            hint="export into a new snapshot folder (<env>/<new-snapshot-id>/)",
        )
    source = optional_cipher(fernet_key, "source Fernet key")
    snap_cipher, secrets = new_snapshot_key(
        source,
        store.kms_key_id,
        store.kms_client() if store.kms_key_id else None,
        explicit=snapshot_key,
        environment=data_key_environment(environment, store.location) if store.kms_key_id else None,
    )
    import psycopg2

    current: list[str | None] = [None]
    try:
        catalog, entries, paused, auto = _export_all(
            conn,
            store,
            excluded=excluded,
            original_paused=original_paused,
            source=source,
            snap_cipher=snap_cipher,
            progress=progress,
            current=current,
            connect=connect,
        )
    except psycopg2.Error as exc:
        problem = user_error(exc, "export the metadata database", current[0])
        if problem is None:
            raise
        raise problem from None
    manifest = Manifest(
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        airflow_version=airflow_version,
        alembic_revision=catalog.alembic_revision,
        scope="full",
        tables=entries,
        secrets=secrets,
        excluded_dag_runs=[{"dag_id": d, "run_id": r} for d, r in excluded],
        interrupted=_merge_interrupted(interrupted, auto),
        paused_states=paused,
        engine={**ENGINE, "not_copied": sorted(t for t in catalog.tables if t not in entries)},
    )
    store.put_json(MANIFEST_NAME, manifest.to_dict())
    return manifest


def _export_all(
    conn: Any,
    store: SnapshotStore,
    *,
    excluded: list[tuple[str, str]],
    original_paused: Mapping[str, bool] | None,
    source: Cipher | None,
    snap_cipher: Cipher | None,
    progress: Progress | None,
    current: list[str | None],
    connect: Callable[[], Any] | None = None,
) -> tuple[Catalog, dict[str, TableEntry], dict[str, bool], list[dict[str, Any]]]:
    """Every kept table, the paused states and running work, from one snapshot."""
    entries: dict[str, TableEntry] = {}
    with transaction(conn, read_only=True) as cur:
        catalog = read_catalog(cur)
        if catalog.alembic_revision is None:  # an empty snapshot would "restore" nothing
            raise UserError(
                "the database has no alembic_version row: it is not an Airflow metadata "
                "database (or was never migrated); nothing was exported",
                hint="check the database name in the URL (and its search_path); an Airflow "
                "database is created by `airflow db migrate`",
            )
        names = kept_tables(set(catalog.tables))
        _check_source_key(cur, catalog, names, source)  # before any file is written
        if excluded:
            runs = [{"dag_id": d, "run_id": r} for d, r in excluded]
            cur.execute("SELECT set_config(%s, %s, true)", (EXCLUDED_SETTING, json.dumps(runs)))
        order = restore_order(catalog, names)

        def export_one(reader: Any, name: str) -> TableEntry:
            info = catalog.tables[name]
            where = _exclusion_filter(catalog, info, excluded)
            only = KEPT[name].only
            if only:  # transient rows sharing a kept table are not history
                where = f"{where} AND ({only})" if where else f" WHERE ({only})"
            return _export_table(reader, store, info, where, source=source, snap=snap_cipher)

        with _second_reader(cur, connect if len(order) > 1 else None, excluded) as other:
            if other is None:
                for name in order:
                    current[0] = name
                    entries[name] = export_one(cur, name)
                    if progress:
                        progress(name, entries[name].rows)
            else:
                largest_first = sorted(order, key=lambda n: -catalog.tables[n].pages)
                done = _two_readers(
                    cur, other, largest_first, export_one, progress=progress, current=current
                )
                entries = {name: done[name] for name in order}
        current[0] = "dag_run, task_instance (paused states, running work)"
        paused = _paused_states(cur, catalog, original_paused)
        auto = _running_work(cur, catalog, excluded)
    return catalog, entries, paused, auto


@contextlib.contextmanager
def _second_reader(
    cur: Any, connect: Callable[[], Any] | None, excluded: list[tuple[str, str]]
) -> Iterator[Any]:
    """A cursor of a second connection in ``cur``'s snapshot, or None (one reader).

    Only an optimisation: no ``connect``, a standby (whose snapshots cannot be
    exported), or a second connection that cannot be opened or join the snapshot
    leaves the export to ``cur`` alone.
    """
    import psycopg2

    if connect is None:
        yield None
        return
    cur.execute("SELECT pg_is_in_recovery()")
    if cur.fetchone()[0]:
        yield None
        return
    cur.execute("SELECT pg_export_snapshot()")
    snapshot = cur.fetchone()[0]
    try:
        conn = connect()
    except (psycopg2.Error, UserError):
        yield None
        return
    try:
        with transaction(conn, read_only=True) as other:
            try:
                other.execute("SET TRANSACTION SNAPSHOT %s", (snapshot,))
                if excluded:
                    runs = json.dumps([{"dag_id": d, "run_id": r} for d, r in excluded])
                    other.execute("SELECT set_config(%s, %s, true)", (EXCLUDED_SETTING, runs))
            except psycopg2.Error:
                conn.rollback()
                yield None
                return
            yield other
    finally:
        conn.close()


def _two_readers(
    cur: Any,
    other: Any,
    names: list[str],
    export_one: Callable[[Any, str], TableEntry],
    *,
    progress: Progress | None,
    current: list[str | None],
) -> dict[str, TableEntry]:
    """Export ``names`` (largest first) from two cursors in one snapshot: each takes the
    next table when it is done with one. The first failure stops both (the other's
    query is cancelled) and is raised, its table in ``current``."""
    todo = list(names)
    done: dict[str, TableEntry] = {}
    failed: list[tuple[str, BaseException]] = []
    lock = threading.Lock()

    def take() -> str | None:
        with lock:
            return None if failed or not todo else todo.pop(0)

    def read(reader: Any, partner: Any) -> None:
        while (name := take()) is not None:
            try:
                entry = export_one(reader, name)
            except BaseException as exc:
                with lock:
                    failed.append((name, exc))
                partner.cancel()  # the other connection's COPY stops at once
                return
            with lock:
                done[name] = entry
                if progress:
                    progress(name, entry.rows)

    helper = threading.Thread(target=read, args=(other, cur.connection), daemon=True)
    helper.start()
    try:
        read(cur, other.connection)
    finally:
        helper.join()
    if failed:
        # a cancelled query's error is the consequence: report the failure that caused it
        import psycopg2.errors

        name, exc = next(
            (f for f in failed if not isinstance(f[1], psycopg2.errors.QueryCanceled)),
            failed[0],
        )
        current[0] = name
        raise exc
    return done


def _export_table(
    cur: Any,
    store: SnapshotStore,
    info: TableInfo,
    where: str,
    *,
    source: Cipher | None,
    snap: Cipher | None,
) -> TableEntry:
    cols = info.column_names
    select = f"SELECT {', '.join(quote(c) for c in cols)} FROM {quote(info.name)}{where}"
    fields = secret_fields(info.name, cols)
    file = table_file(info.name)
    with store.open_write(file) as raw:
        sink = HashingSink(raw)
        with gzip.GzipFile(fileobj=sink, mode="wb", compresslevel=GZIP_LEVEL, mtime=0) as gz:  # type: ignore[arg-type]
            with row_buffer(gz) as buf:
                if fields:
                    rows = _export_secret_rows(
                        cur, info, where, buf, fields=fields, source=source, snap=snap
                    )
                else:
                    copy = f"COPY ({select}) TO STDOUT WITH (FORMAT csv, HEADER false)"
                    cur.copy_expert(copy, buf)
                    rows = cur.rowcount
            raw_bytes = gz.tell()  # decompressed size: verify and restore stop at it
    return TableEntry(
        columns=tuple(info.columns),
        rows=rows,
        bytes=sink.bytes,
        sha256=sink.sha256,
        file=file,
        raw_bytes=raw_bytes,
    )


def _export_secret_rows(
    cur: Any,
    info: TableInfo,
    where: str,
    buf: io.BufferedWriter[Any],
    *,
    fields: Any,
    source: Cipher | None,
    snap: Cipher | None,
) -> int:
    cols = info.column_names
    # ::text gives PostgreSQL's own text form of every value, which COPY FROM parses back.
    flags = {f.flag for f in fields if f.flag}
    exprs = [f"{quote(c)}::text" for c in cols]
    count = 0
    key_col = _label_column(cols)
    # a server-side cursor in the same snapshot: rows arrive in batches, never all at once
    with cur.connection.cursor(name=f"_mpr_export_{info.name}") as reader:
        reader.execute(f"SELECT {', '.join(exprs)} FROM {quote(info.name)}{where}")
        for batch in Batches(reader):
            for values in batch:
                row = dict(zip(cols, values, strict=True))
                for flag in flags:
                    row[flag] = None if row[flag] is None else row[flag] == "true"
                label = f"{info.name} {row.get(key_col)!r}"
                row = reencrypt(row, fields, source, snap, label)
                for flag in flags:
                    row[flag] = None if row[flag] is None else ("true" if row[flag] else "false")
                buf.write(csv_line([row[c] for c in cols]))
                count += 1
    return count


def _check_source_key(cur: Any, catalog: Catalog, names: list[str], source: Cipher | None) -> None:
    """Decrypt one stored value per encrypted column: a wrong key fails up front."""
    for name in names:
        cols = catalog.tables[name].column_names
        key_col = _label_column(cols)
        for field in secret_fields(name, cols):
            value = quote(field.column)
            encrypted = quote(field.flag) if field.flag else f"left({value}, 1) <> '{{'"
            cur.execute(
                f"SELECT {quote(key_col)}::text, {value} FROM {quote(name)} "
                f"WHERE {value} IS NOT NULL AND {value} <> '' AND {encrypted} LIMIT 1"
            )
            row = cur.fetchone()
            if row is not None:
                check_decrypts(source, row[1], f"{name} {row[0]!r}")


def _label_column(cols: list[str]) -> str:
    return "key" if "key" in cols else ("conn_id" if "conn_id" in cols else "id")


def _exclusion_filter(catalog: Catalog, info: TableInfo, excluded: list[tuple[str, str]]) -> str:
    """WHERE clause dropping the excluded runs and everything that belongs to them."""
    if not excluded:
        return ""
    runs = _EXCLUDED_ROWS  # holds no value from the caller (see EXCLUDED_SETTING)
    cols = set(info.column_names)
    if {"dag_id", "run_id"} <= cols:
        return (
            f" WHERE NOT EXISTS (SELECT 1 FROM {runs} WHERE x.dag_id = "
            f"{quote(info.name)}.dag_id AND x.run_id = {quote(info.name)}.run_id)"
        )
    conds = []
    for fk in catalog.foreign_keys:
        if fk.table != info.name or len(fk.columns) != 1:
            continue
        if fk.ref_table in ("dag_run", "task_instance"):
            col, ref = fk.columns[0], fk.ref_columns[0]
            conds.append(
                f"NOT EXISTS (SELECT 1 FROM {quote(fk.ref_table)} p JOIN {runs} "
                f"ON x.dag_id = p.dag_id AND x.run_id = p.run_id "
                f"WHERE p.{quote(ref)} = {quote(info.name)}.{quote(col)})"
            )
    return " WHERE " + " AND ".join(conds) if conds else ""


def _paused_states(
    cur: Any, catalog: Catalog, original: Mapping[str, bool] | None
) -> dict[str, bool]:
    states: dict[str, bool] = {}
    if "dag" in catalog.tables:
        cur.execute("SELECT dag_id, is_paused FROM dag ORDER BY dag_id")
        states = {d: bool(p) for d, p in cur.fetchall()}
    for dag_id, paused in (original or {}).items():
        states[str(dag_id)] = bool(paused)
    return states


def _running_work(
    cur: Any, catalog: Catalog, excluded: list[tuple[str, str]]
) -> list[dict[str, Any]]:
    """Task instances a process was working on at export time (they cannot continue)."""
    if "task_instance" not in catalog.tables:
        return []
    cur.execute(
        "SELECT dag_id, run_id, task_id, map_index, state FROM task_instance "
        "WHERE state = ANY(%s) ORDER BY dag_id, run_id, task_id, map_index",
        (list(INTERRUPTED_TI_STATES),),
    )
    skip = set(excluded)
    return [
        {"dag_id": d, "run_id": r, "task_id": t, "map_index": m, "state": s}
        for d, r, t, m, s in cur.fetchall()
        if (d, r) not in skip
    ]


def _merge_interrupted(
    given: Sequence[Mapping[str, Any]], found: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for item in [*given, *found]:
        key = (item["dag_id"], item["run_id"], item.get("task_id"), item.get("map_index"))
        out.setdefault(key, {k: v for k, v in item.items() if v is not None})
    return list(out.values())


__all__ = ["REGENERATED", "export_snapshot", "table_file"]
