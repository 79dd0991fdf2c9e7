"""Turn a parsed configuration tree into a :class:`Config`, collecting every problem.

The tree has the TOML shape (``deployment``, ``defaults``, ``environments``,
``prices``) whatever the source: the seed's environment variables are mapped
onto it first. Values are checked field by field, then across fields and
environments; nothing is raised until everything has been looked at.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from mwaa_pause_resume.config import rules
from mwaa_pause_resume.config.bucket_policy_size import (
    BUCKET_POLICY_FIX,
    bucket_policy_too_large,
)
from mwaa_pause_resume.config.chat import build_notifications, check_webhook_network
from mwaa_pause_resume.config.fields import (
    DEPLOYMENT_DEFAULTS,
    DEPLOYMENT_FIELDS,
    ENVIRONMENT_DEFAULTS,
    ENVIRONMENT_FIELDS,
    PRICE_KEYS,
    REMOVED_KEYS,
    FieldSpec,
)
from mwaa_pause_resume.config.model import (
    Config,
    DeploymentConfig,
    EnvironmentConfig,
    PriceOverride,
)
from mwaa_pause_resume.config.network import known_lambda_vpcs
from mwaa_pause_resume.config.notification_routes import ROUTES_FIX, overfull_addresses
from mwaa_pause_resume.config.problems import ConfigError, Invalid, Problem, did_you_mean
from mwaa_pause_resume.config.stack_size import too_many_resources
from mwaa_pause_resume.schedule.window import MAX_WINDOW_MINUTES

FieldPath = tuple[str | int, ...]
# Lambda's VpcConfig limits (Lambda API reference): SubnetIds, SecurityGroupIds.
LAMBDA_MAX_SUBNETS = 16
LAMBDA_MAX_SECURITY_GROUPS = 5
SECTIONS = ("deployment", "defaults", "environments", "prices", "notifications")
# USD per hour; MWAA's largest class costs a few dollars. A bound keeps the estimate finite.
MAX_PRICE = 1000
REQUIRED_KEYS = ", ".join(s.key for s in ENVIRONMENT_FIELDS if s.required)
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


class Naming:
    """How problems name a field, and how to supply a missing one (TOML spelling)."""

    def name(self, path: FieldPath) -> str:
        out = ""
        for part in path:
            if isinstance(part, int):
                out += f"[{part}]"
            else:
                text = part if _BARE_KEY.fullmatch(part) else json.dumps(part)
                out += f".{text}" if out else text
        return out

    def key(self, key: str) -> str:
        """How a key is spelled inside messages."""
        return key

    def missing_fix(self, key: str) -> str:
        if key == "name":  # the one key [defaults] refuses: it must differ per environment
            return 'add name = "..." (the MWAA environment\'s name) to this [[environments]] entry'
        return f"add {key} = ... to this [[environments]] entry or to [defaults]"


def coerce(spec: FieldSpec, value: Any) -> Any:
    """Check a value's type against its field kind; apply the field rule."""
    if spec.kind in ("str", "optional_str"):
        if not isinstance(value, str):
            raise Invalid(
                f"must be text, not {_type_name(value)}",
                f'put the value in double quotes: {spec.key} = "..."',
            )
        value = value.strip()
        if spec.kind == "optional_str" and not value:
            return None
    elif spec.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            example = _int_example(spec.key)
            if isinstance(value, float):
                raise Invalid(
                    f"must be a whole number, not {value!r}",
                    f"write it without a decimal point: {spec.key} = {example}",
                )
            raise Invalid(
                f"must be a whole number, not {_type_name(value)}",
                f"write a number without quotes: {spec.key} = {example}",
            )
    elif spec.kind == "bool":
        if not isinstance(value, bool):
            raise Invalid(
                f"must be true or false, not {_type_name(value)}",
                f"write {spec.key} = true or {spec.key} = false (no quotes)",
            )
    elif spec.kind == "list":
        items = [value] if isinstance(value, str) else value
        if isinstance(items, list):  # TOML's own dates (skip_dates = [2026-12-24]) as text
            items = [i.isoformat() if type(i) is datetime.date else i for i in items]
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise Invalid(
                f"must be a list of text values, not {_type_name(value)}",
                f'write {spec.key} = ["first", "second"]',
            )
        value = tuple(i.strip() for i in items if i.strip())
    return spec.rule(value) if spec.rule is not None else value


def _int_example(key: str) -> int:
    """The field's own default as the example (min_workers = 1, not 60)."""
    default = {**ENVIRONMENT_DEFAULTS, **DEPLOYMENT_DEFAULTS}.get(key)
    return default if isinstance(default, int) and not isinstance(default, bool) else 1


def _type_name(value: Any) -> str:
    names = {bool: "a boolean", int: "a number", float: "a number", str: "text", list: "a list"}
    return names.get(type(value), "a table" if isinstance(value, dict) else type(value).__name__)


class _Builder:
    def __init__(self, naming: Naming) -> None:
        self.naming = naming
        self.problems: list[Problem] = []
        # [defaults], validated once; every environment starts from these values.
        self.defaults: Mapping[str, Any] = {}
        self.default_values: dict[str, Any] = {}
        self.default_broken: set[str] = set()
        self.deployment_broken: set[str] = set()

    def add(self, path: FieldPath, message: str, fix: str) -> None:
        problem = Problem(self.naming.name(path), message, fix)
        if problem not in self.problems:  # a bad default is reported once, not per environment
            self.problems.append(problem)

    def table(self, tree: Mapping[str, Any], key: str, fix: str) -> Mapping[str, Any]:
        value = tree.get(key, {})
        if not isinstance(value, Mapping):
            self.add((key,), f"must be a table, not {_type_name(value)}", fix)
            return {}
        return value

    def fields(
        self,
        table: Mapping[str, Any],
        specs: tuple[FieldSpec, ...],
        path: FieldPath,
        environment: str | None = None,
    ) -> tuple[dict[str, Any], set[str]]:
        """Validated values of one table, and the keys whose value was rejected.

        ``environment``: the name of the [[environments]] entry ``table`` is, for the
        fields whose problems name it (``FieldSpec.names_environment``)."""
        known = {s.key: s for s in specs}
        values: dict[str, Any] = {}
        broken: set[str] = set()
        for key, raw in table.items():
            spec = known.get(key)
            if spec is None and key in REMOVED_KEYS:
                self.add((*path, key), f"was removed: {REMOVED_KEYS[key].why}", "delete this line")
                continue
            if spec is None:
                self.add((*path, key), "is not a known key", did_you_mean(key, known, "keys"))
                continue
            try:
                values[key] = coerce(spec, raw)
            except Invalid as exc:
                message = exc.message
                if spec.names_environment and environment:
                    message = f"environment {environment!r}: {message}"
                self.add((*path, key), message, exc.fix)
                broken.add(key)
        return values, broken

    # -- sections ---------------------------------------------------------------------------

    def deployment(self, tree: Mapping[str, Any]) -> DeploymentConfig:
        table = self.table(tree, "deployment", "write [deployment] followed by key = value lines")
        values, self.deployment_broken = self.fields(table, DEPLOYMENT_FIELDS, ("deployment",))
        return DeploymentConfig(**{**DEPLOYMENT_DEFAULTS, **values})

    def lambda_network(
        self, deployment: DeploymentConfig, environments: tuple[EnvironmentConfig, ...]
    ) -> DeploymentConfig:
        """Lambda subnets and security groups go together, in one known VPC.

        Returns ``deployment`` with ``lambda_vpc_id`` filled in from the environments
        when the Lambda subnets are theirs.
        """
        k = self.naming.key
        subnets, groups = deployment.lambda_subnet_ids, deployment.lambda_security_group_ids
        given_vpc = deployment.lambda_vpc_id
        broken = self.deployment_broken

        def problem(key: str, message: str, fix: str) -> None:
            self.add(("deployment", key), message, fix)

        both = f"set both {k('lambda_subnet_ids')} and {k('lambda_security_group_ids')}"
        if broken & {"lambda_subnet_ids", "lambda_security_group_ids"}:
            return deployment
        if bool(subnets) != bool(groups):
            have, lack = (
                ("lambda_subnet_ids", "lambda_security_group_ids")
                if subnets
                else ("lambda_security_group_ids", "lambda_subnet_ids")
            )
            problem(
                lack,
                f"is empty but {k(have)} is set: the functions need both to run in a VPC",
                f"{both} (the security groups the functions use in those subnets), "
                f"or remove {k(have)} to keep the functions outside any VPC",
            )
            return deployment
        for key, ids, limit in (
            ("lambda_subnet_ids", subnets, LAMBDA_MAX_SUBNETS),
            ("lambda_security_group_ids", groups, LAMBDA_MAX_SECURITY_GROUPS),
        ):
            if len(ids) > limit:
                problem(
                    key,
                    f"lists {len(ids)} ids; a Lambda function's VpcConfig takes at most {limit}",
                    f"list at most {limit}",
                )
        if not subnets:
            if given_vpc is not None:
                problem(
                    "lambda_vpc_id",
                    f"is set but {k('lambda_subnet_ids')} is not",
                    f"{both}, or remove {k('lambda_vpc_id')}",
                )
            return deployment
        if "lambda_vpc_id" in broken:
            return deployment
        vpcs = known_lambda_vpcs(subnets, environments)
        if given_vpc is not None:
            for vpc, listed in vpcs.items():
                if vpc != given_vpc:
                    problem(
                        "lambda_vpc_id",
                        f"is {given_vpc} but {', '.join(listed)} belong(s) to {vpc} "
                        "(an environment's vpc_id and subnet_ids say so)",
                        f"set {k('lambda_vpc_id')} to the VPC of the subnets, or correct "
                        f"{k('lambda_subnet_ids')}",
                    )
            return deployment
        if len(vpcs) > 1:
            problem(
                "lambda_subnet_ids",
                "lists subnets of several VPCs ("
                + "; ".join(f"{', '.join(s)} in {v}" for v, s in vpcs.items())
                + ")",
                "list subnets of one VPC: a Lambda function runs in a single VPC",
            )
            return deployment
        if not vpcs:
            problem(
                "lambda_vpc_id",
                f"is required: {k('lambda_subnet_ids')} are not subnet_ids of a configured "
                "environment, so their VPC is unknown",
                f"set {k('lambda_vpc_id')} to the VPC of those subnets (VPC console, Subnets)",
            )
            return deployment
        return dataclasses.replace(deployment, lambda_vpc_id=next(iter(vpcs)))

    def environments(
        self, tree: Mapping[str, Any], deployment: DeploymentConfig
    ) -> tuple[EnvironmentConfig, ...]:
        defaults = self.table(tree, "defaults", "write [defaults] followed by key = value lines")
        default_values, default_broken = self.fields(defaults, ENVIRONMENT_FIELDS, ("defaults",))
        if "name" in defaults:
            self.add(
                ("defaults", "name"),
                "an environment name cannot be a default",
                "set name in each [[environments]] entry",
            )
            default_values.pop("name", None)
        self.defaults, self.default_values, self.default_broken = (
            defaults,
            default_values,
            default_broken,
        )

        entries = tree.get("environments", [])
        if isinstance(entries, Mapping):
            self.add(
                ("environments",),
                "must be an array of tables",
                "write [[environments]] (double brackets) before each environment",
            )
            return ()
        if not isinstance(entries, list):
            self.add(
                ("environments",),
                f"must be an array of tables, not {_type_name(entries)}",
                "write [[environments]] (double brackets) followed by key = value lines",
            )
            return ()
        if not entries:
            self.add(
                ("environments",),
                "no environment is configured",
                f"add an [[environments]] table with at least {REQUIRED_KEYS}",
            )
            return ()

        built: list[EnvironmentConfig] = []
        first_index: dict[str, int] = {}
        for i, entry in enumerate(entries):
            if not isinstance(entry, Mapping):
                self.add(
                    ("environments", i),
                    f"must be a table, not {_type_name(entry)}",
                    "write [[environments]] followed by key = value lines",
                )
                continue
            env = self.environment(i, entry, deployment)
            name = entry.get("name")
            if isinstance(name, str) and name.strip():
                name = name.strip()
                if name in first_index:
                    self.add(
                        ("environments", i, "name"),
                        f"{name!r} is already used by environments[{first_index[name]}] (even "
                        "in another account or region: snapshot prefixes, locks and schedule "
                        "names are by environment name)",
                        "give each environment a unique name (one entry per MWAA environment); "
                        "two environments of one name in different accounts or regions need "
                        "two deployments",
                    )
                first_index.setdefault(name, i)
            if env is not None:
                built.append(env)
        return tuple(built)

    def environment(
        self,
        i: int,
        entry: Mapping[str, Any],
        deployment: DeploymentConfig,
    ) -> EnvironmentConfig | None:
        defaults = self.defaults
        name = entry.get("name")
        label = name.strip() if isinstance(name, str) and name.strip() else None
        own, own_broken = self.fields(entry, ENVIRONMENT_FIELDS, ("environments", i), label)
        merged = {**self.default_values, **own}
        broken = own_broken | (self.default_broken - set(entry))

        def where(key: str) -> FieldPath:
            if key not in entry and key in defaults:
                return ("defaults", key)
            return ("environments", i, key)

        self.ready_by(merged, broken, where)
        self.resume_window(merged, broken, where)
        for spec in ENVIRONMENT_FIELDS:
            if spec.required and spec.key not in merged and spec.key not in broken:
                self.add(where(spec.key), "is required", self.naming.missing_fix(spec.key))
                broken.add(spec.key)

        klass = merged.get("environment_class", ENVIRONMENT_DEFAULTS["environment_class"])
        if klass == rules.MICRO_CLASS:  # the smallest class runs one of each
            for key in ("schedulers", "min_workers", "max_workers"):
                merged.setdefault(key, 1)
        full = {**ENVIRONMENT_DEFAULTS, **merged}
        self.cross_checks(full, broken, where, deployment)
        if broken:
            return None
        return EnvironmentConfig(**full)

    def ready_by(
        self, merged: dict[str, Any], broken: set[str], where: Callable[[str], FieldPath]
    ) -> None:
        """``resume_ready_by`` replaces ``resume_schedule``: the schedule becomes the cron
        firing the lead cap before it (schedule.ready_by)."""
        from mwaa_pause_resume.schedule.cron import CronError
        from mwaa_pause_resume.schedule.ready_by import fire_cron

        ready_by = merged.get("resume_ready_by")
        if not ready_by or "resume_ready_by" in broken:
            return
        k = self.naming.key
        if "resume_schedule" in merged or "resume_schedule" in broken:
            # The more specific table wins: an entry's key over the other's in [defaults].
            ready_level, schedule_level = where("resume_ready_by")[0], where("resume_schedule")[0]
            if ready_level != schedule_level:
                if schedule_level == "defaults":
                    merged.pop("resume_schedule", None)
                    broken.discard("resume_schedule")
                else:
                    merged.pop("resume_ready_by")
                    return
        if "resume_schedule" in merged or "resume_schedule" in broken:
            self.add(
                where("resume_ready_by"),
                f"is set together with {k('resume_schedule')}; an environment has one or the other",
                f"remove {k('resume_schedule')} (the resume then starts early enough to be "
                f"ready by {ready_by!r}) or remove {k('resume_ready_by')}",
            )
            broken.add("resume_ready_by")
            return
        cap = merged.get("resume_lead_max_minutes", ENVIRONMENT_DEFAULTS["resume_lead_max_minutes"])
        try:
            # A schedule window moves the fire that much earlier again (schedule.window).
            merged["resume_schedule"] = fire_cron(ready_by, cap + _window(merged, broken))
        except CronError as exc:
            self.add(where("resume_ready_by"), exc.message, exc.hint or "")
            broken.add("resume_ready_by")

    def resume_window(
        self, merged: dict[str, Any], broken: set[str], where: Callable[[str], FieldPath]
    ) -> None:
        """With ``schedule_window_minutes`` and a plain ``resume_schedule``, the resume
        fires the window earlier (it then starts within the window before the configured
        time, never after it: schedule.window)."""
        from mwaa_pause_resume.schedule.cron import CronError
        from mwaa_pause_resume.schedule.ready_by import fire_cron

        window = _window(merged, broken)
        cron = merged.get("resume_schedule")
        if not window or merged.get("resume_ready_by") or not isinstance(cron, str):
            return
        if "resume_schedule" in broken:
            return
        try:
            merged["resume_schedule"] = fire_cron(cron, window, what="resume_schedule")
        except CronError as exc:
            self.add(where("schedule_window_minutes"), exc.message, exc.hint or "")
            broken.add("schedule_window_minutes")

    def cross_checks(
        self,
        env: Mapping[str, Any],
        broken: set[str],
        where: Callable[[str], FieldPath],
        deployment: DeploymentConfig,
    ) -> None:
        def ok(*keys: str) -> bool:
            return not broken.intersection(keys)

        def flag(key: str, message: str, fix: str) -> None:
            self.add(where(key), message, fix)
            broken.add(key)

        k = self.naming.key

        if ok("pause_schedule", "resume_schedule") and rules.cron_key(
            env["pause_schedule"]
        ) == rules.cron_key(env["resume_schedule"]):
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
            self.class_limits(env, flag, k)
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
            and (
                env["max_postpone_minutes"] + env["pause_timeout_minutes"] > rules.TIMEOUT_RANGE[1]
            )
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
                        f"set {k('vpc_id')} to the VPC of the environment "
                        "(MWAA console, Networking)",
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
            role_account = rules.role_account(env["execution_role_arn"])
            if role_account != account:
                where_account = f"the environment's {k('account')}" if own_account else k("account")
                flag(
                    "execution_role_arn",
                    f"belongs to account {role_account} but {where_account} is {account}",
                    "use the execution role of the environment in its own account (the "
                    "deployment account unless the environment sets account), "
                    f"or correct {k('account')}",
                )

    @staticmethod
    def class_limits(
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

    def prices(self, tree: Mapping[str, Any]) -> dict[str, PriceOverride]:
        table = self.table(tree, "prices", 'write [prices."mw1.small"] with environment = 0.49')
        out: dict[str, PriceOverride] = {}
        for klass, entry in table.items():
            path: FieldPath = ("prices", klass)
            if klass not in rules.ENVIRONMENT_CLASSES:
                self.add(
                    path,
                    f"{klass!r} is not an MWAA environment class",
                    did_you_mean(klass, rules.ENVIRONMENT_CLASSES, "classes"),
                )
                continue
            if not isinstance(entry, Mapping):
                self.add(
                    path,
                    f"must be a table, not {_type_name(entry)}",
                    f'write [prices."{klass}"] followed by environment = <USD per hour>',
                )
                continue
            amounts: dict[str, float] = {}
            for key, value in entry.items():
                if key not in PRICE_KEYS:
                    self.add(
                        (*path, key), "is not a known key", did_you_mean(key, PRICE_KEYS, "keys")
                    )
                elif (
                    isinstance(value, bool)
                    or not isinstance(value, int | float)
                    or not (
                        0 <= value <= MAX_PRICE  # False for nan too; inf and 1e308 would overflow
                    )
                ):
                    self.add(
                        (*path, key),
                        f"{value!r} is not a price",
                        f"write US dollars per hour as a number >= 0 (at most {MAX_PRICE}), "
                        "e.g. 0.49",
                    )
                else:
                    amounts[key] = float(value)
            if "environment" not in entry:
                self.add(
                    (*path, "environment"),
                    "is required",
                    "set environment = <USD per hour of the base environment>",
                )
            elif "environment" in amounts and len(amounts) == len(entry):
                out[klass] = PriceOverride(**amounts)
        return out


def build_config(tree: Mapping[str, Any], source: str, naming: Naming | None = None) -> Config:
    """Validate ``tree`` completely; raise :class:`ConfigError` listing every problem."""
    builder = _Builder(naming or Naming())
    for key in tree:
        if key not in SECTIONS:
            builder.add(
                (key,), "is not a known section or key", did_you_mean(key, SECTIONS, "sections")
            )
    deployment = builder.deployment(tree)
    environments = builder.environments(tree, deployment)
    deployment = builder.lambda_network(deployment, environments)
    prices = builder.prices(tree)
    notifications = build_notifications(tree.get("notifications"), builder.add)
    check_webhook_network(notifications, deployment.lambdas_in_vpc, builder.add)
    config = Config(
        deployment=deployment,
        environments=environments,
        prices=prices,
        source=source,
        notifications=notifications,
    )
    if not builder.problems and (too_many := too_many_resources(config)):
        builder.add(("environments",), *too_many)
    if not builder.problems and (too_large := bucket_policy_too_large(config)):
        builder.add(("environments",), too_large, BUCKET_POLICY_FIX)
    for overfull in [] if builder.problems else overfull_addresses(config):
        builder.add(("environments",), overfull, ROUTES_FIX)
    if builder.problems:
        raise ConfigError(builder.problems, source)
    return config


def _window(merged: dict[str, Any], broken: set[str]) -> int:
    """The schedule window in minutes, 0 when unset or invalid (its own problem is
    reported by its rule)."""
    value = merged.get("schedule_window_minutes", 0)
    if "schedule_window_minutes" in broken or isinstance(value, bool):
        return 0
    return value if isinstance(value, int) and 0 < value <= MAX_WINDOW_MINUTES else 0
