"""The configuration model: one deployment, defaults, and one or more environments.

This module only declares shapes and defaults. Loading (TOML, the seed's
environment variables / ``.env``) and validation live in sibling modules so
that other layers can build these objects directly (tests, ``plan``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mwaa_pause_resume.config.chat import ChatNotifications
from mwaa_pause_resume.metadata.missed_runs import DEFAULT_POLICY
from mwaa_pause_resume.shared.dag_contract import EXPORT_DAG_ID, IMPORT_DAG_ID

# SKIPPED: a run the gates skipped (override, skip date, change calendar, busy environment);
# its execution SUCCEEDED with outcome "skipped" (functions.run_gate).
NOTIFICATION_TYPES = ("FAILED", "TIMED_OUT", "ABORTED", "SUCCEEDED", "RUNNING", "SKIPPED")
DEFAULT_NOTIFICATION_TYPES = ("FAILED", "TIMED_OUT", "ABORTED")
WHEN_BUSY = ("drain", "postpone", "skip")


@dataclass(frozen=True)
class EnvironmentConfig:
    """One MWAA environment to pause and resume. Every field can be set in ``[defaults]``."""

    name: str
    source_bucket: str
    execution_role_arn: str
    pause_schedule: str
    resume_schedule: str
    timezone: str = "UTC"
    airflow_version: str | None = None
    dags_s3_path: str = "dags"
    update_execution_role: bool = False
    vpc_id: str | None = None
    subnet_ids: tuple[str, ...] = ()
    security_group_ids: tuple[str, ...] = ()
    create_vpc_endpoints: bool = False
    notification_emails: tuple[str, ...] = ()
    notification_types: tuple[str, ...] = DEFAULT_NOTIFICATION_TYPES
    poll_frequency_seconds: int = 60
    poll_timeout_minutes: int = 60
    pause_timeout_minutes: int = 60
    resume_timeout_minutes: int = 60
    drain_timeout_minutes: int = 10
    export_dag_id: str = EXPORT_DAG_ID
    import_dag_id: str = IMPORT_DAG_ID
    update_after_restore: bool = False
    # What a resume does with the intervals whose time fell inside the pause
    # (metadata.missed_runs.POLICIES; a DAG tag can override it per DAG).
    missed_runs: str = DEFAULT_POLICY
    snapshot_retention: int = 7
    environment_class: str = "mw1.small"
    min_workers: int = 1
    max_workers: int = 10
    schedulers: int = 2
    # Run gates (functions.run_gate), checked before a scheduled run does anything.
    # Local dates ("YYYY-MM-DD" or "YYYY-MM-DD..YYYY-MM-DD") with no scheduled resume.
    skip_dates: tuple[str, ...] = ()
    change_calendar: str | None = None  # SSM Change Calendar: CLOSED skips a resume
    when_busy: str = "drain"  # WHEN_BUSY: a scheduled pause while DAG runs are running
    max_postpone_minutes: int = 60
    postpone_interval_minutes: int = 10
    # Ready-by (docs/schedules.md): the time the environment must be AVAILABLE and
    # restored, instead of resume_schedule; the builder then sets resume_schedule to
    # the cron firing resume_lead_max_minutes earlier.
    resume_ready_by: str | None = None
    resume_lead_default_minutes: int = 45
    resume_lead_margin_minutes: int = 10
    resume_lead_max_minutes: int = 120
    # Fleet (docs/fleet.md): the account and region the environment lives in; None is the
    # deployment's own (the hub's). Tags are "key=value" labels of this configuration that
    # status, plan and report filter on; they are not applied to any AWS resource.
    account: str | None = None
    region: str | None = None
    tags: tuple[str, ...] = ()
    # Flexible time window of both schedules (schedule.window, docs/schedules.md): the
    # pause starts up to this many minutes late, the resume up to this many early.
    schedule_window_minutes: int = 0


@dataclass(frozen=True)
class PriceOverride:
    """USD per hour for one environment class (overrides the bundled price table)."""

    environment: float
    extra_worker: float | None = None
    extra_scheduler: float | None = None


@dataclass(frozen=True)
class DeploymentConfig:
    """Where and under which stack name the CDK app is deployed."""

    stack_name: str = "mwaa-pause-resume"
    account: str | None = None
    region: str | None = None
    # The seed's MWAA_RESOURCES_FOLDER: a local folder with replacement export/import DAG
    # files to deploy; None deploys the DAGs bundled with this package.
    resources_folder: str | None = None
    # Attach the functions that call MWAA's InvokeRestApi to these subnets and security
    # groups (private environments; both or neither). lambda_vpc_id is their VPC: the
    # builder fills it in when the subnets are those of a configured environment.
    lambda_subnet_ids: tuple[str, ...] = ()
    lambda_security_group_ids: tuple[str, ...] = ()
    lambda_vpc_id: str | None = None

    @property
    def lambdas_in_vpc(self) -> bool:
        return bool(self.lambda_subnet_ids)


@dataclass(frozen=True)
class Config:
    deployment: DeploymentConfig
    environments: tuple[EnvironmentConfig, ...]
    prices: dict[str, PriceOverride] = field(default_factory=dict)
    source: str = "<built in code>"  # file path or "environment variables" for messages
    # [notifications]: Slack / Microsoft Teams channels and a webhook (config/chat.py).
    notifications: ChatNotifications = field(default_factory=ChatNotifications)

    def environment(self, name: str) -> EnvironmentConfig:
        for env in self.environments:
            if env.name == name:
                return env
        import difflib

        from mwaa_pause_resume.errors import UserError

        names = [e.name for e in self.environments]
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
        hint = (
            f"did you mean {close[0]!r}? If not, add an [[environments]] entry for {name}"
            if close
            else "check the name, or add an [[environments]] entry for it"
        )
        raise UserError(
            f"environment {name!r} is not in {self.source} "
            f"(configured: {', '.join(names) or 'none'})",
            hint=hint,
        )
