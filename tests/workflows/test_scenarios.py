"""The pause and resume state machines, as synthesized for deployment, executed by moto
with the real handlers and the MWAA emulator: one test per scenario of issue 4."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mwaa_pause_resume.metadata.run_authorization import RunClaims, check
from mwaa_pause_resume.sandbox.mwaa import Delays, RunScript
from mwaa_pause_resume.sandbox.sfn_local import ExecutionResult, LocalWorkflows
from tests.workflows.workflow_fakes import (
    BUCKET,
    ENV,
    EXPORT_DAG,
    IMPORT_DAG,
    ContractAirflow,
    dag_specs,
    environment_request,
    read_json,
    s3_keys,
    settings,
)

MakeLocal = Callable[..., LocalWorkflows]


def failed_attempts(result: ExecutionResult, error: str) -> int:
    return sum(
        1
        for e in result.history
        if e["type"] == "LambdaFunctionFailed"
        and e["lambdaFunctionFailedEventDetails"].get("error") == error
    )


def rest_calls(local: LocalWorkflows, method: str, path_end: str) -> list[dict[str, Any]]:
    return [
        params
        for op, params in local.mwaa.calls
        if op == "InvokeRestApi"
        and params["Method"] == method
        and params["Path"].endswith(path_end)
    ]


def pause_ok(local: LocalWorkflows, **overrides: Any) -> str:
    result = local.run("pause", settings(**overrides))
    assert result.status == "SUCCEEDED", result.cause
    return str(result.output["snapshot_id"])


def test_pause_happy_path(make_local: MakeLocal) -> None:
    local = make_local()
    result = local.run("pause", settings(kms_key_id="alias/backups", drain_timeout_minutes=5))

    assert result.status == "SUCCEEDED", result.cause
    snapshot_id = result.output["snapshot_id"]
    assert result.output == {
        "outcome": "paused",
        "workflow": "pause",
        "environment": ENV,
        "snapshot_id": snapshot_id,
        "timing": {"ended_at": local.clock()},  # when the environment was gone
    }
    assert ENV not in local.mwaa.names()  # deleted, and gone
    prefix = f"{ENV}/{snapshot_id}/"
    assert {
        f"{prefix}environment.json",
        f"{prefix}manifest.json",
        f"{prefix}complete.json",
        f"{ENV}/latest.json",
    } <= set(s3_keys(local))
    assert f"{ENV}/lock.json" not in s3_keys(local)
    assert read_json(local, f"{ENV}/latest.json")["snapshot_id"] == snapshot_id
    captured = read_json(local, f"{prefix}environment.json")["Environment"]
    assert captured["Name"] == ENV and captured["Tags"] == {"team": "data"}
    # The export DAG was unpaused, then triggered with a known short run id and the conf.
    (trigger,) = rest_calls(local, "POST", f"/dags/{EXPORT_DAG}/dagRuns")
    run_id = trigger["Body"]["dag_run_id"]
    conf = dict(trigger["Body"]["conf"])
    authorization = conf.pop("authorization")
    assert conf == {
        "snapshot": f"s3://{BUCKET}/{prefix}",
        "drain_timeout_minutes": 5,
        "kms_key_id": "alias/backups",
    }
    # ... with the run's one-time authorization, valid (KMS VerifyMac) for exactly this run.
    claims = RunClaims(ENV, EXPORT_DAG, run_id, conf["snapshot"], 0)
    check(local.client("kms"), local.mac_key_arn, "export", authorization, claims, local.clock())
    assert len(f"/dags/{EXPORT_DAG}/dagRuns/{run_id}") <= 64
    assert rest_calls(local, "PATCH", f"/dags/{EXPORT_DAG}")[0]["Body"] == {"is_paused": False}
    # Deleted only after the snapshot was marked complete.
    states = result.entered_states()
    assert states.index("VerifySnapshot") < states.index("MarkSnapshotComplete")
    assert states.index("MarkSnapshotComplete") < states.index("DeleteEnvironment")


def test_resume_happy_path(make_local: MakeLocal) -> None:
    local = make_local()
    snapshot_id = pause_ok(local)

    result = local.run("resume", settings(update_after_restore=True, missed_runs="latest"))

    assert result.status == "SUCCEEDED", result.cause
    assert result.output["outcome"] == "resumed"
    assert result.output["snapshot_id"] == snapshot_id
    # The import got the environment's missed-runs policy; its note is in the output
    # (for the notification and `status`).
    (trigger,) = rest_calls(local, "POST", f"/dags/{IMPORT_DAG}/dagRuns")
    assert trigger["Body"]["conf"]["missed_runs"] == "latest"
    assert set(trigger["Body"]["conf"]) == {
        "snapshot",
        "kms_key_id",
        "missed_runs",
        "authorization",
        "source_airflow_version",
        "target_airflow_version",
    }
    assert result.output["import"]["status"] == "success"
    env = local.mwaa.environment(ENV)
    assert env.status == "AVAILABLE"
    (create,) = [p for op, p in local.mwaa.calls if op == "CreateEnvironment"]
    original = environment_request()
    assert {k: create[k] for k in original} == original
    airflow = local.mwaa.airflow
    assert isinstance(airflow, ContractAirflow)
    assert airflow.imported == [(ENV, f"s3://{BUCKET}/{ENV}/{snapshot_id}/")]
    assert local.mwaa.count("UpdateEnvironment") == 1
    assert "ApplyRetention" in result.entered_states()
    assert f"{ENV}/lock.json" not in s3_keys(local)


def test_already_paused(make_local: MakeLocal) -> None:
    local = make_local()
    snapshot_id = pause_ok(local)
    keys_before = s3_keys(local)

    result = local.run("pause", settings())

    assert result.status == "SUCCEEDED", result.cause
    assert result.output["outcome"] == "already_paused"
    assert result.output["snapshot_id"] == snapshot_id
    assert s3_keys(local) == keys_before  # no new snapshot, lock released
    assert local.mwaa.count("DeleteEnvironment") == 1  # only the first pause's


def test_pause_of_missing_environment_without_snapshot_fails(make_local: MakeLocal) -> None:
    local = make_local(seed=False)
    result = local.run("pause", settings())
    assert result.status == "FAILED"
    assert result.error == "EnvironmentNotFound"
    assert "nothing to pause" in str(result.cause)


def test_already_running(make_local: MakeLocal) -> None:
    local = make_local()
    result = local.run("resume", settings())
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["outcome"] == "already_running"
    assert local.mwaa.count("CreateEnvironment") == 0
    assert f"{ENV}/lock.json" not in s3_keys(local)


def test_export_dag_failure_keeps_environment(make_local: MakeLocal) -> None:
    airflow = ContractAirflow(
        dag_specs(export=RunScript(state="failed", polls=1, failed_tasks=("export",)))
    )
    local = make_local(airflow)

    result = local.run("pause", settings())

    assert result.status == "FAILED"
    assert result.error == "DagRunFailed"
    assert "OperationalError: disk full" in str(result.cause)
    assert "at step export" in str(result.cause)
    assert local.mwaa.environment(ENV).status == "AVAILABLE"
    assert local.mwaa.count("DeleteEnvironment") == 0
    assert f"{ENV}/latest.json" not in s3_keys(local)
    assert f"{ENV}/lock.json" not in s3_keys(local)
    dags = airflow.airflow(ENV).dags
    assert {d: dags[d].is_paused for d in ("etl_daily", "report_weekly")} == {
        "etl_daily": False,
        "report_weekly": True,
    }


class CorruptingAirflow(ContractAirflow):
    """The export succeeds, then a table file changes (same size, other bytes)."""

    def _on_poll(self, name: str, dag_id: str, run_id: str, payload: dict[str, Any]) -> None:
        fresh = (name, dag_id, run_id) not in self.notes
        super()._on_poll(name, dag_id, run_id, payload)
        if fresh and dag_id == EXPORT_DAG and payload["state"] == "success":
            import boto3

            s3 = boto3.client("s3")
            key = payload["conf"]["snapshot"][len(f"s3://{BUCKET}/") :] + "tables/variable.csv.gz"
            data = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
            s3.put_object(Bucket=BUCKET, Key=key, Body=bytes(b ^ 0xFF for b in data))


def test_manifest_checksum_mismatch_keeps_environment(make_local: MakeLocal) -> None:
    airflow = CorruptingAirflow(dag_specs())
    local = make_local(airflow)

    result = local.run("pause", settings())

    assert result.status == "FAILED"
    assert result.error == "SnapshotInvalid"
    assert "variable.csv.gz" in str(result.cause) and "corrupted" in str(result.cause)
    assert local.mwaa.environment(ENV).status == "AVAILABLE"
    assert local.mwaa.count("DeleteEnvironment") == 0
    assert f"{ENV}/latest.json" not in s3_keys(local)
    # The export left the DAGs paused (as on success); the workflow put them back.
    assert airflow.airflow(ENV).dags["etl_daily"].is_paused is False
    assert airflow.airflow(ENV).dags["report_weekly"].is_paused is True
    assert "DAGs unpaused again: etl_daily" in str(result.cause)


def test_create_failed_carries_mwaa_message_and_keeps_snapshot(make_local: MakeLocal) -> None:
    local = make_local()
    snapshot_id = pause_ok(local)
    keys = s3_keys(local)
    local.mwaa.faults.fail_next_create("INCORRECT_CONFIGURATION", "Subnet subnet-0a is full")

    result = local.run("resume", settings())

    assert result.status == "FAILED"
    assert result.error == "EnvironmentCreateFailed"
    assert "INCORRECT_CONFIGURATION: Subnet subnet-0a is full" in str(result.cause)
    assert local.mwaa.environment(ENV).status == "CREATE_FAILED"
    assert set(keys) - {f"{ENV}/lock.json"} <= set(s3_keys(local))
    assert read_json(local, f"{ENV}/latest.json")["snapshot_id"] == snapshot_id
    assert f"{ENV}/lock.json" not in s3_keys(local)


def test_import_dag_appears_after_several_polls(make_local: MakeLocal) -> None:
    local = make_local(ContractAirflow(dag_specs(import_hidden=3)))
    pause_ok(local)

    result = local.run("resume", settings())

    assert result.status == "SUCCEEDED", result.cause
    assert failed_attempts(result, "DagNotParsedYet") == 3
    assert len(rest_calls(local, "POST", f"/dags/{IMPORT_DAG}/dagRuns")) == 1


def test_import_dag_never_parsed_fails_at_deadline(make_local: MakeLocal) -> None:
    local = make_local(ContractAirflow(dag_specs(import_hidden=10**6)))
    pause_ok(local)

    result = local.run("resume", settings(timeout_minutes=3))

    assert result.status == "FAILED"
    assert result.error == "DagNotParsed"
    assert IMPORT_DAG in str(result.cause)


def test_pause_without_export_dag_fails_at_once(make_local: MakeLocal) -> None:
    local = make_local(ContractAirflow([d for d in dag_specs() if d.dag_id != EXPORT_DAG]))

    result = local.run("pause", settings())

    assert result.status == "FAILED"
    assert result.error == "DagNotParsed"
    assert f"DAG {EXPORT_DAG} is not in environment {ENV}" in str(result.cause)
    assert local.mwaa.environment(ENV).status == "AVAILABLE"


def test_pause_timeout_keeps_environment(make_local: MakeLocal) -> None:
    local = make_local(ContractAirflow(dag_specs(export=RunScript(polls=10**6))))

    result = local.run("pause", settings(timeout_minutes=5, poll_seconds=60))

    assert result.status == "FAILED"
    assert result.error == "DagRunTimedOut"
    assert "still running" in str(result.cause)
    assert local.mwaa.environment(ENV).status == "AVAILABLE"
    assert local.mwaa.count("DeleteEnvironment") == 0
    polls = result.entered_states().count("ExportRunState")
    assert 5 <= polls <= 7  # one a minute for five minutes


def test_pause_timeout_unpauses_the_dags_the_export_paused(make_local: MakeLocal) -> None:
    """The export run never finished (no manifest): the record it saved before pausing
    anything tells the workflow which DAGs to unpause again."""
    airflow = ContractAirflow(dag_specs(export=RunScript(polls=10**6)))
    local = make_local(airflow)

    result = local.run("pause", settings(timeout_minutes=5, poll_seconds=60))

    assert result.error == "DagRunTimedOut"
    dags = airflow.airflow(ENV).dags
    assert {d: dags[d].is_paused for d in ("etl_daily", "report_weekly")} == {
        "etl_daily": False,
        "report_weekly": True,
    }
    assert "DAGs unpaused again: etl_daily" in str(result.cause)


def test_resume_timeout(make_local: MakeLocal) -> None:
    local = make_local(delays=Delays(create_polls=10**6))
    pause_ok(local)

    result = local.run("resume", settings(timeout_minutes=10, poll_timeout_minutes=4))

    assert result.status == "FAILED"
    assert result.error == "EnvironmentTimedOut"
    assert "still CREATING" in str(result.cause)
    assert read_json(local, f"{ENV}/latest.json")  # snapshot kept


def test_concurrent_pause_and_resume_one_refused(make_local: MakeLocal) -> None:
    airflow = ContractAirflow(dag_specs())
    local = make_local(airflow)
    with local.hold():
        pause_arn = local.start_execution("pause", settings())
        local.wait_until(lambda: bool(airflow.airflow(ENV).runs))  # export triggered
        resume = local.run("resume", settings())
    pause = local.wait(pause_arn)

    assert resume.status == "FAILED"
    assert resume.error == "LockHeld"
    assert "A pause of environment dev-env is already running" in str(resume.cause)
    assert pause_arn in str(resume.cause)
    assert pause.status == "SUCCEEDED", pause.cause
    assert pause.output["outcome"] == "paused"
    assert f"{ENV}/lock.json" not in s3_keys(local)


def test_a_schedule_fire_delivered_twice_runs_once(make_local: MakeLocal) -> None:
    """EventBridge Scheduler delivers at least once: a second StartExecution for the same
    fire (same scheduled_time) succeeds without doing anything; another fire while the
    first runs is still refused."""
    airflow = ContractAirflow(dag_specs())
    local = make_local(airflow)
    fire = "2026-11-25T20:00:00Z"
    with local.hold():
        first_arn = local.start_execution("pause", settings(scheduled_time=fire))
        local.wait_until(lambda: bool(airflow.airflow(ENV).runs))  # export triggered
        second = local.run("pause", settings(scheduled_time=fire))
        other_fire = local.run("pause", settings(scheduled_time="2026-11-26T20:00:00Z"))
    first = local.wait(first_arn)

    assert second.status == "SUCCEEDED", second.cause
    assert second.output == {
        "outcome": "duplicate_delivery",
        "workflow": "pause",
        "environment": ENV,
    }
    assert other_fire.status == "FAILED" and other_fire.error == "LockHeld"
    assert first.status == "SUCCEEDED", first.cause
    assert first.output["outcome"] == "paused"
    assert local.mwaa.count("DeleteEnvironment") == 1
    assert second.entered_states() == [  # touched nothing
        *("Scheduled?", "CheckRunGates", "RunGates?", "Proceed"),
        *("Begin", "DuplicateDelivery"),
    ]


def test_throttled_get_environment_is_retried(make_local: MakeLocal) -> None:
    local = make_local()
    local.mwaa.faults.throttle("GetEnvironment", times=3)

    result = local.run("pause", settings())

    assert result.status == "SUCCEEDED", result.cause
    assert failed_attempts(result, "AwsThrottled") == 3
    assert result.entered_states().count("Inspect") == 1  # retries stay inside the state


def test_resume_without_snapshot_fails_clearly(make_local: MakeLocal) -> None:
    local = make_local(seed=False)

    result = local.run("resume", settings())

    assert result.status == "FAILED"
    assert result.error == "NoSnapshot"
    assert f"no complete snapshot in s3://{BUCKET}/{ENV}/" in str(result.cause)
    assert "nothing to resume from" in str(result.cause)
    assert local.mwaa.count("CreateEnvironment") == 0


def test_resume_from_chosen_snapshot(make_local: MakeLocal) -> None:
    local = make_local()
    first = pause_ok(local)
    assert local.run("resume", settings()).status == "SUCCEEDED"
    second = pause_ok(local)
    assert first != second

    result = local.run("resume", settings(snapshot_id=first))

    assert result.status == "SUCCEEDED", result.cause
    assert result.output["snapshot_id"] == first
    airflow = local.mwaa.airflow
    assert isinstance(airflow, ContractAirflow)
    assert airflow.imported[-1] == (ENV, f"s3://{BUCKET}/{ENV}/{first}/")
    # Retention never removes the snapshot latest.json points to.
    assert read_json(local, f"{ENV}/latest.json")["snapshot_id"] == second


def test_resume_from_unknown_snapshot_fails(make_local: MakeLocal) -> None:
    local = make_local()
    pause_ok(local)
    result = local.run("resume", settings(snapshot_id="20200101T000000Z-abcd"))
    assert result.status == "FAILED"
    assert result.error == "SnapshotNotFound"
    assert "20200101T000000Z-abcd" in str(result.cause)


def test_invalid_input_fails_before_locking(make_local: MakeLocal) -> None:
    local = make_local()
    result = local.run("pause", {"environment": ENV})
    assert result.status == "FAILED"
    assert result.error == "InvalidInput"
    assert "'bucket'" in str(result.cause)


def test_deletion_timeout_does_not_unpause_dags_of_the_environment_being_deleted(
    make_local: MakeLocal,
) -> None:
    """Once DeleteEnvironment is accepted the environment goes away whatever happens:
    unpausing its DAGs then would only start runs that the deletion kills half-way."""
    local = make_local(delays=Delays(delete_polls=10**6))

    result = local.run("pause", settings(timeout_minutes=30, poll_timeout_minutes=3))

    assert result.status == "FAILED"
    assert result.error == "EnvironmentTimedOut"
    assert local.mwaa.count("DeleteEnvironment") == 1
    assert rest_calls(local, "PATCH", "/dags/etl_daily") == []
    assert "deletion was accepted" in str(result.cause)
    assert read_json(local, f"{ENV}/latest.json")  # the verified snapshot is kept


def test_stopping_the_local_workflows_ends_running_executions(make_local: MakeLocal) -> None:
    """An execution still running when a test ends must not go on calling the handlers
    after the mocks are gone (or inside the next test's mocks, with its buckets)."""
    import threading

    airflow = ContractAirflow(dag_specs())
    local = make_local(airflow)
    with local.hold():
        arn = local.start_execution("pause", settings())
        local.wait_until(lambda: bool(airflow.airflow(ENV).runs))  # parked at a Wait
        local._stop_executions()
        status = local.client("stepfunctions").describe_execution(executionArn=arn)["status"]

    assert status == "ABORTED"
    alive = [
        t
        for t in threading.enumerate()
        if str(getattr(getattr(t, "_target", None), "__module__", "")).startswith(
            "moto.stepfunctions"
        )
    ]
    assert alive == []
