"""The export and import DAGs run by real Airflow (dag.test) on seeded metadata databases.

Source: a clone of a database seeded by running the sample DAGs. Target: a fresh
migrated database with another Fernet key. The DAGs folder has the MWAA layout
(bundle.write_dags_folder).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mwaa_pause_resume.dags.tasks import SNAPSHOT_KEY_ENV
from mwaa_pause_resume.metadata.restore_summary import (
    REPORT_FILE,
    RestoreSummary,
    summary_of_note,
)
from mwaa_pause_resume.sandbox.history import PAUSED_DAG_ID
from tests.dags.dags_helpers import (
    VERSIONS,
    AirflowEnv,
    DagTrust,
    Seeded,
    history_view,
    paused_states,
    query,
)

pytestmark = [pytest.mark.postgres, pytest.mark.airflow]

EXPORT, IMPORT = "mwaa_export_data", "mwaa_import_data"
# The round trip runs on every supported version; the failure paths, which differ only
# between Airflow 2 and 3, on one version of each.
NARROW = ("2.10.3", "3.0.6")
SourceEnv = Callable[[str], tuple[AirflowEnv, Seeded]]
TargetEnv = Callable[[str], AirflowEnv]


def _note(result: dict[str, Any]) -> dict[str, Any]:
    assert result["note"], f"the run has no note: {result}"
    value: dict[str, Any] = json.loads(result["note"])
    return value


def _trust(env: AirflowEnv) -> DagTrust:
    assert env.trust is not None
    return env.trust


def _snapshot_folder(env: AirflowEnv) -> Path:
    """A new snapshot folder of the environment, inside the root its DAGs trust."""
    return _trust(env).snapshot(f"{uuid.uuid4().hex[:12]}")


def _import_refusals_change_nothing(dst: AirflowEnv, snap: Path, source_key: str) -> None:
    """A manual import run (no authorization, a token of another key, a token of another
    run) fails at its first step; so does an authorized run of a forged, re-hashed
    snapshot. The target database is unchanged each time."""
    extra = {SNAPSHOT_KEY_ENV: source_key}

    def state() -> Any:  # our own DAGs' rows appear with their first run (dag.test syncs)
        paused = {d: p for d, p in paused_states(dst.db_url).items() if d not in (EXPORT, IMPORT)}
        return history_view(dst.db_url), paused

    before = state()
    attacker_key = (
        _trust(dst)
        .kms()
        .create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["Arn"]
    )
    for auth, fragment in (
        (False, "no import authorization"),
        ({"mac_key": attacker_key}, "valid MAC"),
        ({"run_id": "mpr-20261125T170200Z-1a2b"}, "for run_id"),
    ):
        refused = dst.run_dag(IMPORT, {"snapshot": str(snap)}, extra, auth=auth)
        assert refused["state"] == "failed", refused
        assert fragment in _note(refused)["error"], refused
        assert state() == before
    # Forged: a table file replaced and the manifest re-hashed; its MAC no longer matches.
    originals = {p: p.read_bytes() for p in (snap / "manifest.json", *snap.glob("tables/*"))}
    manifest = json.loads(originals[snap / "manifest.json"])
    name, entry = next(iter(sorted(manifest["tables"].items())))
    forged = gzip.compress(gzip.decompress((snap / entry["file"]).read_bytes()), mtime=1)
    (snap / entry["file"]).write_bytes(forged)
    entry.update(sha256=hashlib.sha256(forged).hexdigest(), bytes=len(forged))
    (snap / "manifest.json").write_text(json.dumps(manifest))
    try:
        refused = dst.run_dag(IMPORT, {"snapshot": str(snap)}, extra)
        assert refused["state"] == "failed", (name, refused)
        assert "not the one the workflow signed" in _note(refused)["error"], refused
        assert state() == before
    finally:
        for path, content in originals.items():
            path.write_bytes(content)


def _without_run(
    view: dict[str, list[tuple[Any, ...]]], run: tuple[str, str]
) -> dict[str, list[tuple[Any, ...]]]:
    """Drop one run's rows (the interrupted run, whose restore follows the policy)."""
    return {
        name: [r for r in rows if tuple(r[:2]) != run]
        for name, rows in view.items()
        if name != "trigger"
    }


@pytest.mark.parametrize("version", VERSIONS)
def test_export_then_import_restores_history_and_secrets(
    version: str, source_env: SourceEnv, target_env: TargetEnv, tmp_path: Path
) -> None:
    from mwaa_pause_resume.metadata import open_store, verify_snapshot

    src, seed = source_env(version)
    paused_before = paused_states(src.db_url)
    view_before = history_view(src.db_url)
    secrets_before = src.secrets()
    assert not all(paused_before.values()) and paused_before[PAUSED_DAG_ID]
    assert all(view_before.values()), "every compared view must hold seeded rows"
    snap = _snapshot_folder(src)

    result = src.run_dag(EXPORT, {"snapshot": str(snap), "drain_timeout_minutes": 0.05})

    assert result["state"] == "success", result
    assert result["tasks"] == {
        "pause_dags": "success",
        "drain": "success",
        "export": "success",
        "restore_paused_states": "skipped",
    }
    note = _note(result)
    assert result["api_note"] == result["note"]  # what the workflows read via the REST API
    assert note["status"] == "success" and note["snapshot"] == str(snap)
    assert note["tables"] >= 10 and note["rows"] > 50
    assert note["interrupted"] == 2  # the deferred run and its deferred task instance
    # Success leaves every other DAG paused: the environment is about to be deleted.
    paused_after = paused_states(src.db_url)
    assert all(p for d, p in paused_after.items() if d != EXPORT)
    manifest = json.loads((snap / "manifest.json").read_text())
    assert manifest["excluded_dag_runs"] == [{"dag_id": EXPORT, "run_id": result["run_id"]}]
    assert {d: manifest["paused_states"][d] for d in paused_before} == paused_before
    deferred = seed.summary.deferred_run
    assert {
        "dag_id": deferred[0],
        "run_id": deferred[1],
        "task_id": "wait_far_future",
        "map_index": -1,
        "state": "deferred",
        "kind": "task_instance",
    } in manifest["interrupted"]
    verify_snapshot(open_store(str(snap)))
    _trust(src).sign(snap)  # as the pause workflow's verify function does

    dst = target_env(version)
    if version in NARROW:  # refusals of the import DAG, on one version of each major
        _import_refusals_change_nothing(dst, snap, src.fernet_key)
    # No KMS here: the snapshot's secrets are under the source key, given out of band.
    imported = dst.run_dag(
        IMPORT, {"snapshot": str(snap)}, extra={SNAPSHOT_KEY_ENV: src.fernet_key}
    )

    assert imported["state"] == "success", imported
    imp_note = _note(imported)
    assert imp_note["status"] == "success" and imp_note["rows"] == note["rows"]
    # Nothing silent: the note and import-report.json say what was restored, and how.
    summary = summary_of_note(imp_note)
    assert summary is not None and summary.scope == "full"
    assert imp_note["report"] == REPORT_FILE
    report = RestoreSummary.from_json(json.loads((snap / REPORT_FILE).read_text()))
    assert report.items == summary.items
    runs = summary.items["dag_runs"]
    assert runs.approximated >= 1 and "interrupted by the pause" in str(runs.reason)
    assert runs.exact > 0 and summary.items["task_instances"].exact > 0
    assert summary.items["variables"].exact == len(secrets_before["variables"])
    assert summary.items["connections"].exact == len(secrets_before["connections"])
    assert summary.items["paused_states"].exact >= len(paused_before)
    assert summary.left_out() == []
    assert _without_run(history_view(dst.db_url), deferred) == _without_run(view_before, deferred)
    # Policy "rerun": the interrupted run is queued again; its deferred task stays deferred
    # on its restored trigger (remapped id), so it resumes instead of starting over.
    assert query(
        dst.db_url, "SELECT state FROM dag_run WHERE dag_id = %s AND run_id = %s", deferred
    ) == [("queued",)]
    assert query(
        dst.db_url,
        "SELECT ti.state, ti.next_method IS NOT NULL, t.classpath IS NOT NULL "
        "FROM task_instance ti JOIN trigger t ON t.id = ti.trigger_id "
        "WHERE ti.dag_id = %s AND ti.run_id = %s",
        deferred,
    ) == [("deferred", True, True)]
    restored_paused = paused_states(dst.db_url)
    assert {d: restored_paused[d] for d in paused_before} == paused_before
    # Secrets decrypt with the target's own key through Airflow's models.
    assert dst.fernet_key != src.fernet_key
    assert dst.secrets() == secrets_before
    assert secrets_before["connections"]["sample_postgres"]["password"] == 'p@ss,w"rd|\\\u00e9'

    # A retried import (its first try committed) succeeds and restores nothing twice.
    view_restored = history_view(dst.db_url)
    again = dst.run_dag(IMPORT, {"snapshot": str(snap)}, extra={SNAPSHOT_KEY_ENV: src.fernet_key})
    assert again["state"] == "success", again
    assert _note(again)["rows"] == note["rows"]
    repeated = summary_of_note(_note(again))  # the first try's report, published again
    assert repeated is not None and repeated.items == summary.items
    assert history_view(dst.db_url) == view_restored
    restores = "SELECT count(*) FROM log WHERE event = 'mwaa_pause_resume.restore'"
    assert query(dst.db_url, restores) == [(1,)]  # the second try restored nothing


@pytest.mark.parametrize("version", NARROW)
def test_export_failure_puts_paused_states_back_and_fails(
    version: str, source_env: SourceEnv, tmp_path: Path
) -> None:
    src, _ = source_env(version)
    paused_before = paused_states(src.db_url)
    active = [d for d, p in paused_before.items() if not p]
    assert active, "the seed must leave active DAGs, or this test proves nothing"
    snapshot = _snapshot_folder(src)
    snapshot.mkdir(parents=True)
    (snapshot / "manifest.json").write_text("{}")  # an earlier export: never overwritten

    result = src.run_dag(EXPORT, {"snapshot": str(snapshot), "drain_timeout_minutes": 0})

    assert result["state"] == "failed", result
    assert result["tasks"] == {
        "pause_dags": "success",
        "drain": "success",
        "export": "failed",
        "restore_paused_states": "failed",
    }
    paused_after = paused_states(src.db_url)
    assert {d: paused_after[d] for d in paused_before} == paused_before
    note = _note(result)
    assert (note["status"], note["step"], note["paused_restored"]) == (
        "failed",
        "export",
        len(active),
    )
    assert note["error"]


def test_unsaved_paused_states_record_pauses_nothing(source_env: SourceEnv, tmp_path: Path) -> None:
    """The record of paused states is saved before anything is paused: if it cannot be
    written, no DAG is paused and the run fails at its first step."""
    src, _ = source_env("2.10.3")
    paused_before = paused_states(src.db_url)
    blocker = _snapshot_folder(src)
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("not a directory")

    result = src.run_dag(EXPORT, {"snapshot": str(blocker)})

    assert result["state"] == "failed", result
    assert result["tasks"]["pause_dags"] == "failed"
    assert result["tasks"]["export"] != "success"
    paused_after = paused_states(src.db_url)
    assert {d: paused_after[d] for d in paused_before} == paused_before


def test_bad_conf_fails_before_pausing_anything(source_env: SourceEnv) -> None:
    src, _ = source_env("2.10.3")
    paused_before = paused_states(src.db_url)

    result = src.run_dag(EXPORT, {"snapshot": str(_snapshot_folder(src)), "drain_timeout": 5})

    assert result["state"] == "failed"
    assert result["tasks"]["pause_dags"] == "failed"
    assert {
        d: p for d, p in paused_states(src.db_url).items() if d in paused_before
    } == paused_before
    note = _note(result)
    assert note["step"] == "pause_dags" and "drain_timeout" in note["error"]


def test_drain_timeout_records_running_task(source_env: SourceEnv, tmp_path: Path) -> None:
    """A task still running when the timeout ends is exported and listed as interrupted."""
    src, seed = source_env("2.10.3")
    run_id = seed.summary.runs["sample_etl"][1]
    query(
        src.db_url,
        "UPDATE task_instance SET state = 'running' WHERE dag_id = 'sample_etl' "
        "AND run_id = %s AND task_id = 'load' RETURNING 1",
        (run_id,),
    )
    snap = _snapshot_folder(src)

    result = src.run_dag(EXPORT, {"snapshot": str(snap), "drain_timeout_minutes": 0.02})

    assert result["state"] == "success", result
    assert _note(result)["interrupted"] == 3
    manifest = json.loads((snap / "manifest.json").read_text())
    assert {
        "kind": "task_instance",
        "dag_id": "sample_etl",
        "run_id": run_id,
        "task_id": "load",
        "map_index": -1,
        "state": "running",
    } in manifest["interrupted"]


@pytest.mark.parametrize("version", NARROW)
def test_import_failure_changes_nothing(
    version: str, target_env: TargetEnv, tmp_path: Path
) -> None:
    dst = target_env(version)
    result = dst.run_dag(IMPORT, {"snapshot": str(_snapshot_folder(dst))})

    assert result["state"] == "failed", result
    note = _note(result)
    assert (note["status"], note["step"]) == ("failed", "import_snapshot")
    rows = query(dst.db_url, "SELECT dag_id FROM dag_run")
    assert rows == [(IMPORT,)]  # only the import run itself
    assert query(dst.db_url, "SELECT count(*) FROM variable") == [(0,)]


@pytest.mark.parametrize(
    ("version", "auth", "fragment"),
    [
        ("2.10.3", False, "no export authorization"),
        ("3.0.6", False, "no export authorization"),
        ("2.10.3", {"run_id": "mpr-20261125T170200Z-1a2b"}, "for run_id"),
        ("2.10.3", {"environment": "prod"}, "for environment 'prod'"),
    ],
    ids=["manual run 2", "manual run 3", "token of another run", "token of another env"],
)
def test_unauthorized_export_is_refused_and_changes_nothing(
    version: str, auth: Any, fragment: str, source_env: SourceEnv
) -> None:
    """A manual trigger (UI, CLI, API) or a token not made for this run: the first task
    fails before it pauses or writes anything, and the cleanup unpauses nothing."""
    src, _ = source_env(version)
    paused_before, view_before = paused_states(src.db_url), history_view(src.db_url)
    assert not all(paused_before.values()), "the seed must leave active DAGs"
    snap = _snapshot_folder(src)

    result = src.run_dag(EXPORT, {"snapshot": str(snap), "drain_timeout_minutes": 0}, auth=auth)

    assert result["state"] == "failed", result
    assert result["tasks"]["pause_dags"] == "failed"
    assert result["tasks"]["export"] != "success"
    assert result["tasks"]["restore_paused_states"] == "failed"
    note = _note(result)
    assert note["step"] == "pause_dags" and fragment in note["error"], note
    assert "paused_restored" not in note
    paused_after = paused_states(src.db_url)
    assert {d: paused_after[d] for d in paused_before} == paused_before
    assert history_view(src.db_url) == view_before
    assert not snap.exists()  # nothing written, not even the paused-states record
