"""Readable notification text for a pause/resume execution that changed status
(EventBridge "Step Functions Execution Status Change" event), published to SNS when
``NOTIFICATION_TOPIC_ARN`` is set.

A resume's output carries the import run's note (``import``); its restore summary
(:mod:`mwaa_pause_resume.metadata.restore_summary`) is shown: what was restored,
approximated and left out, the missed-runs policies applied, and the DAGs left paused
with the action to take (the subject says how many).

Output ``{"subject", "message"}``.

With ``CHAT_TOPIC_ARN`` set (Slack, Microsoft Teams or a webhook configured), the same
status change is also published there, written for a chat
(:mod:`mwaa_pause_resume.functions.chat_message`), when ``CHAT_ROUTES`` says the
environment wants that status: the e-mail text above is unchanged.
"""

from __future__ import annotations

import json
import os
from typing import Any

from mwaa_pause_resume.functions import aws, layout, settings
from mwaa_pause_resume.functions.chat_message import ChatFacts, chatbot_message, wants_chat
from mwaa_pause_resume.metadata.restore_summary import REPORT_FILE, summary_of_note

SUBJECT_LIMIT = 100  # SNS e-mail subjects
# Published as SNS message attributes so each address's subscription filter policy
# delivers only its own environments' configured statuses (infra/notifications.py).
# ``route`` ("<environment>/<status>") is what subscriptions filter on: one attribute keeps
# every address's filter policy at one key whatever its environments' notification types
# (SNS allows five keys per policy). ``environment`` and ``status`` are for other readers.
MESSAGE_ATTRIBUTES = ("environment", "status", "route")


def route(environment: str, status: str) -> str:
    """The ``route`` attribute: MWAA environment names cannot contain '/'."""
    return f"{environment}/{status}"


def workflow_of(state_machine_arn: str) -> str:
    """pause / resume, from the state machine name (the word that comes last wins:
    ``PauseResumeWorkflowsResumeWorkflow-...`` is the resume workflow)."""
    name = state_machine_arn.rsplit(":", 1)[-1].lower()
    positions = {w: name.rfind(w) for w in ("pause", "resume")}
    best = max(positions, key=lambda w: positions[w])
    return best if positions[best] >= 0 else "workflow"


def console_link(execution_arn: str) -> str:
    region = execution_arn.split(":")[3] if execution_arn.count(":") >= 4 else "us-east-1"
    return (
        f"https://{region}.console.aws.amazon.com/states/home?region={region}"
        f"#/v2/executions/details/{execution_arn}"
    )


def _json(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    try:
        parsed = json.loads(value) if isinstance(value, str) else {}
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _report_location(execution_input: dict[str, Any], output: dict[str, Any]) -> str | None:
    """Where the import wrote its full report (next to the snapshot), when known."""
    bucket, environment = execution_input.get("bucket"), output.get("environment")
    snapshot_id = output.get("snapshot_id")
    if not (isinstance(bucket, str) and settings.BUCKET_NAME.fullmatch(bucket)):
        return None
    if not (settings.is_environment_name(environment) and isinstance(snapshot_id, str)):
        return None
    if not layout.is_snapshot_id(snapshot_id):
        return None
    return layout.snapshot_url(bucket, str(environment), snapshot_id) + REPORT_FILE


def late_line(timing: dict[str, Any]) -> str | None:
    if not timing.get("late"):
        return None
    minutes = round(float(timing.get("late_seconds") or 0) / 60)
    return f"Late:        ready {minutes} min after its ready-by time"


def format_notification(event: dict[str, Any]) -> dict[str, str]:
    detail = event.get("detail") or {}
    status = str(detail.get("status") or "UNKNOWN")
    execution_arn = str(detail.get("executionArn") or "")
    workflow = workflow_of(str(detail.get("stateMachineArn") or ""))
    execution_input = _json(detail.get("input"))
    environment = str(execution_input.get("environment") or "?")
    if environment != "?" and not settings.is_environment_name(environment):
        environment = repr(environment)  # shown escaped: no line break in the subject
    output = _json(detail.get("output"))
    if status == "SUCCEEDED" and output.get("outcome") == "skipped":
        status = "SKIPPED"  # a run the gates held back (functions.run_gate): its own route
    note = _json(output.get("import"))
    summary = summary_of_note(note)
    lines = [
        f"Environment: {environment}",
        f"Workflow:    {workflow}",
        f"Status:      {status}",
    ]
    if output.get("outcome"):
        lines.append(f"Outcome:     {output['outcome']}")
    if output.get("snapshot_id"):
        lines.append(f"Snapshot:    {output['snapshot_id']}")
    upgraded = upgrade_line(note)
    if upgraded:
        lines.append(upgraded)
    if output.get("reason"):
        lines.append(f"Reason:      {' '.join(str(output['reason']).splitlines())}")
    if detail.get("error"):
        lines.append(f"Error:       {detail['error']}")
    if detail.get("cause"):
        lines.append(f"Cause:       {detail['cause']}")
    subject = f"MWAA {workflow} of {environment}: {status}"
    late = late_line(_json(output.get("timing")))
    if late:  # a ready-by resume that ended after its ready-by time
        lines.append(late)
        subject += ", late"
    if summary is not None:
        report = _report_location(execution_input, output) if note.get("report") else None
        # one line each: the note comes from the environment, which could hold anything
        shown = (" ".join(line.splitlines()) for line in summary.lines())
        lines += ["", "Restore summary:", *(f"  {line}" for line in shown)]
        if report:
            lines.append(f"  Full report: {report}")
        if summary.held_count:
            held = summary.held_count
            subject += f", {held} DAG{'s' if held != 1 else ''} left paused"
    if execution_arn:
        lines += ["", f"Execution: {console_link(execution_arn)}"]
    subject = subject[:SUBJECT_LIMIT]
    return {
        "subject": subject,
        "message": "\n".join(lines),
        "environment": environment,
        "status": status,
        "route": route(environment, status),
    }


CHANNELS = {
    "database": "by the new Airflow's own migrations",
    "rest-api": "through the REST API (Airflow 3 without task database access)",
}


def upgrade_line(note: dict[str, Any]) -> str | None:
    """``Upgraded: Airflow A -> B, ...`` when the import brought an older snapshot forward
    (its note's ``brought_forward``); None otherwise. The note comes from the environment:
    only short version strings and a known channel are shown, each on this one line."""
    moved = note.get("brought_forward")
    if not isinstance(moved, dict):
        return None
    source, target = (" ".join(str(moved.get(k, "?")).split())[:20] for k in ("from", "to"))
    how = CHANNELS.get(str(moved.get("channel")), "")
    return f"Upgraded:    Airflow {source} -> {target}" + (f", {how}" if how else "")


def _duration_seconds(detail: dict[str, Any]) -> int | None:
    """From the event's startDate and stopDate (epoch milliseconds); None while running."""
    start, stop = detail.get("startDate"), detail.get("stopDate")
    if isinstance(start, int | float) and isinstance(stop, int | float) and stop >= start:
        return round((stop - start) / 1000)
    return None


def chat_facts(event: dict[str, Any]) -> ChatFacts:
    """The facts of the status change, for the chat message."""
    detail = event.get("detail") or {}
    execution_input = _json(detail.get("input"))
    output = _json(detail.get("output"))
    environment = str(execution_input.get("environment") or "?")
    if environment != "?" and not settings.is_environment_name(environment):
        environment = repr(environment)
    summary = summary_of_note(_json(output.get("import")))
    top = [line for line in summary.lines() if not line.startswith(" ")] if summary else []
    error = ": ".join(str(detail.get(k)) for k in ("error", "cause") if detail.get(k))
    execution_arn = str(detail.get("executionArn") or "")
    return ChatFacts(
        environment=environment,
        action=workflow_of(str(detail.get("stateMachineArn") or "")),
        status=str(detail.get("status") or "UNKNOWN"),
        outcome=str(output["outcome"]) if output.get("outcome") else None,
        duration_seconds=_duration_seconds(detail),
        execution_url=console_link(execution_arn) if execution_arn else None,
        snapshot_id=str(output["snapshot_id"]) if output.get("snapshot_id") else None,
        error=error or None,
        restore_summary="; ".join(top) or None,
    )


def _publish(topic: str, **request: Any) -> None:
    try:
        aws.client("sns").publish(TopicArn=topic, **request)
    except Exception as exc:
        raise aws.translate(exc, f"publish to {topic}") from exc


def handler(event: dict[str, Any], context: Any = None) -> dict[str, str]:
    text = format_notification(event)
    topic = os.environ.get("NOTIFICATION_TOPIC_ARN")
    if topic:
        _publish(
            topic,
            Subject=text["subject"],
            Message=text["message"],
            MessageAttributes={
                name: {"DataType": "String", "StringValue": text[name]}
                for name in MESSAGE_ATTRIBUTES
            },
        )
    # After the e-mail: a failed e-mail publish is retried (EventBridge) before any chat post.
    chat_topic = os.environ.get("CHAT_TOPIC_ARN")
    if chat_topic and wants_chat(
        os.environ.get("CHAT_ROUTES", ""), text["environment"], text["status"]
    ):
        _publish(chat_topic, Message=json.dumps(chatbot_message(chat_facts(event))))
    return text
