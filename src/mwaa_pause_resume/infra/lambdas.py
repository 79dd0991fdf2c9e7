"""The Lambda functions: one per handler, each with its own least-privilege role."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from mwaa_pause_resume.infra.handlers import HANDLERS, Handler
from mwaa_pause_resume.infra.lambda_bundle import LambdaBundle
from mwaa_pause_resume.infra.names import construct_id
from mwaa_pause_resume.infra.permissions import Scope, handler_statements

# Python 3.13: a current Lambda runtime (deprecation 2029) that the tool's own minimum
# (3.11) code runs on unchanged; the bundle is pure Python, so ARM (cheaper) works.
RUNTIME = lambda_.Runtime.PYTHON_3_13
ARCHITECTURE = lambda_.Architecture.ARM_64
LOG_RETENTION = logs.RetentionDays.THREE_MONTHS


class WorkflowFunctions(Construct):
    def __init__(
        self, scope: Construct, construct_id_: str, bundle: LambdaBundle, iam_scope: Scope
    ) -> None:
        super().__init__(scope, construct_id_)
        self.sdk_layer = lambda_.LayerVersion(
            self,
            "Boto3",
            code=lambda_.Code.from_asset(str(bundle.layer_zip)),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="boto3 "
            + ", ".join(f"{k} {v}" for k, v in sorted(bundle.versions.items())),
        )
        self._code = lambda_.Code.from_asset(str(bundle.code_zip))
        self.functions: dict[str, lambda_.Function] = {}
        self.roles: dict[str, iam.Role] = {}
        for key, handler in HANDLERS.items():
            self._add(key, handler, iam_scope)

    def _add(self, key: str, handler: Handler, iam_scope: Scope) -> None:
        cid = construct_id(key.replace("_", "-"))
        log_group = logs.LogGroup(
            self, f"{cid}Logs", retention=LOG_RETENTION, removal_policy=cdk.RemovalPolicy.DESTROY
        )
        statements = [
            iam.PolicyStatement.from_json(s) for s in handler_statements(handler, iam_scope)
        ]
        role = iam.Role(
            self,
            f"{cid}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"mwaa-pause-resume {key} function",
            inline_policies={"Permissions": iam.PolicyDocument(statements=statements)}
            if statements
            else None,
        )
        log_group.grant_write(role)
        function = lambda_.Function(
            self,
            cid,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            code=self._code,
            handler=handler.entry_point,
            layers=[self.sdk_layer],
            role=role,
            timeout=cdk.Duration.seconds(handler.timeout_seconds),
            memory_size=handler.memory_mb,
            tracing=lambda_.Tracing.ACTIVE,
            log_group=log_group,
            description=f"mwaa-pause-resume: {key}",
        )
        self.functions[key] = function
        self.roles[key] = role
