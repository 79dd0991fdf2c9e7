"""``[deployment] lambda_subnet_ids``: the InvokeRestApi callers run in those subnets, their
roles may manage network interfaces, and the subnets' VPC gets the endpoints they use.

Template tests only (synthesized offline, cdk-nag included); nothing here runs in AWS.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from mwaa_pause_resume.config.model import Config, DeploymentConfig
from mwaa_pause_resume.errors import UserError
from mwaa_pause_resume.infra.lambdas import VPC_ACCESS_ACTIONS, VPC_ACCESS_POLICY
from mwaa_pause_resume.infra.vpc_endpoints import CONTEXT_PREFIX, EndpointPlan
from tests.infra.cfn_lint_helper import cfn_lint
from tests.infra.infra_config import CONFIG, SECURITY_GROUP, STAGING, SUBNETS, VPC, resources

REST_FUNCTIONS = {"dag_trigger", "dag_run_state", "failure", "busy_check"}
LAMBDA_VPC = "vpc-0a1b2c3d4e5f607ff"
LAMBDA_SUBNETS = ("subnet-0a1b2c3d4e5f607f1", "subnet-0a1b2c3d4e5f607f2")
LAMBDA_SGS = ("sg-0a1b2c3d4e5f607fa", "sg-0a1b2c3d4e5f607fb")
LAMBDA_ROUTES = "rtb-0a1b2c3d4e5f607f0"


def _with(deployment: dict[str, Any], *envs: Any) -> Config:
    return dataclasses.replace(
        CONFIG,
        deployment=dataclasses.replace(CONFIG.deployment, **deployment),
        environments=envs or CONFIG.environments,
    )


def _synth(config: Config, out: Path, context: dict[str, Any] | None = None) -> dict[str, Any]:
    from mwaa_pause_resume.infra.app import synth

    template: dict[str, Any] = synth(config, out, context=context).template
    return template


def _by_description(template: dict[str, Any], kind: str, prefix: str) -> dict[str, Any]:
    """Handler key -> properties, for functions/roles described "mwaa-pause-resume<sep>KEY..."."""
    out = {}
    for resource in resources(template, kind).values():
        text = resource["Properties"].get("Description", "")
        if text.startswith(prefix):
            out[text[len(prefix) :].split(" ")[0]] = resource["Properties"]
    return out


def _functions(template: dict[str, Any]) -> dict[str, Any]:
    return _by_description(template, "AWS::Lambda::Function", "mwaa-pause-resume: ")


def _role_policies(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    roles = _by_description(template, "AWS::IAM::Role", "mwaa-pause-resume ")
    return {
        key: {p["PolicyName"]: p["PolicyDocument"] for p in props.get("Policies", [])}
        for key, props in roles.items()
    }


def _endpoints(template: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(VPC, service suffix) -> endpoint properties."""
    out = {}
    for resource in resources(template, "AWS::EC2::VPCEndpoint").values():
        props = resource["Properties"]
        suffix = props["ServiceName"].split(".", 3)[-1]
        out[(props["VpcId"], suffix)] = props
    return out


def _ingress_sources(template: dict[str, Any], endpoint: dict[str, Any]) -> set[str]:
    (group,) = endpoint["SecurityGroupIds"]
    return {
        r["Properties"]["SourceSecurityGroupId"]
        for r in resources(template, "AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == group
    }


@pytest.fixture(scope="module")
def in_own_vpc(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Functions in a VPC of their own (what deploy's check found there: no S3, no
    airflow.env), next to an Airflow 3 private environment checked offline."""
    airflow3 = dataclasses.replace(STAGING, airflow_version="3.0.6")
    config = _with(
        {
            "lambda_subnet_ids": LAMBDA_SUBNETS,
            "lambda_security_group_ids": LAMBDA_SGS,
            "lambda_vpc_id": LAMBDA_VPC,
        },
        CONFIG.environments[0],
        airflow3,
    )
    found = EndpointPlan(LAMBDA_VPC, (LAMBDA_ROUTES,), kms=False, airflow_env=True)
    context = {CONTEXT_PREFIX + LAMBDA_VPC: found.as_context()}
    return _synth(config, tmp_path_factory.mktemp("lambda-vpc") / "cdk.out", context)


def test_only_the_rest_api_functions_run_in_the_configured_subnets(
    in_own_vpc: dict[str, Any],
) -> None:
    functions = _functions(in_own_vpc)
    placed = {k for k, props in functions.items() if "VpcConfig" in props}
    assert placed == REST_FUNCTIONS
    assert len(functions) > len(placed)  # the other functions exist and stay outside
    for key in REST_FUNCTIONS:
        assert functions[key]["VpcConfig"] == {
            "SubnetIds": list(LAMBDA_SUBNETS),
            "SecurityGroupIds": list(LAMBDA_SGS),
        }


def test_only_their_roles_may_manage_network_interfaces(in_own_vpc: dict[str, Any]) -> None:
    policies = _role_policies(in_own_vpc)
    with_eni = {k for k, docs in policies.items() if VPC_ACCESS_POLICY in docs}
    assert with_eni == REST_FUNCTIONS
    for key in REST_FUNCTIONS:
        (statement,) = policies[key][VPC_ACCESS_POLICY]["Statement"]
        assert statement["Effect"] == "Allow"
        assert sorted(statement["Action"]) == sorted(VPC_ACCESS_ACTIONS)
        assert statement["Resource"] == "*"
    # Nothing else broadens: no managed policy (and so no logs:* on "*") is attached.
    for role in resources(in_own_vpc, "AWS::IAM::Role").values():
        arns = str(role["Properties"].get("ManagedPolicyArns", ""))
        assert "AWSLambdaVPCAccessExecutionRole" not in arns
    # The user's security groups are imported, never modified or created.
    changed = [
        r["Properties"]
        for kind in ("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress")
        for r in resources(in_own_vpc, kind).values()
        if r["Properties"]["GroupId"] in LAMBDA_SGS
    ]
    assert changed == []


def test_own_vpc_gets_airflow_env_and_the_s3_gateway_but_no_kms(
    in_own_vpc: dict[str, Any],
) -> None:
    endpoints = _endpoints(in_own_vpc)
    assert {suffix for vpc, suffix in endpoints if vpc == LAMBDA_VPC} == {"s3", "airflow.env"}
    assert endpoints[(LAMBDA_VPC, "s3")]["RouteTableIds"] == [LAMBDA_ROUTES]
    env_endpoint = endpoints[(LAMBDA_VPC, "airflow.env")]
    assert env_endpoint["VpcEndpointType"] == "Interface"
    assert env_endpoint["PrivateDnsEnabled"] is True
    assert env_endpoint["SubnetIds"] == list(LAMBDA_SUBNETS)
    assert _ingress_sources(in_own_vpc, env_endpoint) == set(LAMBDA_SGS)


def test_airflow_3_environment_gets_airflow_env_for_its_workers(
    in_own_vpc: dict[str, Any],
) -> None:
    endpoints = _endpoints(in_own_vpc)
    assert {suffix for vpc, suffix in endpoints if vpc == VPC} == {"kms", "airflow.env"}
    for suffix in ("kms", "airflow.env"):
        endpoint = endpoints[(VPC, suffix)]
        assert endpoint["PrivateDnsEnabled"] is True
        assert endpoint["SubnetIds"] == list(SUBNETS)
        assert _ingress_sources(in_own_vpc, endpoint) == {SECURITY_GROUP}
    # One group per endpoint: the KMS one admits only the environments.
    assert (
        endpoints[(VPC, "kms")]["SecurityGroupIds"]
        != (endpoints[(VPC, "airflow.env")]["SecurityGroupIds"])
    )


def test_without_the_keys_nothing_changes(template: dict[str, Any]) -> None:
    """The shared two-environment synthesis (Airflow version not set, no Lambda subnets)."""
    assert not any("VpcConfig" in props for props in _functions(template).values())
    assert not any(VPC_ACCESS_POLICY in docs for docs in _role_policies(template).values())
    assert set(_endpoints(template)) == {(VPC, "kms")}
    assert "ec2:CreateNetworkInterface" not in str(
        [p for k, p in _role_policies(template).items() if k in REST_FUNCTIONS]
    )


def test_shared_vpc_with_an_older_check_still_plans_airflow_env(tmp_path: Path) -> None:
    """Functions in the Airflow 2 environment's own subnets (VPC learned from it); the
    check's context predates airflow.env and found the KMS endpoint."""
    config = _with(
        {"lambda_subnet_ids": SUBNETS, "lambda_security_group_ids": LAMBDA_SGS[:1]},
        STAGING,
    )
    context = {CONTEXT_PREFIX + VPC: '{"s3_route_tables": [], "kms": false}'}
    template = _synth(config, tmp_path / "cdk.out", context)

    assert {k for k, p in _functions(template).items() if "VpcConfig" in p} == REST_FUNCTIONS
    endpoints = _endpoints(template)
    assert set(endpoints) == {(VPC, "airflow.env")}
    assert endpoints[(VPC, "airflow.env")]["SubnetIds"] == list(SUBNETS)
    # The Airflow 2 environment does not call airflow.env: only the functions' group.
    assert _ingress_sources(template, endpoints[(VPC, "airflow.env")]) == {LAMBDA_SGS[0]}


def test_lambda_subnets_of_unknown_vpc_built_in_code_are_a_user_error(tmp_path: Path) -> None:
    config = dataclasses.replace(
        CONFIG,
        deployment=DeploymentConfig(
            stack_name="mpr-test",
            lambda_subnet_ids=LAMBDA_SUBNETS,
            lambda_security_group_ids=LAMBDA_SGS,
        ),
    )
    with pytest.raises(UserError, match="lambda_vpc_id"):
        _synth(config, tmp_path / "cdk.out")


def test_cfn_lint_accepts_the_vpc_variant(in_own_vpc: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "template.json"
    path.write_text(json.dumps(in_own_vpc))
    matches = cfn_lint(path)
    assert {m["Rule"]["Id"] for m in matches} <= {"W3005"}, matches[:3]
