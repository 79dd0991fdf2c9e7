"""Workflow outcomes written for a chat (pure).

Two shapes of one message:

- :func:`chatbot_message`: an Amazon Q Developer in chat applications (formerly AWS
  Chatbot) custom notification, ``{"version": "1.0", "source": "custom", "content":
  {...}, "metadata": {...}}``, published to the chat topic that the Slack and Microsoft
  Teams channel configurations follow. Its ``metadata.additionalContext`` carries the
  facts as strings, so the webhook function can rebuild them from the message alone.
- :func:`webhook_body`: the JSON the generic webhook POSTs (``{"text": ...}``, which
  Slack, Google Chat, Mattermost and Teams incoming webhooks all accept; with
  ``format = "json"`` also the facts).

What each status and outcome looks like is in the tables below: a new outcome (SKIPPED,
late) is one row, not a new branch.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Execution status (EventBridge's "Step Functions Execution Status Change") -> icon, verb.
STATUS_LOOKS: Mapping[str, tuple[str, str]] = {
    "SUCCEEDED": ("\u2705", "succeeded"),
    "FAILED": ("\u274c", "failed"),
    "TIMED_OUT": ("\u23f1\ufe0f", "timed out"),
    "ABORTED": ("\U0001f6d1", "was aborted"),
    "RUNNING": ("\u25b6\ufe0f", "started"),
}
UNKNOWN_LOOK = ("\u2754", "changed status")
# A succeeded workflow's ``outcome`` (its output) -> icon, what happened. Overrides the status.
OUTCOME_LOOKS: Mapping[str, tuple[str, str]] = {
    "paused": ("\u23f8\ufe0f", "paused"),
    "resumed": ("\u2705", "resumed"),
    "already_paused": ("\u2139\ufe0f", "was already paused: nothing to do"),
    "already_running": ("\u2139\ufe0f", "was already running: nothing to do"),
    "duplicate_delivery": ("\u2139\ufe0f", "ignored a schedule delivered twice"),
}
# Chat text limits: Amazon Q Developer's description, with room to spare; one fact's value.
DESCRIPTION_LIMIT = 3000
FACT_LIMIT = 600
WEBHOOK_FORMATS = ("text", "json")
CUSTOM_VERSION = "1.0"


@dataclass(frozen=True)
class ChatFacts:
    """What a chat reader needs about one workflow status change."""

    environment: str
    action: str  # pause | resume | workflow
    status: str  # SUCCEEDED, FAILED, ...
    outcome: str | None = None  # the workflow's own word (paused, resumed, ...)
    duration_seconds: int | None = None
    execution_url: str | None = None
    snapshot_id: str | None = None
    error: str | None = None
    restore_summary: str | None = None  # one line

    def look(self) -> tuple[str, str]:
        if self.status == "SUCCEEDED" and self.outcome is not None:
            return OUTCOME_LOOKS.get(self.outcome, STATUS_LOOKS["SUCCEEDED"])
        return STATUS_LOOKS.get(self.status, UNKNOWN_LOOK)

    def title(self) -> str:
        icon, verb = self.look()
        return f"{icon} MWAA {self.action} of {self.environment} {verb}"

    def lines(self) -> list[str]:
        """The facts, one per line, in the order a reader scans them."""
        out = [
            f"*Environment:* {self.environment}",
            f"*Action:* {self.action}",
            f"*Outcome:* {self.outcome or self.status.lower()} ({self.status})",
        ]
        if self.duration_seconds is not None:
            out.append(f"*Duration:* {duration_text(self.duration_seconds)}")
        if self.snapshot_id:
            out.append(f"*Snapshot:* {self.snapshot_id}")
        if self.error:
            out.append(f"*Error:* {one_line(self.error)}")
        if self.restore_summary:
            out.append(f"*Restore summary:* {one_line(self.restore_summary)}")
        if self.execution_url:
            out.append(f"*Execution:* {self.execution_url}")
        return out

    def context(self) -> dict[str, str]:
        """The facts as strings (Amazon Q Developer's ``additionalContext`` is string to string)."""
        values = {
            "environment": self.environment,
            "action": self.action,
            "status": self.status,
            "outcome": self.outcome,
            "duration_seconds": None
            if self.duration_seconds is None
            else str(self.duration_seconds),
            "execution_url": self.execution_url,
            "snapshot_id": self.snapshot_id,
            "error": self.error,
            "restore_summary": self.restore_summary,
        }
        return {k: one_line(v) for k, v in values.items() if v}


def one_line(text: str, limit: int = FACT_LIMIT) -> str:
    """A value on one line (it may come from the environment: no line of its own), bounded."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def duration_text(seconds: int) -> str:
    hours, rest = divmod(max(0, seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


def chatbot_message(facts: ChatFacts) -> dict[str, Any]:
    """An Amazon Q Developer in chat applications custom notification."""
    description = "\n".join(facts.lines())[:DESCRIPTION_LIMIT]
    return {
        "version": CUSTOM_VERSION,
        "source": "custom",
        "content": {
            "textType": "client-markdown",
            "title": facts.title(),
            "description": description,
            "keywords": [facts.environment, facts.action, facts.status],
        },
        "metadata": {
            # One thread per environment and action, when the channel threads notifications.
            "threadId": f"mwaa-{facts.action}-{facts.environment}",
            "summary": facts.title(),
            "additionalContext": facts.context(),
        },
    }


def webhook_body(message: Mapping[str, Any], fmt: str = "text") -> dict[str, Any]:
    """The generic webhook's JSON for one message of the chat topic.

    ``message`` is a custom notification (:func:`chatbot_message`) or a CloudWatch alarm
    (the stack's alarms publish to the chat topic too); anything else is passed on as text.
    """
    if message.get("source") == "custom" and isinstance(message.get("content"), Mapping):
        content = message["content"]
        text = f"{content.get('title', '')}\n{content.get('description', '')}".strip()
        metadata = message.get("metadata")
        context = metadata.get("additionalContext") if isinstance(metadata, Mapping) else None
        facts = dict(context) if isinstance(context, Mapping) else {}
    elif "AlarmName" in message:
        text, facts = _alarm_text(message)
    else:
        text, facts = json.dumps(message, sort_keys=True)[:DESCRIPTION_LIMIT], {}
    body: dict[str, Any] = {"text": text}
    if fmt == "json":
        body["mwaa_pause_resume"] = facts
    return body


def _alarm_text(alarm: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    state = str(alarm.get("NewStateValue") or "?")
    icon = "\U0001f6a8" if state == "ALARM" else "\u2705" if state == "OK" else "\u2754"
    name = one_line(str(alarm.get("AlarmName")))
    lines = [f"{icon} CloudWatch alarm {name}: {state}"]
    for label, key in (("Reason", "NewStateReason"), ("What to do", "AlarmDescription")):
        if alarm.get(key):
            lines.append(f"*{label}:* {one_line(str(alarm[key]), DESCRIPTION_LIMIT)}")
    return "\n".join(lines), {"alarm": name, "state": state}


# -- which environments' statuses go to chat (the notifier's CHAT_ROUTES variable) ---------
DEFAULT_ROUTE = "*"


def routes_variable(types_by_environment: Mapping[str, tuple[str, ...]]) -> str:
    """Compact JSON: the most common status list under ``"*"``, other environments by name.

    Lambda allows 4 KB of environment variables: naming every environment would not fit
    a large deployment, and most environments share the default ``notification_types``.
    """
    counts: dict[tuple[str, ...], int] = {}
    for types in types_by_environment.values():
        key = tuple(sorted(types))
        counts[key] = counts.get(key, 0) + 1
    common = max(counts, key=lambda k: (counts[k], k)) if counts else ()
    routes: dict[str, list[str]] = {DEFAULT_ROUTE: list(common)}
    for name, types in sorted(types_by_environment.items()):
        if tuple(sorted(types)) != common:
            routes[name] = sorted(types)
    return json.dumps(routes, separators=(",", ":"), sort_keys=True)


def wants_chat(routes: str, environment: str, status: str) -> bool:
    """Whether ``status`` of ``environment`` goes to the chat channels."""
    try:
        table = json.loads(routes)
    except ValueError:
        return False
    if not isinstance(table, dict):
        return False
    statuses = table.get(environment, table.get(DEFAULT_ROUTE, []))
    return isinstance(statuses, list) and status in statuses
