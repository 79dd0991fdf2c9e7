"""The pause workflow: snapshot the environment, verify, then delete it.

Scheduled? -> CheckRunGates (skip, postpone or proceed) -> Begin (validate, lock)
-> Inspect -> [gone: SelectLatest -> already paused]
-> StartSnapshot (environment.json) -> TriggerExport -> poll the export run
-> VerifySnapshot -> MarkComplete (latest.json) -> DeleteEnvironment
-> poll until gone -> RecordTiming -> release the lock. Nothing is deleted before MarkComplete.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from mwaa_pause_resume.infra.workflows.states import (
    StateBuilder,
    loop_payload,
    record_timing,
    retry_until_parsed,
    wait_for_payload,
)


def build_pause(scope: Construct, functions: Mapping[str, lambda_.IFunction]) -> sfn.IChainable:
    b = StateBuilder(scope, "pause", functions)
    begin = b.begin()
    inspect = b.task(
        "Inspect",
        "environment_status",
        {
            "environment.$": "$.ctx.environment",
            "accept": ["AVAILABLE", "NOT_FOUND", "DELETED"],
            "purpose": "a pause",
        },
        "$.env",
    )
    select_latest = b.task(
        "FindCompleteSnapshot",
        "snapshot_pointer",
        {
            "action": "select",
            "purpose": "pause",
            "environment.$": "$.ctx.environment",
            "bucket.$": "$.ctx.bucket",
            "snapshot_id": None,
        },
        "$.snapshot",
    )
    already_paused = select_latest.next(b.release("ReleaseLockAlreadyPaused")).next(
        b.done("AlreadyPaused", "already_paused", "$.snapshot.snapshot_id")
    )
    start_snapshot = b.task(
        "StartSnapshot",
        "snapshot_start",
        {
            "environment.$": "$.ctx.environment",
            "bucket.$": "$.ctx.bucket",
            "stamp.$": "$.ctx.stamp",
            "kms_key_id.$": "$.ctx.kms_key_id",
            # A configured version the resume would refuse fails here, before any delete.
            "airflow_version.$": "$.ctx.airflow_version",
        },
        "$.snapshot",
    )
    trigger = b.task(
        "TriggerExport",
        "dag_trigger",
        {
            "environment.$": "$.ctx.environment",
            "dag_id.$": "$.ctx.export_dag_id",
            "run_id.$": "$.ctx.run_id",
            "airflow_version.$": "$.env.airflow_version",
            "deadline.$": "$.ctx.deadline",
            "wait_for_parse": False,
            "authorize": "export",  # the DAG refuses runs without the function's authorization
            "conf": {
                "snapshot.$": "$.snapshot.location",
                "drain_timeout_minutes.$": "$.ctx.drain_timeout_minutes",
                "kms_key_id.$": "$.ctx.kms_key_id",
            },
        },
        "$.run",
    )
    retry_until_parsed(trigger)
    wait_export = b.wait("WaitForExport")
    export_state = b.task(
        "ExportRunState",
        "dag_run_state",
        {
            "environment.$": "$.ctx.environment",
            "dag_id.$": "$.run.dag_id",
            "run_id.$": "$.run.run_id",
            "deadline.$": "$.ctx.deadline",
        },
        "$.export",
    )
    verify = b.task(
        "VerifySnapshot",
        "snapshot_verify",
        {
            "environment.$": "$.ctx.environment",
            "bucket.$": "$.ctx.bucket",
            "snapshot_id.$": "$.snapshot.snapshot_id",
            "kms_key_id.$": "$.ctx.kms_key_id",  # for manifest.mac.json
        },
        None,
    )
    mark_complete = b.task(
        "MarkSnapshotComplete",
        "snapshot_pointer",
        {
            "action": "complete",
            "environment.$": "$.ctx.environment",
            "bucket.$": "$.ctx.bucket",
            "snapshot_id.$": "$.snapshot.snapshot_id",
            "kms_key_id.$": "$.ctx.kms_key_id",
        },
        None,
    )
    delete = b.task("DeleteEnvironment", "environment_delete", loop_payload(), "$.poll")
    wait_deleted = b.wait("WaitForDeletion")
    deletion_state = b.task(
        "DeletionState", "environment_status", wait_for_payload("GONE"), "$.env"
    )
    finish = (
        record_timing(b, "pause")
        .next(b.release("ReleaseLock"))
        .next(b.done("Paused", "paused", "$.snapshot.snapshot_id", {"timing": "$.timing_result"}))
    )

    deleted = (
        sfn.Choice(scope, "Deleted?")
        .when(sfn.Condition.boolean_equals("$.env.done", True), finish)
        .otherwise(wait_deleted)
    )
    exported = (
        sfn.Choice(scope, "Exported?")
        .when(
            sfn.Condition.boolean_equals("$.export.done", True),
            verify.next(mark_complete).next(delete).next(wait_deleted),
        )
        .otherwise(wait_export)
    )
    wait_deleted.next(deletion_state).next(deleted)
    wait_export.next(export_state).next(exported)
    exists = (
        sfn.Choice(scope, "Exists?")
        .when(sfn.Condition.boolean_equals("$.env.exists", False), already_paused)
        .otherwise(start_snapshot.next(trigger).next(wait_export))
    )
    return b.gated(begin.next(inspect).next(exists))
