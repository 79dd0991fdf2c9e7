"""The synthesized definitions: what the CDK app deploys and the tests execute."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mwaa_pause_resume.functions import errors
from mwaa_pause_resume.infra.workflows import policy
from mwaa_pause_resume.infra.workflows.synth import (
    resolve_intrinsics,
    substitute_function_arns,
    synthesize_definitions,
)


@pytest.fixture(scope="module")
def definitions() -> dict[str, dict[str, Any]]:
    return synthesize_definitions()


LAMBDA_TRANSIENT = {
    "Lambda.ClientExecutionTimeoutException",
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
}


def tasks(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n: s for n, s in definition["States"].items() if s["Type"] == "Task"}


def test_both_workflows_start_by_taking_the_lock(definitions: dict[str, dict[str, Any]]) -> None:
    """Begin takes the lock first: at once for a run on demand, after the run gates (which
    write nothing) for a scheduled one."""
    assert set(definitions) == {"pause", "resume"}
    for workflow, definition in definitions.items():
        states = definition["States"]
        start = definition["StartAt"]
        if workflow == "resume":  # a ready-by resume first plans its start, locking nothing
            assert states[start]["Resource"] == policy.placeholder_arn("resume_timing")
            choice = states[states[start]["Next"]]
            assert choice["Default"] == "Scheduled?"
            assert states[choice["Choices"][0]["Next"]]["Next"] == "Scheduled?"
            start = "Scheduled?"
        scheduled = states[start]
        assert scheduled["Type"] == "Choice", workflow
        assert states[scheduled["Default"]]["Resource"] == policy.placeholder_arn("begin")
        gate = states[scheduled["Choices"][0]["Next"]]
        assert gate["Resource"] == policy.placeholder_arn("run_gate"), workflow
        proceed = states[states[gate["Next"]]["Default"]]
        begin = states[proceed["Next"]]
        assert begin["Resource"] == policy.placeholder_arn("begin"), workflow
        assert definition["TimeoutSeconds"] == policy.STATE_MACHINE_TIMEOUT_SECONDS


def test_the_state_machine_timeout_never_cuts_short_a_run_the_deadline_would_end(
    definitions: dict[str, dict[str, Any]],
) -> None:
    """TimeoutSeconds skips every Catch (no clean-up, no lock release): it must not fire
    before the longest run the input allows has failed through its own deadline, i.e. it
    is at least the longest lock lifetime (so the lock has expired when it fires)."""
    from mwaa_pause_resume.functions import begin, settings

    longest_run = begin.lock_ttl_seconds(settings.MAX_TIMEOUT_MINUTES, settings.MAX_POLL_SECONDS)
    assert longest_run >= settings.MAX_TIMEOUT_MINUTES * 60 + settings.MAX_POLL_SECONDS
    for workflow, definition in definitions.items():
        assert definition["TimeoutSeconds"] >= longest_run, workflow


def test_every_task_retries_transient_errors_and_fails_readably(
    definitions: dict[str, dict[str, Any]],
) -> None:
    for workflow, definition in definitions.items():
        for name, state in tasks(definition).items():
            retried = {err for r in state["Retry"] for err in r["ErrorEquals"]}
            assert {"AwsThrottled", "AwsUnavailable"} <= retried, (workflow, name)
            # The Lambda service's transient errors (AWS's recommended retry for Lambda
            # tasks; retry_on_service_exceptions is off, so they must be listed here).
            assert retried >= LAMBDA_TRANSIENT, (workflow, name)
            catch_all = {
                "ErrorEquals": ["States.ALL"],
                "ResultPath": "$.error",
                "Next": "CleanUpAfterFailure",
            }
            if name == "PlanStart":  # before the lock: nothing to clean up, never raises
                assert "Catch" not in state
            elif name == "CleanUpAfterFailure":
                assert state["Catch"][0]["Next"] == "FailedWithoutCleanUp"
            elif name == "Begin":  # a duplicate schedule delivery first, then everything
                assert state["Catch"] == [
                    {
                        "ErrorEquals": [errors.DuplicateDelivery.__name__],
                        "ResultPath": "$.error",
                        "Next": "DuplicateDelivery",
                    },
                    catch_all,
                ], workflow
                assert definition["States"]["DuplicateDelivery"]["End"] is True
            else:
                assert state["Catch"] == [catch_all], (workflow, name)
        fails = {n: s for n, s in definition["States"].items() if s["Type"] == "Fail"}
        assert fails["Failed"] == {
            "Type": "Fail",
            "ErrorPath": "$.failure.error",
            "CausePath": "$.failure.cause",
        }


def test_dag_triggers_wait_for_parsing(definitions: dict[str, dict[str, Any]]) -> None:
    for workflow, name in (("pause", "TriggerExport"), ("resume", "TriggerImport")):
        retries = definitions[workflow]["States"][name]["Retry"]
        assert any(r["ErrorEquals"] == [errors.DagNotParsedYet.__name__] for r in retries)


def test_the_import_gets_the_policy_and_the_resume_passes_its_note_on(
    definitions: dict[str, dict[str, Any]],
) -> None:
    states = definitions["resume"]["States"]
    conf = states["TriggerImport"]["Parameters"]["conf"]
    assert conf == {
        "snapshot.$": "$.snapshot.location",
        "kms_key_id.$": "$.ctx.kms_key_id",
        "missed_runs.$": "$.ctx.missed_runs",  # the input's, defaulted by Begin
        # CreateEnvironment's: the snapshot's Airflow and the one it created (upgrades).
        "source_airflow_version.$": "$.poll.source_airflow_version",
        "target_airflow_version.$": "$.poll.target_airflow_version",
    }
    assert states["CreateEnvironment"]["Parameters"]["airflow_version.$"] == (
        "$.ctx.airflow_version"
    )
    assert states["Resumed"]["Parameters"]["import.$"] == "$.import.note"
    assert "import.$" not in states["AlreadyRunning"]["Parameters"]  # no import ran


def test_pause_deletes_only_after_marking_complete(definitions: dict[str, dict[str, Any]]) -> None:
    states = definitions["pause"]["States"]
    assert states["VerifySnapshot"]["Next"] == "MarkSnapshotComplete"
    assert states["MarkSnapshotComplete"]["Next"] == "DeleteEnvironment"
    # DeleteEnvironment is reached from nowhere else.
    sources = [n for n, s in states.items() if s.get("Next") == "DeleteEnvironment"]
    choices = [
        n
        for n, s in states.items()
        if any(c["Next"] == "DeleteEnvironment" for c in s.get("Choices", []))
        or s.get("Default") == "DeleteEnvironment"
    ]
    assert sources == ["MarkSnapshotComplete"] and choices == []


def test_waits_use_the_poll_frequency_from_the_input(
    definitions: dict[str, dict[str, Any]],
) -> None:
    for definition in definitions.values():
        waits = [
            s
            for n, s in definition["States"].items()
            if s["Type"] == "Wait" and n not in ("PostponeWhileBusy", "WaitForReadyByStart")
        ]
        assert waits and all(
            w == {"Type": "Wait", "SecondsPath": "$.ctx.poll_seconds", "Next": w["Next"]}
            for w in waits
        )


def test_function_arns_are_substituted(definitions: dict[str, dict[str, Any]]) -> None:
    arn = "arn:aws:lambda:eu-west-1:111122223333:function:real-begin"
    out = substitute_function_arns(definitions["pause"], {"begin": arn})
    assert out["States"]["Begin"]["Resource"] == arn
    assert definitions["pause"]["States"]["Begin"]["Resource"] == policy.placeholder_arn("begin")


def test_resolve_intrinsics() -> None:
    value = {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":x:", {"Fn::GetAtt": ["Fn", "Arn"]}]]
    }
    assert resolve_intrinsics(value) == "arn:aws:x:${Fn.Arn}"
    with pytest.raises(ValueError, match="cannot resolve"):
        resolve_intrinsics({"Fn::Sub": "x"})


def test_every_function_has_its_permissions_listed() -> None:
    from mwaa_pause_resume.functions import HANDLERS
    from mwaa_pause_resume.infra.capabilities import HANDLERS as GRANTS

    assert set(GRANTS) == set(HANDLERS)
    assert all(GRANTS[key].capabilities for key in HANDLERS)


def test_construct_refuses_missing_functions() -> None:
    import aws_cdk as cdk

    from mwaa_pause_resume.infra.workflows.construct import PauseResumeWorkflows

    stack = cdk.Stack(cdk.App())
    with pytest.raises(ValueError, match="needs functions for: begin"):
        PauseResumeWorkflows(stack, "Workflows", functions={})


def _edges(state: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, next state) of every transition out of a state."""
    out = [("next", state["Next"])] if "Next" in state else []
    out += [
        (f"choice:{json.dumps(c, sort_keys=True)}", c["Next"]) for c in state.get("Choices", [])
    ]
    out += [("default", state["Default"])] if "Default" in state else []
    out += [("catch", c["Next"]) for c in state.get("Catch", [])]
    return out


def _paths(definition: dict[str, Any], target: str) -> list[list[tuple[str, str]]]:
    """Every loop-free path from StartAt to ``target`` as [(state, label of the edge taken)]."""
    states, found = definition["States"], []

    def walk(name: str, path: list[tuple[str, str]], seen: frozenset[str]) -> None:
        if name == target:
            found.append(path)
            return
        for label, nxt in _edges(states[name]):
            if nxt not in seen:
                walk(nxt, [*path, (name, label)], seen | {nxt})

    walk(definition["StartAt"], [], frozenset({definition["StartAt"]}))
    return found


def test_every_path_to_delete_goes_through_a_finished_export_and_a_verified_snapshot(
    definitions: dict[str, dict[str, Any]],
) -> None:
    pause = definitions["pause"]
    paths = _paths(pause, "DeleteEnvironment")
    assert paths
    for path in paths:
        names = [name for name, _ in path]
        # In order, each left by its success edge (never by a Catch).
        required = ["StartSnapshot", "TriggerExport", "ExportRunState", "Exported?"]
        required += ["VerifySnapshot", "MarkSnapshotComplete"]
        positions = [names.index(n) for n in required]
        assert positions == sorted(positions), names
        labels = dict(path)
        assert all(labels[n] != "catch" for n in required), path
        # Exported? lets the run on only for a finished, successful export run.
        assert labels["Exported?"].startswith("choice:"), path
        assert json.loads(labels["Exported?"].removeprefix("choice:")) == {
            "Variable": "$.export.done",
            "BooleanEquals": True,
            "Next": "VerifySnapshot",
        }
    assert "DeleteEnvironment" not in definitions["resume"]["States"]
    # The clean-up tells "deletion accepted" by the key only DeleteEnvironment writes.
    from mwaa_pause_resume.functions.failure import DELETION_STARTED

    writers = [
        n for n, s in pause["States"].items() if s.get("ResultPath") == f"$.{DELETION_STARTED}"
    ]
    assert writers == ["DeleteEnvironment"]


def test_every_end_after_the_lock_is_taken_releases_it(
    definitions: dict[str, dict[str, Any]],
) -> None:
    """Each terminal state is reached only through a lock release or the clean-up (which
    releases it), except the Fail that ends a run whose clean-up itself failed (the lock's
    TTL frees it) and failures of Begin, which took no lock."""
    releasers = {policy.placeholder_arn("lock_release"), policy.placeholder_arn("failure")}
    for workflow, definition in definitions.items():
        states = definition["States"]
        ends = [n for n, s in states.items() if s.get("End") or s["Type"] in ("Fail", "Succeed")]
        for end in ends:
            for path in _paths(definition, end):
                if ("Begin", "catch") in path or "Begin" not in {n for n, _ in path}:
                    continue  # no lock was taken (failed in Begin, or skipped by the gates)
                released = any(states[n].get("Resource") in releasers for n, _ in path)
                if end == "FailedWithoutCleanUp":
                    assert path[-1] == ("CleanUpAfterFailure", "catch"), path
                else:
                    assert released, (workflow, end, path)
