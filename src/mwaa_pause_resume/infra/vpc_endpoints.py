"""Which VPC endpoints a private environment's DAGs lack (pure) and the AWS lookup (shell).

The export/import DAGs reach two AWS services: S3 (the backup bucket) and KMS
(the engine calls it directly for the snapshot's data key). Nothing inside the
VPC calls Step Functions: the workflows poll the DAG runs through
InvokeRestApi from outside, so no Step Functions endpoint is needed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mwaa_pause_resume.config.model import EnvironmentConfig

CONTEXT_PREFIX = "mwaa-pause-resume:endpoints:"


@dataclass(frozen=True)
class EndpointPlan:
    """What to create in one VPC; ``problems`` are what we will not fix ourselves."""

    vpc_id: str
    s3_route_tables: tuple[str, ...] = ()  # create an S3 gateway endpoint on these
    kms: bool = False  # create a KMS interface endpoint
    problems: tuple[str, ...] = field(default=())

    def as_context(self) -> str:
        return json.dumps({"s3_route_tables": list(self.s3_route_tables), "kms": self.kms})

    @classmethod
    def from_context(cls, vpc_id: str, value: Any) -> EndpointPlan:
        data = json.loads(value) if isinstance(value, str) else dict(value)
        return cls(vpc_id, tuple(data.get("s3_route_tables", ())), bool(data.get("kms")))


def private_vpcs(environments: Sequence[EnvironmentConfig]) -> dict[str, list[EnvironmentConfig]]:
    """VPC id -> the environments in it that asked for endpoints (``create_vpc_endpoints``)."""
    vpcs: dict[str, list[EnvironmentConfig]] = {}
    for env in environments:
        if env.vpc_id and env.create_vpc_endpoints:
            vpcs.setdefault(env.vpc_id, []).append(env)
    return vpcs


def plan_endpoints(
    region: str,
    vpc_id: str,
    subnet_route_tables: Mapping[str, str],
    endpoints: Sequence[Mapping[str, Any]],
) -> EndpointPlan:
    """Decide from DescribeVpcEndpoints output and the environments' subnets' route tables."""
    s3 = f"com.amazonaws.{region}.s3"
    kms_names = {f"com.amazonaws.{region}.kms", f"com.amazonaws.{region}.kms-fips"}
    live = [e for e in endpoints if e.get("VpcId") == vpc_id and e.get("State") != "deleted"]
    gateways = [
        e for e in live if e.get("ServiceName") == s3 and e.get("VpcEndpointType") == "Gateway"
    ]
    s3_interface = any(
        e.get("ServiceName") == s3
        and e.get("VpcEndpointType") == "Interface"
        and e.get("PrivateDnsEnabled")
        for e in live
    )
    needed = sorted(set(subnet_route_tables.values()))
    covered = {rt for e in gateways for rt in e.get("RouteTableIds", [])}
    problems: list[str] = []
    create_s3: tuple[str, ...] = ()
    if not s3_interface:
        if not gateways:
            create_s3 = tuple(needed)
        elif missing := [rt for rt in needed if rt not in covered]:
            problems.append(
                f"the S3 gateway endpoint {gateways[0].get('VpcEndpointId')} of {vpc_id} is not "
                f"associated with route table(s) {', '.join(missing)}: associate them "
                "(aws ec2 modify-vpc-endpoint --add-route-table-ids ...)"
            )
    has_kms = any(
        e.get("ServiceName") in kms_names and e.get("VpcEndpointType") == "Interface" for e in live
    )
    return EndpointPlan(vpc_id, create_s3, not has_kms, tuple(problems))


def lookup_plans(
    session: Any, region: str, environments: Sequence[EnvironmentConfig]
) -> list[EndpointPlan]:
    """Ask EC2 what exists for every VPC that wants endpoints (used by ``deploy``)."""
    ec2 = session.client("ec2", region_name=region)
    plans = []
    for vpc_id, envs in private_vpcs(environments).items():
        subnets = sorted({s for env in envs for s in env.subnet_ids})
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
        routes = {s: by_subnet.get(s) or main for s in subnets}
        endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])
        plans.append(
            plan_endpoints(
                region,
                vpc_id,
                {s: rt for s, rt in routes.items() if rt},
                endpoints["VpcEndpoints"],
            )
        )
    return plans
