"""The workflows' failure scenarios in the sandbox, on Airflow 2.10.3: the real ASL in
moto, the real handlers, the real export/import DAGs run by Airflow against
PostgreSQL, the MWAA emulator's fault injection. One set of parts serves the module;
each scenario has its own environment (and, where it breaks one, its own KMS key)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mwaa_pause_resume.functions import layout
from mwaa_pause_resume.metadata.run_authorization import RunClaims, issue
from mwaa_pause_resume.sandbox import live_history as lh
from mwaa_pause_resume.sandbox.environment_comparison import compare, read_state
from mwaa_pause_resume.sandbox.parts import (
    BUCKET,
    SandboxParts,
    create_environment,
    run_workflow,
    sandbox_execution_input,
    sandbox_parts,
)
from mwaa_pause_resume.sandbox.paused_state import PausedState
from mwaa_pause_resume.sandbox.result import SandboxOptions
from tests.e2e.e2e_failure_helpers import (
    ACTIVE_DAGS,
    bucket_keys,
    delete_environment,
    delete_kms_key,
    environment_status,
    last_run,
    new_active_environment,
    new_kms_key,
    paused_states,
    read_json,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.airflow,
]

VERSION = "2.10.3"
WORKFLOW_DAGS = ("mwaa_export_data", "mwaa_import_data")
EXECUTION_TIMEOUT = 600.0  # a safety net against a hang, not a performance bound


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxParts]:
    work: Path = tmp_path_factory.mktemp("sandbox-failures")
    with sandbox_parts(SandboxOptions(airflow_version=VERSION, work_dir=work), work) as running:
        yield running


def test_export_failing_inside_the_dag_keeps_the_environment(parts: SandboxParts) -> None:
    """The snapshot's KMS key is deleted before the pause: the real export DAG fails
    when it asks KMS for the data key, after it paused the DAGs."""
    env = "export-fails"
    before = new_active_environment(parts, env)
    key_arn = new_kms_key(parts, "deleted before the pause")
    delete_kms_key(key_arn)

    pause = run_workflow(dataclasses.replace(parts, kms_key_arn=key_arn), "pause", environment=env)

    assert pause.status == "FAILED"
    assert pause.error == "DagRunFailed", pause.cause
    cause = str(pause.cause)
    assert f"KMS GenerateDataKey with key {key_arn} failed" in cause, cause
    assert "NotFoundException" in cause
    assert environment_status(parts, env) == "AVAILABLE"
    assert parts.local.mwaa.count("DeleteEnvironment") == 0
    keys = bucket_keys(parts, env)
    assert layout.latest_key(env) not in keys
    assert layout.lock_key(env) not in keys
    # The DAG paused the active DAGs, then put them back: every state as before (but
    # the export DAG's own, which the workflow unpaused to run it).
    after = paused_states(parts, env)
    assert {d: p for d, p in after.items() if d not in WORKFLOW_DAGS} == {
        d: p for d, p in before.items() if d not in WORKFLOW_DAGS
    }
    run = last_run(parts, env, WORKFLOW_DAGS[0])
    assert run["state"] == "failed"
    assert f"DAG run {WORKFLOW_DAGS[0]}/{run['run_id']} failed at step export" in cause
    assert run["tasks"] == {
        "pause_dags": "success",
        "drain": "success",
        "export": "failed",
        "restore_paused_states": "failed",  # it puts the states back, then fails the run
    }
    assert run["note"] is not None
    assert run["note"]["paused_restored"] == len(ACTIVE_DAGS)


def test_create_failed_on_resume_keeps_the_snapshot_and_a_retry_restores(
    parts: SandboxParts,
) -> None:
    env = "create-fails"
    create_environment(parts.mwaa, env, parts.version)
    source = parts.airflow.environment(env)
    baseline = read_state(source.db_url, source.fernet_key, WORKFLOW_DAGS)
    lh.seed_live_history(source.client().observe, source.major)  # as the sandbox makes it
    paused_before = read_state(source.db_url, source.fernet_key, WORKFLOW_DAGS).paused
    pause = run_workflow(parts, "pause", environment=env)
    assert pause.status == "SUCCEEDED", pause.cause
    snapshot_id = pause.output["snapshot_id"]
    paused = PausedState.read(parts, env, snapshot_id, paused_before)
    kept = bucket_keys(parts, env)
    assert layout.key(env, snapshot_id, layout.MANIFEST_FILE) in kept
    message = "Subnet subnet-0a1b2c3d4e5f60001 has no free IP addresses left"
    parts.local.mwaa.faults.fail_next_create("INCORRECT_CONFIGURATION", message)

    failed = run_workflow(parts, "resume", environment=env)

    assert failed.status == "FAILED"
    assert failed.error == "EnvironmentCreateFailed", failed.cause
    assert f"INCORRECT_CONFIGURATION: {message}" in str(failed.cause)
    assert environment_status(parts, env) == "CREATE_FAILED"
    assert kept <= bucket_keys(parts, env)
    assert read_json(parts, layout.latest_key(env))["snapshot_id"] == snapshot_id
    assert layout.lock_key(env) not in bucket_keys(parts, env)

    # The workflow does not resume over a failed environment: the operator deletes it.
    refused = run_workflow(parts, "resume", environment=env)
    assert refused.status == "FAILED"
    assert refused.error == "EnvironmentNotReady", refused.cause
    assert f"Environment {env} is CREATE_FAILED" in str(refused.cause)
    assert read_json(parts, layout.latest_key(env))["snapshot_id"] == snapshot_id
    delete_environment(parts, env)

    retry_started = datetime.now(UTC)
    retried = run_workflow(parts, "resume", environment=env)

    assert retried.status == "SUCCEEDED", retried.cause
    assert environment_status(parts, env) == "AVAILABLE"
    target = parts.airflow.environment(env)
    assert target.fernet_key != source.fernet_key
    comparison = compare(paused.before, paused.resumed(parts, env, retry_started), baseline)
    assert comparison.differences == []
    assert comparison.tables["dag_run"].before > 0
    assert comparison.secrets_checked > 0


@pytest.fixture(scope="module")
def concurrent_env(parts: SandboxParts) -> tuple[str, dict[str, bool]]:
    """An active environment for the manual-run refusals (which must leave it exactly as
    it was) and then the concurrent pause and resume: one environment start for both."""
    env = "concurrent"
    return env, new_active_environment(parts, env)


def _manual_run(parts: SandboxParts, env: str, dag_id: str, conf: dict[str, Any]) -> Any:
    """What a user with Airflow's User role can do: unpause the DAG and trigger it through
    the REST API with a conf of their choosing; returns the finished run."""
    run_id = f"manual-{dag_id}"
    for method, path, body in (
        ("PATCH", f"/dags/{dag_id}", {"is_paused": False}),
        ("POST", f"/dags/{dag_id}/dagRuns", {"dag_run_id": run_id, "conf": conf}),
    ):
        parts.mwaa.invoke_rest_api(Name=env, Method=method, Path=path, Body=body)
    parts.local.wait_until(
        lambda: last_run(parts, env, dag_id)["state"] in ("success", "failed"), timeout=300
    )
    run = last_run(parts, env, dag_id)
    assert run["run_id"] == run_id
    return run


def test_manual_runs_of_the_export_and_import_dags_are_refused(
    parts: SandboxParts, concurrent_env: tuple[str, dict[str, bool]]
) -> None:
    """Triggered by hand through the environment's REST API (no authorization, or one
    MACed with a key of the user's own), both DAGs fail at their first task and change
    nothing: no DAG paused, nothing written to the bucket, no row or secret changed."""
    env, paused_before = concurrent_env
    source = parts.airflow.environment(env)
    state_before = read_state(source.db_url, source.fernet_key, WORKFLOW_DAGS)
    keys_before = bucket_keys(parts, env)
    snapshot = f"s3://{BUCKET}/{env}/20261125T170200Z-0bad/"
    kms = parts.local.client("kms")
    own_key = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
    claims = RunClaims(env, "mwaa_import_data", "manual-mwaa_import_data", snapshot, 4e9)
    forged = issue(kms, own_key["KeyMetadata"]["Arn"], "import", claims)

    export = _manual_run(parts, env, "mwaa_export_data", {"snapshot": snapshot})
    imported = _manual_run(
        parts, env, "mwaa_import_data", {"snapshot": snapshot, "authorization": forged}
    )

    assert export["state"] == "failed", export
    assert export["tasks"]["pause_dags"] == "failed"
    assert export["tasks"]["restore_paused_states"] == "failed"
    assert "the run has no export authorization" in export["note"]["error"]
    assert imported["state"] == "failed", imported
    assert imported["tasks"] == {"import_snapshot": "failed"}
    assert "valid MAC of this deployment's key" in imported["note"]["error"]
    after = paused_states(parts, env)
    assert {d: after[d] for d in paused_before if d not in WORKFLOW_DAGS} == {
        d: paused_before[d] for d in paused_before if d not in WORKFLOW_DAGS
    }
    assert bucket_keys(parts, env) == keys_before
    state_after = read_state(source.db_url, source.fernet_key, WORKFLOW_DAGS)
    assert state_after.secrets == state_before.secrets
    # Not compared: what live Airflow itself writes meanwhile, whatever the DAGs do: audit
    # rows of the REST calls (log), scheduler and task jobs (job), and the dag table,
    # where the two unpaused workflow DAGs changed (the paused states are compared above).
    unchanged = [t for t in state_before.rows if t not in ("log", "job", "dag")]
    assert {"variable", "connection", "slot_pool", "dag_run", "task_instance"} <= set(unchanged)
    assert {t: state_after.rows[t] for t in unchanged} == {
        t: state_before.rows[t] for t in unchanged
    }


def test_concurrent_pause_and_resume_one_is_refused(
    parts: SandboxParts, concurrent_env: tuple[str, dict[str, bool]]
) -> None:
    """A resume started while a pause of the same environment runs is refused by the
    lock; the pause goes on to the end."""
    env, before = concurrent_env
    local = parts.local
    with local.hold():  # the pause stops at its first Wait, holding the lock
        pause_arn = local.start_execution(
            "pause", sandbox_execution_input("pause", parts.version, parts.kms_key_arn, env)
        )
        local.wait_until(lambda: layout.lock_key(env) in bucket_keys(parts, env), timeout=120)
        resume = local.run(
            "resume",
            sandbox_execution_input("resume", parts.version, parts.kms_key_arn, env),
            timeout=EXECUTION_TIMEOUT,
        )
    pause = local.wait(pause_arn, timeout=EXECUTION_TIMEOUT)

    assert resume.status == "FAILED"
    assert resume.error == "LockHeld", resume.cause
    assert f"A pause of environment {env} is already running" in str(resume.cause)
    assert pause_arn in str(resume.cause)
    assert pause.status == "SUCCEEDED", pause.cause
    assert pause.output["outcome"] == "paused"
    keys = bucket_keys(parts, env)
    assert read_json(parts, layout.latest_key(env))["snapshot_id"] == pause.output["snapshot_id"]
    assert layout.lock_key(env) not in keys
    # The snapshot recorded the paused states from before the pause.
    manifest_key = layout.key(env, pause.output["snapshot_id"], layout.MANIFEST_FILE)
    recorded = read_json(parts, manifest_key)["paused_states"]
    assert {d: recorded[d] for d in ACTIVE_DAGS} == {d: before[d] for d in ACTIVE_DAGS}
