"""Every configuration field in one table: TOML key, type, rule, and seed variable names.

The TOML builder, the seed environment-variable reader and the documentation
test all read this table, so a field cannot be accepted in one place and
forgotten in another. Defaults come from the dataclasses in ``model.py``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from mwaa_pause_resume.config import aws_rules, rules, schedule_rules
from mwaa_pause_resume.config.model import DeploymentConfig, EnvironmentConfig
from mwaa_pause_resume.schedule.window import MAX_WINDOW_MINUTES

Kind = Literal["str", "optional_str", "int", "bool", "list"]


@dataclass(frozen=True)
class FieldSpec:
    key: str
    kind: Kind
    # Names of the environment variables that set this field; the first is the canonical
    # one. ``seed`` says whether it comes from the AWS sample's Stack Parameters table.
    env_vars: tuple[str, ...] = ()
    rule: Callable[[Any], Any] | None = None
    required: bool = False
    seed: bool = True
    # A problem with this field's value in an [[environments]] entry names that
    # environment in its message (the path alone says only environments[<n>]).
    names_environment: bool = False

    @property
    def env_var(self) -> str | None:
        return self.env_vars[0] if self.env_vars else None


ENVIRONMENT_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("name", "str", ("MWAA_ENV_NAME",), rules.environment_name, required=True),
    FieldSpec("source_bucket", "str", ("MWAA_SOURCE_BUCKET_NAME",), aws_rules.bucket,
              required=True),
    FieldSpec("execution_role_arn", "str", ("MWAA_EXECUTION_ROLE_ARN",), aws_rules.role_arn,
              required=True),
    FieldSpec("pause_schedule", "str", ("MWAA_PAUSE_CRON_SCHEDULE",), schedule_rules.cron,
              required=True),
    FieldSpec("resume_schedule", "str", ("MWAA_RESUME_CRON_SCHEDULE",), schedule_rules.cron,
              required=True),
    FieldSpec("timezone", "str", ("MWAA_SCHEDULE_TIME_ZONE",), schedule_rules.timezone),
    FieldSpec("airflow_version", "optional_str", ("MWAA_ENV_VERSION",), rules.airflow_version),
    FieldSpec("dags_s3_path", "str", ("MWAA_DAGS_S3_PATH",), rules.s3_prefix),
    FieldSpec("update_execution_role", "bool", ("MWAA_UPDATE_EXECUTION_ROLE",)),
    FieldSpec("vpc_id", "optional_str", ("MWAA_VPC_ID",), aws_rules.vpc_id),
    FieldSpec("subnet_ids", "list", ("MWAA_VPC_SUBNETS",), rules.each(aws_rules.subnet_id)),
    FieldSpec("security_group_ids", "list", ("MWAA_VPC_SECURITY_GROUPS",),
              rules.each(aws_rules.security_group_id)),
    FieldSpec("create_vpc_endpoints", "bool", ("MWAA_CREATE_VPC_ENDPOINTS",), seed=False),
    FieldSpec("notification_emails", "list", ("MWAA_NOTIFICATION_EMAILS",),
              rules.each(rules.email)),
    FieldSpec("notification_types", "list", ("MWAA_NOTIFICATION_TYPES",),
              rules.each(rules.notification_type)),
    FieldSpec("poll_frequency_seconds", "int", ("SFN_POLL_FREQUENCY_SECS",),
              rules.in_range(*rules.POLL_FREQUENCY_RANGE, "seconds")),
    FieldSpec("poll_timeout_minutes", "int", ("SFN_POLL_TIMEOUT_MINS",),
              rules.in_range(*rules.TIMEOUT_RANGE, "minutes")),
    FieldSpec("pause_timeout_minutes", "int", ("SFN_PAUSE_TIMEOUT_MINS",),
              rules.in_range(*rules.TIMEOUT_RANGE, "minutes")),
    FieldSpec("resume_timeout_minutes", "int", ("SFN_RESUME_TIMEOUT_MINS",),
              rules.in_range(*rules.TIMEOUT_RANGE, "minutes")),
    FieldSpec("drain_timeout_minutes", "int", ("MWAA_DRAIN_TIMEOUT_MINS",),
              rules.in_range(*rules.DRAIN_TIMEOUT_RANGE, "minutes"), seed=False),
    FieldSpec("export_dag_id", "str", ("MWAA_METADATA_EXPORT_DAG_NAME",), rules.dag_id),
    FieldSpec("import_dag_id", "str", ("MWAA_METADATA_IMPORT_DAG_NAME",), rules.dag_id),
    FieldSpec("update_after_restore", "bool", ("MWAA_UPDATE_AFTER_RESTORE",), seed=False),
    FieldSpec("missed_runs", "str", ("MWAA_MISSED_RUNS",), rules.missed_runs, seed=False,
              names_environment=True),
    FieldSpec("snapshot_retention", "int", ("MWAA_SNAPSHOT_RETENTION",),
              rules.at_least(1, "snapshots"), seed=False),
    FieldSpec("environment_class", "str", ("MWAA_ENVIRONMENT_CLASS",), rules.environment_class,
              seed=False),
    FieldSpec("min_workers", "int", ("MWAA_MIN_WORKERS",),
              rules.in_range(*rules.WORKER_RANGE, "workers"), seed=False),
    FieldSpec("max_workers", "int", ("MWAA_MAX_WORKERS",),
              rules.in_range(*rules.WORKER_RANGE, "workers"), seed=False),
    FieldSpec("schedulers", "int", ("MWAA_SCHEDULERS",), rules.in_range(1, 5, "schedulers"),
              seed=False),
    FieldSpec("skip_dates", "list", ("MWAA_SKIP_DATES",), schedule_rules.skip_dates, seed=False,
              names_environment=True),
    FieldSpec("change_calendar", "optional_str", ("MWAA_CHANGE_CALENDAR",),
              aws_rules.change_calendar, seed=False),
    FieldSpec("when_busy", "str", ("MWAA_WHEN_BUSY",), rules.when_busy, seed=False),
    FieldSpec("max_postpone_minutes", "int", ("MWAA_MAX_POSTPONE_MINS",),
              rules.in_range(*rules.POSTPONE_RANGE, "minutes"), seed=False),
    FieldSpec("postpone_interval_minutes", "int", ("MWAA_POSTPONE_INTERVAL_MINS",),
              rules.in_range(*rules.POSTPONE_INTERVAL_RANGE, "minutes"), seed=False),
    FieldSpec("resume_ready_by", "optional_str", ("MWAA_RESUME_READY_BY",), schedule_rules.cron,
              seed=False),
    FieldSpec("resume_lead_default_minutes", "int", ("MWAA_RESUME_LEAD_DEFAULT_MINS",),
              rules.in_range(*rules.LEAD_RANGE, "minutes"), seed=False),
    FieldSpec("resume_lead_margin_minutes", "int", ("MWAA_RESUME_LEAD_MARGIN_MINS",),
              rules.in_range(0, 240, "minutes"), seed=False),
    FieldSpec("resume_lead_max_minutes", "int", ("MWAA_RESUME_LEAD_MAX_MINS",),
              rules.in_range(*rules.LEAD_RANGE, "minutes"), seed=False),
    FieldSpec("account", "optional_str", ("MWAA_ENV_ACCOUNT",), aws_rules.account_id, seed=False),
    FieldSpec("region", "optional_str", ("MWAA_ENV_REGION",), aws_rules.region, seed=False),
    FieldSpec("tags", "list", ("MWAA_ENV_TAGS",), aws_rules.tags, seed=False,
              names_environment=True),
    FieldSpec("schedule_window_minutes", "int", ("MWAA_SCHEDULE_WINDOW_MINS",),
              rules.in_range(0, MAX_WINDOW_MINUTES, "minutes"), seed=False),
)  # fmt: skip

DEPLOYMENT_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("stack_name", "str", ("MWAA_MAIN_STACK_NAME",), aws_rules.stack_name),
    FieldSpec("account", "optional_str", ("CDK_DEFAULT_ACCOUNT",), aws_rules.account_id),
    FieldSpec("region", "optional_str", ("CDK_DEFAULT_REGION",), aws_rules.region),
    FieldSpec("resources_folder", "optional_str", ("MWAA_RESOURCES_FOLDER",), rules.non_empty),
    FieldSpec("lambda_subnet_ids", "list", ("MWAA_LAMBDA_SUBNETS",),
              rules.each(aws_rules.subnet_id), seed=False),
    FieldSpec("lambda_security_group_ids", "list", ("MWAA_LAMBDA_SECURITY_GROUPS",),
              rules.each(aws_rules.security_group_id), seed=False),
    FieldSpec("lambda_vpc_id", "optional_str", ("MWAA_LAMBDA_VPC_ID",), aws_rules.vpc_id,
              seed=False),
)  # fmt: skip

PRICE_KEYS = ("environment", "extra_worker", "extra_scheduler")


@dataclass(frozen=True)
class RemovedField:
    """A key (and its seed variables) that no longer exists: a configuration that still
    sets it is told so, and what to do, rather than that the key is unknown."""

    key: str
    env_vars: tuple[str, ...]
    why: str


REMOVED_FIELDS: tuple[RemovedField, ...] = (
    # The seed's table says MWAA_DEFAULT_ENV_BACKUP_FILE, its code reads MWAA_ENV_BACKUP_FILE.
    RemovedField(
        "environment_backup_file",
        ("MWAA_DEFAULT_ENV_BACKUP_FILE", "MWAA_ENV_BACKUP_FILE"),
        "nothing ever read it (each snapshot saves the environment's configuration as "
        "environment.json, docs/environment-snapshot.md)",
    ),
)
REMOVED_KEYS = {r.key: r for r in REMOVED_FIELDS}
REMOVED_VARIABLES = {var: r for r in REMOVED_FIELDS for var in r.env_vars}


def defaults_of(cls: type[Any]) -> dict[str, Any]:
    """The dataclass defaults (required fields have none)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            out[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            out[f.name] = f.default_factory()
    return out


ENVIRONMENT_DEFAULTS = defaults_of(EnvironmentConfig)
DEPLOYMENT_DEFAULTS = defaults_of(DeploymentConfig)
