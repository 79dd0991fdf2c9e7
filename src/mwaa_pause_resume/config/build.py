"""Turn a parsed configuration tree into a :class:`Config`, collecting every problem.

The tree has the TOML shape (``deployment``, ``defaults``, ``environments``,
``prices``) whatever the source: the seed's environment variables are mapped
onto it first. Values are checked field by field, then across fields and
environments; nothing is raised until everything has been looked at.

This module walks the sections; the checks live next to it: one value against its
field (``coerce``, ``rules``), an environment's fields together
(``environment_checks``), the resume cron they imply (``resume_schedule``) and the
Lambda network keys (``lambda_network_check``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mwaa_pause_resume.config import rules
from mwaa_pause_resume.config.chat import build_notifications, check_webhook_network
from mwaa_pause_resume.config.coerce import coerce, type_name
from mwaa_pause_resume.config.environment_checks import check_environment
from mwaa_pause_resume.config.fields import (
    DEPLOYMENT_DEFAULTS,
    DEPLOYMENT_FIELDS,
    ENVIRONMENT_DEFAULTS,
    ENVIRONMENT_FIELDS,
    PRICE_KEYS,
    REMOVED_KEYS,
    FieldSpec,
)
from mwaa_pause_resume.config.lambda_network_check import check_lambda_network
from mwaa_pause_resume.config.model import (
    Config,
    DeploymentConfig,
    EnvironmentConfig,
    PriceOverride,
)
from mwaa_pause_resume.config.naming import FieldPath, Naming
from mwaa_pause_resume.config.notification_routes import ROUTES_FIX, overfull_addresses
from mwaa_pause_resume.config.problems import ConfigError, Invalid, Problem, did_you_mean
from mwaa_pause_resume.config.resume_schedule import apply_ready_by, apply_resume_window
from mwaa_pause_resume.config.stack_size import too_many_resources

SECTIONS = ("deployment", "defaults", "environments", "prices", "notifications")
# USD per hour; MWAA's largest class costs a few dollars. A bound keeps the estimate finite.
MAX_PRICE = 1000
REQUIRED_KEYS = ", ".join(s.key for s in ENVIRONMENT_FIELDS if s.required)


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
            self.add((key,), f"must be a table, not {type_name(value)}", fix)
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
                f"must be an array of tables, not {type_name(entries)}",
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
                    f"must be a table, not {type_name(entry)}",
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

        apply_ready_by(merged, broken, where, add=self.add, k=self.naming.key)
        apply_resume_window(merged, broken, where, add=self.add)
        for spec in ENVIRONMENT_FIELDS:
            if spec.required and spec.key not in merged and spec.key not in broken:
                self.add(where(spec.key), "is required", self.naming.missing_fix(spec.key))
                broken.add(spec.key)

        klass = merged.get("environment_class", ENVIRONMENT_DEFAULTS["environment_class"])
        if klass == rules.MICRO_CLASS:  # the smallest class runs one of each
            for key in ("schedulers", "min_workers", "max_workers"):
                merged.setdefault(key, 1)
        full = {**ENVIRONMENT_DEFAULTS, **merged}
        check_environment(full, broken, where, deployment, add=self.add, k=self.naming.key)
        if broken:
            return None
        return EnvironmentConfig(**full)

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
                    f"must be a table, not {type_name(entry)}",
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
    deployment = check_lambda_network(
        deployment,
        environments,
        builder.deployment_broken,
        add=builder.add,
        k=builder.naming.key,
    )
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
    for overfull in [] if builder.problems else overfull_addresses(config):
        builder.add(("environments",), overfull, ROUTES_FIX)
    if builder.problems:
        raise ConfigError(builder.problems, source)
    return config
