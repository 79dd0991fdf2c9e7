"""Which VPC endpoints the private side of a deployment needs, and what to create (pure).

The EC2 lookup that feeds :func:`plan_endpoints` at deploy time is
:mod:`mwaa_pause_resume.operations.vpc_endpoint_lookup`, with the other deploy-time AWS calls.

Two kinds of callers sit inside a VPC without a route to the AWS APIs:

- the export/import DAGs of a private environment (``create_vpc_endpoints``): S3
  (the backup bucket) and KMS (the engine calls it directly for the snapshot's
  data key); on Airflow 3 also MWAA's ``airflow.env`` service, which the
  rest-only scope calls through InvokeRestApi from the environment's workers;
- the functions that call InvokeRestApi, when ``[deployment] lambda_subnet_ids``
  attaches them to subnets: ``airflow.env`` (InvokeRestApi's host prefix is
  ``env.``) and S3 (the failure handler reads the lock and snapshot files). S3
  decrypts the objects with the backup key server-side: they never call KMS.

Nothing inside a VPC calls Step Functions: the workflows poll the DAG runs
through InvokeRestApi instead of task tokens, so no Step Functions endpoint.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mwaa_pause_resume import airflow_versions
from mwaa_pause_resume.config.model import DeploymentConfig, EnvironmentConfig
from mwaa_pause_resume.config.network import lambda_vpc_id
from mwaa_pause_resume.errors import UserError

CONTEXT_PREFIX = "mwaa-pause-resume:endpoints:"
# MWAA's data-plane APIs (InvokeRestApi, CreateCliToken, CreateWebLoginToken); the
# control plane (Create/Get/Update/DeleteEnvironment) is "airflow.api", which nothing
# inside a VPC calls.
AIRFLOW_ENV_SERVICE = "airflow.env"
LAMBDA_USERS = "the functions calling InvokeRestApi"


def service_name(region: str, service: str) -> str:
    return f"com.amazonaws.{region}.{service}"


def is_airflow_3(env: EnvironmentConfig) -> bool:
    """Only a configured 3.x version counts: an unset version is treated as Airflow 2."""
    return airflow_versions.is_airflow_3(env.airflow_version)


@dataclass(frozen=True)
class VpcNeeds:
    """Why one VPC needs endpoints and where they go, from the configuration alone."""

    vpc_id: str
    kms: bool = False
    airflow_env: bool = False
    route_subnets: tuple[str, ...] = ()  # their route tables need the S3 gateway endpoint
    interface_subnets: tuple[str, ...] = ()  # interface endpoints: one subnet per zone
    kms_clients: tuple[str, ...] = ()  # security groups allowed HTTPS to each endpoint
    airflow_env_clients: tuple[str, ...] = ()
    users: tuple[str, ...] = ()  # environment names and/or LAMBDA_USERS, for messages


@dataclass(frozen=True)
class EndpointPlan:
    """What to create in one VPC; ``problems`` are what we will not fix ourselves.

    ``airflow_env`` is None when the check did not look at it (a plan from an
    older check): the stack then plans it from the configuration, as offline.
    """

    vpc_id: str
    s3_route_tables: tuple[str, ...] = ()  # create an S3 gateway endpoint on these
    kms: bool = False  # create a KMS interface endpoint
    airflow_env: bool | None = None  # create an airflow.env interface endpoint
    problems: tuple[str, ...] = field(default=())

    def missing(self) -> list[str]:
        """What the stack creates, in words (for ``deploy``'s messages)."""
        return [
            what
            for what, needed in (
                ("S3 gateway", bool(self.s3_route_tables)),
                ("KMS interface", self.kms),
                ("MWAA airflow.env interface", bool(self.airflow_env)),
            )
            if needed
        ]

    def as_context(self) -> str:
        data: dict[str, Any] = {"s3_route_tables": list(self.s3_route_tables), "kms": self.kms}
        if self.airflow_env is not None:
            data["airflow_env"] = self.airflow_env
        return json.dumps(data)

    @classmethod
    def from_context(cls, vpc_id: str, value: Any) -> EndpointPlan:
        data = json.loads(value) if isinstance(value, str) else dict(value)
        airflow_env = data.get("airflow_env")
        return cls(
            vpc_id,
            tuple(data.get("s3_route_tables", ())),
            bool(data.get("kms")),
            None if airflow_env is None else bool(airflow_env),
        )


def private_vpcs(environments: Sequence[EnvironmentConfig]) -> dict[str, list[EnvironmentConfig]]:
    """VPC id -> the environments in it that asked for endpoints (``create_vpc_endpoints``)."""
    vpcs: dict[str, list[EnvironmentConfig]] = {}
    for env in environments:
        if env.vpc_id and env.create_vpc_endpoints:
            vpcs.setdefault(env.vpc_id, []).append(env)
    return vpcs


def _unique(*groups: Sequence[str]) -> tuple[str, ...]:
    return tuple(sorted({item for group in groups for item in group}))


def require_lambda_vpc(
    deployment: DeploymentConfig, environments: Sequence[EnvironmentConfig]
) -> str:
    """The Lambda subnets' VPC. A loaded configuration always knows it (the builder checks);
    one built in code may not."""
    vpc_id = lambda_vpc_id(deployment, environments)
    if vpc_id is None:
        raise UserError(
            "the VPC of [deployment] lambda_subnet_ids is unknown: they are not subnet_ids "
            "of a configured environment",
            hint="set [deployment] lambda_vpc_id (MWAA_LAMBDA_VPC_ID) to their VPC",
        )
    return vpc_id


def _environment_needs(vpc_id: str, envs: Sequence[EnvironmentConfig]) -> VpcNeeds:
    airflow3 = [e for e in envs if is_airflow_3(e)]
    return VpcNeeds(
        vpc_id,
        kms=True,
        airflow_env=bool(airflow3),
        route_subnets=_unique(*(e.subnet_ids for e in envs)),
        # An MWAA environment has exactly two subnets, in two zones; environments of
        # one VPC may share zones, so the first one's subnets hold the endpoints.
        interface_subnets=next((e.subnet_ids for e in envs if e.subnet_ids), ()),
        kms_clients=_unique(*(e.security_group_ids for e in envs)),
        airflow_env_clients=_unique(*(e.security_group_ids for e in airflow3)),
        users=tuple(e.name for e in envs),
    )


def endpoint_needs(
    environments: Sequence[EnvironmentConfig], deployment: DeploymentConfig | None = None
) -> dict[str, VpcNeeds]:
    """VPC id -> what it needs: environments with ``create_vpc_endpoints``, and the
    Lambda subnets' VPC when the functions calling InvokeRestApi run in a VPC."""
    needs = {
        vpc_id: _environment_needs(vpc_id, envs)
        for vpc_id, envs in private_vpcs(environments).items()
    }
    if deployment is None or not deployment.lambdas_in_vpc:
        return needs
    lambda_vpc = require_lambda_vpc(deployment, environments)
    shared = needs.get(lambda_vpc, VpcNeeds(lambda_vpc))
    needs[lambda_vpc] = VpcNeeds(
        lambda_vpc,
        kms=shared.kms,
        airflow_env=True,
        route_subnets=_unique(shared.route_subnets, deployment.lambda_subnet_ids),
        # The environments' subnets when they are in this VPC (two zones), else the
        # Lambda subnets: they must then lie in distinct zones, as an endpoint requires.
        interface_subnets=shared.interface_subnets or deployment.lambda_subnet_ids,
        kms_clients=shared.kms_clients,
        airflow_env_clients=_unique(
            shared.airflow_env_clients, deployment.lambda_security_group_ids
        ),
        users=(*shared.users, LAMBDA_USERS),
    )
    return needs


def checked_needs(
    environments: Sequence[EnvironmentConfig], deployment: DeploymentConfig | None = None
) -> dict[str, VpcNeeds]:
    """What ``deploy`` looks at: :func:`endpoint_needs`, plus the VPC of every environment
    with a ``vpc_id`` that creates nothing there (what it lacks is only a warning)."""
    needs = endpoint_needs(environments, deployment)
    unplanned: dict[str, list[EnvironmentConfig]] = {}
    for env in environments:
        if env.vpc_id and env.vpc_id not in needs:
            unplanned.setdefault(env.vpc_id, []).append(env)
    return {**needs, **{v: _environment_needs(v, envs) for v, envs in unplanned.items()}}


def offline_plan(needs: VpcNeeds) -> EndpointPlan:
    """Without ``deploy``'s check: every interface endpoint; no S3 (needs route tables)."""
    return EndpointPlan(needs.vpc_id, kms=needs.kms, airflow_env=needs.airflow_env)


def plan_endpoints(
    region: str,
    vpc_id: str,
    subnet_route_tables: Mapping[str, str],
    endpoints: Sequence[Mapping[str, Any]],
    *,
    kms: bool = True,
    airflow_env: bool = False,
) -> EndpointPlan:
    """Decide from DescribeVpcEndpoints output and the subnets' route tables.

    ``kms`` / ``airflow_env`` say whether the VPC needs those interface endpoints at all;
    an S3 route is always needed.
    """
    s3 = service_name(region, "s3")
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

    def interfaces(service: str) -> list[Mapping[str, Any]]:
        names = {service_name(region, service), service_name(region, f"{service}-fips")}
        return [
            e
            for e in live
            if e.get("ServiceName") in names and e.get("VpcEndpointType") == "Interface"
        ]

    create_kms = kms and not interfaces("kms")
    create_env: bool | None = None
    if airflow_env:
        existing = interfaces(AIRFLOW_ENV_SERVICE)
        create_env = not existing
        if existing and not any(e.get("PrivateDnsEnabled") for e in existing):
            # boto3 calls env.airflow.<region>.amazonaws.com: only private DNS sends that
            # name to the endpoint. A second endpoint would duplicate the first.
            problems.append(
                f"the airflow.env endpoint {existing[0].get('VpcEndpointId')} of {vpc_id} has "
                "private DNS off, so InvokeRestApi calls from the VPC do not use it: enable it "
                "(aws ec2 modify-vpc-endpoint --private-dns-enabled --vpc-endpoint-id ...)"
            )
    return EndpointPlan(vpc_id, create_s3, create_kms, create_env, tuple(problems))
