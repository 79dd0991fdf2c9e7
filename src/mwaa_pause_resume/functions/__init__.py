"""Lambda handlers of the pause and resume workflows: thin shells, one concern each.

Every handler is ``handler(event: dict, context) -> dict`` and raises the named
errors of :mod:`.errors` (Step Functions matches them by class name). ``HANDLERS``
maps the key the state machines use for a function to its handler path; the CDK
app creates one Lambda function per key, all from this package.
"""

from __future__ import annotations

HANDLERS: dict[str, str] = {
    "run_gate": "mwaa_pause_resume.functions.run_gate.handler",
    "busy_check": "mwaa_pause_resume.functions.busy_check.handler",
    "begin": "mwaa_pause_resume.functions.begin.handler",
    "lock_release": "mwaa_pause_resume.functions.lock.handler",
    "environment_status": "mwaa_pause_resume.functions.environment_status.handler",
    "environment_create": "mwaa_pause_resume.functions.environment_create.handler",
    "environment_delete": "mwaa_pause_resume.functions.environment_delete.handler",
    "environment_update": "mwaa_pause_resume.functions.environment_update.handler",
    "snapshot_start": "mwaa_pause_resume.functions.snapshot_start.handler",
    "snapshot_pointer": "mwaa_pause_resume.functions.snapshot_pointer.handler",
    "snapshot_verify": "mwaa_pause_resume.functions.snapshot_verify.handler",
    "snapshot_retention": "mwaa_pause_resume.functions.snapshot_retention.handler",
    "dag_trigger": "mwaa_pause_resume.functions.dag_trigger.handler",
    "dag_run_state": "mwaa_pause_resume.functions.dag_run_state.handler",
    "failure": "mwaa_pause_resume.functions.failure.handler",
    "notification": "mwaa_pause_resume.functions.notification.handler",
    # Deployed only with [notifications.webhook]; subscribed to the chat topic.
    "webhook": "mwaa_pause_resume.functions.webhook.handler",
    "resume_timing": "mwaa_pause_resume.functions.resume_timing.handler",
    "metrics": "mwaa_pause_resume.functions.metrics.handler",
}

# Keys the state machines invoke (notification and metrics are wired to EventBridge rules,
# webhook to the chat topic).
EVENT_FUNCTIONS = frozenset({"notification", "webhook", "metrics"})
WORKFLOW_FUNCTIONS: tuple[str, ...] = tuple(k for k in HANDLERS if k not in EVENT_FUNCTIONS)


def resolve(key: str) -> object:
    """The handler callable for a key (imports its module)."""
    import importlib

    module, _, function = HANDLERS[key].rpartition(".")
    return getattr(importlib.import_module(module), function)
