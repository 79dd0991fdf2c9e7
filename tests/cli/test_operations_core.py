"""The pure core of the operator commands: history -> steps, prune plans, names."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from mwaa_pause_resume.operations.deployment import (
    execution_name,
    from_outputs,
    input_environment,
    input_snapshot,
)
from mwaa_pause_resume.operations.progress import outcome_text, parse_history
from mwaa_pause_resume.operations.snapshot_index import SnapshotInfo, index, prune_plan
from mwaa_pause_resume.operations.status import record_from

T0 = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)


def history(*states: tuple[str, dict[str, Any] | None]) -> list[dict[str, Any]]:
    """Entered/Exited events for each (state, output), one second apart."""
    events: list[dict[str, Any]] = []
    for i, (name, output) in enumerate(states):
        when = T0 + timedelta(seconds=i)
        events.append({"type": "TaskStateEntered", "timestamp": when,
                       "stateEnteredEventDetails": {"name": name}})  # fmt: skip
        details: dict[str, Any] = {"name": name}
        if output is not None:
            details["output"] = json.dumps(output)
        events.append({"type": "TaskStateExited", "timestamp": when + timedelta(milliseconds=500),
                       "stateExitedEventDetails": details})  # fmt: skip
    return events


def test_polling_loops_fold_into_one_step_with_the_latest_detail() -> None:
    events = history(
        ("Begin", None),
        ("Inspect", {"env": {"status": "AVAILABLE"}}),
        ("Exists?", None),
        ("TriggerExport", None),
        ("WaitForExport", None),
        ("ExportRunState", {"export": {"state": "queued"}}),
        ("Exported?", None),
        ("WaitForExport", None),
        ("ExportRunState", {"export": {"state": "running"}}),
    )

    progress = parse_history(events)

    assert [s.key for s in progress.steps] == ["check", "export"]
    export = progress.steps[-1]
    assert (export.polls, export.detail) == (2, "export DAG run running")
    assert progress.current is export
    assert progress.steps[0].ended == T0 + timedelta(seconds=3)


def test_failure_marks_the_step_and_keeps_the_readable_cause() -> None:
    events = history(("Begin", None), ("DeleteEnvironment", None), ("CleanUpAfterFailure", None))
    events.insert(4, {"type": "LambdaFunctionFailed", "timestamp": T0,
                      "lambdaFunctionFailedEventDetails": {
                          "error": "EnvironmentRequestInvalid",
                          "cause": json.dumps({"errorMessage": "MWAA said: busy"})}})  # fmt: skip
    events.append({"type": "ExecutionFailed", "timestamp": T0 + timedelta(seconds=9),
                   "executionFailedEventDetails": {
                       "error": "EnvironmentRequestInvalid",
                       "cause": "Pause of environment dev failed: MWAA said: busy"}})  # fmt: skip

    progress = parse_history(events, "FAILED")

    assert [s.failed for s in progress.steps] == [False, True, False]
    assert progress.cause == "Pause of environment dev failed: MWAA said: busy"
    assert outcome_text(progress, "dev").endswith("MWAA said: busy")


def test_unknown_states_still_show() -> None:
    progress = parse_history(history(("Begin", None), ("SomethingNew", None)))

    assert [s.label for s in progress.steps][-1] == "SomethingNew"


def snap(sid: str, *, complete: bool = True, latest: bool = False, in_use: bool = False) -> Any:
    return SnapshotInfo(sid, complete, latest, 3, 100, None, in_use)


def test_prune_plan_protects_latest_and_in_use() -> None:
    snapshots = [
        snap("20261104T000000Z-0004"),
        snap("20261103T000000Z-0003", complete=False),  # abandoned
        snap("20261102T000000Z-0002", in_use=True),
        snap("20261101T000000Z-0001", latest=True),
        snap("20261105T000000Z-0005", complete=False),  # a pause writing it now
    ]

    plan = prune_plan(snapshots, keep=1)

    assert plan.delete == ["20261103T000000Z-0003"]
    assert set(plan.protected) == {"20261101T000000Z-0001", "20261102T000000Z-0002"}
    assert "20261105T000000Z-0005" not in plan.delete


def test_index_reads_the_layout() -> None:
    objects = [
        {"Key": "dev/20261101T000000Z-0001/manifest.json", "Size": 10},
        {"Key": "dev/20261101T000000Z-0001/complete.json", "Size": 5},
        {"Key": "dev/20261102T000000Z-0002/environment.json", "Size": 7},
        {"Key": "dev/latest.json", "Size": 1},
        {"Key": "dev/lock.json", "Size": 1},
        {"Key": "dev/backup-old/x", "Size": 1},
        {"Key": "dev-other/20261101T000000Z-0009/complete.json", "Size": 1},
    ]

    found = index("dev", objects, "20261101T000000Z-0001")

    assert [(s.snapshot_id, s.complete, s.latest, s.bytes) for s in found] == [
        ("20261102T000000Z-0002", False, False, 7),
        ("20261101T000000Z-0001", True, True, 15),
    ]


def test_execution_names_fit_step_functions() -> None:
    name = execution_name("e" * 80, "resume", T0, tag="1a2b")

    assert len(name) == 80
    assert name.startswith("cli-resume-e") and name.endswith("-20261125T200000Z-1a2b")


def test_execution_names_differ_within_one_second() -> None:
    # Step Functions refuses a reused name: a retry in the same second must not collide.
    names = {execution_name("dev", "pause", T0) for _ in range(20)}

    assert len(names) > 1


def test_outputs_missing_say_to_deploy() -> None:
    try:
        from_outputs("tools", [{"OutputKey": "BackupBucketName", "OutputValue": "b"}])
    except Exception as exc:
        assert "PauseStateMachineArn" in str(exc)
        assert "deploy" in str(exc)
    else:
        raise AssertionError("missing outputs accepted")


def test_execution_json_nested_too_deeply_reads_as_unreadable() -> None:
    """Inputs and outputs are JSON from AWS; a RecursionError must not escape (issue 13)."""
    deep = "[" * 100_000
    assert input_environment(deep) is None and input_snapshot(deep) is None
    record = record_from(
        "pause",
        {"executionArn": "arn:x", "name": "n", "status": "SUCCEEDED", "startDate": T0,
         "input": deep, "output": deep},
    )  # fmt: skip
    assert record.environment is None and record.outcome is None
    events = history(("Begin", None))
    events[-1]["stateExitedEventDetails"]["output"] = deep
    assert len(parse_history(events).steps) == 1
