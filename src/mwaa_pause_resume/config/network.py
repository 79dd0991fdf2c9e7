"""Where the functions that call InvokeRestApi run: the Lambda subnets' VPC (pure).

A Lambda attached to subnets needs their VPC id for the VPC endpoints it uses.
Rather than asking AWS at synthesis, the VPC comes from the configuration:
``lambda_vpc_id`` when set, else the ``vpc_id`` of the environments whose
``subnet_ids`` include the Lambda subnets (the usual case: the functions share
the private environment's subnets).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from mwaa_pause_resume.config.model import DeploymentConfig, EnvironmentConfig


def subnet_vpcs(environments: Iterable[EnvironmentConfig]) -> dict[str, set[str]]:
    """Subnet id -> the VPC ids environments give it (one, unless the config contradicts itself)."""
    out: dict[str, set[str]] = {}
    for env in environments:
        if env.vpc_id:
            for subnet in env.subnet_ids:
                out.setdefault(subnet, set()).add(env.vpc_id)
    return out


def known_lambda_vpcs(
    subnets: Sequence[str], environments: Iterable[EnvironmentConfig]
) -> dict[str, list[str]]:
    """VPC id -> the Lambda subnets an environment places in it."""
    known = subnet_vpcs(environments)
    out: dict[str, list[str]] = {}
    for subnet in subnets:
        for vpc in sorted(known.get(subnet, ())):
            out.setdefault(vpc, []).append(subnet)
    return out


def lambda_vpc_id(
    deployment: DeploymentConfig, environments: Iterable[EnvironmentConfig]
) -> str | None:
    """The Lambda subnets' VPC; None without Lambda subnets or when it cannot be told."""
    if not deployment.lambda_subnet_ids:
        return None
    if deployment.lambda_vpc_id:
        return deployment.lambda_vpc_id
    vpcs = known_lambda_vpcs(deployment.lambda_subnet_ids, environments)
    return next(iter(vpcs)) if len(vpcs) == 1 else None
