"""The synthesized definitions: what the CDK app deploys and the tests execute."""

from __future__ import annotations

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


def tasks(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n: s for n, s in definition["States"].items() if s["Type"] == "Task"}


def test_both_workflows_start_by_taking_the_lock(definitions: dict[str, dict[str, Any]]) -> None:
    assert set(definitions) == {"pause", "resume"}
    for workflow, definition in definitions.items():
        begin = definition["States"][definition["StartAt"]]
        assert begin["Resource"] == policy.placeholder_arn("begin"), workflow
        assert definition["TimeoutSeconds"] == policy.STATE_MACHINE_TIMEOUT_HOURS * 3600


def test_every_task_retries_transient_errors_and_fails_readably(
    definitions: dict[str, dict[str, Any]],
) -> None:
    for workflow, definition in definitions.items():
        for name, state in tasks(definition).items():
            retried = {err for r in state["Retry"] for err in r["ErrorEquals"]}
            assert {"AwsThrottled", "AwsUnavailable"} <= retried, (workflow, name)
            if name == "CleanUpAfterFailure":
                assert state["Catch"][0]["Next"] == "FailedWithoutCleanUp"
            else:
                assert state["Catch"] == [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "ResultPath": "$.error",
                        "Next": "CleanUpAfterFailure",
                    }
                ], (workflow, name)
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
        waits = [s for s in definition["States"].values() if s["Type"] == "Wait"]
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

    assert set(policy.FUNCTION_PERMISSIONS) == set(HANDLERS)


def test_construct_refuses_missing_functions() -> None:
    import aws_cdk as cdk

    from mwaa_pause_resume.infra.workflows.construct import PauseResumeWorkflows

    stack = cdk.Stack(cdk.App())
    with pytest.raises(ValueError, match="needs functions for: begin"):
        PauseResumeWorkflows(stack, "Workflows", functions={})
