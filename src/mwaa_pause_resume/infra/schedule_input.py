"""The execution input each schedule passes to the workflows (pure).

The format is the workflows' (``functions/settings.py``): the environment's
name and its settings, so one pair of state machines serves every environment.
"""

from __future__ import annotations

from typing import Any, Literal

from mwaa_pause_resume.config.model import EnvironmentConfig

Action = Literal["pause", "resume"]
SCHEDULED_TIME = "<aws.scheduler.scheduled-time>"  # an EventBridge Scheduler context attribute


def execution_input(
    env: EnvironmentConfig,
    action: Action,
    bucket: str,
    kms_key_id: str | None,
    *,
    scheduled: bool = False,
) -> dict[str, Any]:
    """The input of a run of ``env``. ``scheduled``: the schedules' input, which carries
    the fire's time (Scheduler substitutes it), so a second delivery of one fire is known
    as such; an on-demand run (CLI, sandbox) has none."""
    timeout = env.pause_timeout_minutes if action == "pause" else env.resume_timeout_minutes
    payload: dict[str, Any] = {
        "environment": env.name,
        "bucket": bucket,
        "export_dag_id": env.export_dag_id,
        "import_dag_id": env.import_dag_id,
        "poll_seconds": env.poll_frequency_seconds,
        "timeout_minutes": timeout,
        "poll_timeout_minutes": env.poll_timeout_minutes,
        "drain_timeout_minutes": env.drain_timeout_minutes,
        "update_after_restore": env.update_after_restore,
        "retention": env.snapshot_retention,
        "kms_key_id": kms_key_id,
        "missed_runs": env.missed_runs,
        # The run gates (functions.run_gate): they apply to scheduled runs only.
        "timezone": env.timezone,
        "skip_dates": list(env.skip_dates),
        "change_calendar": env.change_calendar,
        "when_busy": env.when_busy,
        "max_postpone_minutes": env.max_postpone_minutes,
        "postpone_interval_minutes": env.postpone_interval_minutes,
    }
    if env.airflow_version:
        # resume: created on it (newer than the snapshot's: an upgrade); pause: refused
        # before the delete when the resume would refuse it (version_change).
        payload["airflow_version"] = env.airflow_version
    # Where the environment lives, if the configuration says (functions.spoke_session):
    # the hub's own account or region named here needs no spoke role and costs nothing.
    if env.account:
        payload["account"] = env.account
    if env.region:
        payload["region"] = env.region
    if scheduled:
        payload["scheduled_time"] = SCHEDULED_TIME
    if action == "resume" and env.resume_ready_by:
        payload["ready_by"] = ready_by_input(env)
    return payload


def ready_by_input(env: EnvironmentConfig) -> dict[str, Any]:
    """What the resume's first state needs to time a ready-by resume (resume_timing)."""
    return {
        "cron": env.resume_ready_by,
        "timezone": env.timezone,
        "default_lead_minutes": env.resume_lead_default_minutes,
        "margin_minutes": env.resume_lead_margin_minutes,
        "max_lead_minutes": env.resume_lead_max_minutes,
        # The resume keeps the schedule window's spread while it waits (schedule.window).
        "window_minutes": env.schedule_window_minutes,
    }
