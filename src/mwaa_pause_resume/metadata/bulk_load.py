"""Loading a large table the way pg_restore does: rows first, index builds after.

Measured on 1M task instances (BENCHMARKS.md, session 5): almost all of a restore's
time is the one ``INSERT ... SELECT`` into ``task_instance``, and in it three costs,
largest first: maintaining seven secondary indexes row by row, ``ON CONFLICT``'s
speculative insertion, and the per-row foreign-key trigger (a lookup in ``dag_run``).

The restore removes them for a table receiving at least :data:`BULK_ROWS` rows:

* conflicts with the target are left out by an anti-join on each unique key instead
  of ``ON CONFLICT`` (a conflict that slips through - two snapshot rows with one key,
  a partial unique index, a row another session committed meanwhile - raises a
  unique violation, and the restore rolls back to a savepoint and takes the
  row-by-row path, so the rows that end up in the table are the same);
* rows arrive ordered by the primary key, so its B-tree grows at its right edge;
* only when no other session is connected to the database (a migration into a new
  database, the benchmark; never on MWAA, where the scheduler is connected) and the
  user owns the table: its non-unique indexes and its own foreign keys are dropped
  before the insert and created again, from their definitions, right after it.
  ``DROP INDEX`` holds an ACCESS EXCLUSIVE lock until commit, which would stall a
  running scheduler's reads and an Airflow 3 task's heartbeats (the import task's
  own: it is killed after three failed ones), hence the condition. Unique indexes
  stay: they enforce the keys during the load and other tables' foreign keys depend
  on them.

PostgreSQL's DDL is transactional: a failure anywhere in the restore rolls the drops
back with everything else, and the target keeps its indexes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mwaa_pause_resume.metadata.catalog import quote

# A table receiving fewer rows is loaded row by row with ON CONFLICT, as before: below
# this, index maintenance costs less than rebuilding the indexes of a big target table.
BULK_ROWS = 50_000
# For the index builds of this transaction only (the server default is 64 MB); one
# build at a time, on the database server, not in the worker running the restore.
MAINTENANCE_WORK_MEM = "256MB"

# Non-unique, valid, plain indexes: the ones a rebuild gives back exactly. An index a
# table is clustered on or that is its replica identity keeps that role only if kept.
_SECONDARY = """
SELECT c.relname, pg_get_indexdef(i.indexrelid)
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = %s::regclass AND NOT i.indisunique AND NOT i.indisprimary
  AND NOT i.indisexclusion AND i.indisvalid AND i.indisready
  AND NOT i.indisclustered AND NOT i.indisreplident
ORDER BY c.relname
"""
# A deferrable key stays: checked at commit, it may rely on rows a later table brings
# (a cycle), which a re-added key, validated at once, would not see yet.
_OWN_FOREIGN_KEYS = """
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid = %s::regclass AND contype = 'f' AND NOT condeferrable ORDER BY conname
"""
# Alone in the database, and allowed to: ALTER TABLE and DROP INDEX need the table's
# owner (a user GRANTed only INSERT restores row by row, as before), and putting a
# foreign key back needs REFERENCES on the table it points at.
_MAY_REBUILD = """
SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity
                   WHERE datname = current_database() AND pid <> pg_backend_pid()
                     AND backend_type = 'client backend')
   AND pg_has_role(c.relowner, 'USAGE')
   AND NOT EXISTS (SELECT 1 FROM pg_constraint f
                   WHERE f.conrelid = c.oid AND f.contype = 'f'
                     AND NOT has_table_privilege(f.confrelid, 'REFERENCES'))
FROM pg_class c WHERE c.oid = %s::regclass
"""


@dataclass
class Deferred:
    """Indexes and foreign keys taken off a table for its load, to be created again."""

    table: str
    indexes: list[tuple[str, str]]  # name, CREATE INDEX statement
    foreign_keys: list[tuple[str, str]]  # name, definition


def may_rebuild(cur: Any, table: str) -> bool:
    """No other client is connected to this database (nobody waits on our locks) and
    this user may drop and create ``table``'s indexes and foreign keys."""
    cur.execute(_MAY_REBUILD, (quote(table),))
    return bool(cur.fetchone()[0])


def defer_indexes(cur: Any, table: str) -> Deferred:
    """Drop ``table``'s non-unique indexes and its own foreign keys; return them."""
    cur.execute(_SECONDARY, (quote(table),))
    indexes = [(str(n), str(d)) for n, d in cur.fetchall()]
    cur.execute(_OWN_FOREIGN_KEYS, (quote(table),))
    fks = [(str(n), str(d)) for n, d in cur.fetchall()]
    for name, _ in fks:
        cur.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
    for name, _ in indexes:
        cur.execute(f"DROP INDEX {quote(name)}")
    return Deferred(table, indexes, fks)


def rebuild(cur: Any, deferred: Deferred) -> None:
    """Create the indexes (one sort each) and foreign keys (one validating join each)."""
    cur.execute(f"SET LOCAL maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'")
    for _, statement in deferred.indexes:
        cur.execute(statement)
    for name, definition in deferred.foreign_keys:
        cur.execute(
            f"ALTER TABLE {quote(deferred.table)} ADD CONSTRAINT {quote(name)} {definition}"
        )
