"""[deployment] lambda_subnet_ids, lambda_security_group_ids and lambda_vpc_id, together.

Each key alone passes its field rule; this checks that they make one usable Lambda
VpcConfig in one known VPC, and fills in the VPC from the environments when it can.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from mwaa_pause_resume.config.model import DeploymentConfig, EnvironmentConfig
from mwaa_pause_resume.config.naming import AddProblem
from mwaa_pause_resume.config.network import known_lambda_vpcs

# Lambda's VpcConfig limits (Lambda API reference): SubnetIds, SecurityGroupIds.
LAMBDA_MAX_SUBNETS = 16
LAMBDA_MAX_SECURITY_GROUPS = 5


def check_lambda_network(
    deployment: DeploymentConfig,
    environments: tuple[EnvironmentConfig, ...],
    broken: set[str],
    *,
    add: AddProblem,
    k: Callable[[str], str],
) -> DeploymentConfig:
    """Lambda subnets and security groups go together, in one known VPC.

    Returns ``deployment`` with ``lambda_vpc_id`` filled in from the environments
    when the Lambda subnets are theirs. ``broken``: the [deployment] keys whose value
    was rejected (their own problem is already reported).
    """
    subnets, groups = deployment.lambda_subnet_ids, deployment.lambda_security_group_ids
    given_vpc = deployment.lambda_vpc_id

    def problem(key: str, message: str, fix: str) -> None:
        add(("deployment", key), message, fix)

    both = f"set both {k('lambda_subnet_ids')} and {k('lambda_security_group_ids')}"
    if broken & {"lambda_subnet_ids", "lambda_security_group_ids"}:
        return deployment
    if bool(subnets) != bool(groups):
        have, lack = (
            ("lambda_subnet_ids", "lambda_security_group_ids")
            if subnets
            else ("lambda_security_group_ids", "lambda_subnet_ids")
        )
        problem(
            lack,
            f"is empty but {k(have)} is set: the functions need both to run in a VPC",
            f"{both} (the security groups the functions use in those subnets), "
            f"or remove {k(have)} to keep the functions outside any VPC",
        )
        return deployment
    for key, ids, limit in (
        ("lambda_subnet_ids", subnets, LAMBDA_MAX_SUBNETS),
        ("lambda_security_group_ids", groups, LAMBDA_MAX_SECURITY_GROUPS),
    ):
        if len(ids) > limit:
            problem(
                key,
                f"lists {len(ids)} ids; a Lambda function's VpcConfig takes at most {limit}",
                f"list at most {limit}",
            )
    if not subnets:
        if given_vpc is not None:
            problem(
                "lambda_vpc_id",
                f"is set but {k('lambda_subnet_ids')} is not",
                f"{both}, or remove {k('lambda_vpc_id')}",
            )
        return deployment
    if "lambda_vpc_id" in broken:
        return deployment
    vpcs = known_lambda_vpcs(subnets, environments)
    if given_vpc is not None:
        for vpc, listed in vpcs.items():
            if vpc != given_vpc:
                problem(
                    "lambda_vpc_id",
                    f"is {given_vpc} but {', '.join(listed)} belong(s) to {vpc} "
                    "(an environment's vpc_id and subnet_ids say so)",
                    f"set {k('lambda_vpc_id')} to the VPC of the subnets, or correct "
                    f"{k('lambda_subnet_ids')}",
                )
        return deployment
    if len(vpcs) > 1:
        problem(
            "lambda_subnet_ids",
            "lists subnets of several VPCs ("
            + "; ".join(f"{', '.join(s)} in {v}" for v, s in vpcs.items())
            + ")",
            "list subnets of one VPC: a Lambda function runs in a single VPC",
        )
        return deployment
    if not vpcs:
        problem(
            "lambda_vpc_id",
            f"is required: {k('lambda_subnet_ids')} are not subnet_ids of a configured "
            "environment, so their VPC is unknown",
            f"set {k('lambda_vpc_id')} to the VPC of those subnets (VPC console, Subnets)",
        )
        return deployment
    return dataclasses.replace(deployment, lambda_vpc_id=next(iter(vpcs)))
