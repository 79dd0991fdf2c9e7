"""The Lambda functions: one per handler, each with its own least-privilege role.

With ``[deployment] lambda_subnet_ids`` the functions that call InvokeRestApi
(:attr:`Handler.joins_vpc`) run in those subnets with those security groups; the
others stay outside any VPC. The subnets, groups and VPC are imported by id: no
lookup, so ``synth`` still needs no AWS credentials.
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from mwaa_pause_resume.config.fleet import spoke_role_name
from mwaa_pause_resume.config.model import DeploymentConfig
from mwaa_pause_resume.functions.ownership import DEPLOYMENT_VARIABLE
from mwaa_pause_resume.functions.settings import MAC_KEY_VARIABLE
from mwaa_pause_resume.functions.spoke_session import SPOKE_ROLE_VARIABLE
from mwaa_pause_resume.infra.capabilities import HANDLERS, OWNERSHIP_HANDLERS, Handler
from mwaa_pause_resume.infra.lambda_bundle import LambdaBundle
from mwaa_pause_resume.infra.names import construct_id
from mwaa_pause_resume.infra.permission_scope import Scope
from mwaa_pause_resume.infra.permissions import MWAA_CAPABILITIES, handler_statements
from mwaa_pause_resume.infra.spoke import HUB_TAG
from mwaa_pause_resume.infra.vpc_endpoints import require_lambda_vpc

# Python 3.13: a current Lambda runtime (deprecation 2029) that the tool's own minimum
# (3.11) code runs on unchanged; the bundle is pure Python, so ARM (cheaper) works.
RUNTIME = lambda_.Runtime.PYTHON_3_13
ARCHITECTURE = lambda_.Architecture.ARM_64
LOG_RETENTION = logs.RetentionDays.THREE_MONTHS
# What Lambda does with the role of a function in a VPC: create, describe and delete its
# network interfaces (AWSLambdaVPCAccessExecutionRole without its log grants: each
# function already writes its own log group). DescribeNetworkInterfaces works only on
# "*", and Lambda's interfaces get ids at run time: see nag.py.
VPC_ACCESS_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
)
VPC_ACCESS_POLICY = "VpcNetworkInterfaces"


@dataclass(frozen=True)
class Placement:
    """Where the functions that join a VPC run (imported, never looked up)."""

    vpc: ec2.IVpc
    subnets: list[ec2.ISubnet]
    security_groups: list[ec2.ISecurityGroup]


class WorkflowFunctions(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id_: str,
        bundle: LambdaBundle,
        iam_scope: Scope,
        deployment: DeploymentConfig | None = None,
    ) -> None:
        super().__init__(scope, construct_id_)
        self.placement = (
            self._import_placement(deployment, iam_scope)
            if deployment is not None and deployment.lambdas_in_vpc
            else None
        )
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
            if not handler.optional:
                self._add(key, handler, iam_scope)

    def add_optional(self, key: str, iam_scope: Scope, *, in_vpc: bool = False) -> lambda_.Function:
        """Deploy an optional handler (e.g. the chat webhook) the configuration asks for;
        ``in_vpc``: in the [deployment] subnets too, though it calls no InvokeRestApi."""
        self._add(key, HANDLERS[key], iam_scope, in_vpc=in_vpc)
        return self.functions[key]

    def _import_placement(self, deployment: DeploymentConfig, iam_scope: Scope) -> Placement:
        vpc_id = require_lambda_vpc(deployment, iam_scope.environments)
        # The zones are never used (the subnets are selected explicitly; a function's
        # VpcConfig carries only subnet and group ids): Fn::GetAZs is no context lookup.
        vpc = ec2.Vpc.from_vpc_attributes(
            self, "LambdaVpc", vpc_id=vpc_id, availability_zones=cdk.Fn.get_azs()
        )
        subnets = [
            ec2.Subnet.from_subnet_id(self, f"LambdaSubnet{i}", subnet)
            for i, subnet in enumerate(deployment.lambda_subnet_ids)
        ]
        groups = [
            # mutable=False: the user's groups are never given rules by this stack.
            ec2.SecurityGroup.from_security_group_id(self, f"LambdaGroup{i}", group, mutable=False)
            for i, group in enumerate(deployment.lambda_security_group_ids)
        ]
        return Placement(vpc, subnets, groups)

    def _add(self, key: str, handler: Handler, iam_scope: Scope, *, in_vpc: bool = False) -> None:
        cid = construct_id(key.replace("_", "-"))
        placement = self.placement if handler.joins_vpc or in_vpc else None
        log_group = logs.LogGroup(
            self, f"{cid}Logs", retention=LOG_RETENTION, removal_policy=cdk.RemovalPolicy.DESTROY
        )
        statements = [
            iam.PolicyStatement.from_json(s) for s in handler_statements(handler, iam_scope)
        ]
        policies = {"Permissions": iam.PolicyDocument(statements=statements)} if statements else {}
        if placement is not None:
            # Inline in the role, not a separate policy: CloudFormation creates the role,
            # with it, before the function whose network interfaces need it.
            policies[VPC_ACCESS_POLICY] = iam.PolicyDocument(
                statements=[iam.PolicyStatement(actions=list(VPC_ACCESS_ACTIONS), resources=["*"])]
            )
        role = iam.Role(
            self,
            f"{cid}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"mwaa-pause-resume {key} function",
            inline_policies=policies or None,
        )
        log_group.grant_write(role)
        # The deployment id behind the ownership tag (functions.ownership): the stack name.
        environment = (
            {DEPLOYMENT_VARIABLE: cdk.Stack.of(self).stack_name}
            if key in OWNERSHIP_HANDLERS
            else None
        )
        function = lambda_.Function(
            self,
            cid,
            environment=environment,
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
            vpc=placement.vpc if placement else None,
            vpc_subnets=ec2.SubnetSelection(subnets=placement.subnets) if placement else None,
            security_groups=placement.security_groups if placement else None,
        )
        if handler.uses_mac_key and iam_scope.mac_key_arn is not None:
            function.add_environment(MAC_KEY_VARIABLE, iam_scope.mac_key_arn)
        if iam_scope.spoke_role_arns and MWAA_CAPABILITIES & handler.capabilities:
            # Reaches spoke accounts (functions.spoke_session): the role's name, and the tag
            # the spoke role's trust policy requires of its callers (infra.spoke).
            stack_name = cdk.Stack.of(self).stack_name
            function.add_environment(SPOKE_ROLE_VARIABLE, spoke_role_name(stack_name))
            cdk.Tags.of(role).add(HUB_TAG, stack_name)
        self.functions[key] = function
        self.roles[key] = role
