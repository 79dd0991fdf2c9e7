"""Checks across one environment's fields, and against [deployment] (hub and spoke
accounts): each value has passed its own rule already."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from mwaa_pause_resume.config import aws_rules, rules, schedule_rules
from mwaa_pause_resume.config.model import DeploymentConfig
from mwaa_pause_resume.config.naming import AddProblem, FieldPath


def check_environment(
    env: Mapping[str, Any],
    broken: set[str],
    where: Callable[[str], FieldPath],
    deployment: DeploymentConfig,
    *,
    add: AddProblem,
    k: Callable[[str], str],
) -> None:
    """Flag the values that are fine alone but not together; a flagged key joins
    ``broken`` (the environment is then not built)."""

    def ok(*keys: str) -> bool:
        return not broken.intersection(keys)

    def flag(key: str, message: str, fix: str) -> None:
        add(where(key), message, fix)
        broken.add(key)

    if ok("pause_schedule", "resume_schedule") and schedule_rules.cron_key(
        env["pause_schedule"]
    ) == schedule_rules.cron_key(env["resume_schedule"]):
        flag(
            "resume_schedule",
            f"is the same schedule as {k('pause_schedule')} ({env['pause_schedule']!r}): the "
            "environment would be paused and resumed at the same moment",
            f"give {k('resume_schedule')} a different time than {k('pause_schedule')}",
        )
    if ok("export_dag_id", "import_dag_id") and env["export_dag_id"] == env["import_dag_id"]:
        flag(
            "import_dag_id",
            f"is the same DAG as {k('export_dag_id')} ({env['export_dag_id']!r})",
            "use two different DAG ids for export and import",
        )
    if ok("min_workers", "max_workers") and env["min_workers"] > env["max_workers"]:
        flag(
            "min_workers",
            f"{env['min_workers']} is larger than {k('max_workers')} ({env['max_workers']})",
            f"set {k('min_workers')} to at most {k('max_workers')}",
        )
    if ok("environment_class", "schedulers", "max_workers"):
        _class_limits(env, flag, k)
    if ok("drain_timeout_minutes", "pause_timeout_minutes") and (
        env["drain_timeout_minutes"] >= env["pause_timeout_minutes"]
    ):
        flag(
            "drain_timeout_minutes",
            f"{env['drain_timeout_minutes']} min leaves no time to export within "
            f"{k('pause_timeout_minutes')} ({env['pause_timeout_minutes']} min)",
            f"make {k('drain_timeout_minutes')} smaller than {k('pause_timeout_minutes')}",
        )
    if ok("poll_frequency_seconds", "poll_timeout_minutes") and (
        env["poll_frequency_seconds"] >= env["poll_timeout_minutes"] * 60
    ):
        flag(
            "poll_frequency_seconds",
            f"polling every {env['poll_frequency_seconds']} s never fits in "
            f"{k('poll_timeout_minutes')} ({env['poll_timeout_minutes']} min)",
            "poll more often than the poll timeout",
        )
    postponing = env["when_busy"] == "postpone" and ok("when_busy")
    if (
        postponing
        and ok("max_postpone_minutes", "pause_timeout_minutes")
        and (env["max_postpone_minutes"] + env["pause_timeout_minutes"] > rules.TIMEOUT_RANGE[1])
    ):
        flag(
            "max_postpone_minutes",
            f"{env['max_postpone_minutes']} min of postponing plus {k('pause_timeout_minutes')}"
            f" ({env['pause_timeout_minutes']} min) exceeds a workflow's "
            f"{rules.TIMEOUT_RANGE[1]} minutes",
            f"make the two add up to at most {rules.TIMEOUT_RANGE[1]} minutes",
        )
    if ok("vpc_id") and env["vpc_id"] is None:
        for key in ("subnet_ids", "security_group_ids", "create_vpc_endpoints"):
            if ok(key) and env[key]:
                flag(
                    key,
                    f"is set but {k('vpc_id')} is not",
                    f"set {k('vpc_id')} to the VPC of the environment (MWAA console, Networking)",
                )
    # An environment in another account (hub and spoke) has its execution role there.
    own_account = env.get("account") if ok("account") else None
    account = own_account or deployment.account
    if own_account is not None and deployment.account is None:
        flag(
            "account",
            f"names account {own_account} but [deployment] account is not set, so the hub "
            "cannot tell whether the environment is in its own account or in a spoke",
            "set account in [deployment] to the hub's 12-digit account id (docs/fleet.md)",
        )
    spoke = own_account is not None and own_account != deployment.account
    if spoke and deployment.account is not None and env.get("update_execution_role"):
        flag(
            "update_execution_role",
            f"is true for an environment in account {own_account} (a spoke): the hub's "
            "stack cannot change a role in another account",
            f"set {k('update_execution_role')} = false and attach the output of "
            "`mwaa-pause-resume policy ENV` to the execution role in its account "
            "(docs/fleet.md)",
        )
    if (
        spoke
        and deployment.account is not None
        and ok("region")
        and env.get("region") is None
        and deployment.region is None
    ):
        flag(
            "region",
            f"is not set for an environment in account {own_account} (a spoke), and "
            "[deployment] region is not set either: the spoke role's policy names the "
            "environment's region",
            f"set {k('region')} for the environment, or region in [deployment]",
        )
    if ok("execution_role_arn") and account is not None:
        role_account = aws_rules.role_account(env["execution_role_arn"])
        if role_account != account:
            where_account = f"the environment's {k('account')}" if own_account else k("account")
            flag(
                "execution_role_arn",
                f"belongs to account {role_account} but {where_account} is {account}",
                "use the execution role of the environment in its own account (the "
                "deployment account unless the environment sets account), "
                f"or correct {k('account')}",
            )


def _class_limits(
    env: Mapping[str, Any],
    flag: Callable[[str, str, str], None],
    k: Callable[[str], str],
) -> None:
    klass, schedulers = env["environment_class"], env["schedulers"]
    if klass == rules.MICRO_CLASS:
        if schedulers != 1:
            flag(
                "schedulers",
                f"mw1.micro runs exactly 1 scheduler, not {schedulers}",
                f"set {k('schedulers')} = 1 or choose a larger {k('environment_class')}",
            )
        if env["max_workers"] != 1:
            flag(
                "max_workers",
                f"mw1.micro runs exactly 1 worker, not {env['max_workers']}",
                f"set {k('max_workers')} = 1 or choose a larger {k('environment_class')}",
            )
    elif not rules.SCHEDULER_RANGE[0] <= schedulers <= rules.SCHEDULER_RANGE[1]:
        low, high = rules.SCHEDULER_RANGE
        flag(
            "schedulers",
            f"{klass} runs {low} to {high} schedulers, not {schedulers}",
            f"set {k('schedulers')} to a value from {low} to {high}",
        )
