"""CloudWatch metrics of a finished pause or resume (EventBridge "Step Functions
Execution Status Change" event of either state machine), per environment.

Namespace :data:`METRICS_NAMESPACE`, dimensions ``Deployment`` (the stack name: two
deployments in one account keep apart), ``Environment`` and ``Workflow`` (pause /
resume): ``Succeeded`` and ``Failed`` (1 or 0; FAILED, TIMED_OUT and ABORTED
are failures), ``Duration`` (seconds: a ready-by resume's from its start after the
wait, as measured by the workflow), for a resume ``PausedSeconds`` (since the pause
before it) and, for a ready-by resume, ``Late`` (1 or 0). The dashboard
(infra/dashboard.py) graphs them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from mwaa_pause_resume.functions import aws, settings
from mwaa_pause_resume.functions.notification import workflow_of
from mwaa_pause_resume.functions.ownership import deployment_id

METRICS_NAMESPACE = "MwaaPauseResume"
TERMINAL = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})
MEASURED_OUTCOMES = frozenset({"paused", "resumed"})  # runs that did the work


def _json(value: Any) -> dict[str, Any]:
    try:
        parsed = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def metric_data(event: dict[str, Any]) -> list[dict[str, Any]]:
    """PutMetricData's MetricData for the event (empty: nothing to count)."""
    detail = event.get("detail") or {}
    status = str(detail.get("status") or "")
    environment = _json(detail.get("input")).get("environment")
    if status not in TERMINAL or not settings.is_environment_name(environment):
        return []
    output = _json(detail.get("output"))
    if output.get("outcome") == "duplicate_delivery":  # a second delivery, not a run
        return []
    workflow = workflow_of(str(detail.get("stateMachineArn") or ""))
    dimensions = [
        {"Name": "Deployment", "Value": deployment_id() or "local"},
        {"Name": "Environment", "Value": str(environment)},
        {"Name": "Workflow", "Value": workflow},
    ]
    stop = detail.get("stopDate")
    when = (
        datetime.fromtimestamp(stop / 1000, UTC)
        if isinstance(stop, int | float)
        else datetime.now(UTC)
    )

    def metric(name: str, value: float, unit: str) -> dict[str, Any]:
        return {
            "MetricName": name,
            "Dimensions": dimensions,
            "Timestamp": when,
            "Value": float(value),
            "Unit": unit,
        }

    succeeded = status == "SUCCEEDED"
    data = [
        metric("Succeeded", int(succeeded), "Count"),
        metric("Failed", int(not succeeded), "Count"),
    ]
    if not succeeded or output.get("outcome") not in MEASURED_OUTCOMES:
        return data
    timing = _json(output.get("timing"))
    duration = timing.get("duration_seconds")
    start = detail.get("startDate")
    if not isinstance(duration, int | float) and isinstance(start, int | float) and stop:
        duration = (stop - start) / 1000
    if isinstance(duration, int | float):
        data.append(metric("Duration", duration, "Seconds"))
    if isinstance(timing.get("paused_seconds"), int | float):
        data.append(metric("PausedSeconds", timing["paused_seconds"], "Seconds"))
    if timing.get("ready_by_at") is not None:
        data.append(metric("Late", int(bool(timing.get("late"))), "Count"))
    return data


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    data = metric_data(event)
    if data:
        try:
            aws.client("cloudwatch").put_metric_data(Namespace=METRICS_NAMESPACE, MetricData=data)
        except Exception as exc:
            raise aws.translate(exc, "put the workflow metrics") from exc
    return {"metrics": [d["MetricName"] for d in data]}
