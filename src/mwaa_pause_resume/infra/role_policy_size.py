"""How large each function role's IAM policies get for a configuration (pure, no CDK).

IAM refuses a role whose inline policies pass :data:`ROLE_POLICY_LIMIT` characters in
all (whitespace not counted), and only at deploy time, after CloudFormation has created
half the stack. The statements come from :func:`infra.permissions.handler_statements`,
the same builder the stack uses, so the estimate is the real JSON of each role's
``Permissions`` policy, with the values CloudFormation only knows at deploy time (the
backup bucket and keys, the topic, the partition, an unset account or region) replaced
by the longest values AWS allows, plus a bound on the two policies the stack adds (the
function's log-group grant, the VPC network-interface grant).

``validate``, ``synth``, ``deploy`` and the CDK app refuse a configuration whose largest
role would pass the limit, naming the role (:func:`refuse_oversized_roles`). It lives in
``infra`` rather than in the configuration's own checks because it is built from the
stack's statements, and ``infra`` imports ``config``. Past
:data:`infra.permission_scope.FLEET_SCOPING_THRESHOLD` environments the MWAA, log and
snapshot grants are patterns (docs/security.md, Fleet-size scoping); what still grows is
one ARN per distinct execution role, source bucket, subnet and security group.
``tests/infra/test_role_policy_size.py`` checks the estimate bounds the synthesized
policies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from mwaa_pause_resume.config.fleet import spoke_accounts, spoke_role_arn
from mwaa_pause_resume.config.model import Config
from mwaa_pause_resume.config.problems import ConfigError, Problem
from mwaa_pause_resume.infra.capabilities import HANDLERS
from mwaa_pause_resume.infra.permission_scope import Scope
from mwaa_pause_resume.infra.permissions import handler_statements
from mwaa_pause_resume.infra.spoke import (
    SPOKE_POLICY_FIX,
    spoke_environments,
    spoke_policies_too_large,
)
from mwaa_pause_resume.infra.spoke_access import KEY_POLICY_FIX, backup_key_policy_too_large

ROLE_POLICY_LIMIT = 10_240  # IAM: a role's inline policies, in all, in characters
# Worst cases of the names CloudFormation makes at deploy time.
LONGEST_PARTITION = "aws-us-gov"
LONGEST_BUCKET_ARN = f"arn:{LONGEST_PARTITION}:s3:::{'b' * 63}"  # bucket names: 63 chars
LONGEST_REGION = "x" * 14  # e.g. ap-southeast-4
PLACEHOLDER_ACCOUNT = "1" * 12
# Bound on what the stack adds to the Permissions policy: the log group grant CDK puts in
# the role's DefaultPolicy (two actions on the function's log group ARN) and, for the
# functions in lambda_subnet_ids, the VpcNetworkInterfaces policy. Measured at 521
# characters with the longest names; tests/infra/test_role_policy_size.py checks it.
ADDED_POLICIES_BOUND = 640


@dataclass(frozen=True)
class RolePolicySize:
    handler: str  # the function (infra.capabilities.HANDLERS key)
    characters: int


def _key_arn(region: str, account: str) -> str:
    return f"arn:{LONGEST_PARTITION}:kms:{region}:{account}:key/{'k' * 36}"


def role_policy_sizes(config: Config) -> list[RolePolicySize]:
    """Each deployed function role's estimated policy characters, largest first."""
    deployment = config.deployment
    region = deployment.region or LONGEST_REGION
    account = deployment.account or PLACEHOLDER_ACCOUNT
    spokes = spoke_accounts(config.environments, deployment)
    scope = Scope(
        partition=LONGEST_PARTITION,
        region=region,
        account=account,
        environments=config.environments,
        backup_bucket_arn=LONGEST_BUCKET_ARN,
        backup_key_arn=_key_arn(region, account),
        topic_arn=f"arn:{LONGEST_PARTITION}:sns:{region}:{account}:{'t' * 256}",
        topic_key_arn=_key_arn(region, account),
        mac_key_arn=_key_arn(region, account),
        webhook=config.notifications.webhook,
        deployment=deployment.stack_name,
        spoke_role_arns=[
            spoke_role_arn(deployment.stack_name, a, LONGEST_PARTITION) for a in spokes
        ],
        spoke_accounts=frozenset(spokes),
    )
    sizes = []
    for key, handler in HANDLERS.items():
        if handler.optional and not (key == "webhook" and config.notifications.webhook):
            continue
        document = {"Version": "2012-10-17", "Statement": handler_statements(handler, scope)}
        characters = len(json.dumps(document, separators=(",", ":"))) + ADDED_POLICIES_BOUND
        sizes.append(RolePolicySize(key, characters))
    return sorted(sizes, key=lambda s: (-s.characters, s.handler))


def role_policy_too_large(config: Config) -> str | None:
    """Why a function role's policies would pass IAM's limit, or None when all fit."""
    largest = role_policy_sizes(config)[0]
    if largest.characters <= ROLE_POLICY_LIMIT:
        return None
    return (
        f"the {largest.handler} function's IAM role policies would be about "
        f"{largest.characters} characters for {len(config.environments)} environments, more "
        f"than IAM's limit of {ROLE_POLICY_LIMIT} characters per role (inline policies in all)"
    )


ROLE_POLICY_FIX = (
    "let environments share execution roles, source buckets, subnets and security groups "
    "(the policies name each distinct one), give many execution roles a common IAM path or "
    "name prefix (e.g. role/mwaa/...: past 40 roles the policy names the prefix), or split "
    "the environments over two deployments (two configuration files, each with its own "
    "[deployment] stack_name)"
)


def refuse_oversized_roles(config: Config) -> Config:
    """``config`` unchanged, or :class:`ConfigError` when a function role, or a spoke
    account's role (``infra.spoke``), would pass IAM's limits, or the backup key's policy
    KMS's (``infra.spoke_access``)."""
    problems = []
    if (too_large := role_policy_too_large(config)) is not None:
        problems.append(Problem("environments", too_large, ROLE_POLICY_FIX))
    if (spoke_too_large := spoke_policies_too_large(config)) is not None:
        problems.append(Problem("environments", spoke_too_large, SPOKE_POLICY_FIX))
    key_too_large = backup_key_policy_too_large(spoke_environments(config))
    if key_too_large is not None:
        problems.append(Problem("environments", key_too_large, KEY_POLICY_FIX))
    if problems:
        raise ConfigError(problems, config.source)
    return config
