"""The spoke role: what the hub's functions may do in another account, and its
CloudFormation template for a StackSet (pure, no CDK: docs/fleet.md).

A hub deployment reaches the environments of another account only through one role
there, named :func:`~mwaa_pause_resume.config.fleet.spoke_role_name` of the hub's stack.
Its permissions are exactly the MWAA-facing grants the hub's own functions get for
environments in the hub's account (:mod:`.permissions`: Get/Create/Delete/Update/Tag
on the named environments, InvokeRestApi as their ``User`` role, PassRole of their
execution roles to MWAA, what CreateEnvironment checks), computed for the spoke's
environments. Snapshots, locks and keys stay in the hub: the spoke role has no S3 or
KMS grant on the backup bucket.

Trust: the hub account, and within it only roles tagged :data:`HUB_TAG` = the hub's
stack name (the stack tags its functions' roles). A condition on the tag rather than
the roles' ARNs in ``Principal`` keeps the order of deployment free (IAM refuses a trust
policy naming a role that does not exist yet) and survives the functions' roles being
replaced. One template serves every account of the StackSet: the role is the same
everywhere, and each account's permissions are managed policies created only in that
account (a condition on ``AWS::AccountId``), so a role never names another account's
environments.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from mwaa_pause_resume.config.fleet import (
    is_remote_account,
    spoke_accounts,
    spoke_reader_role_name,
    spoke_role_name,
)
from mwaa_pause_resume.config.model import Config, EnvironmentConfig
from mwaa_pause_resume.infra.permission_scope import Scope, Statement
from mwaa_pause_resume.infra.permissions import MWAA_CAPABILITIES, capability_statements

# The tag on the hub's function roles that the spoke role's trust policy requires.
HUB_TAG = "mwaa-pause-resume:hub"
TEMPLATE_ACCOUNT = "${AWS::AccountId}"
TEMPLATE_PARTITION = "${AWS::Partition}"
ROLE_LOGICAL_ID = "SpokeRole"
READER_LOGICAL_ID = "SpokeReaderRole"
MAX_SESSION_SECONDS = 3600
# IAM: a customer managed policy holds at most 6,144 characters (white space not counted);
# a role has at most 10 managed policies attached unless the quota is raised.
MANAGED_POLICY_LIMIT = 6144
MAX_MANAGED_POLICIES = 10


def spoke_environments(config: Config, account: str | None = None) -> list[EnvironmentConfig]:
    """The environments in other accounts than the hub's (``account``: in that one only)."""
    return [
        e
        for e in config.environments
        if is_remote_account(e, config.deployment) and account in (None, e.account)
    ]


def region_of(env: EnvironmentConfig, config: Config) -> str:
    """A spoke environment's region (validate requires one: its own or the deployment's)."""
    region = env.region or config.deployment.region
    if region is None:
        raise ValueError(f"environment {env.name} has no region (validate refuses this)")
    return region


def spoke_statements(
    config: Config, account: str, partition: str = TEMPLATE_PARTITION
) -> list[Statement]:
    """The spoke role's statements in ``account``: its environments only."""
    envs = spoke_environments(config, account)
    by_region: dict[str, list[EnvironmentConfig]] = {}
    for env in envs:
        by_region.setdefault(region_of(env, config), []).append(env)
    by_sid: dict[str, Statement] = {}
    for region, group in sorted(by_region.items()):
        scope = Scope(
            partition=partition,
            region=region,
            account=account,
            environments=group,
            backup_bucket_arn="",  # no snapshot grant in a spoke
            backup_key_arn="",
        )
        suffix = "" if len(by_region) == 1 else _region_suffix(region)
        for capability in sorted(MWAA_CAPABILITIES, key=lambda c: c.name):
            for statement in capability_statements(capability, scope):
                named = {**statement, "Sid": statement["Sid"] + suffix}
                seen = by_sid.setdefault(named["Sid"], named)
                if seen != named:
                    raise AssertionError(f"two different statements named {named['Sid']}")
    # Statements whose resource names no region (IAM, S3): one copy, not one per region.
    return _merge_global(list(by_sid.values()))


def _region_suffix(region: str) -> str:
    return "".join(part.title() for part in region.split("-"))


def _merge_global(statements: list[Statement]) -> list[Statement]:
    out: list[Statement] = []
    seen: set[str] = set()
    for statement in statements:
        body = json.dumps({k: v for k, v in statement.items() if k != "Sid"}, sort_keys=True)
        if body in seen:
            continue
        seen.add(body)
        out.append(statement)
    return out


def spoke_policy(config: Config, account: str, partition: str = "aws") -> dict[str, Any]:
    """The spoke role's permissions policy in ``account`` (what `policy` prints)."""
    return {"Version": "2012-10-17", "Statement": spoke_statements(config, account, partition)}


def trust_policy(hub_account: str, stack_name: str, partition: str = "aws") -> dict[str, Any]:
    """Only the hub's function roles (tagged :data:`HUB_TAG` = the hub's stack name) may
    assume the spoke role."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "HubFunctionsOnly",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition}:iam::{hub_account}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {
                        f"aws:PrincipalTag/{HUB_TAG}": stack_name,
                        "aws:PrincipalAccount": hub_account,
                    },
                    "ArnLike": {"aws:PrincipalArn": f"arn:{partition}:iam::{hub_account}:role/*"},
                },
            }
        ],
    }


def reader_trust_policy(hub_account: str, partition: str = "aws") -> dict[str, Any]:
    """The read-only role trusts the hub account: the hub's own IAM decides which of its
    operators may assume it (sts:AssumeRole on its ARN), as for any cross-account read."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition}:iam::{hub_account}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def reader_policy(partition: str = "aws", account: str = TEMPLATE_ACCOUNT) -> dict[str, Any]:
    """What `status` reads live in a spoke: the environments' state, nothing else. Any
    environment of the account (not only the configured ones): the grant reveals no data
    and stays the same size for a hundred environments as for one."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadEnvironmentState",
                "Effect": "Allow",
                "Action": "airflow:GetEnvironment",
                "Resource": f"arn:{partition}:airflow:*:{account}:environment/*",
            }
        ],
    }


def spoke_template(config: Config) -> dict[str, Any]:
    """The CloudFormation template a StackSet deploys to every spoke account (one region
    per account: IAM is global, a role name exists once per account).

    The role itself is the same everywhere; its permissions are customer managed
    policies, one set per spoke account, each created only in its account (a
    ``Fn::Equals`` condition on ``AWS::AccountId``): an account's role never names another
    account's environments, and each account has the room of up to
    :data:`MAX_MANAGED_POLICIES` policies of :data:`MANAGED_POLICY_LIMIT` characters.
    """
    hub = config.deployment.account
    if hub is None:
        raise SpokeTemplateError(
            "the spoke template needs [deployment] account (the hub's): validate refuses this"
        )
    stack = config.deployment.stack_name
    trust = trust_policy(hub, stack, TEMPLATE_PARTITION)
    conditions: dict[str, Any] = {}
    resources: dict[str, Any] = {
        ROLE_LOGICAL_ID: {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": spoke_role_name(stack),
                "Description": f"mwaa-pause-resume hub {stack} ({hub}): MWAA environments",
                "MaxSessionDuration": MAX_SESSION_SECONDS,
                "AssumeRolePolicyDocument": _substituted(trust),
                "Tags": [{"Key": HUB_TAG, "Value": stack}],
            },
        },
        READER_LOGICAL_ID: {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": spoke_reader_role_name(stack),
                "Description": f"mwaa-pause-resume hub {stack} ({hub}): read-only, for status",
                "MaxSessionDuration": MAX_SESSION_SECONDS,
                "AssumeRolePolicyDocument": _substituted(
                    reader_trust_policy(hub, TEMPLATE_PARTITION)
                ),
                "Policies": [
                    {
                        "PolicyName": "ReadEnvironmentState",
                        "PolicyDocument": _substituted(reader_policy(TEMPLATE_PARTITION)),
                    }
                ],
                "Tags": [{"Key": HUB_TAG, "Value": stack}],
            },
        },
    }
    for account, names in spoke_summary(config):
        condition = f"InAccount{account}"
        conditions[condition] = {"Fn::Equals": [{"Ref": "AWS::AccountId"}, account]}
        chunks = policy_chunks(spoke_statements(config, account, TEMPLATE_PARTITION))
        if (too_many := _too_many_policies(account, names, chunks)) is not None:
            raise SpokeTemplateError(f"{too_many}: {SPOKE_POLICY_FIX}")
        for number, statements in enumerate(chunks, 1):
            resources[f"SpokePolicy{account}Part{number}"] = {
                "Type": "AWS::IAM::ManagedPolicy",
                "Condition": condition,
                "Properties": {
                    "Description": (f"mwaa-pause-resume hub {stack}: MWAA on {', '.join(names)}")[
                        :1000
                    ],
                    "PolicyDocument": _substituted(
                        {"Version": "2012-10-17", "Statement": statements}
                    ),
                    "Roles": [{"Ref": ROLE_LOGICAL_ID}],
                },
            }
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": (
            f"mwaa-pause-resume spoke role: lets the hub {stack} in account {hub} pause and "
            "resume this account's configured MWAA environments (docs/fleet.md)"
        ),
        "Conditions": conditions,
        "Resources": resources,
        "Outputs": {
            "SpokeRoleArn": {"Value": {"Fn::GetAtt": [ROLE_LOGICAL_ID, "Arn"]}},
            "SpokeReaderRoleArn": {"Value": {"Fn::GetAtt": [READER_LOGICAL_ID, "Arn"]}},
        },
    }


class SpokeTemplateError(ValueError):
    """The configuration's spoke policies do not fit IAM's limits (said how to fix)."""


SPOKE_POLICY_FIX = (
    "split the account's environments over two hubs, or let them share execution roles, "
    "DAGs buckets and subnets (the spoke role's policies name each distinct one)"
)


def _too_many_policies(
    account: str, names: Sequence[str], chunks: list[list[Statement]]
) -> str | None:
    if len(chunks) <= MAX_MANAGED_POLICIES:
        return None
    return (
        f"account {account}'s {len(names)} environments need {len(chunks)} managed "
        f"policies of {MANAGED_POLICY_LIMIT} characters for the spoke role, more than IAM's "
        f"default {MAX_MANAGED_POLICIES} per role"
    )


def spoke_policies_too_large(config: Config) -> str | None:
    """Why a spoke account's role would not fit IAM's limits, or None when all fit
    (``validate`` checks it; ``spoke-template`` would refuse it)."""
    for account, names in spoke_summary(config):
        chunks = policy_chunks(spoke_statements(config, account, TEMPLATE_PARTITION))
        if (too_many := _too_many_policies(account, names, chunks)) is not None:
            return too_many
    return None


def _size(value: Any) -> int:
    # IAM counts a policy's characters without white space.
    return len(json.dumps(value, separators=(",", ":")))


def _split(statement: Statement, limit: int) -> list[Statement]:
    """``statement`` as statements of at most ``limit`` characters (its resources split)."""
    resources = statement.get("Resource")
    if _size(statement) <= limit or not isinstance(resources, list) or len(resources) < 2:
        return [statement]
    half = len(resources) // 2
    out: list[Statement] = []
    for part, chunk in (("A", resources[:half]), ("B", resources[half:])):
        piece = {**statement, "Sid": f"{statement['Sid']}{part}", "Resource": chunk}
        out += _split(piece, limit)
    return out


def policy_chunks(statements: list[Statement]) -> list[list[Statement]]:
    """The statements packed into policy documents of at most :data:`MANAGED_POLICY_LIMIT`
    characters each (first fit, in order)."""
    room = MANAGED_POLICY_LIMIT - _size({"Version": "2012-10-17", "Statement": []})
    chunks: list[list[Statement]] = []
    sizes: list[int] = []
    for statement in (p for s in statements for p in _split(s, room)):
        size = _size(statement) + 1
        for index, used in enumerate(sizes):
            if used + size <= room:
                chunks[index].append(statement)
                sizes[index] += size
                break
        else:
            chunks.append([statement])
            sizes.append(size)
    return chunks


def _substituted(value: Any) -> Any:
    """Strings naming ``${AWS::...}`` pseudo parameters as ``Fn::Sub`` (CloudFormation)."""
    if isinstance(value, str):
        return {"Fn::Sub": value} if "${AWS::" in value else value
    if isinstance(value, list):
        return [_substituted(v) for v in value]
    if isinstance(value, dict):
        return {k: _substituted(v) for k, v in value.items()}
    return value


def resolve_template_strings(value: Any, account: str, partition: str = "aws") -> Any:
    """The template as CloudFormation resolves its ``Fn::Sub`` strings in ``account`` (the
    tests deploy it into moto's accounts this way)."""
    if isinstance(value, dict):
        if set(value) == {"Fn::Sub"}:
            return (
                str(value["Fn::Sub"])
                .replace(TEMPLATE_ACCOUNT, account)
                .replace(TEMPLATE_PARTITION, partition)
            )
        return {k: resolve_template_strings(v, account, partition) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_template_strings(v, account, partition) for v in value]
    return value


def source_bucket_statements(
    config: Config, account: str, partition: str = "aws"
) -> list[Statement]:
    """What each spoke DAGs bucket's policy must allow the hub's deployment (its tagged
    roles): list the bucket, write the DAG bundle and its trust file into the DAGs
    folder. Never delete: the deployment does not prune the user's DAGs."""
    hub = config.deployment.account
    stack = config.deployment.stack_name
    out: list[Statement] = []
    for env in spoke_environments(config, account):
        bucket = f"arn:{partition}:s3:::{env.source_bucket}"
        folder = env.dags_s3_path.strip("/")
        out.append(
            {
                "Sid": "MwaaPauseResumeHubWritesDags",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition}:iam::{hub}:root"},
                "Action": ["s3:ListBucket", "s3:PutObject"],
                "Resource": [bucket, f"{bucket}/{folder}/*" if folder else f"{bucket}/*"],
                "Condition": {"StringEquals": {f"aws:PrincipalTag/{HUB_TAG}": stack}},
            }
        )
    return out


def spoke_summary(config: Config) -> list[tuple[str, Sequence[str]]]:
    """(spoke account, its environments' names) for messages and docs."""
    return [
        (account, [e.name for e in spoke_environments(config, account)])
        for account in spoke_accounts(config.environments, config.deployment)
    ]
