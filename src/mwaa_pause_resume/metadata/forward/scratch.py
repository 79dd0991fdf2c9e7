"""Bring an older snapshot to the target's schema revision in a scratch schema.

1. the source revision's schema (shipped DDL, :mod:`.ddl`) is built in a scratch schema
   of the target database and the snapshot's files are loaded into it, each checked
   against the manifest as a restore checks it;
2. the target Airflow's own migrations run there, from the source revision to the
   target's (:class:`.migrations.Migrations`), changing the rows exactly as they change
   a database upgraded in place;
3. the result is described as a manifest at the target's revision, which the restore
   (:mod:`mwaa_pause_resume.metadata.restore_staging`) reads from the scratch schema instead of
   the files, in its one transaction. The scratch schema is dropped afterwards, whatever
   happened; the environment's own tables are written only by that transaction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mwaa_pause_resume.metadata.catalog import Catalog, quote, read_catalog
from mwaa_pause_resume.metadata.db import transaction
from mwaa_pause_resume.metadata.errors import SnapshotIncompatible
from mwaa_pause_resume.metadata.file_copy import copy_file
from mwaa_pause_resume.metadata.forward.ddl import known_sources, source_ddl, statements
from mwaa_pause_resume.metadata.forward.migrations import Migrations
from mwaa_pause_resume.metadata.manifest import Column, Manifest, TableEntry
from mwaa_pause_resume.metadata.store import SnapshotStore
from mwaa_pause_resume.metadata.tables import kept_tables
from mwaa_pause_resume.metadata.topology import restore_order

# One fixed name: a scratch schema left by a killed task is replaced by the next try.
SCRATCH_SCHEMA = "mwaa_pause_resume_forward"


@dataclass(frozen=True)
class Forwarded:
    schema: str
    manifest: Manifest  # the snapshot's rows at the target's revision, in ``schema``
    source_revision: str
    target_revision: str

    @property
    def left_behind(self) -> list[str]:
        """Kept tables the migrations keep but the target's Airflow no longer has."""
        return list(self.manifest.engine.get("left_behind", []))


def target_revision(conn: Any) -> str | None:
    """The target database's alembic revision (None: not an Airflow database)."""
    with transaction(conn, read_only=True) as cur:
        cur.execute("SELECT to_regclass('alembic_version') IS NOT NULL")
        if not cur.fetchone()[0]:
            return None
        cur.execute("SELECT version_num FROM alembic_version")
        row = cur.fetchone()
    return str(row[0]) if row else None


def can_bring_forward(source: str | None, target: str, migrations: Migrations) -> bool:
    """True when ``source`` is older than ``target`` in the target Airflow's migration
    chain; :class:`SnapshotIncompatible` when it is but its schema does not ship with
    this tool. False otherwise (a downgrade, an unknown revision: the restore refuses)."""
    if not source or source not in migrations.lineage(target)[1:]:
        return False
    if source not in known_sources():
        raise SnapshotIncompatible(
            f"the snapshot's schema revision {source} is older than the target's ({target}), "
            "but this version of mwaa-pause-resume does not know its schema, so it cannot "
            "bring the snapshot forward",
            hint="resume on the snapshot's Airflow version, then upgrade the environment in "
            "place; or use a mwaa-pause-resume release that supports it",
        )
    return True


def bring_forward(
    conn: Any,
    store: SnapshotStore,
    manifest: Manifest,
    target: str,
    migrations: Migrations,
    *,
    progress: Callable[[str, int], None] | None = None,
) -> Forwarded:
    """Steps 1-3 above; the caller drops the scratch schema (:func:`drop_scratch`)."""
    source = manifest.alembic_revision or ""
    ddl = source_ddl(source) or ""
    schema = quote(SCRATCH_SCHEMA)
    with transaction(conn, read_only=False) as cur:
        cur.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        cur.execute(f"CREATE SCHEMA {schema}")
        cur.execute(f"SET LOCAL search_path TO {schema}")
        for statement in statements(ddl):
            cur.execute(statement)
        cur.execute("INSERT INTO alembic_version (version_num) VALUES (%s)", (source,))
        catalog = read_catalog(cur)
        _check_columns(manifest, catalog)
        for name in restore_order(catalog, list(manifest.tables)):
            rows = _load(cur, store, manifest, catalog, name)
            if progress:
                progress(f"{name} (read, checked, at revision {source})", rows)
        _lift_sequences(cur, catalog)
    migrations.upgrade(SCRATCH_SCHEMA, target)
    with transaction(conn, read_only=True) as cur:
        wanted = read_catalog(cur)
        cur.execute(f"SET LOCAL search_path TO {schema}")
        forwarded = _describe(cur, manifest, read_catalog(cur), wanted, target)
    return Forwarded(SCRATCH_SCHEMA, forwarded, source, target)


def drop_scratch(conn: Any, schema: str = SCRATCH_SCHEMA) -> None:
    with transaction(conn, read_only=False) as cur:
        cur.execute(f"DROP SCHEMA IF EXISTS {quote(schema)} CASCADE")


def _check_columns(manifest: Manifest, catalog: Catalog) -> None:
    for name, entry in manifest.tables.items():
        info = catalog.tables.get(name)
        have = {c.name: c.type for c in info.columns} if info else {}
        for col in entry.columns:
            if have.get(col.name) != col.type:
                raise SnapshotIncompatible(
                    f"column {name}.{col.name} is {col.type} in the snapshot but "
                    f"{have.get(col.name, 'missing')} in Airflow's schema of revision "
                    f"{manifest.alembic_revision}: the source database was not the schema "
                    "Airflow made, so its rows cannot be brought forward",
                    hint="resume on the snapshot's Airflow version, then upgrade in place",
                )


def _load(cur: Any, store: SnapshotStore, manifest: Manifest, catalog: Catalog, name: str) -> int:
    """A table's file into the scratch table. A reference to a table the snapshot does
    not hold (a note's author in ab_user) is cleared, as the restore clears it."""
    entry = manifest.tables[name]
    cols = entry.column_names
    absent = {
        col
        for fk in catalog.foreign_keys
        if fk.table == name and fk.ref_table not in manifest.tables
        for col in fk.columns
    }
    names = ", ".join(quote(c) for c in cols)
    staging = quote(f"_mpr_f_{name}")
    cur.execute(
        f"CREATE TEMP TABLE {staging} ON COMMIT DROP AS SELECT {names} FROM {quote(name)} "
        "WITH NO DATA"
    )
    rows = copy_file(cur, store, name, entry, staging)
    exprs = ", ".join("NULL" if c in absent else quote(c) for c in cols)
    cur.execute(f"INSERT INTO {quote(name)} ({names}) SELECT {exprs} FROM {staging}")
    cur.execute(f"DROP TABLE {staging}")
    return rows


def _lift_sequences(cur: Any, catalog: Catalog) -> None:
    """Migrations that insert rows draw ids after the loaded ones."""
    for info in catalog.tables.values():
        if info.serial and info.sequence:
            cur.execute(
                f"SELECT setval(%s::regclass, m) FROM (SELECT max({quote(info.serial)}) AS m "
                f"FROM {quote(info.name)}) x WHERE m IS NOT NULL",
                (info.sequence,),
            )


def _describe(
    cur: Any, manifest: Manifest, scratch: Catalog, target: Catalog, revision: str
) -> Manifest:
    """The scratch schema's kept tables as a manifest at the target's revision, with the
    target's column types (a migrated column may be typed differently from the one
    Airflow creates for a new database; the restore casts)."""
    if scratch.alembic_revision != revision:
        raise SnapshotIncompatible(
            f"Airflow's migrations stopped at revision {scratch.alembic_revision}, not {revision}",
            hint="report this with the import task's log",
        )
    tables: dict[str, TableEntry] = {}
    left: list[str] = []
    for name in kept_tables(set(scratch.tables)):
        have = target.tables.get(name)
        if have is None:  # e.g. sla_miss: Airflow 3's migrations keep it, a new 3.x
            left.append(name)  # database has none and Airflow 3 never reads it
            continue
        types = {c.name: c.type for c in have.columns}
        extra = [c.name for c in scratch.tables[name].columns if c.name not in types]
        if extra:
            raise SnapshotIncompatible(
                f"Airflow's migrations left column(s) {', '.join(extra)} in table {name}, "
                "which the target database lacks",
                hint="the target must be a database migrated by the same Airflow version",
            )
        columns = tuple(Column(c.name, types[c.name]) for c in scratch.tables[name].columns)
        cur.execute(f"SELECT count(*) FROM {quote(name)}")
        rows = int(cur.fetchone()[0])
        tables[name] = TableEntry(columns=columns, rows=rows, bytes=0, sha256="", file="")
    engine = {**manifest.engine, "left_behind": left}
    return dataclasses.replace(manifest, alembic_revision=revision, tables=tables, engine=engine)
