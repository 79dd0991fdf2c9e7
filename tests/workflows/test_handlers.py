"""Each Lambda handler on its own: pure parts directly, AWS parts against moto (S3) and
the MWAA emulator, through the same harness as the workflows (no state machine run)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from mwaa_pause_resume.functions import (
    HANDLERS,
    WORKFLOW_FUNCTIONS,
    aws,
    begin,
    clock,
    dag_run_state,
    dag_trigger,
    environment_create,
    environment_delete,
    environment_status,
    failure,
    layout,
    lock,
    notification,
    resolve,
    settings,
    snapshot_pointer,
    snapshot_retention,
    snapshot_start,
    snapshot_verify,
)
from mwaa_pause_resume.functions import errors as e
from mwaa_pause_resume.sandbox.demo_snapshot import write_demo_snapshot as write_snapshot
from mwaa_pause_resume.sandbox.mwaa import RunScript
from mwaa_pause_resume.sandbox.sfn_local import LocalWorkflows
from tests.workflows.workflow_fakes import (
    BUCKET,
    ENV,
    EXPORT_DAG,
    IMPORT_DAG,
    ContractAirflow,
    dag_specs,
    read_json,
    s3_keys,
)

MakeLocal = Callable[..., LocalWorkflows]
STAMP = "20261125T170200Z-1a2b"
AUTHORIZE_IMPORT = {
    "environment": ENV,
    "run_id": "r1",
    "authorize": "import",
    "conf": {"snapshot": f"s3://{BUCKET}/{ENV}/{STAMP}/"},
}
OWNER = "arn:aws:states:us-east-1:123456789012:execution:mwaa-pause-resume-pause:p-1"


def client_error(code: str, status: int, message: str = "boom") -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        "Op",
    )


# -- pure ------------------------------------------------------------------------------
def test_every_handler_key_resolves() -> None:
    for key in HANDLERS:
        assert callable(resolve(key)), key
    assert "notification" not in WORKFLOW_FUNCTIONS


def test_settings_defaults_and_errors() -> None:
    out = settings.normalize({"environment": ENV, "bucket": BUCKET}, workflow="pause", stamp=STAMP)
    assert out["poll_seconds"] == 60 and out["poll_timeout_minutes"] == out["timeout_minutes"]
    assert out["export_dag_id"] == "mwaa_export_data" and out["snapshot_id"] is None
    with pytest.raises(e.InvalidInput, match="Unknown execution input field"):
        settings.normalize(
            {"environment": ENV, "bucket": BUCKET, "pol_seconds": 1}, workflow="pause", stamp=STAMP
        )
    with pytest.raises(e.InvalidInput, match="'poll_seconds' must be a whole number"):
        settings.normalize(
            {"environment": ENV, "bucket": BUCKET, "poll_seconds": 0}, workflow="pause", stamp=STAMP
        )
    with pytest.raises(e.InvalidInput, match="too long: InvokeRestApi paths are limited to 64"):
        settings.normalize(
            {"environment": ENV, "bucket": BUCKET, "export_dag_id": "x" * 30},
            workflow="pause",
            stamp=STAMP,
        )
    with pytest.raises(e.InvalidInput, match="only for resume"):
        settings.normalize(
            {"environment": ENV, "bucket": BUCKET, "snapshot_id": STAMP},
            workflow="pause",
            stamp=STAMP,
        )


def test_settings_carry_the_missed_runs_policy() -> None:
    base = {"environment": ENV, "bucket": BUCKET}
    # schedules deployed before the setting existed send none: Airflow's own behaviour
    assert settings.normalize(base, workflow="resume", stamp=STAMP)["missed_runs"] == "catchup"
    chosen = settings.normalize({**base, "missed_runs": "Latest"}, workflow="resume", stamp=STAMP)
    assert chosen["missed_runs"] == "latest"
    for bad in ("sometimes", 1, ["skip"]):
        with pytest.raises(e.InvalidInput) as err:
            settings.normalize({**base, "missed_runs": bad}, workflow="resume", stamp=STAMP)
        assert str(err.value) == (
            f"the execution input: missed_runs must be one of catchup, latest, skip, got {bad!r}."
        )


def test_stamp_is_stable_sortable_and_short() -> None:
    a = layout.stamp("2026-11-25T17:02:00.123Z", "exec-1")
    assert a == layout.stamp("2026-11-25T17:02:00.123Z", "exec-1")
    assert a != layout.stamp("2026-11-25T17:02:00.123Z", "exec-2")
    assert a.startswith("20261125T170200Z-") and layout.is_snapshot_id(a)
    assert layout.stamp("2026-11-25T18:02:00+01:00", "x").startswith("20261125T170200Z")
    assert not layout.is_snapshot_id("latest.json")


def test_aws_errors_are_translated_by_kind() -> None:
    assert isinstance(aws.translate(client_error("ThrottlingException", 400), "x"), e.AwsThrottled)
    assert isinstance(
        aws.translate(client_error("InternalServerException", 500), "x"), e.AwsUnavailable
    )
    assert isinstance(aws.translate(client_error("ValidationException", 400), "x"), e.AwsCallFailed)
    assert set(e.RETRYABLE) >= {"AwsThrottled", "AwsUnavailable"}


def test_environment_status_decisions() -> None:
    available = {"Status": "AVAILABLE", "AirflowVersion": "2.10.3"}
    out = environment_status.evaluate(ENV, available, {"accept": ["AVAILABLE", "NOT_FOUND"]})
    assert out == {
        "status": "AVAILABLE",
        "exists": True,
        "airflow_version": "2.10.3",
        "done": False,
    }
    assert environment_status.evaluate(ENV, None, {})["exists"] is False
    with pytest.raises(e.EnvironmentNotReady, match="is UPDATING; a pause can start only"):
        environment_status.evaluate(
            ENV, {"Status": "UPDATING"}, {"accept": ["AVAILABLE"], "purpose": "a pause"}
        )
    failed = {
        "Status": "CREATE_FAILED",
        "LastUpdate": {"Error": {"ErrorCode": "X", "ErrorMessage": "no subnet"}},
    }
    with pytest.raises(e.EnvironmentCreateFailed, match="X: no subnet"):
        environment_status.evaluate(ENV, failed, {"wait_for": "AVAILABLE", "deadline": 0})
    assert environment_status.evaluate(ENV, None, {"wait_for": "GONE", "deadline": 0})["done"]
    with pytest.raises(e.EnvironmentTimedOut, match="still DELETING, not GONE"):
        environment_status.evaluate(
            ENV, {"Status": "DELETING"}, {"wait_for": "GONE", "deadline": 0}
        )


def test_retention_plan() -> None:
    snapshots = {"a1": True, "a2": False, "a3": True, "a4": True, "a5": False}
    kept, deleted = snapshot_retention.plan(snapshots, "a1", keep=2)
    assert kept == ["a4", "a3", "a1"]  # newest two, plus the one latest.json points to
    assert deleted == ["a2"]  # incomplete and older than the newest complete; a5 may be in use
    kept, deleted = snapshot_retention.plan(snapshots, "a4", keep=1)
    assert kept == ["a4"] and deleted == ["a1", "a2", "a3"]
    assert snapshot_retention.plan({}, None, keep=3) == ([], [])


def test_failure_cause_is_readable() -> None:
    cause = json.dumps(
        {"errorMessage": "DAG run x failed", "errorType": "DagRunFailed", "stackTrace": []}
    )
    assert failure.error_text(cause) == "DAG run x failed"
    assert failure.error_text("plain text") == "plain text"
    out = failure.handler(
        {"workflow": "resume", "state": {"environment": ENV, "error": {"Error": "States.Timeout"}}}
    )
    assert out == {
        "error": "States.Timeout",
        "cause": f"Resume of environment {ENV} failed: States.Timeout",
    }


def test_notification_text() -> None:
    arn = "arn:aws:states:eu-west-1:123456789012:execution:StackWorkflowsResumeWorkflowAB12-x:r-1"
    event = {
        "detail": {
            "executionArn": arn,
            "stateMachineArn": "arn:aws:states:eu-west-1:123456789012:stateMachine:"
            "PauseResumeWorkflowsResumeWorkflowAB12-x",
            "status": "FAILED",
            "input": json.dumps({"environment": ENV, "bucket": BUCKET}),
            "error": "EnvironmentCreateFailed",
            "cause": "Resume of environment dev-env failed: MWAA could not create it",
        }
    }
    text = notification.format_notification(event)
    assert text["subject"] == f"MWAA resume of {ENV}: FAILED"
    for part in (ENV, "resume", "FAILED", "EnvironmentCreateFailed", "MWAA could not create it"):
        assert part in text["message"]
    assert (
        "https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/"
        + arn
        in text["message"]
    )
    assert (
        notification.workflow_of("arn:...:stateMachine:PauseResumeWorkflowsPauseWorkflow1-y")
        == "pause"
    )


def _resumed_event(note: dict[str, Any] | str) -> dict[str, Any]:
    return {
        "detail": {
            "executionArn": "arn:aws:states:eu-west-1:1:execution:ResumeWorkflow-x:r-1",
            "stateMachineArn": "arn:aws:states:eu-west-1:1:stateMachine:ResumeWorkflow-x",
            "status": "SUCCEEDED",
            "input": json.dumps({"environment": ENV, "bucket": BUCKET}),
            "output": json.dumps(
                {
                    "outcome": "resumed",
                    "workflow": "resume",
                    "environment": ENV,
                    "snapshot_id": "20261125T170200Z-1a2b",
                    "import": note,
                }
            ),
        }
    }


def test_resume_notification_carries_the_restore_summary() -> None:
    from mwaa_pause_resume.dags.result_note import success_note
    from mwaa_pause_resume.metadata.missed_runs import HeldDag
    from mwaa_pause_resume.metadata.summary_from_restores import rest_scope_summary

    summary = rest_scope_summary(
        ("variables", "connections", "pools", "paused_states"),
        {"variables": 3, "connections": 2, "pools": 1},
        paused_states=5,
        dags_missing=1,
    )
    summary.policy_applied("catchup", 4)
    summary.policy_applied("skip")
    summary.hold(HeldDag("etl_hourly", "its position could not be set", "unpause it once"))
    summary.hold(HeldDag("report", "its position could not be set", "unpause it once"))
    note = json.loads(
        success_note(
            "s3://b/dev/S/",
            tables=3,
            rows=6,
            interrupted=0,
            summary=summary,
            report="import-report.json",
        )
    )
    text = notification.format_notification(_resumed_event(note))
    assert text["subject"] == f"MWAA resume of {ENV}: SUCCEEDED, 2 DAGs left paused"
    message = text["message"]
    summary_part = message.split("Restore summary:\n", 1)[1].split("\n\n", 1)[0]
    assert summary_part.splitlines() == [
        "  Scope: rest-only",
        "  Restored exactly: variables 3, connections 2, pools 1, paused states 5",
        "  Not restored: dag runs, task instances, xcoms, asset events (not in a rest-only "
        "snapshot); paused states 1 (their DAGs are not parsed in this environment yet); "
        "positions (no run history in the snapshot: each DAG is scheduled as in a new "
        "environment (catchup=True: again from its start_date))",
        "  Missed runs: catchup for 4 DAGs, skip for 1 DAG",
        "  Left paused: 2 DAGs",
        "    - etl_hourly",
        "    - report",
        "    Action: unpause it once",
        f"  Full report: s3://{BUCKET}/{ENV}/20261125T170200Z-1a2b/import-report.json",
    ]
    assert "Execution: https://" in message  # still last


def test_resume_notification_says_the_resume_upgraded_airflow() -> None:
    """An import that brought an older snapshot forward says from and to which version
    and how; a crafted note cannot break the line."""
    moved = {"from": "2.11.2", "to": "3.3.1", "channel": "rest-api"}
    message = notification.format_notification(
        _resumed_event({"status": "success", "brought_forward": moved})
    )["message"]
    assert (
        "Upgraded:    Airflow 2.11.2 -> 3.3.1, through the REST API (Airflow 3 without task "
        "database access)"
    ) in message.splitlines()
    crafted = {"from": "2.11.2\nStatus: FAILED", "to": "3.0.6", "channel": "database"}
    lines = notification.format_notification(
        _resumed_event({"status": "success", "brought_forward": crafted})
    )["message"].splitlines()
    assert not any(line.startswith("Status: FAILED") for line in lines)
    plain = notification.format_notification(_resumed_event({"status": "success"}))
    assert "Upgraded" not in plain["message"]


def test_resume_notification_without_a_summary_or_report_says_nothing_of_them() -> None:
    plain = notification.format_notification(_resumed_event({"status": "success"}))
    assert plain["subject"] == f"MWAA resume of {ENV}: SUCCEEDED"
    assert "Restore summary" not in plain["message"]
    # a summary but no report written: no link to a file that is not there
    from mwaa_pause_resume.metadata.restore_summary import RestoreSummary

    summary = RestoreSummary("full")
    summary.add("dag_runs", exact=10)
    no_file = notification.format_notification(
        _resumed_event({"status": "success", "summary": summary.compact(500)})
    )
    assert "  Restored exactly: dag runs 10" in no_file["message"]
    assert "Full report" not in no_file["message"]
    assert no_file["subject"] == f"MWAA resume of {ENV}: SUCCEEDED"


def test_resume_notification_keeps_a_crafted_summary_on_its_lines() -> None:
    """The note comes from the environment: a held DAG id with a line break cannot add
    lines of its own to the e-mail."""
    crafted = {"scope": "full", "items": {}, "held": ["a\nBcc: x@example.com"]}
    text = notification.format_notification(
        _resumed_event({"status": "success", "summary": crafted})
    )
    assert "\nBcc:" not in text["message"]
    assert "    - a Bcc: x@example.com" in text["message"]


def test_trigger_body_per_airflow_major() -> None:
    assert "logical_date" not in dag_trigger.trigger_body("r", {}, "2.10.3")
    assert dag_trigger.trigger_body("r", {"a": 1}, "3.0.6") == {
        "dag_run_id": "r",
        "conf": {"a": 1},
        "logical_date": None,
    }


# -- against moto and the emulator -------------------------------------------------------
def test_lock_refuses_a_second_owner_and_expires(make_local: MakeLocal) -> None:
    local = make_local(seed=False)
    lock.acquire(BUCKET, ENV, OWNER, "pause", ttl_seconds=600)
    assert lock.acquire(BUCKET, ENV, OWNER, "pause", 600).owner == OWNER  # idempotent
    with pytest.raises(e.LockHeld, match=f"A pause of environment {ENV} is already running"):
        lock.acquire(BUCKET, ENV, "other", "resume", 600)
    assert lock.release(BUCKET, ENV, "other") is False
    local.clock.advance(601)
    assert lock.acquire(BUCKET, ENV, "other", "resume", 600).owner == "other"  # took over
    assert lock.release(BUCKET, ENV, OWNER) is False
    assert lock.release(BUCKET, ENV, "other") is True
    assert lock.holder(BUCKET, ENV) is None


def test_begin_returns_context_and_locks(make_local: MakeLocal) -> None:
    make_local(seed=False)
    out = begin.handler(
        {
            "workflow": "resume",
            "input": {"environment": ENV, "bucket": BUCKET, "timeout_minutes": 30},
            "execution": OWNER,
            "execution_name": "p-1",
            "started_at": "2026-11-25T17:02:00Z",
        }
    )
    assert out["owner"] == OWNER and out["run_id"] == f"mpr-{out['stamp']}"
    assert lock.holder(BUCKET, ENV) is not None
    with pytest.raises(e.LockHeld):
        begin.handler(
            {
                "workflow": "pause",
                "input": {"environment": ENV, "bucket": BUCKET},
                "execution": "x",
                "execution_name": "x",
                "started_at": "2026-11-25T17:03:00Z",
            }
        )


def test_the_lock_outlives_a_run_that_overruns_its_deadline(make_local: MakeLocal) -> None:
    """A run goes on after its deadline for one Wait (poll_seconds) and the longest handler
    (snapshot_verify); its lock must not expire meanwhile, or a second run takes it over."""
    from mwaa_pause_resume.infra.capabilities import HANDLERS as DEPLOYED

    make_local(seed=False)
    verify = DEPLOYED["snapshot_verify"].timeout_seconds
    for index, (timeout, poll) in enumerate([(5, 3600), (60, 600), (1440, 3600)]):
        name = f"{ENV}-{index}"
        begin.handler(
            {
                "workflow": "pause",
                "input": {
                    "environment": name,
                    "bucket": BUCKET,
                    "timeout_minutes": timeout,
                    "poll_seconds": poll,
                },
                "execution": f"{OWNER}-{index}",
                "execution_name": f"p-{index}",
                "started_at": "2026-11-25T17:02:00Z",
            }
        )
        held = lock.holder(BUCKET, name)
        assert held is not None
        assert held.expires_at - held.acquired_at >= timeout * 60 + poll + verify, (timeout, poll)


def test_snapshot_start_captures_environment(make_local: MakeLocal) -> None:
    local = make_local()
    out = snapshot_start.handler(
        {"environment": ENV, "bucket": BUCKET, "stamp": STAMP, "kms_key_id": None}
    )
    assert out == {"snapshot_id": STAMP, "location": f"s3://{BUCKET}/{ENV}/{STAMP}/"}
    captured = read_json(local, f"{ENV}/{STAMP}/environment.json")["Environment"]
    assert captured["Name"] == ENV and captured["Status"] == "AVAILABLE"
    request = environment_create.build_request(captured, ENV)
    assert "Arn" not in request and request["Name"] == ENV
    with pytest.raises(e.EnvironmentRequestInvalid, match="not 'other'"):
        environment_create.build_request(captured, "other")
    with pytest.raises(e.EnvironmentRequestInvalid, match="not known to this version"):
        environment_create.build_request({**captured, "Shiny": 1}, ENV)


def test_create_treats_a_refused_duplicate_of_its_own_create_as_done(
    make_local: MakeLocal, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A retried CreateEnvironment (the first call went through) is refused by MWAA as a
    duplicate: the run goes on polling, whatever MWAA's wording; a refusal while no
    environment of ours exists still fails."""
    local = make_local()
    snapshot_start.handler({"environment": ENV, "bucket": BUCKET, "stamp": STAMP})
    write_snapshot(f"s3://{BUCKET}/{ENV}/{STAMP}/", {})  # verified and signed, as at pause
    snapshot_verify.handler({"environment": ENV, "bucket": BUCKET, "snapshot_id": STAMP})
    event = {
        "environment": ENV,
        "bucket": BUCKET,
        "snapshot_id": STAMP,
        "deadline": clock.now() + 3600,
        "poll_timeout_minutes": 30,
    }
    # The emulator refuses the duplicate as MWAA does (ValidationException).
    assert environment_create.handler(event)["deadline"] <= event["deadline"]
    mwaa = aws.client("mwaa")
    for status, wording, accepted in [
        ("CREATING", "Environment dev-env could not be created", True),
        ("CREATE_FAILED", "Invalid request", True),  # the poll reports MWAA's error
        ("DELETING", "Environment dev-env is being deleted", False),
    ]:
        local.mwaa.set_status(ENV, status)

        def refuse(message: str = wording, **request: Any) -> None:
            raise client_error("ValidationException", 400, message)

        monkeypatch.setattr(mwaa, "create_environment", refuse)
        if accepted:
            assert environment_create.handler(event)["deadline"] <= event["deadline"], status
        else:
            with pytest.raises(e.EnvironmentRequestInvalid, match="being deleted"):
                environment_create.handler(event)


def test_pointer_select_and_complete(make_local: MakeLocal) -> None:
    local = make_local(seed=False)
    with pytest.raises(e.NoSnapshot, match="nothing to resume from"):
        snapshot_pointer.handler({"action": "select", "environment": ENV, "bucket": BUCKET})
    with pytest.raises(e.EnvironmentNotFound, match="nothing to pause"):
        snapshot_pointer.handler(
            {"action": "select", "environment": ENV, "bucket": BUCKET, "purpose": "pause"}
        )
    with pytest.raises(e.SnapshotNotFound, match=STAMP):
        snapshot_pointer.handler(
            {"action": "select", "environment": ENV, "bucket": BUCKET, "snapshot_id": STAMP}
        )
    snapshot_pointer.handler(
        {"action": "complete", "environment": ENV, "bucket": BUCKET, "snapshot_id": STAMP}
    )
    assert read_json(local, f"{ENV}/latest.json")["snapshot_id"] == STAMP
    chosen = snapshot_pointer.handler({"action": "select", "environment": ENV, "bucket": BUCKET})
    assert chosen == {"snapshot_id": STAMP, "location": f"s3://{BUCKET}/{ENV}/{STAMP}/"}


def test_verify_accepts_a_good_snapshot_and_names_a_bad_file(make_local: MakeLocal) -> None:
    local = make_local(seed=False)
    write_snapshot(f"s3://{BUCKET}/{ENV}/{STAMP}/", {"etl_daily": False})
    event = {"environment": ENV, "bucket": BUCKET, "snapshot_id": STAMP}
    assert snapshot_verify.handler(event)["verified"] is True
    local.client("s3").delete_object(Bucket=BUCKET, Key=f"{ENV}/{STAMP}/tables/slot_pool.csv.gz")
    with pytest.raises(e.SnapshotInvalid, match=r"slot_pool\.csv\.gz .* is missing"):
        snapshot_verify.handler(event)


def _emptied(manifest: dict[str, Any]) -> None:
    manifest["tables"] = {}


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (_emptied, r"lists 0 table\(s\); an export of schema revision 5f2621c13b39"),
        (
            lambda m: m.update(alembic_revision="0123456789ab"),
            "not that of a supported Airflow version",
        ),
    ],
    ids=["empty tables map", "unknown schema"],
)
def test_verify_refuses_a_snapshot_mwaa_could_not_restore(
    make_local: MakeLocal, edit: Callable[[dict[str, Any]], None], reason: str
) -> None:
    """The gate before DeleteEnvironment (issue 13): a manifest listing no table used to
    verify as "0 files"; a schema revision of no supported Airflow could never be
    restored into the environment the workflow re-creates."""
    local = make_local(seed=False)
    write_snapshot(f"s3://{BUCKET}/{ENV}/{STAMP}/", {"etl_daily": False})
    s3 = local.client("s3")
    key = f"{ENV}/{STAMP}/manifest.json"
    manifest = json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    files = {t["file"] for t in manifest["tables"].values()}
    edit(manifest)
    for gone in files - {t["file"] for t in manifest["tables"].values()}:
        s3.delete_object(Bucket=BUCKET, Key=f"{ENV}/{STAMP}/{gone}")  # its file goes too
    s3.put_object(Bucket=BUCKET, Key=key, Body=json.dumps(manifest).encode())
    event = {"environment": ENV, "bucket": BUCKET, "snapshot_id": STAMP}
    with pytest.raises(e.SnapshotInvalid, match=reason):
        snapshot_verify.handler(event)


def test_retention_deletes_old_snapshots(make_local: MakeLocal) -> None:
    local = make_local(seed=False)
    ids = ["20260101T000000Z-aaaa", "20260102T000000Z-bbbb", "20260103T000000Z-cccc"]
    for snapshot_id in ids:
        write_snapshot(f"s3://{BUCKET}/{ENV}/{snapshot_id}/", {})
        snapshot_pointer.complete(BUCKET, ENV, snapshot_id)
    snapshot_pointer.complete(BUCKET, ENV, ids[0])  # latest.json -> the oldest (a chosen resume)
    out = snapshot_retention.handler({"environment": ENV, "bucket": BUCKET, "retention": 1})
    assert out == {"kept": [ids[2], ids[0]], "deleted": [ids[1]]}
    assert not [k for k in s3_keys(local) if ids[1] in k]
    assert [k for k in s3_keys(local) if ids[0] in k]


def test_trigger_and_run_state_against_the_emulator(make_local: MakeLocal) -> None:
    failing = RunScript(state="failed", polls=1, failed_tasks=("export",))
    airflow = ContractAirflow(dag_specs(export=failing, import_hidden=1))
    local = make_local(airflow)
    deadline = local.clock() + 60
    with pytest.raises(e.DagNotParsedYet):
        dag_trigger.handler({**AUTHORIZE_IMPORT, "dag_id": IMPORT_DAG, "deadline": deadline})
    event = {
        "environment": ENV,
        "dag_id": EXPORT_DAG,
        "run_id": "r1",
        "deadline": deadline,
        "conf": {"snapshot": f"s3://{BUCKET}/{ENV}/{STAMP}/"},
        "airflow_version": "2.10.3",
        "authorize": "export",
    }
    assert dag_trigger.handler(event) == {"dag_id": EXPORT_DAG, "run_id": "r1"}
    assert dag_trigger.handler(event) == {"dag_id": EXPORT_DAG, "run_id": "r1"}  # 409 tolerated
    poll = {"environment": ENV, "dag_id": EXPORT_DAG, "run_id": "r1", "deadline": deadline}
    assert dag_run_state.handler(poll)["done"] is False
    with pytest.raises(e.DagRunFailed, match="at step export: OperationalError: disk full"):
        dag_run_state.handler(poll)
    with pytest.raises(e.DagNotParsed, match=f"DAG missing is not in environment {ENV}. Check"):
        dag_trigger.handler(
            {
                "environment": ENV,
                "dag_id": "missing",
                "run_id": "r",
                "deadline": deadline,
                "wait_for_parse": False,
                "authorize": "import",
                "conf": {"snapshot": f"s3://{BUCKET}/{ENV}/{STAMP}/"},
            }
        )
    local.clock.advance(120)
    with pytest.raises(e.DagNotParsed, match="waited until the deadline"):
        dag_trigger.handler(
            {**AUTHORIZE_IMPORT, "dag_id": "missing", "run_id": "r", "deadline": deadline}
        )


def test_run_state_times_out(make_local: MakeLocal) -> None:
    local = make_local(ContractAirflow(dag_specs(export=RunScript(polls=100))))
    event: dict[str, Any] = {
        "environment": ENV,
        "dag_id": EXPORT_DAG,
        "run_id": "r1",
        "deadline": local.clock() + 10,
        "conf": {"snapshot": f"s3://{BUCKET}/{ENV}/{STAMP}/"},
        "authorize": "export",
    }
    dag_trigger.handler(event)
    assert dag_run_state.handler(event)["state"] == "running"
    local.clock.advance(11)
    with pytest.raises(e.DagRunTimedOut, match="still running at the deadline"):
        dag_run_state.handler(event)


def test_delete_is_idempotent_and_returns_loop_deadline(make_local: MakeLocal) -> None:
    local = make_local()
    event = {"environment": ENV, "deadline": local.clock() + 3600, "poll_timeout_minutes": 10}
    out = environment_delete.handler(event)
    assert out["deadline"] == pytest.approx(local.clock() + 600)
    environment_delete.handler(event)  # DELETING or gone: fine
    assert environment_status.handler(
        {"environment": ENV, "wait_for": "GONE", "deadline": out["deadline"]}
    )["done"]


def test_notification_attributes_drive_per_address_filters(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Published attributes match the filter policies the stack gives each address."""
    import boto3
    from moto import mock_aws

    from mwaa_pause_resume.config.model import EnvironmentConfig
    from mwaa_pause_resume.infra.notifications import subscription_filters

    def env(name: str, email: str) -> EnvironmentConfig:
        return EnvironmentConfig(
            name=name,
            source_bucket="b",
            execution_role_arn="arn:aws:iam::123456789012:role/r",
            pause_schedule="0 20 ? * MON-FRI *",
            resume_schedule="0 6 ? * MON-FRI *",
            notification_emails=(email,),
        )

    filters = subscription_filters([env("dev-a", "a@example.com"), env("dev-b", "b@example.com")])
    with mock_aws():
        monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
        sns, sqs = boto3.client("sns"), boto3.client("sqs")
        topic = sns.create_topic(Name="notify")["TopicArn"]
        queues = {}
        for email, policy in filters.items():
            url = sqs.create_queue(QueueName=email.split("@")[0])["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
            sns.subscribe(
                TopicArn=topic,
                Protocol="sqs",
                Endpoint=arn["Attributes"]["QueueArn"],
                Attributes={
                    "FilterPolicy": json.dumps(policy),
                    "FilterPolicyScope": "MessageAttributes",
                    "RawMessageDelivery": "true",
                },
            )
            queues[email] = url
        monkeypatch.setenv("NOTIFICATION_TOPIC_ARN", topic)
        notification.handler(
            {
                "detail": {
                    "status": "FAILED",
                    "stateMachineArn": "arn:aws:states:eu-west-1:1:stateMachine:PauseWorkflow",
                    "input": json.dumps({"environment": "dev-a"}),
                }
            }
        )
        got = {
            email: len(sqs.receive_message(QueueUrl=url).get("Messages", []))
            for email, url in queues.items()
        }
    assert got == {"a@example.com": 1, "b@example.com": 0}


def test_a_failed_step_is_a_failure_only_once_the_run_has_finished(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The failing step writes its note at once; the export DAG's cleanup task still has to
    put the paused states back. Ending the workflow then would release the lock with the
    DAGs still paused (found by the sandbox under Airflow's real scheduler)."""
    note = {"status": "failed", "step": "export", "error": "WrongKey: no such key"}
    runs = iter([{"state": "running", "note": note}, {"state": "failed", "note": note}])
    monkeypatch.setattr(dag_run_state, "get_run", lambda *args: next(runs))
    monkeypatch.setattr(dag_run_state, "failed_tasks", lambda *args: ["export"])
    poll = {"environment": ENV, "dag_id": EXPORT_DAG, "run_id": "r1", "deadline": 4e9}
    assert dag_run_state.handler(poll) == {"state": "running", "done": False, "note": note}
    with pytest.raises(e.DagRunFailed, match="at step export: WrongKey: no such key"):
        dag_run_state.handler(poll)


@pytest.mark.parametrize(
    ("note", "unpaused_by_workflow"),
    [
        ({"status": "failed", "step": "export", "error": "x", "paused_restored": 1}, False),
        ({"status": "failed", "step": "export", "error": "x"}, True),  # cleanup never ran
    ],
)
def test_after_a_failed_export_run_the_workflow_unpauses_unless_the_dag_did(
    monkeypatch: pytest.MonkeyPatch, note: dict[str, Any], unpaused_by_workflow: bool
) -> None:
    unpaused: list[list[str]] = []
    monkeypatch.setattr(failure, "get_run", lambda *args: {"state": "failed", "note": note})
    monkeypatch.setattr(failure, "paused_by_export", lambda state: ["etl_daily"])
    monkeypatch.setattr(
        failure, "restore_paused_states", lambda env, ids: unpaused.append(ids) or []
    )
    monkeypatch.setattr(failure.lock, "release", lambda *args: True)
    state = {
        "ctx": {"environment": ENV, "bucket": BUCKET},
        "run": {"dag_id": EXPORT_DAG, "run_id": "r1"},
        "error": {"Error": "DagRunFailed", "Cause": "DAG run failed"},
    }
    out = failure.handler({"workflow": "pause", "execution": "arn:x", "state": state})
    assert unpaused == ([["etl_daily"]] if unpaused_by_workflow else [])
    assert ("DAGs unpaused again: etl_daily" in out["cause"]) is unpaused_by_workflow
