"""How many CloudFormation resources each stack of a configuration has (pure, no CDK).

CloudFormation refuses a stack of more than :data:`STACK_RESOURCE_LIMIT`
resources, and only at deploy time (``synth`` itself fails with CDK's
``TooManyResourcesInStack``). ``validate``, and therefore ``synth`` and
``deploy``, estimate the count of every stack from the configuration instead: the
main stack and, past the flat layout, each nested group (:mod:`config.stack_layout`).
:func:`choose_layout` keeps a deployment flat while its one stack fits. A
configuration whose main stack or one of whose groups would still be past the limit
is refused, with what the count is made of and the fix.

The constants below were measured by synthesizing configurations that differ in
one thing; ``tests/infra/test_stack_size.py`` compares the estimate with real
syntheses so that it cannot drift silently when the stack changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mwaa_pause_resume.airflow_versions import is_airflow_3
from mwaa_pause_resume.config.model import Config, EnvironmentConfig
from mwaa_pause_resume.config.network import lambda_vpc_id
from mwaa_pause_resume.config.stack_layout import (
    FLAT,
    NESTED,
    StackLayout,
    distinct_folders,
    group_construct_id,
    group_contents,
)

STACK_RESOURCE_LIMIT = 500  # CloudFormation quota: resources per stack (not adjustable)

# Always there, whatever the environments: backup bucket, access-log bucket and their
# policies, backup, HMAC and topic KMS keys, the functions with their roles, policies and log
# groups, the Lambda layer, the two state machines and their log group, the topic and
# its policy, the schedule group, dead-letter queue and its policy, the two alarms on
# the dead-letter queue and the notifier's errors, and CDK BucketDeployment's handler
# (function, role, policy), created once for the first DAGs folder; the metrics rule, its
# permission to invoke the metrics function, the dashboard (with the two functions: 11);
# the run_gate and busy_check functions, each with role, policy and log group (8).
FIXED = 102
# Of FIXED, what the nested layout moves into the groups: the schedule group (each group
# with environments has its own) and BucketDeployment's handler (each group with a DAGs
# folder has its own: CDK makes it once per stack).
SCHEDULE_GROUP = 1
DAGS_HANDLER = 3
# The nested layout's main stack: FIXED without them, plus one
# AWS::CloudFormation::Stack per non-empty group.
MAIN_FIXED_NESTED = FIXED - SCHEDULE_GROUP - DAGS_HANDLER
PER_NESTED_STACK = 1
# Per environment: its pause and its resume schedule, its access point on the backup bucket.
PER_ENVIRONMENT = 3
# Per distinct (source bucket, DAGs path): the Custom::CDKBucketDeployment that copies
# the DAG bundle and the AWS CLI layer CDK gives each.
PER_DAGS_FOLDER = 2
# CDK's BucketDeployment handler role gets a grant per DAGs folder of its stack; past
# IAM's inline policy size CDK moves statements into "overflow" AWS::IAM::ManagedPolicy
# resources. Measured with 10 to 60 folders, short and 63-character bucket names: none
# up to 15 folders, then at most one more per 10 folders: an upper bound (with short
# names CDK needs the first one only from 18-20 folders on).
OVERFLOW_FREE_FOLDERS = 15
FOLDERS_PER_OVERFLOW_POLICY = 10
MANAGED_POLICIES_PER_ROLE = 10  # IAM's default quota


def dags_handler_overflow(folders: int) -> int:
    """Overflow managed policies of the BucketDeployment role of a stack with ``folders``."""
    extra = folders - OVERFLOW_FREE_FOLDERS
    return 0 if extra <= 0 else -(-extra // FOLDERS_PER_OVERFLOW_POLICY)


# Per environment with update_execution_role: the policy attached to its role.
PER_EXECUTION_ROLE_POLICY = 1
# Per distinct notification e-mail address: its SNS subscription.
PER_SUBSCRIPTION = 1
# When any environment is notified of some status: the status rule, its permission to
# invoke the notifier, and the alarm on the rule's failed invocations.
STATUS_RULE = 3
# Failure statuses of an execution; one nobody is notified of gets an alarm per workflow.
FAILURE_STATUSES = ("FAILED", "TIMED_OUT", "ABORTED")
WORKFLOWS = 2  # pause, resume
# [notifications] (infra/chat.py): the chat topic and its policy once anything is
# configured; the chat client's role and guardrail policy once a Slack or Teams channel
# is, plus one configuration per channel; the webhook's function, role, policy, log
# group, asynchronous-invoke config, invoke permission, subscription, dead-letter
# queue, its policy and its alarm.
CHAT_TOPIC = 2
CHAT_CLIENT = 2
PER_CHAT_CHANNEL = 1
CHAT_WEBHOOK = 10
# Per VPC the stack creates endpoints in (create_vpc_endpoints, or lambda_subnet_ids):
S3_GATEWAY = 1  # at most: only when deploy's check finds route tables without one
INTERFACE_ENDPOINT = 2  # a KMS or airflow.env endpoint with its security group
PER_CLIENT_GROUP = 1  # per security group allowed in: its ingress rule


def _vpcs(config: Config) -> dict[str, list[EnvironmentConfig]]:
    """VPC id -> the environments the stack creates endpoints for in it."""
    vpcs: dict[str, list[EnvironmentConfig]] = {}
    for env in config.environments:
        if env.vpc_id and env.create_vpc_endpoints:
            vpcs.setdefault(env.vpc_id, []).append(env)
    lambda_vpc = lambda_vpc_id(config.deployment, config.environments)
    if lambda_vpc is not None:
        vpcs.setdefault(lambda_vpc, [])
    return vpcs


def _vpc_resources(config: Config) -> int:
    lambda_vpc = lambda_vpc_id(config.deployment, config.environments)
    total = 0
    for vpc_id, envs in _vpcs(config).items():
        total += S3_GATEWAY
        if envs:  # the KMS endpoint, reached from the environments' security groups
            kms_clients = {g for e in envs for g in e.security_group_ids}
            total += INTERFACE_ENDPOINT + PER_CLIENT_GROUP * len(kms_clients)
        airflow3 = [e for e in envs if is_airflow_3(e.airflow_version)]
        lambdas = vpc_id == lambda_vpc
        if airflow3 or lambdas:  # the airflow.env endpoint (InvokeRestApi)
            clients = {g for e in airflow3 for g in e.security_group_ids}
            if lambdas:
                clients |= set(config.deployment.lambda_security_group_ids)
            total += INTERFACE_ENDPOINT + PER_CLIENT_GROUP * len(clients)
    return total


def notified_statuses(environments: Sequence[EnvironmentConfig], chat: bool = False) -> set[str]:
    return {
        t for env in environments if env.notification_emails or chat for t in env.notification_types
    }


def _chat_resources(config: Config) -> int:
    chat = config.notifications
    if not chat.configured:
        return 0
    channels = chat.channels
    return (
        CHAT_TOPIC
        + (CHAT_CLIENT + PER_CHAT_CHANNEL * channels if channels else 0)
        + (CHAT_WEBHOOK if chat.webhook is not None else 0)
    )


@dataclass(frozen=True)
class Sources:
    """What the counts are computed from (for the messages and ``validate --json``)."""

    environments: int
    dags_folders: int
    execution_role_policies: int
    email_addresses: int
    vpcs: int

    def describe(self) -> str:
        parts = (
            (self.environments, "environment", "environments"),
            (self.dags_folders, "DAGs folder", "DAGs folders"),
            (self.execution_role_policies, "execution-role policy", "execution-role policies"),
            (self.email_addresses, "e-mail address", "e-mail addresses"),
            (self.vpcs, "VPC with endpoints", "VPCs with endpoints"),
        )
        return ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in parts if n)


@dataclass(frozen=True)
class StackSizes:
    """Estimated resources of the main stack and of each nested group (by group index)."""

    layout: StackLayout
    main: int
    groups: dict[int, int] = field(default_factory=dict)

    @property
    def largest_group(self) -> tuple[int, int] | None:
        """(index, resources) of the fullest group, or None in the flat layout."""
        if not self.groups:
            return None
        index = max(self.groups, key=lambda i: (self.groups[i], -i))
        return index, self.groups[index]

    @property
    def fits(self) -> bool:
        return max([self.main, *self.groups.values()]) <= STACK_RESOURCE_LIMIT

    def describe(self) -> str:
        """One line: the layout and each count against the limit."""
        if not self.layout.nested:
            return f"one stack of about {self.main} resources (limit {STACK_RESOURCE_LIMIT})"
        largest = self.largest_group
        text = (
            f"main stack about {self.main} resources and {len(self.groups)} nested stacks"
            f" of {self.layout.groups} hash groups"
        )
        if largest is not None:
            text += f", the largest {group_construct_id(largest[0])} about {largest[1]}"
        return f"{text} (limit {STACK_RESOURCE_LIMIT} per stack)"

    def as_dict(self) -> dict[str, Any]:
        return {
            "layout": "nested" if self.layout.nested else "flat",
            "limit_per_stack": STACK_RESOURCE_LIMIT,
            "main_stack_resources": self.main,
            "nested_stacks": {group_construct_id(i): n for i, n in sorted(self.groups.items())},
        }


def sources(config: Config) -> Sources:
    envs = config.environments
    return Sources(
        environments=len(envs),
        dags_folders=len(distinct_folders(envs)),
        execution_role_policies=sum(e.update_execution_role for e in envs),
        email_addresses=len({a for e in envs for a in e.notification_emails}),
        vpcs=len(_vpcs(config)),
    )


def _shared_resources(config: Config) -> int:
    """What stays in the main stack whatever the layout, beyond its fixed part."""
    envs = config.environments
    addresses = {a for e in envs for a in e.notification_emails}
    notified = notified_statuses(envs, config.notifications.configured)
    unreported = [s for s in FAILURE_STATUSES if s not in notified]
    return (
        PER_SUBSCRIPTION * len(addresses)
        + (STATUS_RULE if notified else 0)
        + WORKFLOWS * len(unreported)
        + _vpc_resources(config)
        + _chat_resources(config)
    )


def _per_environment(envs: Sequence[EnvironmentConfig]) -> int:
    return PER_ENVIRONMENT * len(envs) + PER_EXECUTION_ROLE_POLICY * sum(
        e.update_execution_role for e in envs
    )


def _dags_resources(folders: int) -> int:
    """A group's DAGs folders: their deployments, the handler CDK makes once per stack, and
    its role's overflow policies."""
    return DAGS_HANDLER + PER_DAGS_FOLDER * folders + dags_handler_overflow(folders)


def stack_sizes(config: Config, layout: StackLayout) -> StackSizes:
    """Each stack's resource count for ``config`` laid out as ``layout``: exact, except for
    VPC endpoints, counted as if every one were missing, and the BucketDeployment role's
    overflow policies past 15 DAGs folders in one stack (upper bounds)."""
    envs = config.environments
    if not layout.nested:
        folders = len(distinct_folders(envs))
        main = (
            FIXED
            + _per_environment(envs)
            + PER_DAGS_FOLDER * folders
            + dags_handler_overflow(folders)
            + _shared_resources(config)
        )
        return StackSizes(layout, main)
    groups = {
        g.index: (SCHEDULE_GROUP if g.environments else 0)
        + _per_environment(g.environments)
        + (_dags_resources(len(g.folders)) if g.folders else 0)
        for g in group_contents(envs, layout.groups)
    }
    main = MAIN_FIXED_NESTED + PER_NESTED_STACK * len(groups) + _shared_resources(config)
    return StackSizes(layout, main, groups)


def choose_layout(config: Config) -> StackLayout:
    """Flat while the one stack fits CloudFormation's limit, else the nested groups."""
    return FLAT if stack_sizes(config, FLAT).fits else NESTED


def estimated_resources(config: Config, layout: StackLayout | None = None) -> int:
    """The main stack's resource count (the only stack in the flat layout)."""
    return stack_sizes(config, layout or choose_layout(config)).main


def too_many_resources(config: Config, layout: StackLayout | None = None) -> tuple[str, str] | None:
    """(what is past CloudFormation's limit, the fix), or None when every stack fits."""
    layout = layout or choose_layout(config)
    sizes = stack_sizes(config, layout)
    made_of = sources(config).describe()
    if sizes.fits:
        return _too_many_overflow_policies(config, layout, made_of)
    if sizes.main > STACK_RESOURCE_LIMIT:
        return (
            f"the main stack would have about {sizes.main} resources, more than "
            f"CloudFormation's limit of {STACK_RESOURCE_LIMIT} per stack; it holds what the "
            f"deployment shares, one e-mail subscription per address and the VPC endpoints "
            f"(computed from {made_of})",
            MAIN_STACK_FIX,
        )
    over = {i: n for i, n in sizes.groups.items() if n > STACK_RESOURCE_LIMIT}
    named = ", ".join(f"{group_construct_id(i)} about {n}" for i, n in sorted(over.items()))
    return (
        f"{len(over)} of the nested stacks would have more than CloudFormation's limit of "
        f"{STACK_RESOURCE_LIMIT} resources per stack ({named}; the {layout.groups} groups "
        f"hold each environment's schedules and execution-role policy and each DAGs "
        f"folder's deployment, computed from {made_of})",
        TOO_MANY_RESOURCES_FIX,
    )


def _too_many_overflow_policies(
    config: Config, layout: StackLayout, made_of: str
) -> tuple[str, str] | None:
    """A stack whose BucketDeployment role would need more managed policies than IAM lets a
    role have (only with well over a hundred DAGs folders in one stack)."""
    envs = config.environments
    folders = (
        {group_construct_id(g.index): len(g.folders) for g in group_contents(envs, layout.groups)}
        if layout.nested
        else {"the stack": len(distinct_folders(envs))}
    )
    over = {
        n: f for n, f in folders.items() if dags_handler_overflow(f) > MANAGED_POLICIES_PER_ROLE
    }
    if not over:
        return None
    named = ", ".join(f"{name} {count}" for name, count in sorted(over.items()))
    return (
        f"the DAG deployments' role would need more than IAM's {MANAGED_POLICIES_PER_ROLE} "
        f"managed policies per role for the DAGs folders of one stack ({named} folders; "
        f"computed from {made_of})",
        "let environments share DAGs folders (source_bucket and dags_s3_path), or "
        + TOO_MANY_RESOURCES_FIX,
    )


MAIN_STACK_FIX = (
    "send the notifications of many environments to fewer addresses (a distribution list, "
    "or a [notifications] chat channel or webhook), or split the environments over two "
    "deployments: two configuration files, each with its own [deployment] stack_name"
)
TOO_MANY_RESOURCES_FIX = (
    "split the environments over two deployments: two configuration files, each with "
    "its own [deployment] stack_name and part of the [[environments]] (deploy each with "
    "--config); environments sharing a DAGs folder or with update_execution_role = false "
    "also take fewer resources"
)
