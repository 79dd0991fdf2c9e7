"""Problems a user can cause end in one paragraph with a hint (exit 2), never a traceback."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from typer.testing import CliRunner

from mwaa_pause_resume.cli.app import app
from mwaa_pause_resume.errors import UserError
from mwaa_pause_resume.metadata import (
    SnapshotInvalid,
    export_snapshot,
    open_store,
    restore_snapshot,
    verify_snapshot,
)
from mwaa_pause_resume.metadata.db import connect
from tests.metadata.metadata_compare import count_all
from tests.metadata.metadata_seed import EXPORT_RUN

runner = CliRunner()


@pytest.mark.postgres
def test_export_refuses_a_database_that_is_not_airflow(empty_db: str, tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "snap"))
    conn = psycopg2.connect(empty_db)
    try:
        with pytest.raises(UserError, match="not an Airflow metadata database"):
            export_snapshot(conn, store, fernet_key=None)
    finally:
        conn.close()
    assert not store.exists("manifest.json")
    done = runner.invoke(
        app, ["metadata", "export", "--db-url", empty_db, "--to", str(tmp_path / "cli")]
    )
    assert done.exit_code == 2 and "airflow db migrate" in done.stderr, done.output


@pytest.mark.postgres
def test_sqlalchemy_driver_urls_are_accepted(empty_db: str) -> None:
    """Airflow's sql_alchemy_conn may name a driver (psycopg2 or psycopg 3)."""
    for driver in ("postgresql+psycopg2", "postgresql+psycopg"):
        conn = connect(empty_db.replace("postgresql", driver, 1))
        conn.close()


def test_s3_without_credentials_is_a_user_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    # boto3's default session caches credentials resolved by earlier tests in this process
    import boto3

    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    done = runner.invoke(
        app, ["metadata", "verify", "--allow-unsigned", "--from", "s3://backups/env/snap-1/"]
    )
    assert done.exit_code == 2, done.output
    assert "credentials" in done.stderr and "Traceback" not in done.output
    assert done.exception is None or isinstance(done.exception, SystemExit)


def _rewrite_manifest(store: Any, change: Callable[[dict[str, Any]], None]) -> None:
    path = Path(store.location) / "manifest.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


@pytest.mark.postgres
@pytest.mark.airflow
def test_tampered_snapshots_are_refused_without_changes(make_pair: Callable[..., Any]) -> None:
    pair = make_pair("2.10.3")
    manifest = export_snapshot(
        pair.source, pair.store, fernet_key=pair.k1, exclude_dag_runs=[EXPORT_RUN]
    )
    before = count_all(pair.target)
    # a table dropped from the manifest (its file still there): never restored silently
    _rewrite_manifest(pair.store, lambda m: m["tables"].pop("variable"))
    with pytest.raises(SnapshotInvalid, match=r"tables/variable\.csv\.gz.*not in the manifest"):
        verify_snapshot(pair.store)
    with pytest.raises(SnapshotInvalid):
        restore_snapshot(pair.target, pair.store, fernet_key=pair.k2, snapshot_key=pair.k1)
    # a table pointed at another table's file
    pair.store.put_json("manifest.json", manifest.to_dict())  # type: ignore[attr-defined]

    def swap(m: dict[str, Any]) -> None:
        m["tables"]["log"]["file"] = m["tables"]["job"]["file"]

    _rewrite_manifest(pair.store, swap)
    with pytest.raises(SnapshotInvalid, match=r"tables/job\.csv\.gz"):
        verify_snapshot(pair.store)
    # a file that is not gzip, with a manifest made to match it
    pair.store.put_json("manifest.json", manifest.to_dict())  # type: ignore[attr-defined]
    junk = b"\x1f\x8b" + b"not really gzip" * 10
    (Path(pair.store.location) / "tables/job.csv.gz").write_bytes(junk)

    def match_junk(m: dict[str, Any]) -> None:
        m["tables"]["job"].update(bytes=len(junk), sha256=hashlib.sha256(junk).hexdigest())

    _rewrite_manifest(pair.store, match_junk)
    # consistent on the outside: verify reads the gzip stream too (issue 13)
    with pytest.raises(SnapshotInvalid, match=r"tables/job\.csv\.gz.*not a valid gzip"):
        verify_snapshot(pair.store)
    with pytest.raises(SnapshotInvalid, match=r"tables/job\.csv\.gz.*not a valid gzip"):
        restore_snapshot(pair.target, pair.store, fernet_key=pair.k2, snapshot_key=pair.k1)
    # truncated gzip stream
    whole = gzip.compress(b'1,"SchedulerJob"\n' * 1000)[:-20]
    (Path(pair.store.location) / "tables/job.csv.gz").write_bytes(whole)

    def match_cut(m: dict[str, Any]) -> None:
        m["tables"]["job"].update(bytes=len(whole), sha256=hashlib.sha256(whole).hexdigest())

    _rewrite_manifest(pair.store, match_cut)
    with pytest.raises(SnapshotInvalid, match=r"tables/job\.csv\.gz"):
        restore_snapshot(pair.target, pair.store, fernet_key=pair.k2, snapshot_key=pair.k1)
    assert count_all(pair.target) == before


def _as_role(url: str, role: str) -> str:
    """``url`` with the role's login instead of the server's superuser."""
    return re.sub(r"//[^@]*@", f"//{role}:reader-pw@", url, count=1)


@pytest.mark.postgres
@pytest.mark.airflow
def test_database_user_without_privileges_is_a_user_error(
    make_pair: Callable[..., Any], tmp_path: Path, unique_name: Callable[[str], str]
) -> None:
    pair = make_pair("2.10.3", seed_target_rows=False)
    role = unique_name("reader")
    with pair.source.cursor() as cur:  # may connect and read the catalog, not the tables
        cur.execute(f"CREATE ROLE \"{role}\" LOGIN PASSWORD 'reader-pw'")
    pair.source.commit()
    url = _as_role(pair.source_url, role)
    try:
        done = runner.invoke(
            app, ["metadata", "export", "--db-url", url, "--to", str(tmp_path / "snap")]
        )
        assert done.exit_code == 2, done.output
        assert "permission denied" in done.stderr and "GRANT" in done.stderr
        assert "Traceback" not in done.output
        export_snapshot(pair.source, pair.store, fernet_key=pair.k1)
        before = count_all(pair.target)
        done = runner.invoke(
            app,
            [
                "metadata",
                "import",
                "--allow-unsigned",
                "--db-url",
                _as_role(pair.target_url, role),
                "--from",
                pair.store.location,
                "--source-fernet-key",
                pair.k1,
            ],
        )
        assert done.exit_code == 2, done.output
        assert "permission denied" in done.stderr and "GRANT" in done.stderr
        assert count_all(pair.target) == before
    finally:
        with pair.source.cursor() as cur:
            cur.execute(f'DROP OWNED BY "{role}"')
            cur.execute(f'DROP ROLE "{role}"')
        pair.source.commit()
