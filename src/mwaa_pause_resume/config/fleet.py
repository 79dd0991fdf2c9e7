"""Where an environment lives in a fleet, and the spoke role the hub reaches it through (pure).

One deployment (the hub) can manage environments in other accounts and regions
(docs/fleet.md). An environment without ``account`` / ``region`` lives where the
deployment does. In another account the hub acts through one small role per spoke
account, deployed there by a CloudFormation StackSet under a name derived from the
hub's stack name, so the hub can compute its ARN without being told.
"""

from __future__ import annotations

from dataclasses import dataclass

from mwaa_pause_resume.config.model import DeploymentConfig, EnvironmentConfig

SPOKE_ROLE_SUFFIX = "-spoke"
# The spoke's second, read-only role: what operators' CLI commands (status) assume.
SPOKE_READER_SUFFIX = "-spoke-read"
IAM_ROLE_NAME_LIMIT = 64


@dataclass(frozen=True)
class Placement:
    """An environment's account and region; None where it is the deployment's own and the
    deployment does not name it (resolved at run time from the caller's identity)."""

    account: str | None
    region: str | None

    @property
    def label(self) -> str:
        return f"{self.account or 'hub account'}/{self.region or 'hub region'}"


def placement(env: EnvironmentConfig, deployment: DeploymentConfig) -> Placement:
    return Placement(env.account or deployment.account, env.region or deployment.region)


def is_remote_account(env: EnvironmentConfig, deployment: DeploymentConfig) -> bool:
    """True when the environment is in another account than the hub (needs the spoke role)."""
    return env.account is not None and env.account != deployment.account


def spoke_role_name(stack_name: str) -> str:
    """The spoke role's name in every spoke account (IAM names are at most 64 characters)."""
    return f"{stack_name}{SPOKE_ROLE_SUFFIX}"[-IAM_ROLE_NAME_LIMIT:]


def spoke_role_arn(stack_name: str, account: str, partition: str = "aws") -> str:
    return f"arn:{partition}:iam::{account}:role/{spoke_role_name(stack_name)}"


def spoke_reader_role_name(stack_name: str) -> str:
    """The read-only spoke role: GetEnvironment for operators, never the hub's powers."""
    return f"{stack_name}{SPOKE_READER_SUFFIX}"[-IAM_ROLE_NAME_LIMIT:]


def spoke_reader_role_arn(stack_name: str, account: str, partition: str = "aws") -> str:
    return f"arn:{partition}:iam::{account}:role/{spoke_reader_role_name(stack_name)}"


def spoke_accounts(
    environments: tuple[EnvironmentConfig, ...], deployment: DeploymentConfig
) -> tuple[str, ...]:
    """The other accounts the hub manages environments in, sorted, each once."""
    return tuple(
        sorted({e.account for e in environments if e.account and is_remote_account(e, deployment)})
    )


def tag_pairs(env: EnvironmentConfig) -> dict[str, str]:
    return dict(item.partition("=")[::2] for item in env.tags)


def matches(
    env: EnvironmentConfig,
    deployment: DeploymentConfig,
    *,
    accounts: tuple[str, ...] = (),
    regions: tuple[str, ...] = (),
    tags: tuple[str, ...] = (),
) -> bool:
    """Whether an environment passes fleet filters: any of the accounts, any of the regions,
    and every ``key=value`` tag (a bare ``key`` matches any value of that key)."""
    where = placement(env, deployment)
    if accounts and where.account not in accounts:
        return False
    if regions and where.region not in regions:
        return False
    pairs = tag_pairs(env)
    for wanted in tags:
        key, sep, value = wanted.partition("=")
        if key not in pairs or (sep and pairs[key] != value):
            return False
    return True
