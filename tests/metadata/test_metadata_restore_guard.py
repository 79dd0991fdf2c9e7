"""A snapshot restores into a database once; a second restore is refused unless forced."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mwaa_pause_resume.cli.app import app
from mwaa_pause_resume.metadata import (
    AlreadyRestored,
    SnapshotSource,
    export_snapshot,
    open_store,
    restore_snapshot,
)
from mwaa_pause_resume.metadata.restore_guard import EVENT
from tests.metadata.metadata_fingerprint import changed, fingerprint
from tests.metadata.metadata_seed import EXPORT_RUN

pytestmark = [pytest.mark.postgres, pytest.mark.airflow]
runner = CliRunner()


def _export(pair: Any, store: Any = None) -> Any:
    return export_snapshot(
        pair.source,
        store or pair.store,
        fernet_key=pair.k1,
        airflow_version=pair.version,
        exclude_dag_runs=[EXPORT_RUN],
        original_paused=pair.facts["original_paused"],
    )


def _markers(conn: Any) -> list[tuple[str, dict[str, Any]]]:
    with conn.cursor() as cur:
        cur.execute("SELECT owner, extra FROM log WHERE event = %s ORDER BY id", (EVENT,))
        out = [(owner, json.loads(extra)) for owner, extra in cur.fetchall()]
    conn.rollback()
    return out


def _import(pair: Any, location: str, *extra: str) -> Any:
    return runner.invoke(
        app,
        [
            "metadata",
            "import",
            "--allow-unsigned",
            "--db-url",
            pair.target_url,
            "--from",
            location,
            "--fernet-key",
            pair.k2,
            "--source-fernet-key",
            pair.k1,
            "--json",
            *extra,
        ],
    )


def _jobs(conn: Any) -> int:
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM job")
        count = int(cur.fetchone()[0])
    conn.rollback()
    return count


@pytest.mark.parametrize("version", ["2.10.3", "3.0.6"])
def test_second_restore_of_a_snapshot_is_refused(
    make_pair: Callable[..., Any], version: str, tmp_path: Path
) -> None:
    pair = make_pair(version)
    manifest = _export(pair)
    first = restore_snapshot(pair.target, pair.store, fernet_key=pair.k2, snapshot_key=pair.k1)
    assert not first.forced and len(first.manifest_sha256) == 64
    # the restore is recorded in the audit log, naming the snapshot
    ((owner, extra),) = _markers(pair.target)
    assert owner == "mwaa-pause-resume"
    assert extra == {
        "snapshot_id": Path(pair.store.location).name,
        "manifest_sha256": first.manifest_sha256,
        "location": pair.store.location,
        "snapshot_created_at": manifest.created_at,
    }
    before = fingerprint(pair.target)
    with pytest.raises(AlreadyRestored, match="already restored into this database on") as err:
        restore_snapshot(pair.target, pair.store, fernet_key=pair.k2, snapshot_key=pair.k1)
    assert "--force" in (err.value.hint or "") and err.value.restored_at
    # the same snapshot copied elsewhere is the same snapshot (identified by its manifest)
    copy = tmp_path / "copied" / "snap-copy"
    shutil.copytree(pair.store.location, copy)
    with pytest.raises(AlreadyRestored):
        restore_snapshot(
            pair.target, open_store(str(copy)), fernet_key=pair.k2, snapshot_key=pair.k1
        )
    assert not changed(before, fingerprint(pair.target))


def test_cli_refuses_then_forces(make_pair: Callable[..., Any]) -> None:
    pair = make_pair("2.10.3")
    _export(pair)
    assert _import(pair, pair.store.location).exit_code == 0
    jobs = _jobs(pair.target)
    before = fingerprint(pair.target)
    done = _import(pair, pair.store.location)
    assert done.exit_code == 2, done.output
    assert "already restored" in done.stderr and "--force" in done.stderr
    assert "Traceback" not in done.output
    assert not changed(before, fingerprint(pair.target))
    done = _import(pair, pair.store.location, "--force")
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert report["forced"] is True
    # what the guard prevents: history without a natural key is added a second time
    assert _jobs(pair.target) == jobs + report["tables"]["job"]["inserted"] > jobs
    assert len(_markers(pair.target)) == 2


def test_a_snapshot_inside_a_later_snapshot_is_recognised(
    make_pair: Callable[..., Any], tmp_path: Path
) -> None:
    """A -> S1 -> B, then B -> S2 -> C: C already holds S1 (B's audit log says so)."""
    pair = make_pair("2.10.3")
    _export(pair)  # S1
    restore_snapshot(pair.target, pair.store, fernet_key=pair.k2, snapshot_key=pair.k1)
    onward = make_pair("2.10.3", seed_target_rows=False)  # its empty target plays C
    s2 = open_store(str(tmp_path / "s2"))
    export_snapshot(pair.target, s2, fernet_key=pair.k2)
    restore_snapshot(onward.target, s2, fernet_key=onward.k2, snapshot_key=pair.k2)
    assert len(_markers(onward.target)) == 2  # S1's (copied history) and S2's own
    with pytest.raises(AlreadyRestored, match="already restored"):
        restore_snapshot(onward.target, pair.store, fernet_key=onward.k2, snapshot_key=pair.k1)


@pytest.mark.parametrize("version", ["2.10.3", "3.0.6"])
def test_restoring_into_the_source_database_is_refused(
    make_pair: Callable[..., Any], version: str
) -> None:
    """The source still holds the export's own run, which the snapshot leaves out: every
    row is there already (a pause whose deletion failed, then a manual import)."""
    pair = make_pair(version)
    _export(pair)
    before = fingerprint(pair.source)

    with pytest.raises(SnapshotSource, match="was exported from this database") as err:
        restore_snapshot(pair.source, pair.store, fernet_key=pair.k1, snapshot_key=pair.k1)

    assert "--force" in (err.value.hint or "")
    assert not changed(before, fingerprint(pair.source))
    # a fresh environment has no such run: the same snapshot restores there
    assert not restore_snapshot(
        pair.target, pair.store, fernet_key=pair.k2, snapshot_key=pair.k1
    ).forced


def test_chain_refusals_say_whether_the_snapshot_was_restored_last(
    make_pair: Callable[..., Any], tmp_path: Path
) -> None:
    """Pause -> resume -> pause -> resume: S1 restored into B; S2, exported from B, holds
    S1's restore record in its audit log. S2 restores into a fresh C; S1 into C is
    refused, but S1 is not what C was last restored to, so the import DAG must not take
    that refusal for "this import already succeeded" (only a retry of the snapshot last
    restored is): ``AlreadyRestored.restored_last`` tells the two apart."""
    pair = make_pair("2.10.3")
    export_snapshot(
        pair.source,
        pair.store,
        fernet_key=pair.k1,
        airflow_version=pair.version,
        exclude_dag_runs=[EXPORT_RUN],
        original_paused=pair.facts["original_paused"],
    )  # S1
    restore_snapshot(pair.target, pair.store, fernet_key=pair.k2, snapshot_key=pair.k1)
    # B retried: S1 is what B was last restored to
    with pytest.raises(AlreadyRestored) as retry:
        restore_snapshot(pair.target, pair.store, fernet_key=pair.k2, snapshot_key=pair.k1)
    assert retry.value.restored_last is True
    assert "history of snapshot" not in retry.value.message

    onward = make_pair("2.10.3", seed_target_rows=False)  # its fresh target plays C
    s2 = open_store(str(tmp_path / "s2"))
    export_snapshot(pair.target, s2, fernet_key=pair.k2)
    report = restore_snapshot(onward.target, s2, fernet_key=onward.k2, snapshot_key=pair.k2)
    assert not report.forced  # S1's record inside S2 does not stop S2

    with pytest.raises(AlreadyRestored) as older:
        restore_snapshot(onward.target, pair.store, fernet_key=onward.k2, snapshot_key=pair.k1)
    assert older.value.restored_last is False
    assert "as history of snapshot s2" in older.value.message

    with pytest.raises(AlreadyRestored) as again:
        restore_snapshot(onward.target, s2, fernet_key=onward.k2, snapshot_key=pair.k2)
    assert again.value.restored_last is True
