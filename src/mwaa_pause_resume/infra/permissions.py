"""IAM statements for each handler capability, scoped to the configured environments (pure).

No statement grants ``airflow:``, ``iam:PassRole`` or ``s3:`` on ``*``; past
:data:`FLEET_SCOPING_THRESHOLD` environments some grants name a pattern per region
instead of each environment (:func:`uses_fleet_scoping`, docs/security.md). Snapshot
objects are granted under the configured environments' prefixes only, and the
backup key only through S3 for this bucket (the Lambda functions never call KMS
themselves). The few actions AWS does not scope by resource (EC2 ``Describe*``)
or whose resource is only known at resume time (a customer managed key of the
environment itself) are narrowed by conditions instead; the stack acknowledges
them to cdk-nag with these reasons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mwaa_pause_resume.config.chat import ChatWebhook
from mwaa_pause_resume.config.model import EnvironmentConfig
from mwaa_pause_resume.functions.layout import LOCK_FILE
from mwaa_pause_resume.functions.metrics import METRICS_NAMESPACE
from mwaa_pause_resume.functions.overrides import parameter_name
from mwaa_pause_resume.functions.ownership import OWNER_TAG
from mwaa_pause_resume.infra.capabilities import Capability, Handler
from mwaa_pause_resume.infra.names import (
    AIRFLOW_REST_ROLE,
    AIRFLOW_SERVICE,
    bucket_arn,
    env_prefix,
    environment_arn,
    rest_api_role_arn,
)
from mwaa_pause_resume.schedule.timing_history import TIMING_FILE

# MWAA's service-linked role: CreateEnvironment creates it when the account has none
# (e.g. it was deleted while every environment was paused).
MWAA_SERVICE_LINKED_ROLE = "aws-service-role/airflow.amazonaws.com/AWSServiceRoleForAmazonMWAA"

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
        return _unique([self.region_of(e) for e in self.local_environments]) or [self.region]

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
        return _unique(
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
        return _unique([f"{bucket}/{env_prefix(e.name)}{suffix}" for e in self.environments])


def _allow(sid: str, actions: Sequence[str], resources: Sequence[str], **extra: Any) -> Statement:
    statement: Statement = {
        "Sid": sid,
        "Effect": "Allow",
        "Action": sorted(actions),
        "Resource": list(resources) if len(resources) > 1 else resources[0],
    }
    statement.update(extra)
    return statement


def _unique(values: Sequence[str]) -> list[str]:
    return sorted(set(values))


def create_environment_statements(scope: Scope) -> list[Statement]:
    """CreateEnvironment, which MWAA completes with the caller's own permissions (FAS)."""
    envs = scope.local_environments
    if not envs:
        return []
    regions = scope.regions

    def arn(env: EnvironmentConfig, resource: str) -> str:
        return scope.arn("ec2", resource, scope.region_of(env))

    def everywhere(service: str, resource: str) -> list[str]:
        return [scope.arn(service, resource, region) for region in regions]

    roles = _unique([e.execution_role_arn for e in envs])
    sources = _unique([bucket_arn(scope.partition, e.source_bucket) for e in envs])
    source_check: Statement = {}
    if scope.fleet_scoped:
        # Fleet size: a bucket per environment would fill the role's policy. These three
        # read only bucket metadata (no object), and MWAA requires an environment's source
        # bucket in its own account: any bucket of this account.
        sources = [bucket_arn(scope.partition, "*")]
        source_check = {"Condition": {"StringEquals": {"aws:ResourceAccount": scope.account}}}
    vpcs = _unique([arn(e, f"vpc/{e.vpc_id}") for e in envs if e.vpc_id])
    subnets = _unique([arn(e, f"subnet/{s}") for e in envs for s in e.subnet_ids])
    groups = _unique([arn(e, f"security-group/{g}") for e in envs for g in e.security_group_ids])
    # An environment without network ids in the config: the ids come from its snapshot.
    if any(not e.subnet_ids for e in envs):
        vpcs, subnets = everywhere("ec2", "vpc/*"), everywhere("ec2", "subnet/*")
    if any(not e.security_group_ids for e in envs):
        groups = everywhere("ec2", "security-group/*")
    return [
        _allow(
            "CreateConfiguredEnvironments",
            ["airflow:CreateEnvironment", "airflow:TagResource"],
            scope.environment_arns,
        ),
        _allow(
            "PassExecutionRolesToMwaa",
            ["iam:PassRole"],
            roles,
            Condition={"StringEquals": {"iam:PassedToService": AIRFLOW_SERVICE}},
        ),
        _allow(
            "CheckSourceBuckets",
            [
                "s3:GetBucketLocation",
                "s3:GetBucketPublicAccessBlock",
                "s3:GetEncryptionConfiguration",
            ],
            sources,
            **source_check,
        ),
        _allow(
            "DescribeNetwork",  # EC2 Describe* actions support no resource-level permissions
            [
                "ec2:DescribeRouteTables",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSubnets",
                "ec2:DescribeVpcEndpoints",
                "ec2:DescribeVpcs",
            ],
            ["*"],
        ),
        _allow(
            "CreateEnvironmentEndpoints",
            ["ec2:CreateVpcEndpoint"],
            [*everywhere("ec2", "vpc-endpoint/*"), *vpcs, *subnets, *groups],
        ),
        _allow(
            "CreateEnvironmentInterfaces",
            ["ec2:CreateNetworkInterface"],
            [*everywhere("ec2", "network-interface/*"), *subnets, *groups],
        ),
        _allow(
            "CreateEnvironmentLogGroups",  # MWAA names them airflow-<environment>-<module>
            ["logs:CreateLogGroup", "logs:DescribeLogGroups"],
            scope.log_group_arns,
        ),
        _allow(
            "CreateMwaaServiceLinkedRole",
            ["iam:CreateServiceLinkedRole"],
            [f"arn:{scope.partition}:iam::{scope.account}:role/{MWAA_SERVICE_LINKED_ROLE}"],
            Condition={"StringEquals": {"iam:AWSServiceName": AIRFLOW_SERVICE}},
        ),
        # An environment encrypted with its own customer managed key: the key id is only
        # known from the snapshot, so scope by account and region. kms:GrantIsForAWSResource
        # exists only in CreateGrant/ListGrants/RevokeGrant requests: a DescribeKey in the
        # same statement would never match, hence two statements.
        _allow(
            "GrantEnvironmentKeyToMwaa",
            ["kms:CreateGrant"],
            everywhere("kms", "key/*"),
            Condition={"Bool": {"kms:GrantIsForAWSResource": "true"}},
        ),
        _allow("DescribeEnvironmentKey", ["kms:DescribeKey"], everywhere("kms", "key/*")),
    ]


def _backup_key_statement(sid: str, actions: Sequence[str], scope: Scope) -> Statement:
    """The backup key, only as S3 uses it for objects of the backup bucket (SSE-KMS)."""
    bucket = scope.backup_bucket_arn
    return _allow(
        sid,
        actions,
        [scope.backup_key_arn],
        Condition={
            "StringEquals": {"kms:ViaService": f"s3.{scope.region}.amazonaws.com"},
            # With S3 Bucket Keys the context is the bucket's ARN, otherwise the object's.
            "StringLike": {"kms:EncryptionContext:aws:s3:arn": [bucket, f"{bucket}/*"]},
        },
    )


def snapshot_statements(capability: Capability, scope: Scope) -> list[Statement]:
    """S3 and KMS statements of the snapshot capabilities.

    Readers also get ``s3:ListBucket`` (without an ``s3:prefix`` condition, which a
    GetObject/HeadObject request does not carry): without it S3 answers 403 instead of
    404 for a missing key, and the handlers could not tell "no lock / no latest.json /
    no manifest yet" from a denied request.
    """
    bucket = scope.backup_bucket_arn
    objects = scope.snapshot_objects("*")
    list_bucket = _allow("ListSnapshots", ["s3:ListBucket"], [bucket])
    if capability is Capability.SNAPSHOTS_READ:
        return [
            list_bucket,
            _allow("ReadSnapshots", ["s3:GetObject"], objects),
            _backup_key_statement("DecryptSnapshots", ["kms:Decrypt"], scope),
        ]
    if capability is Capability.SNAPSHOTS_WRITE:
        return [
            _allow("WriteSnapshots", ["s3:PutObject"], objects),
            # S3 Bucket Keys: S3 may decrypt the bucket-level key on a PutObject too.
            _backup_key_statement(
                "EncryptSnapshots", ["kms:Decrypt", "kms:GenerateDataKey"], scope
            ),
        ]
    if capability is Capability.SNAPSHOTS_DELETE:
        return [_allow("DeleteSnapshots", ["s3:DeleteObject"], objects)]
    if capability is Capability.LOCK:
        locks = scope.snapshot_objects(LOCK_FILE)
        return [
            list_bucket,
            _allow("UseLocks", ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"], locks),
            _backup_key_statement("EncryptLocks", ["kms:Decrypt", "kms:GenerateDataKey"], scope),
        ]
    if capability is Capability.TIMING:
        files = scope.snapshot_objects(TIMING_FILE)
        return [
            list_bucket,
            _allow("UseTimings", ["s3:GetObject", "s3:PutObject"], files),
            _backup_key_statement("EncryptTimings", ["kms:Decrypt", "kms:GenerateDataKey"], scope),
        ]
    raise AssertionError(capability)


def gate_statements(capability: Capability, scope: Scope) -> list[Statement]:
    """The run gate's reads: its deployment's override parameters, one per configured
    environment, and the configured change calendars (none configured: no statement)."""
    if capability is Capability.OVERRIDE_READ:
        # Fleet size: the deployment's own parameter path (the function reads only the
        # configured environments' names under it).
        targets = ["*"] if scope.fleet_scoped_storage else [e.name for e in scope.environments]
        names = [parameter_name(scope.deployment, t).lstrip("/") for t in targets]
        parameters = _unique([scope.arn("ssm", f"parameter/{n}") for n in names])
        return [_allow("ReadOverrides", ["ssm:GetParameter"], parameters)]
    calendars = _unique(
        [
            c if c.startswith("arn:") else scope.arn("ssm", f"document/{c}")
            for c in (e.change_calendar for e in scope.environments)
            if c
        ]
    )
    if not calendars:
        return []
    return [_allow("ReadChangeCalendars", ["ssm:GetCalendarState"], calendars)]


# Capabilities that call MWAA on an environment: granted on this account's environments,
# and through the spoke role on the others (infra.spoke).
MWAA_CAPABILITIES = frozenset(
    {
        Capability.ENV_READ,
        Capability.ENV_CREATE,
        Capability.ENV_DELETE,
        Capability.ENV_UPDATE,
        Capability.ENV_TAG,
        Capability.REST_API,
    }
)


def assume_spoke_statements(scope: Scope) -> list[Statement]:
    """The hub functions that call MWAA assume the spoke role of each configured spoke
    account (functions.spoke_session), and no other role."""
    if not scope.spoke_role_arns:
        return []
    return [_allow("AssumeSpokeRoles", ["sts:AssumeRole"], _unique(list(scope.spoke_role_arns)))]


def capability_statements(capability: Capability, scope: Scope) -> list[Statement]:
    envs = scope.environment_arns
    if capability in MWAA_CAPABILITIES and not scope.local_environments:
        return []  # every environment is in a spoke account
    if capability is Capability.ENV_READ:
        return [_allow("ReadEnvironments", ["airflow:GetEnvironment"], envs)]
    if capability is Capability.ENV_DELETE:
        return [_allow("DeleteEnvironments", ["airflow:DeleteEnvironment"], envs)]
    if capability is Capability.ENV_UPDATE:
        return [_allow("UpdateEnvironments", ["airflow:UpdateEnvironment"], envs)]
    if capability is Capability.ENV_TAG:
        return [
            _allow(
                "TagEnvironmentsOwner",
                ["airflow:TagResource"],
                envs,
                Condition={"ForAllValues:StringEquals": {"aws:TagKeys": [OWNER_TAG]}},
            )
        ]
    if capability is Capability.ENV_CREATE:
        return create_environment_statements(scope)
    if capability is Capability.REST_API:
        return [_allow("CallAirflowRestApi", ["airflow:InvokeRestApi"], scope.rest_api_role_arns)]
    if capability in (
        Capability.SNAPSHOTS_READ,
        Capability.SNAPSHOTS_WRITE,
        Capability.SNAPSHOTS_DELETE,
        Capability.LOCK,
        Capability.TIMING,
    ):
        return snapshot_statements(capability, scope)
    if capability is Capability.METRICS:
        # PutMetricData has no resource; the namespace condition confines it to ours.
        return [
            _allow(
                "PutWorkflowMetrics",
                ["cloudwatch:PutMetricData"],
                ["*"],
                Condition={"StringEquals": {"cloudwatch:namespace": METRICS_NAMESPACE}},
            )
        ]
    if capability in (Capability.MAC_SIGN, Capability.MAC_VERIFY):
        if scope.mac_key_arn is None:
            return []
        action = "kms:GenerateMac" if capability is Capability.MAC_SIGN else "kms:VerifyMac"
        sid = "SignWithMacKey" if capability is Capability.MAC_SIGN else "VerifyWithMacKey"
        return [_allow(sid, [action], [scope.mac_key_arn])]
    if capability in (Capability.OVERRIDE_READ, Capability.CALENDAR_READ):
        return gate_statements(capability, scope)
    if capability is Capability.PUBLISH:
        if scope.topic_arn is None or scope.topic_key_arn is None:
            return []
        return [
            _allow("PublishNotifications", ["sns:Publish"], [scope.topic_arn]),
            _allow(
                "EncryptNotifications",
                ["kms:Decrypt", "kms:GenerateDataKey"],
                [scope.topic_key_arn],
                Condition={"StringEquals": {"kms:ViaService": f"sns.{scope.region}.amazonaws.com"}},
            ),
        ]
    if capability is Capability.WEBHOOK_URL:
        return webhook_statements(scope)
    raise AssertionError(capability)


def webhook_statements(scope: Scope) -> list[Statement]:
    """The webhook function reads its one secret or parameter, and nothing else."""
    hook = scope.webhook
    if hook is None:
        return []
    if hook.url_secret is not None:
        # Secrets Manager appends "-" and 6 random characters to a secret's ARN.
        statements = [
            _allow(
                "ReadWebhookSecret",
                ["secretsmanager:GetSecretValue"],
                [scope.arn("secretsmanager", f"secret:{hook.url_secret}-??????")],
            )
        ]
        service = "secretsmanager"
    else:
        name = (hook.url_parameter or "").lstrip("/")
        statements = [
            _allow(
                "ReadWebhookParameter",
                ["ssm:GetParameter"],
                [scope.arn("ssm", f"parameter/{name}")],
            )
        ]
        service = "ssm"
    if hook.kms_key_arn is not None:  # a customer managed key; AWS managed keys need no grant
        statements.append(
            _allow(
                "DecryptWebhookUrl",
                ["kms:Decrypt"],
                [hook.kms_key_arn],
                Condition={
                    "StringEquals": {"kms:ViaService": f"{service}.{scope.region}.amazonaws.com"}
                },
            )
        )
    return statements


def handler_statements(handler: Handler, scope: Scope) -> list[Statement]:
    """One role's statements: its capabilities' union, each Sid once (IAM rejects a policy
    whose Sids repeat; capabilities share some statements, e.g. ``ListSnapshots``)."""
    by_sid: dict[str, Statement] = {}
    extra = assume_spoke_statements(scope) if MWAA_CAPABILITIES & handler.capabilities else []
    for capability in sorted(handler.capabilities, key=lambda c: c.name):
        for statement in [*capability_statements(capability, scope), *extra]:
            seen = by_sid.setdefault(statement["Sid"], statement)
            if seen != statement:
                raise AssertionError(f"two different statements named {statement['Sid']}")
    return list(by_sid.values())
