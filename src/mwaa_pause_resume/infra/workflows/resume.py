"""The resume workflow: re-create the environment from a snapshot and restore its metadata.

PlanStart (a ready-by resume waits until ready-by minus its learned lead)
-> Scheduled? -> CheckRunGates (skip or proceed) -> Begin (validate, lock)
-> Inspect -> [exists: already running] -> SelectSnapshot
(latest.json or the chosen id) -> CreateEnvironment -> poll until AVAILABLE
-> TriggerImport (retried until the DAG is parsed) -> poll the import run
-> [update_after_restore: UpdateEnvironment -> poll until AVAILABLE]
-> ApplyRetention -> RecordTiming -> release the lock. A failure keeps every snapshot.
The output carries the import run's note (``import``), with its restore summary.
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


def ready_by_start(b: StateBuilder, begin: sfn.IChainable) -> sfn.IChainable:
    """Before Begin: time the resume (functions.resume_timing) and, for a ready-by
    resume, wait until it must start. Before the lock, so the wait holds nothing;
    no catch: it never fails for bad input (Begin refuses that)."""
    timing = b.task(
        "PlanStart", "resume_timing", {"action": "plan", "input.$": "$"}, "$.timing", catch=False
    )
    wait = sfn.Wait(
        b.scope, "WaitForReadyByStart", time=sfn.WaitTime.seconds_path("$.timing.wait_seconds")
    )
    return timing.next(
        sfn.Choice(b.scope, "StartLater?")
        .when(sfn.Condition.number_greater_than("$.timing.wait_seconds", 0), wait.next(begin))
        .otherwise(begin)
    )


def build_resume(scope: Construct, functions: Mapping[str, lambda_.IFunction]) -> sfn.IChainable:
    b = StateBuilder(scope, "resume", functions)
    begin = b.begin()
    inspect = b.task(
        "Inspect",
        "environment_status",
        {
            "environment.$": "$.ctx.environment",
            "accept": ["AVAILABLE", "NOT_FOUND", "DELETED"],
            "purpose": "a resume",
        },
        "$.env",
    )
    already_running = b.release("ReleaseLockAlreadyRunning").next(
        b.done("AlreadyRunning", "already_running", None)
    )
    select = b.task(
        "SelectSnapshot",
        "snapshot_pointer",
        {
            "action": "select",
            "environment.$": "$.ctx.environment",
            "bucket.$": "$.ctx.bucket",
            "snapshot_id.$": "$.ctx.snapshot_id",
        },
        "$.snapshot",
    )
    # airflow_version: the version to create (null: the snapshot's); a downgrade fails here,
    # before anything is created. The output names both versions for the import's conf.
    create = b.task(
        "CreateEnvironment",
        "environment_create",
        {**loop_payload(), "airflow_version.$": "$.ctx.airflow_version"},
        "$.poll",
    )
    wait_created = b.wait("WaitForCreation")
    creation_state = b.task(
        "CreationState", "environment_status", wait_for_payload("AVAILABLE"), "$.env"
    )
    trigger = b.task(
        "TriggerImport",
        "dag_trigger",
        {
            "environment.$": "$.ctx.environment",
            "dag_id.$": "$.ctx.import_dag_id",
            "run_id.$": "$.ctx.run_id",
            "airflow_version.$": "$.env.airflow_version",
            "deadline.$": "$.ctx.deadline",
            "wait_for_parse": True,
            "authorize": "import",  # the DAG refuses runs without the function's authorization
            "conf": {
                "snapshot.$": "$.snapshot.location",
                "kms_key_id.$": "$.ctx.kms_key_id",
                "missed_runs.$": "$.ctx.missed_runs",
                "source_airflow_version.$": "$.poll.source_airflow_version",
                "target_airflow_version.$": "$.poll.target_airflow_version",
            },
        },
        "$.run",
    )
    retry_until_parsed(trigger)
    wait_import = b.wait("WaitForImport")
    import_state = b.task(
        "ImportRunState",
        "dag_run_state",
        {
            "environment.$": "$.ctx.environment",
            "dag_id.$": "$.run.dag_id",
            "run_id.$": "$.run.run_id",
            "deadline.$": "$.ctx.deadline",
        },
        "$.import",
    )
    update = b.task("UpdateEnvironment", "environment_update", loop_payload(), "$.poll")
    wait_updated = b.wait("WaitForUpdate")
    update_state = b.task(
        "UpdateState", "environment_status", wait_for_payload("AVAILABLE"), "$.env"
    )
    retention = b.task(
        "ApplyRetention",
        "snapshot_retention",
        {
            "environment.$": "$.ctx.environment",
            "bucket.$": "$.ctx.bucket",
            "retention.$": "$.ctx.retention",
        },
        "$.retention",
    )
    finish = (
        retention.next(record_timing(b, "resume"))
        .next(b.release("ReleaseLock"))
        .next(
            # The import run's note (its restore summary): for the notification and `status`;
            # the measured timing: for the notification, the metrics and `report`.
            b.done(
                "Resumed",
                "resumed",
                "$.snapshot.snapshot_id",
                {"import": "$.import.note", "timing": "$.timing_result"},
            )
        )
    )

    updated = (
        sfn.Choice(scope, "Updated?")
        .when(sfn.Condition.boolean_equals("$.env.done", True), finish)
        .otherwise(wait_updated)
    )
    wait_updated.next(update_state).next(updated)
    update_wanted = (
        sfn.Choice(scope, "UpdateAfterRestore?")
        .when(
            sfn.Condition.boolean_equals("$.ctx.update_after_restore", True),
            update.next(wait_updated),
        )
        .otherwise(finish)
    )
    imported = (
        sfn.Choice(scope, "Imported?")
        .when(sfn.Condition.boolean_equals("$.import.done", True), update_wanted)
        .otherwise(wait_import)
    )
    wait_import.next(import_state).next(imported)
    created = (
        sfn.Choice(scope, "Created?")
        .when(sfn.Condition.boolean_equals("$.env.done", True), trigger.next(wait_import))
        .otherwise(wait_created)
    )
    wait_created.next(creation_state).next(created)
    exists = (
        sfn.Choice(scope, "Exists?")
        .when(sfn.Condition.boolean_equals("$.env.exists", True), already_running)
        .otherwise(select.next(create).next(wait_created))
    )
    # The gates after the ready-by wait: an override set while it waits still holds.
    return ready_by_start(b, b.gated(begin.next(inspect).next(exists)))
