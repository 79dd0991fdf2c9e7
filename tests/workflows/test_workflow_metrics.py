"""The metrics of a finished execution (functions.metrics), put to CloudWatch in moto."""

from __future__ import annotations

import json
from typing import Any

import boto3
from moto import mock_aws

from mwaa_pause_resume.functions import aws, metrics

RESUME = "arn:aws:states:us-east-1:123456789012:stateMachine:WorkflowsResumeWorkflow-X"
PAUSE = "arn:aws:states:us-east-1:123456789012:stateMachine:WorkflowsPauseWorkflow-X"


def event(status: str, machine: str, output: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "detail": {
            "status": status,
            "stateMachineArn": machine,
            "input": json.dumps({"environment": "dev", "bucket": "b"}),
            "output": json.dumps(output) if output is not None else None,
            "startDate": 1_800_000_000_000,
            "stopDate": 1_800_003_600_000,
        }
    }


def values(data: list[dict[str, Any]]) -> dict[str, float]:
    return {d["MetricName"]: d["Value"] for d in data}


def test_a_late_resume_is_measured_from_its_start_after_the_wait() -> None:
    timing = {"duration_seconds": 2400, "paused_seconds": 36000, "ready_by_at": 1.0, "late": True}
    data = metrics.metric_data(event("SUCCEEDED", RESUME, {"outcome": "resumed", "timing": timing}))
    assert values(data) == {
        "Succeeded": 1,
        "Failed": 0,
        "Duration": 2400,  # not the execution's hour, which includes the ready-by wait
        "PausedSeconds": 36000,
        "Late": 1,
    }
    assert data[0]["Dimensions"] == [
        {"Name": "Deployment", "Value": "local"},  # no stack set MWAA_PAUSE_RESUME_DEPLOYMENT
        {"Name": "Environment", "Value": "dev"},
        {"Name": "Workflow", "Value": "resume"},
    ]


def test_failures_count_and_second_deliveries_do_not() -> None:
    assert values(metrics.metric_data(event("TIMED_OUT", PAUSE, None))) == {
        "Succeeded": 0,
        "Failed": 1,
    }
    assert metrics.metric_data(event("SUCCEEDED", PAUSE, {"outcome": "duplicate_delivery"})) == []
    assert metrics.metric_data(event("RUNNING", PAUSE, None)) == []
    paused = metrics.metric_data(event("SUCCEEDED", PAUSE, {"outcome": "paused"}))
    assert values(paused)["Duration"] == 3600  # a pause: the execution's own duration


def test_the_handler_puts_them_in_the_namespace(monkeypatch: Any) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        aws.reset_clients()
        try:
            answer = metrics.handler(event("FAILED", RESUME, None))
            listed = boto3.client("cloudwatch").list_metrics(Namespace=metrics.METRICS_NAMESPACE)
        finally:
            aws.reset_clients()
    assert answer == {"metrics": ["Succeeded", "Failed"]}
    assert sorted(m["MetricName"] for m in listed["Metrics"]) == ["Failed", "Succeeded"]


def test_the_notification_of_a_late_resume_says_so() -> None:
    from mwaa_pause_resume.functions.notification import format_notification

    timing = {"late": True, "late_seconds": 720, "ready_by_at": 1.0}
    text = format_notification(event("SUCCEEDED", RESUME, {"outcome": "resumed", "timing": timing}))
    assert text["subject"] == "MWAA resume of dev: SUCCEEDED, late"
    assert "Late:        ready 12 min after its ready-by time" in text["message"]
    on_time = format_notification(
        event("SUCCEEDED", RESUME, {"outcome": "resumed", "timing": {"late": False}})
    )
    assert "late" not in on_time["subject"] and "Late:" not in on_time["message"]


def test_the_deployment_is_a_dimension_so_dashboards_keep_apart(monkeypatch: Any) -> None:
    """Two deployments in one account: each dashboard's SEARCH names its own stack."""
    from mwaa_pause_resume.functions.ownership import DEPLOYMENT_VARIABLE

    monkeypatch.setenv(DEPLOYMENT_VARIABLE, "mpr-team-a")
    data = metrics.metric_data(event("SUCCEEDED", PAUSE, {"outcome": "paused"}))
    assert {"Name": "Deployment", "Value": "mpr-team-a"} in data[0]["Dimensions"]
