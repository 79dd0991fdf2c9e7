"""IAM statements for each handler capability, scoped to the configured environments (pure).

No statement grants ``airflow:``, ``iam:PassRole`` or ``s3:`` on ``*``; past
:data:`~mwaa_pause_resume.infra.permission_scope.FLEET_SCOPING_THRESHOLD` environments
some grants name a pattern per region instead of each environment
(:mod:`~mwaa_pause_resume.infra.permission_scope`, docs/security.md). CreateEnvironment's
grants are in :mod:`~mwaa_pause_resume.infra.environment_create_grants`. Snapshot
objects are granted under the configured environments' prefixes only, and the
backup key only through S3 for this bucket (the Lambda functions never call KMS
themselves). The few actions AWS does not scope by resource (EC2 ``Describe*``)
or whose resource is only known at resume time (a customer managed key of the
environment itself) are narrowed by conditions instead; the stack acknowledges
them to cdk-nag with these reasons.
"""

from __future__ import annotations

from collections.abc import Sequence

from mwaa_pause_resume.functions.layout import LOCK_FILE
from mwaa_pause_resume.functions.metrics import METRICS_NAMESPACE
from mwaa_pause_resume.functions.overrides import parameter_name
from mwaa_pause_resume.functions.ownership import OWNER_TAG
from mwaa_pause_resume.infra.capabilities import Capability, Handler
from mwaa_pause_resume.infra.environment_create_grants import create_environment_statements
from mwaa_pause_resume.infra.permission_scope import Scope, Statement, allow, unique
from mwaa_pause_resume.schedule.timing_history import TIMING_FILE


def _backup_key_statement(sid: str, actions: Sequence[str], scope: Scope) -> Statement:
    """The backup key, only as S3 uses it for objects of the backup bucket (SSE-KMS)."""
    bucket = scope.backup_bucket_arn
    return allow(
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
    list_bucket = allow("ListSnapshots", ["s3:ListBucket"], [bucket])
    if capability is Capability.SNAPSHOTS_READ:
        return [
            list_bucket,
            allow("ReadSnapshots", ["s3:GetObject"], objects),
            _backup_key_statement("DecryptSnapshots", ["kms:Decrypt"], scope),
        ]
    if capability is Capability.SNAPSHOTS_WRITE:
        return [
            allow("WriteSnapshots", ["s3:PutObject"], objects),
            # S3 Bucket Keys: S3 may decrypt the bucket-level key on a PutObject too.
            _backup_key_statement(
                "EncryptSnapshots", ["kms:Decrypt", "kms:GenerateDataKey"], scope
            ),
        ]
    if capability is Capability.SNAPSHOTS_DELETE:
        return [allow("DeleteSnapshots", ["s3:DeleteObject"], objects)]
    if capability is Capability.LOCK:
        locks = scope.snapshot_objects(LOCK_FILE)
        return [
            list_bucket,
            allow("UseLocks", ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"], locks),
            _backup_key_statement("EncryptLocks", ["kms:Decrypt", "kms:GenerateDataKey"], scope),
        ]
    if capability is Capability.TIMING:
        files = scope.snapshot_objects(TIMING_FILE)
        return [
            list_bucket,
            allow("UseTimings", ["s3:GetObject", "s3:PutObject"], files),
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
        parameters = unique([scope.arn("ssm", f"parameter/{n}") for n in names])
        return [allow("ReadOverrides", ["ssm:GetParameter"], parameters)]
    calendars = unique(
        [
            c if c.startswith("arn:") else scope.arn("ssm", f"document/{c}")
            for c in (e.change_calendar for e in scope.environments)
            if c
        ]
    )
    if not calendars:
        return []
    return [allow("ReadChangeCalendars", ["ssm:GetCalendarState"], calendars)]


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
    return [allow("AssumeSpokeRoles", ["sts:AssumeRole"], unique(list(scope.spoke_role_arns)))]


def capability_statements(capability: Capability, scope: Scope) -> list[Statement]:
    envs = scope.environment_arns
    if capability in MWAA_CAPABILITIES and not scope.local_environments:
        return []  # every environment is in a spoke account
    if capability is Capability.ENV_READ:
        return [allow("ReadEnvironments", ["airflow:GetEnvironment"], envs)]
    if capability is Capability.ENV_DELETE:
        return [allow("DeleteEnvironments", ["airflow:DeleteEnvironment"], envs)]
    if capability is Capability.ENV_UPDATE:
        return [allow("UpdateEnvironments", ["airflow:UpdateEnvironment"], envs)]
    if capability is Capability.ENV_TAG:
        return [
            allow(
                "TagEnvironmentsOwner",
                ["airflow:TagResource"],
                envs,
                Condition={"ForAllValues:StringEquals": {"aws:TagKeys": [OWNER_TAG]}},
            )
        ]
    if capability is Capability.ENV_CREATE:
        return create_environment_statements(scope)
    if capability is Capability.REST_API:
        return [allow("CallAirflowRestApi", ["airflow:InvokeRestApi"], scope.rest_api_role_arns)]
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
            allow(
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
        return [allow(sid, [action], [scope.mac_key_arn])]
    if capability in (Capability.OVERRIDE_READ, Capability.CALENDAR_READ):
        return gate_statements(capability, scope)
    if capability is Capability.PUBLISH:
        if scope.topic_arn is None or scope.topic_key_arn is None:
            return []
        return [
            allow("PublishNotifications", ["sns:Publish"], [scope.topic_arn]),
            allow(
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
            allow(
                "ReadWebhookSecret",
                ["secretsmanager:GetSecretValue"],
                [scope.arn("secretsmanager", f"secret:{hook.url_secret}-??????")],
            )
        ]
        service = "secretsmanager"
    else:
        name = (hook.url_parameter or "").lstrip("/")
        statements = [
            allow(
                "ReadWebhookParameter",
                ["ssm:GetParameter"],
                [scope.arn("ssm", f"parameter/{name}")],
            )
        ]
        service = "ssm"
    if hook.kms_key_arn is not None:  # a customer managed key; AWS managed keys need no grant
        statements.append(
            allow(
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
