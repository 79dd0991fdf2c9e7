"""VPC endpoints a private environment's DAGs need to reach the backup bucket and KMS.

Created only for environments with ``create_vpc_endpoints`` and a ``vpc_id``,
one set per VPC. What exists already is decided by ``deploy``'s check
(:mod:`vpc_endpoints`), passed in as CDK context; an offline ``synth`` has no
such context and plans the KMS endpoint only (an S3 gateway endpoint needs the
subnets' route tables, which only the check can look up).
"""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from mwaa_pause_resume.config.model import EnvironmentConfig
from mwaa_pause_resume.errors import UserError
from mwaa_pause_resume.infra.names import construct_id
from mwaa_pause_resume.infra.vpc_endpoints import CONTEXT_PREFIX, EndpointPlan, private_vpcs


class PrivateEndpoints(Construct):
    def __init__(
        self, scope: Construct, construct_id_: str, environments: Sequence[EnvironmentConfig]
    ) -> None:
        super().__init__(scope, construct_id_)
        region = cdk.Stack.of(self).region
        self.endpoints: dict[str, list[ec2.CfnVPCEndpoint]] = {}
        for vpc_id, envs in private_vpcs(environments).items():
            found = self.node.try_get_context(CONTEXT_PREFIX + vpc_id)
            plan = (
                EndpointPlan.from_context(vpc_id, found)
                if found is not None
                else EndpointPlan(vpc_id, kms=True)
            )
            self.endpoints[vpc_id] = self._create(vpc_id, envs, plan, region)

    def _create(
        self, vpc_id: str, envs: list[EnvironmentConfig], plan: EndpointPlan, region: str
    ) -> list[ec2.CfnVPCEndpoint]:
        cid = construct_id(vpc_id)
        created: list[ec2.CfnVPCEndpoint] = []
        if plan.s3_route_tables:
            created.append(
                ec2.CfnVPCEndpoint(
                    self,
                    f"{cid}S3",
                    vpc_id=vpc_id,
                    service_name=f"com.amazonaws.{region}.s3",
                    vpc_endpoint_type="Gateway",
                    route_table_ids=list(plan.s3_route_tables),
                )
            )
        if not plan.kms:
            return created
        # A dedicated group: HTTPS in from the environments' own groups, so the
        # environments' security groups are left untouched.
        group = ec2.CfnSecurityGroup(
            self,
            f"{cid}Https",
            vpc_id=vpc_id,
            group_description="HTTPS from MWAA environments to the KMS endpoint",
        )
        sources = sorted({g for env in envs for g in env.security_group_ids})
        for index, source in enumerate(sources):
            ec2.CfnSecurityGroupIngress(
                self,
                f"{cid}HttpsFrom{index}",
                group_id=group.attr_group_id,
                ip_protocol="tcp",
                from_port=443,
                to_port=443,
                source_security_group_id=source,
                description=f"HTTPS from {source}",
            )
        # One subnet per Availability Zone: an MWAA environment has exactly two, in two
        # zones; several environments of one VPC may use the same zones, so use the first's.
        subnets = list(next((env.subnet_ids for env in envs if env.subnet_ids), ()))
        if not subnets:
            raise UserError(
                f"create_vpc_endpoints is set for {', '.join(e.name for e in envs)} in {vpc_id} "
                "but no subnet_ids are configured",
                hint="set subnet_ids (MWAA_VPC_SUBNETS) to the environment's two subnets, "
                "or set create_vpc_endpoints = false",
            )
        created.append(
            ec2.CfnVPCEndpoint(
                self,
                f"{cid}Kms",
                vpc_id=vpc_id,
                service_name=f"com.amazonaws.{region}.kms",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=subnets,
                security_group_ids=[group.attr_group_id],
            )
        )
        return created
