"""Where the IAM statements point: the deployment's account, regions, environments and keys.

A :class:`Scope` answers with each environment's ARN, or past
:data:`FLEET_SCOPING_THRESHOLD` environments with one pattern per region
(docs/security.md), so that every statement builder scopes alike. Values may be CDK
tokens inside the stack (pure).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mwaa_pause_resume.config.chat import ChatWebhook
from mwaa_pause_resume.config.model import EnvironmentConfig
from mwaa_pause_resume.infra.names import (
    AIRFLOW_REST_ROLE,
    env_prefix,
    environment_arn,
    rest_api_role_arn,
)

Statement = dict[str, Any]

# Fleet-size scoping (docs/security.md): past this many environments in the account, the
# grants that would list every environment's ARN (MWAA environments and their REST API
# role, log groups, snapshot prefixes, override parameters) name a pattern per region
# instead, so a function role's policy stops growing with the fleet. IAM caps a role's
# inline policies at 10,240 characters in all (infra.role_policy_size); the
# environment_create role already passes it at about 20 environments with exact lists.
FLEET_SCOPING_THRESHOLD = 10


def uses_fleet_scoping(local_environments: int) -> bool:
    """Whether the statements name patterns rather than each environment (pure)."""
    return local_environments > FLEET_SCOPING_THRESHOLD


@dataclass(frozen=True)
class Scope:
    """Where the statements point. Values may be CDK tokens (strings) inside the stack."""

    partition: str
    region: str
    account: str
    environments: Sequence[EnvironmentConfig]
    backup_bucket_arn: str
    backup_key_arn: str
    topic_arn: str | None = None
    topic_key_arn: str | None = None
    mac_key_arn: str | None = None
    webhook: ChatWebhook | None = None
    deployment: str | None = None  # the stack name: names the override parameters
    # Fleet (docs/fleet.md): accounts whose environments the functions reach through the
    # spoke role (no MWAA grant here; sts:AssumeRole on these ARNs instead).
    spoke_role_arns: Sequence[str] = ()
    spoke_accounts: frozenset[str] = frozenset()

    def arn(self, service: str, resource: str, region: str | None = None) -> str:
        return f"arn:{self.partition}:{service}:{region or self.region}:{self.account}:{resource}"

    def region_of(self, env: EnvironmentConfig) -> str:
        """An environment's region: its own (config ``region``) or the stack's."""
        return env.region or self.region

    @property
    def local_environments(self) -> list[EnvironmentConfig]:
        """The environments in this account, whatever their region: the ones MWAA grants
        name (those of spoke accounts are reached through the spoke role)."""
        return [e for e in self.environments if e.account not in self.spoke_accounts]

    @property
    def regions(self) -> list[str]:
        return unique([self.region_of(e) for e in self.local_environments]) or [self.region]

    @property
    def fleet_scoped(self) -> bool:
        """Patterns instead of per-environment lists (:func:`uses_fleet_scoping`)."""
        return uses_fleet_scoping(len(self.local_environments))

    @property
    def fleet_scoped_storage(self) -> bool:
        """The same for what the hub holds for every environment, spokes' included
        (snapshot prefixes, override parameters)."""
        return uses_fleet_scoping(len(self.environments))

    @property
    def environment_arns(self) -> list[str]:
        if self.fleet_scoped:
            # Every MWAA environment of the account in the regions used. The functions
            # act only on configured names (the workflows' input is the configuration)
            # and Begin refuses an environment another deployment's tag claims
            # (functions.ownership); no aws:ResourceTag condition, as an untagged
            # environment must stay reachable to be claimed on its first pause.
            return [self.arn("airflow", "environment/*", r) for r in self.regions]
        return [
            environment_arn(self.partition, self.region_of(e), self.account, e.name)
            for e in self.local_environments
        ]

    @property
    def rest_api_role_arns(self) -> list[str]:
        if self.fleet_scoped:
            return [self.arn("airflow", f"role/*/{AIRFLOW_REST_ROLE}", r) for r in self.regions]
        return [
            rest_api_role_arn(self.partition, self.region_of(e), self.account, e.name)
            for e in self.local_environments
        ]

    @property
    def log_group_arns(self) -> list[str]:
        """The log groups MWAA creates for the environments (airflow-<env>-<module>)."""
        if self.fleet_scoped:
            return [self.arn("logs", "log-group:airflow-*", r) for r in self.regions]
        return unique(
            [
                self.arn("logs", f"log-group:airflow-{e.name}-*", self.region_of(e))
                for e in self.local_environments
            ]
        )

    def snapshot_objects(self, suffix: str) -> list[str]:
        """``<bucket>/<env>/<suffix>`` per environment, or ``<bucket>/*/<suffix>``: the
        bucket holds only this deployment's snapshots, and its policy (infra.bucket_guard)
        fences each execution role to its own environments' prefixes."""
        bucket = self.backup_bucket_arn
        if self.fleet_scoped_storage:
            return [f"{bucket}/{env_prefix('*')}{suffix}"]
        return unique([f"{bucket}/{env_prefix(e.name)}{suffix}" for e in self.environments])


def allow(sid: str, actions: Sequence[str], resources: Sequence[str], **extra: Any) -> Statement:
    """One Allow statement; a single resource is written as a string, as IAM shows it."""
    statement: Statement = {
        "Sid": sid,
        "Effect": "Allow",
        "Action": sorted(actions),
        "Resource": list(resources) if len(resources) > 1 else resources[0],
    }
    statement.update(extra)
    return statement


def unique(values: Sequence[str]) -> list[str]:
    """Sorted, each once: statements stay the same whatever the configuration's order."""
    return sorted(set(values))
