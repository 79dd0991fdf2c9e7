"""Ask EC2 which VPC endpoints and route tables exist, for ``deploy`` (the AWS side).

What the VPCs need and what to create is decided by the pure
:mod:`mwaa_pause_resume.infra.vpc_endpoints`; this module only reads EC2 and hands it
the answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mwaa_pause_resume.config.model import DeploymentConfig, EnvironmentConfig
from mwaa_pause_resume.infra.vpc_endpoints import EndpointPlan, checked_needs, plan_endpoints


def lookup_plans(
    session: Any,
    region: str,
    environments: Sequence[EnvironmentConfig],
    deployment: DeploymentConfig | None = None,
) -> list[EndpointPlan]:
    """Ask EC2 what exists in every VPC that needs endpoints, or has an environment
    (used by ``deploy``)."""
    ec2 = session.client("ec2", region_name=region)
    plans = []
    for vpc_id, needs in checked_needs(environments, deployment).items():
        tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])
        main = next(
            (
                t["RouteTableId"]
                for t in tables["RouteTables"]
                for a in t.get("Associations", [])
                if a.get("Main")
            ),
            None,
        )
        by_subnet = {
            a["SubnetId"]: t["RouteTableId"]
            for t in tables["RouteTables"]
            for a in t.get("Associations", [])
            if a.get("SubnetId")
        }
        routes = {s: by_subnet.get(s) or main for s in needs.route_subnets}
        endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])
        plans.append(
            plan_endpoints(
                region,
                vpc_id,
                {s: rt for s, rt in routes.items() if rt},
                endpoints["VpcEndpoints"],
                kms=needs.kms,
                airflow_env=needs.airflow_env,
            )
        )
    return plans
