"""VPC endpoints for the private side of a deployment (see :mod:`vpc_endpoints` for who
needs which): S3 gateway, KMS and MWAA ``airflow.env`` interfaces, one set per VPC.

What exists already is decided by ``deploy``'s check, passed in as CDK context;
an offline ``synth`` has no such context and plans the interface endpoints
only (an S3 gateway endpoint needs the subnets' route tables, which only the
check can look up).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from mwaa_pause_resume.config.model import DeploymentConfig, EnvironmentConfig
from mwaa_pause_resume.errors import UserError
from mwaa_pause_resume.infra.names import construct_id
from mwaa_pause_resume.infra.vpc_endpoints import (
    AIRFLOW_ENV_SERVICE,
    CONTEXT_PREFIX,
    EndpointPlan,
    VpcNeeds,
    endpoint_needs,
    offline_plan,
    service_name,
)


@dataclass(frozen=True)
class _Interface:
    """One interface endpoint and its security group. The construct ids stay as the KMS
    endpoint has always had them ("Kms", "Https"), so an update never replaces it."""

    service: str
    endpoint_id: str
    group_id: str
    clients: tuple[str, ...]  # security groups allowed HTTPS (443) in
    description: str  # changing it would replace the group


class PrivateEndpoints(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id_: str,
        environments: Sequence[EnvironmentConfig],
        deployment: DeploymentConfig | None = None,
    ) -> None:
        super().__init__(scope, construct_id_)
        region = cdk.Stack.of(self).region
        self.endpoints: dict[str, list[ec2.CfnVPCEndpoint]] = {}
        for vpc_id, needs in endpoint_needs(environments, deployment).items():
            found = self.node.try_get_context(CONTEXT_PREFIX + vpc_id)
            plan = EndpointPlan.from_context(vpc_id, found) if found is not None else None
            self.endpoints[vpc_id] = self._create(needs, plan or offline_plan(needs), region)

    def _create(self, needs: VpcNeeds, plan: EndpointPlan, region: str) -> list[ec2.CfnVPCEndpoint]:
        vpc_id = needs.vpc_id
        cid = construct_id(vpc_id)
        created: list[ec2.CfnVPCEndpoint] = []
        if plan.s3_route_tables:
            created.append(
                ec2.CfnVPCEndpoint(
                    self,
                    f"{cid}S3",
                    vpc_id=vpc_id,
                    service_name=service_name(region, "s3"),
                    vpc_endpoint_type="Gateway",
                    route_table_ids=list(plan.s3_route_tables),
                )
            )
        # A check that did not look at airflow.env (None) leaves it to the configuration.
        airflow_env = needs.airflow_env if plan.airflow_env is None else plan.airflow_env
        interfaces = []
        if plan.kms and needs.kms:
            interfaces.append(
                _Interface(
                    "kms",
                    "Kms",
                    "Https",
                    needs.kms_clients,
                    "HTTPS from MWAA environments to the KMS endpoint",
                )
            )
        if airflow_env and needs.airflow_env:
            interfaces.append(
                _Interface(
                    AIRFLOW_ENV_SERVICE,
                    "AirflowEnv",
                    "AirflowEnvHttps",
                    needs.airflow_env_clients,
                    "HTTPS to the MWAA airflow.env endpoint (InvokeRestApi)",
                )
            )
        for interface in interfaces:
            subnets = self._subnets(needs)
            group = self._https_group(f"{cid}{interface.group_id}", vpc_id, interface)
            created.append(
                ec2.CfnVPCEndpoint(
                    self,
                    f"{cid}{interface.endpoint_id}",
                    vpc_id=vpc_id,
                    service_name=service_name(region, interface.service),
                    vpc_endpoint_type="Interface",
                    private_dns_enabled=True,
                    subnet_ids=subnets,
                    security_group_ids=[group.attr_group_id],
                )
            )
        return created

    def _https_group(self, cid: str, vpc_id: str, interface: _Interface) -> ec2.CfnSecurityGroup:
        """A dedicated group: HTTPS in from the callers' own groups, which stay untouched."""
        group = ec2.CfnSecurityGroup(
            self, cid, vpc_id=vpc_id, group_description=interface.description
        )
        for index, source in enumerate(interface.clients):
            ec2.CfnSecurityGroupIngress(
                self,
                f"{cid}From{index}",
                group_id=group.attr_group_id,
                ip_protocol="tcp",
                from_port=443,
                to_port=443,
                source_security_group_id=source,
                description=f"HTTPS from {source}",
            )
        return group

    @staticmethod
    def _subnets(needs: VpcNeeds) -> list[str]:
        if not needs.interface_subnets:
            raise UserError(
                f"create_vpc_endpoints is set for {', '.join(needs.users)} in {needs.vpc_id} "
                "but no subnet_ids are configured",
                hint="set subnet_ids (MWAA_VPC_SUBNETS) to the environment's two subnets, "
                "or set create_vpc_endpoints = false",
            )
        return list(needs.interface_subnets)
