"""cdk-nag acknowledgments: each AwsSolutions finding we accept, with the reason, in code.

Wildcard findings (``AwsSolutions-IAM5[...]``) are acknowledged statement by
statement by :class:`WildcardReasons`, an aspect that resolves every IAM policy
in the stack and looks each wildcard up in :func:`wildcard_reason`. A wildcard
that no rule explains stays unacknowledged and fails the synthesis: a new
broad grant cannot slip in unnoticed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import IConstruct

from mwaa_pause_resume.infra.lambdas import RUNTIME

BUCKET_DEPLOYMENT = "Custom::CDKBucketDeployment"

# The region and account fields of an ARN in a finding id: concrete when
# [deployment] sets them, else the unresolved pseudo parameter as cdk-nag prints
# it (``<AWS::Region>``, ``<AWS::AccountId>``; see :func:`render`).
REGION = r"(?:[a-z]+(?:-[a-z]+)+-\d+|<AWS::Region>)"
ACCOUNT = r"(?:\d{12}|<AWS::AccountId>)"
_SCOPE = f"{REGION}:{ACCOUNT}"
# The backup bucket's name: a Ref to the bucket in the main stack, a Ref to the
# BackupBucketName parameter in a nested group (infra/groups.py).
BACKUP_BUCKET = r"(?:BackupSnapshots[A-Za-z0-9]+|BackupBucketName)"
# An environment's access point on the backup bucket (shared/snapshot_access_point.py).
_ACCESS_POINT = rf"arn:<AWS::Partition>:s3:{_SCOPE}:accesspoint/mpr-[a-z0-9-]+"

# (actions every one of which matches, resource pattern) -> reason
_RULES: list[tuple[str, str, str]] = [
    (
        r"xray:.*",
        r"\*",
        "X-Ray tracing (PutTraceSegments, PutTelemetryRecords, sampling) supports no "
        "resource-level permissions.",
    ),
    (
        r"logs:(Create|Get|Update|Delete)LogDelivery|logs:ListLogDeliveries|"
        r"logs:(PutResourcePolicy|DescribeResourcePolicies|DescribeLogGroups)",
        r"\*",
        "Step Functions logging to CloudWatch Logs: the log-delivery APIs support no "
        "resource-level permissions (AWS documentation).",
    ),
    (
        r"ec2:Describe.*",
        r"\*",
        "MWAA's CreateEnvironment describes the VPC, subnets, security groups, route tables and "
        "endpoints; EC2 Describe actions support no resource-level permissions.",
    ),
    (
        r"ec2:(Create|Delete)NetworkInterface|ec2:Describe(NetworkInterfaces|Subnets)|"
        r"ec2:(Assign|Unassign)PrivateIpAddresses",
        r"\*",
        "A function attached to lambda_subnet_ids: Lambda creates and deletes its network "
        "interfaces with the function's role; their ids are made at run time and "
        "DescribeNetworkInterfaces works only on '*' (AWS Lambda documentation). The actions "
        "are those of AWSLambdaVPCAccessExecutionRole, without its log grants.",
    ),
    (
        r"lambda:InvokeFunction",
        r"<[A-Za-z0-9]+\.Arn>:\*",
        "The workflows invoke versions/aliases of this stack's own functions only.",
    ),
    (
        r"s3:(DeleteObject|GetObject|PutObject)",
        r"<BackupSnapshots[A-Za-z0-9]+\.Arn>/[A-Za-z0-9_-]+/\*",
        "Snapshot objects under one configured environment's <environment>/ prefix of this "
        "stack's backup bucket: snapshot ids are made at run time.",
    ),
    (
        r"s3:GetObject",
        rf"{_ACCESS_POINT}/object/[A-Za-z0-9_-]+/\*",
        "The execution role reads its own <environment>/ prefix of the backup bucket, "
        "through its environment's access point (whose policy fences it the same way).",
    ),
    (
        r"s3:(PutObject|AbortMultipartUpload|ListMultipartUploadParts)",
        rf"{_ACCESS_POINT}/object/[A-Za-z0-9_-]+/\*/"
        r"(tables/\*|rest/\*|manifest\.json|paused-states\.json|import-report\.json)",
        "The execution role writes only an export's files (tables/, rest/, manifest.json, "
        "paused-states.json) and the import's report (import-report.json) in snapshots "
        "under its own <environment>/ prefix, through its environment's access point; "
        "snapshot ids are made at run time.",
    ),
    (
        r"ec2:CreateVpcEndpoint|ec2:CreateNetworkInterface",
        rf"arn:<AWS::Partition>:ec2:{_SCOPE}:(vpc-endpoint|network-interface)/\*",
        "Endpoints and network interfaces MWAA creates during CreateEnvironment: their ids "
        "cannot be known in advance; scoped to this account and region.",
    ),
    (
        r"ec2:CreateVpcEndpoint|ec2:CreateNetworkInterface",
        rf"arn:<AWS::Partition>:ec2:{_SCOPE}:(vpc|subnet|security-group)/\*",
        "An environment configured without network ids is re-created in the VPC, subnets and "
        "security groups recorded in its snapshot; scoped to this account and region.",
    ),
    (
        r"logs:CreateLogGroup|logs:DescribeLogGroups",
        rf"arn:<AWS::Partition>:logs:{_SCOPE}:log-group:airflow-[A-Za-z0-9_-]+-\*",
        "MWAA's log groups of a configured environment (airflow-<environment>-<module>).",
    ),
    # Fleet-size scoping (permission_scope.uses_fleet_scoping; docs/security.md): past
    # FLEET_SCOPING_THRESHOLD environments, patterns instead of per-environment lists.
    (
        r"airflow:(GetEnvironment|CreateEnvironment|UpdateEnvironment|DeleteEnvironment|"
        r"TagResource)",
        rf"arn:<AWS::Partition>:airflow:{_SCOPE}:environment/\*",
        "Fleet-size scoping: a list of every configured environment would pass IAM's 10,240 "
        "character limit of a role's policies. The functions act only on configured names "
        "(the workflows' input) and Begin refuses environments another deployment's "
        "ownership tag claims; this account and region only.",
    ),
    (
        r"airflow:InvokeRestApi",
        rf"arn:<AWS::Partition>:airflow:{_SCOPE}:role/\*/User",
        "Fleet-size scoping: the REST API's User role of the environments of this account "
        "and region; the functions call only configured environments.",
    ),
    (
        r"logs:CreateLogGroup|logs:DescribeLogGroups",
        rf"arn:<AWS::Partition>:logs:{_SCOPE}:log-group:airflow-\*",
        "Fleet-size scoping: MWAA's log groups (airflow-<environment>-<module>) in this "
        "account and region, created by MWAA during CreateEnvironment of configured "
        "environments.",
    ),
    (
        r"s3:(DeleteObject|GetObject|PutObject)",
        rf"(<BackupSnapshots[A-Za-z0-9]+\.Arn>|arn:<AWS::Partition>:s3:::<{BACKUP_BUCKET}>)"
        r"/\*/(\*|lock\.json|timing\.json)",
        "Fleet-size scoping: snapshot objects of this stack's backup bucket, which holds only "
        "the configured environments' prefixes; its policy fences each execution role.",
    ),
    (
        r"iam:PassRole",
        r"arn:(?:<AWS::Partition>|aws[a-z-]*):iam::\d{12}:role/[\w+=,.@/-]{4,}\*",
        "Fleet-size scoping: more than 40 distinct execution roles are passed to MWAA by "
        "their common IAM path or name prefix (infra/environment_create_grants.py), only "
        "to airflow.amazonaws.com (iam:PassedToService); CreateEnvironment passes the "
        "configured or signed snapshot's role.",
    ),
    (
        r"ssm:GetParameter",
        rf"arn:<AWS::Partition>:ssm:{_SCOPE}:parameter/mwaa-pause-resume/[A-Za-z0-9-]+/"
        r"overrides/\*",
        "Fleet-size scoping: this deployment's override parameters (one per configured "
        "environment); the run gate reads only configured names.",
    ),
    (
        r"s3:(GetBucketLocation|GetBucketPublicAccessBlock|GetEncryptionConfiguration)",
        r"arn:<AWS::Partition>:s3:::\*",
        "Fleet-size scoping: CreateEnvironment checks its source bucket's metadata (no "
        "object); an environment's source bucket is in its own account, and the statement "
        "is limited to this account's buckets (aws:ResourceAccount).",
    ),
    (
        r"kms:CreateGrant",
        rf"arn:<AWS::Partition>:kms:{_SCOPE}:key/\*",
        "An environment encrypted with its own customer managed key: the key is only known "
        "from the snapshot; limited to grants for AWS resources (kms:GrantIsForAWSResource).",
    ),
    (
        r"kms:DescribeKey",
        rf"arn:<AWS::Partition>:kms:{_SCOPE}:key/\*",
        "CreateEnvironment describes an environment's own customer managed key, only known "
        "from the snapshot (key metadata only; this account and region).",
    ),
    (
        r"cloudwatch:PutMetricData",
        r"\*",
        "PutMetricData has no resource type; the cloudwatch:namespace condition confines "
        "the metrics function to the tool's own namespace.",
    ),
    # CDK's BucketDeployment handler (copies the DAG bundle; prune=False, retained on delete).
    (
        r"s3:(GetObject\*|GetBucket\*|List\*|DeleteObject\*|PutObject|PutObjectLegalHold|"
        r"PutObjectRetention|PutObjectTagging|PutObjectVersionTagging|Abort\*)",
        r"arn:<AWS::Partition>:s3:::(cdk-[a-z0-9]+-assets-[^/]+|[a-z0-9.-]+)(/\*)?",
        "CDK BucketDeployment: reads the DAG bundle from the CDK asset bucket and writes it "
        "into the environment's source bucket (prune=False, retained on delete).",
    ),
    (
        r"s3:(GetObject\*|GetBucket\*|List\*)",
        r"arn:<AWS::Partition>:s3:::cdk-[a-z0-9]+-assets-.+",
        "CDK BucketDeployment reads its asset from the CDK bootstrap bucket.",
    ),
]
_ACTION_RULES: list[tuple[str, str]] = [
    (
        r"s3:(GetObject|GetBucket|List|DeleteObject|Abort)\*",
        "CDK BucketDeployment's own grant on the asset and source buckets (resources scoped).",
    ),
]


def render(value: Any) -> str:
    """A resolved template value as cdk-nag prints it in finding ids."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((fn, arg),) = value.items()
        if fn == "Fn::Join":
            return str(arg[0]).join(render(part) for part in arg[1])
        if fn == "Ref":
            return f"<{arg}>"
        if fn == "Fn::GetAtt":
            return f"<{'.'.join(arg) if isinstance(arg, list) else arg}>"
        if fn == "Fn::Sub" and isinstance(arg, str):
            # CDK's asset bucket without a concrete account/region: ${AWS::AccountId}.
            return re.sub(r"\$\{([^}]+)\}", r"<\1>", arg)
    return str(value)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def wildcard_reason(actions: list[str], resource: str) -> str | None:
    for action_pattern, resource_pattern, reason in _RULES:
        if re.fullmatch(resource_pattern, resource) and all(
            re.fullmatch(action_pattern, a) for a in actions
        ):
            return reason
    return None


def statement_findings(statement: dict[str, Any]) -> Iterator[tuple[str, str | None]]:
    """(finding id, reason or None when no rule explains it) for each wildcard of a statement."""
    if statement.get("Effect") != "Allow":
        return
    actions = [str(a) for a in _as_list(statement.get("Action", []))]
    for resource in _as_list(statement.get("Resource", [])):
        text = render(resource)
        if "*" in text:
            yield f"AwsSolutions-IAM5[Resource::{text}]", wildcard_reason(actions, text)
    for action in actions:
        if "*" in action:
            reason = next((r for p, r in _ACTION_RULES if re.fullmatch(p, action)), None)
            yield f"AwsSolutions-IAM5[Action::{action}]", reason


def document_findings(documents: list[Any]) -> dict[str, str]:
    """Finding id -> reason, for findings every statement raising them explains.

    cdk-nag names a finding by the wildcard text alone (``Resource::*``), per
    construct: one unexplained statement among explained ones with the same
    wildcard keeps the finding unacknowledged.
    """
    reasons: dict[str, set[str | None]] = {}
    for document in documents:
        for statement in (document or {}).get("Statement", []):
            for finding, reason in statement_findings(statement):
                reasons.setdefault(finding, set()).add(reason)
    return {
        finding: " ".join(sorted(r for r in found if r))
        for finding, found in reasons.items()
        if None not in found
    }


def _documents(node: IConstruct) -> list[Any]:
    stack = cdk.Stack.of(node)
    if isinstance(node, (iam.CfnPolicy, iam.CfnManagedPolicy)):
        # CfnManagedPolicy: CDK moves statements past IAM's inline size into "overflow"
        # managed policies, e.g. BucketDeployment's role in a group with many DAGs folders.
        return [stack.resolve(node.policy_document)]
    if isinstance(node, iam.CfnRole) and node.policies is not None:
        # Resolved L1 structs keep their property names in camelCase.
        return [
            p.get("policyDocument") or p.get("PolicyDocument")
            for p in _as_list(stack.resolve(node.policies))
        ]
    return []


@jsii.implements(cdk.IAspect)
class WildcardReasons:
    def visit(self, node: IConstruct) -> None:
        acknowledged = document_findings(_documents(node))
        if isinstance(node, lambda_.CfnFunction):
            acknowledged.update(_function_findings(node))
        if isinstance(node, iam.CfnRole) and BUCKET_DEPLOYMENT in node.node.path:
            acknowledged[
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AWSLambdaBasicExecutionRole]"
            ] = "CDK BucketDeployment's handler role (managed by CDK) writes its own logs."
        for finding, reason in sorted(acknowledged.items()):
            cdk.Validations.of(node).acknowledge(cdk.Acknowledgment(id=finding, reason=reason))


def _function_findings(node: lambda_.CfnFunction) -> dict[str, str]:
    if BUCKET_DEPLOYMENT in node.node.path:
        return {"AwsSolutions-L1": "CDK BucketDeployment's handler: CDK chooses its runtime."}
    if node.runtime == RUNTIME.name:
        return {
            "AwsSolutions-L1": f"{RUNTIME.name} is a supported Lambda runtime (deprecation "
            "announced for 2029); the handlers are tested on it and pinned deliberately."
        }
    return {}


def acknowledge_findings(stack: cdk.Stack) -> None:
    cdk.Aspects.of(stack).add(WildcardReasons())
