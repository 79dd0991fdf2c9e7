"""Which snapshots a database already holds: one audit-log row per restore.

Restoring a snapshot twice would add its jobs, audit-log rows and other history
without a natural key a second time. Each restore therefore writes, in the restore's
transaction, an Airflow audit-log row (``log.event`` = :data:`EVENT`, visible under
Browse > Audit Logs) whose ``extra`` names the snapshot; the next restore of the same
snapshot finds it and is refused unless forced. The log table exists in every
supported Airflow version, so no table is added to Airflow's schema; the row is
exported with the rest of the audit log, so a database restored from a later
snapshot of this environment knows this snapshot is already inside it too.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from mwaa_pause_resume.metadata.catalog import quote
from mwaa_pause_resume.metadata.errors import AlreadyRestored, SnapshotSource

EVENT = "mwaa_pause_resume.restore"
OWNER = "mwaa-pause-resume"
# Serialises restores into one database, so two at once cannot both miss the other's row.
LOCK_KEY = "mwaa_pause_resume.restore"
# Rows whose ids the source's own sequences drew, with the columns that say which row it
# is. A restore gives them new ids, so only the source (or a copy of it) holds every one
# of them under the snapshot's ids.
SOURCE_ROWS = {"dag_run": ("dag_id", "run_id"), "job": ("job_type", "start_date", "hostname")}


@dataclass(frozen=True)
class SnapshotIdentity:
    """A snapshot as the guard knows it: the manifest's sha256 identifies it anywhere."""

    snapshot_id: str  # the folder name (<env>/<snapshot-id>/), for people
    manifest_sha256: str
    location: str
    created_at: str

    def extra(self) -> str:
        return json.dumps(
            {
                "snapshot_id": self.snapshot_id,
                "manifest_sha256": self.manifest_sha256,
                "location": self.location,
                "snapshot_created_at": self.created_at,
            },
            sort_keys=True,
        )


def snapshot_id(location: str) -> str:
    """The last path segment of a snapshot folder (its id in the workflows' layout)."""
    return location.rstrip("/").rsplit("/", 1)[-1] or location


def check_not_restored(cur: Any, snap: SnapshotIdentity) -> None:
    """Raise :class:`AlreadyRestored` when this database records a restore of ``snap``."""
    cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (LOCK_KEY,))
    cur.execute(
        "SELECT dttm, extra FROM log WHERE event = %s AND extra LIKE %s ORDER BY dttm, id",
        (EVENT, f"%{snap.manifest_sha256}%"),
    )
    for dttm, extra in cur.fetchall():
        try:
            recorded = json.loads(extra)
        except (TypeError, ValueError):
            continue
        if isinstance(recorded, dict) and recorded.get("manifest_sha256") == snap.manifest_sha256:
            when = dttm.isoformat(timespec="seconds") if dttm is not None else "an unknown time"
            later = _restored_after(cur, snap)
            # A record copied in with a later snapshot's audit log: this database holds the
            # snapshot as history of that one, not as the state it was last restored to.
            through = (
                f"; its rows came in as history of snapshot {later}, restored here after it"
                if later
                else ""
            )
            raise AlreadyRestored(
                f"snapshot {snap.snapshot_id} (created {snap.created_at}) was already restored "
                f"into this database on {when} (audit log event {EVENT}, from "
                f"{recorded.get('location', 'an unknown location')}){through}; restoring it "
                "again would duplicate its jobs and audit-log rows",
                hint="restore into a fresh environment, or pass --force (restore_snapshot("
                "force=True)) to restore it again anyway",
                restored_at=when,
                restored_last=later is None,
            )


def _restored_after(cur: Any, snap: SnapshotIdentity) -> str | None:
    """The id of the snapshot restored into this database last, unless it is ``snap``.

    Ordered by ``log.id``, not by ``dttm``: audit-log rows copied from a snapshot get
    new ids from this database's sequence in that snapshot's restore, before its own
    record, so ids follow the order of the restores whatever the servers' clocks said.
    """
    cur.execute("SELECT extra FROM log WHERE event = %s ORDER BY id DESC LIMIT 1", (EVENT,))
    row = cur.fetchone()
    try:
        last = json.loads(row[0]) if row else None
    except (TypeError, ValueError):
        last = None
    if not isinstance(last, dict) or last.get("manifest_sha256") == snap.manifest_sha256:
        return None
    return str(last.get("snapshot_id") or last.get("manifest_sha256") or "unknown")


def record_restore(cur: Any, snap: SnapshotIdentity) -> None:
    """The audit-log row the next restore checks (committed with the restore or not at all)."""
    cur.execute(
        "INSERT INTO log (dttm, event, owner, extra) VALUES (now(), %s, %s, %s)",
        (EVENT, OWNER, snap.extra()),
    )


def check_not_source(cur: Any, snap: SnapshotIdentity, excluded_runs: list[dict[str, str]]) -> None:
    """Raise :class:`SnapshotSource` when this is the database the snapshot came from.

    The export leaves its own DAG run out of the snapshot (``excluded_dag_runs``), so only
    the source database has it: found here, every row of the snapshot is here already
    (e.g. a pause whose DeleteEnvironment failed, then a manual ``metadata import``), and
    restoring would duplicate its jobs and audit log, as a second restore would.
    """
    for run in excluded_runs:
        cur.execute(
            "SELECT 1 FROM dag_run WHERE dag_id = %s AND run_id = %s",
            (run["dag_id"], run["run_id"]),
        )
        if cur.fetchone():
            raise _source_error(
                snap,
                f"it holds the export's own run {run['dag_id']}/{run['run_id']}, which the "
                "snapshot leaves out",
            )


def _source_error(snap: SnapshotIdentity, evidence: str) -> SnapshotSource:
    return SnapshotSource(
        f"snapshot {snap.snapshot_id} was exported from this database ({evidence}); "
        "restoring it here would duplicate its jobs and audit-log rows",
        hint="restore into a fresh environment (resume), or pass --force "
        "(restore_snapshot(force=True)) to restore it here anyway",
    )


def check_not_source_rows(
    cur: Any,
    snap: SnapshotIdentity,
    staged: Mapping[str, str],
    columns: Mapping[str, Collection[str]],
) -> None:
    """Raise :class:`SnapshotSource` when this database holds every run and job of the
    snapshot under the snapshot's own ids: it is the database the snapshot came from.

    For snapshots with no excluded run (``metadata export`` without ``--exclude-run``),
    whatever URL names the database: the rows, not the connection string, identify it.
    ``staged``: table -> its staging table (already loaded); ``columns``: table -> the
    snapshot's columns. Runs before any row is written or any id drawn.
    """
    total = found = 0
    for table, identity in SOURCE_ROWS.items():
        if table not in staged or "id" not in columns[table]:
            continue
        match = " AND ".join(
            ["t.id = s.id"]
            + [
                f"t.{quote(c)} IS NOT DISTINCT FROM s.{quote(c)}"
                for c in identity
                if c in columns[table]
            ]
        )
        cur.execute(
            f"SELECT count(*), count(t.id) FROM {staged[table]} s "
            f"LEFT JOIN {quote(table)} t ON {match}"
        )
        rows, same = cur.fetchone()
        total, found = total + int(rows), found + int(same)
    if total and found == total:
        raise _source_error(
            snap, f"it already holds all {total} of the snapshot's runs and jobs under the same ids"
        )
