"""A full-scope snapshot as the REST channel's records: for an import without database
access (Airflow 3 on MWAA) of a snapshot whose export had it (any Airflow 2, or Airflow 3
with a task database connection).

The rest-only import (:func:`mwaa_pause_resume.dags.rest_scope_steps.import_rest`) restores
variables, connections, pools, run history, scheduler positions and paused states from
a :class:`~.rest_scope.RestSnapshot`, records in REST API v2 names. A rest-only export
reads them from the REST API; here they come from the snapshot's table files instead,
with the changes Airflow 3's own migrations make to the same rows (so a 2.x snapshot
crosses the version gap as ``airflow db migrate`` would carry it):

- ``execution_date`` is the ``logical_date`` (3.0 renamed the column);
- ``run_after`` = ``coalesce(data_interval_end, logical_date)`` (migration
  ``0058_3_0_0_add_dagrun_run_after``);
- a pickled ``conf`` (2.x) becomes JSON as migration ``0055_3_0_0_remove_pickled_data_
  from_dagrun_table`` converts it: what does not convert becomes no conf. The unpickler
  here loads plain data only (no class is ever imported), where Airflow's loads anything;
- notes come from ``dag_run_note`` and ``task_instance_note`` (keyed by the task
  instance's natural key in 2.x, by its id in 3.x);
- per DAG, its newest ``scheduled`` or ``backfill`` run is its scheduler position, as
  the rest-only export records it (:func:`~mwaa_pause_resume.dags.rest_position.
  collect_positions`);
- secrets are decrypted with the snapshot key (the REST API encrypts them again under
  the target's Fernet key when it stores them).

What the REST channel cannot write (XComs, asset events, task instance tries and dates)
stays behind; :func:`left_behind` counts it for the import's summary.
:func:`rest_records` is pure; :func:`read_tables_as_rest` reads the files.
"""

from __future__ import annotations

import gzip
import io
import json
import pickle
from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any

from mwaa_pause_resume.metadata import pg_csv
from mwaa_pause_resume.metadata.bounded_read import BoundedContent
from mwaa_pause_resume.metadata.errors import SnapshotInvalid
from mwaa_pause_resume.metadata.flags import SecretScheme, SnapshotScope
from mwaa_pause_resume.metadata.manifest import Manifest
from mwaa_pause_resume.metadata.rest_scope import RestSnapshot
from mwaa_pause_resume.metadata.secrets import Cipher, open_snapshot_key
from mwaa_pause_resume.metadata.store import SnapshotStore
from mwaa_pause_resume.metadata.streams import BUFFER
from mwaa_pause_resume.metadata.verify import GZIP_ERRORS, HashingReader

Rows = list[dict[str, Any]]
# The tables the REST channel's records come from (a snapshot may lack the note tables).
TABLES = (
    "variable",
    "connection",
    "slot_pool",
    "dag_run",
    "dag_run_note",
    "task_instance",
    "task_instance_note",
)
AUTOMATED = ("scheduled", "backfill")  # the run types a scheduler position counts
# Kept tables whose rows the REST channel cannot write (docs/airflow3.md), by item.
LEFT_BEHIND = {
    "xcoms": (("xcom",), "XComs: create_xcom_entry's path does not fit InvokeRestApi's 64"),
    "asset_events": (
        ("asset_event", "dataset_event"),
        "asset events: create_asset_event stamps the restore time and no source run",
    ),
}


class _PlainData(pickle.Unpickler):
    """Loads what pickles of plain data hold (dicts, lists, strings, numbers...); any
    class or function reference is refused, so loading runs no code."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"{module}.{name} is not plain data")


# What Airflow 2 stores for an empty conf; migration 0055 leaves it NULL.
EMPTY_CONF_PICKLE = b"\x80\x05}\x94."


def conf_from_pickle(data: bytes | None) -> dict[str, Any] | None:
    """A 2.x run's pickled conf as Airflow 3's migration 0055 converts it: the unpickled
    value when it is JSON; None for no conf, the protocol-5 pickle of ``{}``, or what
    does not convert (the migration stores NULL for those). A conf that is not a JSON
    object is None too: the REST API takes an object only."""
    if not data or data == EMPTY_CONF_PICKLE:
        return None
    try:
        value = _PlainData(io.BytesIO(data)).load()
        value = json.loads(json.dumps(value))
    except Exception:  # what Airflow's migration cannot convert, it leaves NULL
        return None
    return value if isinstance(value, dict) else None


def _conf(run: Mapping[str, Any]) -> dict[str, Any] | None:
    value = run.get("conf")
    if isinstance(value, bytes):  # Airflow 2: pickled
        return conf_from_pickle(value)
    return value if isinstance(value, dict) else None


def _secret(row: Mapping[str, Any], column: str, flag: str, cipher: Cipher | None) -> Any:
    value = row.get(column)
    if not value or not row.get(flag):
        return value
    if cipher is None:
        raise SnapshotInvalid(
            f"an encrypted {column} is in a snapshot whose manifest has no snapshot key",
            hint="the snapshot is damaged; use another snapshot",
        )
    return cipher.decrypt(str(value), f"{column} of {row.get('key') or row.get('conn_id')}")


def _variable(row: Mapping[str, Any], cipher: Cipher | None) -> dict[str, Any]:
    return {
        "key": row["key"],
        "value": _secret(row, "val", "is_encrypted", cipher),
        "description": row.get("description"),
    }


def _connection(row: Mapping[str, Any], cipher: Cipher | None) -> dict[str, Any]:
    return {
        "connection_id": row["conn_id"],
        "conn_type": row.get("conn_type"),
        "description": row.get("description"),
        "host": row.get("host"),
        "login": row.get("login"),
        "schema": row.get("schema"),
        "port": row.get("port"),
        "password": _secret(row, "password", "is_encrypted", cipher),
        "extra": _secret(row, "extra", "is_extra_encrypted", cipher),
    }


def _pool(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": row["pool"],
        "slots": row.get("slots"),
        "description": row.get("description"),
        "include_deferred": bool(row.get("include_deferred")),
    }


def _run(run: Mapping[str, Any], note: str | None) -> dict[str, Any]:
    logical = run.get("logical_date", run.get("execution_date"))
    return {
        "dag_id": run["dag_id"],
        "dag_run_id": run["run_id"],
        "logical_date": logical,
        "data_interval_start": run.get("data_interval_start"),
        "data_interval_end": run.get("data_interval_end"),
        # migration 0058: "update dag_run set run_after = coalesce(data_interval_end,
        # logical_date)"; a 3.x row has its own
        "run_after": run.get("run_after") or run.get("data_interval_end") or logical,
        "run_type": run.get("run_type"),
        "conf": _conf(run),
        "state": run.get("state"),
        "note": note,
        "start_date": run.get("start_date"),
        "end_date": run.get("end_date"),
    }


def _ti_key(ti: Mapping[str, Any]) -> tuple[str, str, str, int]:
    return (str(ti["dag_id"]), str(ti["run_id"]), str(ti["task_id"]), int(ti["map_index"]))


def _task_instance(ti: Mapping[str, Any], note: str | None) -> dict[str, Any]:
    return {
        "dag_id": ti["dag_id"],
        "dag_run_id": ti["run_id"],
        "task_id": ti["task_id"],
        "map_index": ti.get("map_index", -1),
        "state": ti.get("state"),
        "note": note,
        "try_number": ti.get("try_number"),
        "start_date": ti.get("start_date"),
        "end_date": ti.get("end_date"),
        "hostname": ti.get("hostname"),
    }


def positions(runs: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per DAG, its newest automated run (by logical date): its scheduler position, in
    the fields of the rest-only snapshot's ``positions`` kind. Runs in REST names."""
    newest: dict[str, Mapping[str, Any]] = {}
    for run in runs:
        if run.get("run_type") not in AUTOMATED or not run.get("logical_date"):
            continue
        held = newest.get(str(run["dag_id"]))
        if held is None or _instant(run["logical_date"]) > _instant(held["logical_date"]):
            newest[str(run["dag_id"])] = run
    return [
        {
            "dag_id": dag_id,
            "run_id": run["dag_run_id"],
            "run_type": run["run_type"],
            "logical_date": run["logical_date"],
            "data_interval_start": run.get("data_interval_start"),
            "data_interval_end": run.get("data_interval_end"),
            "state": run.get("state"),
        }
        for dag_id, run in sorted(newest.items())
    ]


def _instant(value: Any) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def rest_records(
    tables: Mapping[str, Rows], *, paused_states: Mapping[str, bool], cipher: Cipher | None
) -> RestSnapshot:
    """The REST channel's records of a full-scope snapshot's rows (typed, as
    :func:`~.pg_csv.records` reads them; a missing table counts as empty)."""
    run_notes = {r["dag_run_id"]: r.get("content") for r in tables.get("dag_run_note", ())}
    ti_notes: dict[Any, Any] = {}
    for note in tables.get("task_instance_note", ()):
        key = note["ti_id"] if "ti_id" in note else _ti_key(note)  # 3.x: by id
        ti_notes[key] = note.get("content")
    runs = [_run(r, run_notes.get(r.get("id"))) for r in tables.get("dag_run", ())]
    task_instances = [
        _task_instance(ti, ti_notes.get(ti["id"]) if "id" in ti else ti_notes.get(_ti_key(ti)))
        for ti in tables.get("task_instance", ())
    ]
    return RestSnapshot(
        variables=[_variable(r, cipher) for r in tables.get("variable", ())],
        connections=[_connection(r, cipher) for r in tables.get("connection", ())],
        pools=[_pool(r) for r in tables.get("slot_pool", ())],
        paused_states=dict(paused_states),
        positions=positions(runs),
        dag_runs=runs,
        task_instances=task_instances,
    )


def left_behind(manifest: Manifest) -> dict[str, tuple[int, str]]:
    """Item -> (rows in the snapshot, why) for what the REST channel cannot restore."""
    return {
        item: (sum(manifest.tables[n].rows for n in names if n in manifest.tables), why)
        for item, (names, why) in LEFT_BEHIND.items()
    }


def read_tables_as_rest(
    store: SnapshotStore, manifest: Manifest, snapshot_key: str | None = None
) -> RestSnapshot:
    """The REST channel's records of a verified full-scope snapshot (verify it first)."""
    if manifest.scope != SnapshotScope.FULL:
        raise SnapshotInvalid(
            f"snapshot {store.location} has scope {manifest.scope!r}, not '{SnapshotScope.FULL}'",
            hint="read a rest-only snapshot with metadata.rest_scope.read_rest_snapshot",
        )
    kms = store.kms_client() if manifest.secrets.scheme == SecretScheme.KMS_ENVELOPE else None
    cipher = open_snapshot_key(manifest.secrets, snapshot_key, kms)
    tables = {
        name: _read_table(store, manifest, name) for name in TABLES if name in manifest.tables
    }
    return rest_records(tables, paused_states=manifest.paused_states, cipher=cipher)


def _read_table(store: SnapshotStore, manifest: Manifest, name: str) -> Rows:
    entry = manifest.tables[name]
    with store.open_read(entry.file) as raw:
        # within the manifest's bounds, as verify reads it
        hashing = HashingReader(raw, limit=entry.bytes)
        try:
            with gzip.GzipFile(fileobj=hashing, mode="rb") as gz:
                content = BoundedContent(gz, name, entry, csv=True)
                data = b"".join(iter(partial(content.read, BUFFER), b""))
        except GZIP_ERRORS as exc:
            raise _damaged(f"{entry.file} is not a valid gzip file ({exc})") from None
    try:
        rows = pg_csv.records(data.decode(), entry.columns)
    except (pg_csv.CsvDamaged, UnicodeDecodeError) as exc:
        raise _damaged(f"{entry.file} (table {name}): {exc}") from None
    if len(rows) != entry.rows:
        raise _damaged(f"{entry.file} holds {len(rows)} rows, the manifest says {entry.rows}")
    return rows


def _damaged(what: str) -> SnapshotInvalid:
    return SnapshotInvalid(what, hint="the snapshot is damaged; use another snapshot")
