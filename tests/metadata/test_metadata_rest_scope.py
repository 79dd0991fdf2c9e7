"""The rest-only snapshot files and manifest (metadata.rest_scope): written, verified,
read back; secrets never in clear; damage and wrong keys refused."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from mwaa_pause_resume.metadata import open_store, verify_snapshot
from mwaa_pause_resume.metadata.errors import SnapshotInvalid, WrongKey
from mwaa_pause_resume.metadata.manifest import MANIFEST_NAME, Manifest
from mwaa_pause_resume.metadata.rest_scope import (
    SCOPE,
    read_rest_snapshot,
    rest_file,
    write_rest_snapshot,
)

RECORDS: dict[str, list[dict[str, Any]]] = {
    "variables": [
        {"key": "b_plain", "value": "1", "description": None},
        {"key": "a_secret", "value": "top-secret", "description": "sensitive"},
        {"key": "none_value", "value": None, "description": None},
    ],
    "connections": [
        {
            "connection_id": "db",
            "conn_type": "postgres",
            "host": "h",
            "login": "u",
            "schema": "s",
            "port": 5432,
            "password": "pw-secret",
            "extra": '{"token": "tok-secret"}',
            "ignored": "not a field",
        },
        {"connection_id": "bare", "conn_type": "http"},
    ],
    "pools": [{"name": "p", "slots": 3, "description": None, "include_deferred": False}],
    "dag_runs": [
        {
            "dag_id": "etl",
            "dag_run_id": "scheduled__2025-01-01T00:00:00+00:00",
            "logical_date": "2025-01-01T00:00:00Z",
            "data_interval_start": "2024-12-31T00:00:00Z",
            "data_interval_end": "2025-01-01T00:00:00Z",
            "run_after": "2025-01-01T00:00:00Z",
            "run_type": "scheduled",
            "conf": {"batch": [1, 2]},
            "state": "success",
            "note": "checked",
            "start_date": "2025-01-01T00:00:05Z",
            "end_date": "2025-01-01T00:01:00Z",
        }
    ],
    "task_instances": [
        {
            "dag_id": "etl",
            "dag_run_id": "scheduled__2025-01-01T00:00:00+00:00",
            "task_id": "load",
            "map_index": -1,
            "state": "success",
            "note": None,
            "try_number": 2,
            "start_date": "2025-01-01T00:00:06Z",
            "end_date": "2025-01-01T00:00:59Z",
            "hostname": "worker-1",
        }
    ],
}
PAUSED = {"etl": False, "old": True}


def _plain(kind: str) -> list[dict[str, Any]]:
    from mwaa_pause_resume.metadata.rest_scope import normalise

    return sorted(
        (normalise(kind, r) for r in RECORDS[kind]), key=lambda r: str(next(iter(r.values())))
    )


def _file_text(root: Path, kind: str) -> str:
    return gzip.decompress((root / rest_file(kind)).read_bytes()).decode()


def test_source_key_roundtrip_verifies_and_hides_secrets(tmp_path: Path) -> None:
    key = Fernet.generate_key().decode()
    store = open_store(str(tmp_path))
    manifest = write_rest_snapshot(
        store, RECORDS, paused_states=PAUSED, airflow_version="3.0.6", fernet_key=key
    )
    assert manifest.scope == SCOPE and manifest.secrets.scheme == "source-fernet-key"
    report = verify_snapshot(store)
    assert report.rows == {
        "variables": 3,
        "connections": 2,
        "pools": 1,
        "positions": 0,
        "dag_runs": 1,
        "task_instances": 1,
    }
    assert report.to_dict()["scope"] == "rest-only"
    for kind in RECORDS:
        assert "secret" not in _file_text(tmp_path, kind).replace("a_secret", "")
    data = read_rest_snapshot(store, report.manifest, snapshot_key=key)
    for kind in RECORDS:
        assert data.records(kind) == _plain(kind)
    assert data.paused_states == PAUSED
    # the manifest round-trips through its strict reader
    assert Manifest.from_json((tmp_path / MANIFEST_NAME).read_text()).scope == SCOPE


def test_the_manifest_lists_the_items_the_snapshot_holds(tmp_path: Path) -> None:
    """Nothing silent (issue 11): a rest-only manifest says which restore items it holds;
    one written before it did holds variables, connections, pools and paused states."""
    store = open_store(str(tmp_path))
    manifest = write_rest_snapshot(store, RECORDS, paused_states=PAUSED, airflow_version=None)
    items = [
        "variables",
        "connections",
        "pools",
        "positions",
        "dag_runs",
        "task_instances",
        "paused_states",
    ]
    written = json.loads((tmp_path / MANIFEST_NAME).read_text())
    assert written["items"] == items
    assert manifest.held_items() == tuple(items)
    assert Manifest.from_dict(written).items == items
    del written["items"]
    older = Manifest.from_dict(written)
    before_items = ("variables", "connections", "pools", "paused_states")
    assert older.items is None and older.held_items() == before_items
    assert "items" not in older.to_dict()


def test_wrong_or_missing_key_is_refused(tmp_path: Path) -> None:
    store = open_store(str(tmp_path))
    write_rest_snapshot(
        store,
        RECORDS,
        paused_states=PAUSED,
        airflow_version="3.0.6",
        fernet_key=Fernet.generate_key().decode(),
    )
    manifest = verify_snapshot(store).manifest
    with pytest.raises(WrongKey, match="fingerprint mismatch"):
        read_rest_snapshot(store, manifest, snapshot_key=Fernet.generate_key().decode())
    with pytest.raises(WrongKey, match="no such key was given"):
        read_rest_snapshot(store, manifest)


def test_without_any_key_values_stay_plain(tmp_path: Path) -> None:
    store = open_store(str(tmp_path))
    manifest = write_rest_snapshot(store, RECORDS, paused_states={}, airflow_version=None)
    assert manifest.secrets.scheme == "none"
    assert "pw-secret" in _file_text(tmp_path, "connections")
    data = read_rest_snapshot(store, verify_snapshot(store).manifest)
    assert data.records("connections") == _plain("connections")


def test_kms_envelope_on_s3(aws: dict[str, Any]) -> None:
    location = "s3://backups/env/rest-1/"
    store = open_store(location, kms_key_id=aws["key_id"], s3_client=aws["s3"])
    manifest = write_rest_snapshot(
        store,
        RECORDS,
        paused_states=PAUSED,
        airflow_version="3.0.6",
        fernet_key=Fernet.generate_key().decode(),  # KMS wins over the source key
    )
    assert manifest.secrets.scheme == "kms-envelope"
    raw = aws["s3"].get_object(Bucket="backups", Key="env/rest-1/" + rest_file("variables"))
    assert b"top-secret" not in gzip.decompress(raw["Body"].read())
    reader = open_store(location, s3_client=aws["s3"], kms_client=aws["kms"])
    data = read_rest_snapshot(reader, verify_snapshot(reader).manifest)
    assert data.records("variables") == _plain("variables")


def test_damage_is_refused(tmp_path: Path) -> None:
    store = open_store(str(tmp_path))
    write_rest_snapshot(store, RECORDS, paused_states=PAUSED, airflow_version="3.0.6")
    target = tmp_path / rest_file("pools")
    target.write_bytes(gzip.compress(b'{"name": "evil", "slots": 1}\n'))
    with pytest.raises(SnapshotInvalid, match="pools"):
        verify_snapshot(store)
    # a file the manifest does not list
    write_rest_snapshot(store, RECORDS, paused_states=PAUSED, airflow_version="3.0.6")
    (tmp_path / "rest" / "extra.jsonl.gz").write_bytes(b"x")
    with pytest.raises(SnapshotInvalid, match="not in the manifest"):
        verify_snapshot(store)


def test_a_full_manifest_is_not_read_as_rest_only(tmp_path: Path) -> None:
    store = open_store(str(tmp_path))
    manifest = write_rest_snapshot(store, RECORDS, paused_states=PAUSED, airflow_version="3")
    data = manifest.to_dict()
    data["scope"] = "full"
    (tmp_path / MANIFEST_NAME).write_text(json.dumps(data))
    with pytest.raises(SnapshotInvalid, match=r"tables/variables\.csv\.gz"):
        verify_snapshot(store)
    with pytest.raises(SnapshotInvalid, match="not 'rest-only'"):
        read_rest_snapshot(store, Manifest.from_dict(data))


def test_a_plaintext_snapshot_never_enters_an_environment_that_encrypts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rest-only import (Airflow 3 without task database access) refuses a snapshot in
    the 'none' scheme when the environment has a Fernet key, before any REST call."""
    from mwaa_pause_resume.dags import rest_scope_steps as tasks
    from mwaa_pause_resume.metadata.errors import SnapshotIncompatible

    store = open_store(str(tmp_path))
    write_rest_snapshot(store, RECORDS, paused_states={}, airflow_version=None)
    monkeypatch.setattr(tasks, "environment_fernet_key", lambda: Fernet.generate_key().decode())

    def no_rest_calls() -> Any:
        raise AssertionError("the refused import called the REST API")

    monkeypatch.setattr(tasks, "rest_api", no_rest_calls)
    with pytest.raises(SnapshotIncompatible, match="secrets scheme 'none'"):
        tasks.import_rest({}, str(tmp_path), store)


POSITION = {
    "dag_id": "hourly",
    "run_id": "scheduled__2026-06-03T04:00:00+00:00",
    "run_type": "scheduled",
    "logical_date": "2026-06-03T04:00:00Z",
    "data_interval_start": "2026-06-03T04:00:00Z",
    "data_interval_end": "2026-06-03T04:00:00Z",
    "state": "success",
}


def test_positions_round_trip(tmp_path: Path) -> None:
    """Each scheduled DAG's position at the pause is a kind of its own, verified like the
    others; a snapshot whose DAGs had none says so with an empty list, not None."""
    store = open_store(str(tmp_path))
    write_rest_snapshot(
        store, {**RECORDS, "positions": [POSITION]}, paused_states=PAUSED, airflow_version="3"
    )
    report = verify_snapshot(store)
    assert report.rows["positions"] == 1
    assert read_rest_snapshot(store, report.manifest).positions == [POSITION]
    write_rest_snapshot(store, RECORDS, paused_states=PAUSED, airflow_version="3")
    assert read_rest_snapshot(store, verify_snapshot(store).manifest).positions == []


def test_a_snapshot_from_before_positions_still_imports(tmp_path: Path) -> None:
    """Older rest-only snapshots list no positions: they verify, and read as unknown."""
    store = open_store(str(tmp_path))
    write_rest_snapshot(store, RECORDS, paused_states=PAUSED, airflow_version="3.0.6")
    (tmp_path / rest_file("positions")).unlink()
    manifest = json.loads((tmp_path / MANIFEST_NAME).read_text())
    del manifest["tables"]["positions"]
    (tmp_path / MANIFEST_NAME).write_text(json.dumps(manifest))
    report = verify_snapshot(store)
    assert set(report.rows) == {"variables", "connections", "pools", "dag_runs", "task_instances"}
    data = read_rest_snapshot(store, report.manifest)
    assert data.positions is None
    assert data.records("variables") == _plain("variables")


def test_a_snapshot_from_before_run_history_still_reads(tmp_path: Path) -> None:
    """Snapshots written before the run history kinds existed list three kinds only."""
    store = open_store(str(tmp_path))
    write_rest_snapshot(store, RECORDS, paused_states=PAUSED, airflow_version="3.0.6")
    data = json.loads((tmp_path / MANIFEST_NAME).read_text())
    for kind in ("dag_runs", "task_instances"):
        del data["tables"][kind]
        (tmp_path / rest_file(kind)).unlink()
    (tmp_path / MANIFEST_NAME).write_text(json.dumps(data))
    read = read_rest_snapshot(store, verify_snapshot(store).manifest)
    assert read.records("variables") == _plain("variables")
    assert read.dag_runs == [] and read.task_instances == []
