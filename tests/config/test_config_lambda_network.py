"""[deployment] lambda_subnet_ids / lambda_security_group_ids / lambda_vpc_id: both lists or
neither, well-formed ids, one known VPC; every problem named by its field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mwaa_pause_resume.config import ConfigError, load_config
from mwaa_pause_resume.config.model import DeploymentConfig
from mwaa_pause_resume.config.network import lambda_vpc_id
from mwaa_pause_resume.errors import UserError
from tests.config.config_helpers import BASE_DEPLOYMENT, environment

VPC = "vpc-0a1b2c3d4e5f60718"
OTHER_VPC = "vpc-0a1b2c3d4e5f60799"
SUBNETS = ["subnet-0a1b2c3d4e5f60711", "subnet-0a1b2c3d4e5f60712"]
LAMBDA_SG = "sg-0a1b2c3d4e5f6071a"
PRIVATE = environment(vpc_id=VPC, subnet_ids=SUBNETS, security_group_ids=["sg-0a1b2c3d4e5f60719"])

WriteToml = Callable[..., Path]


def _load(write_toml: WriteToml, environments: list[dict[str, Any]], **deployment: Any) -> Any:
    return load_config(write_toml(deployment={**BASE_DEPLOYMENT, **deployment},
                                  environments=environments), environ={})  # fmt: skip


def _problems(write_toml: WriteToml, envs: list[dict[str, Any]], **deployment: Any) -> list[Any]:
    with pytest.raises(ConfigError) as caught:
        _load(write_toml, envs, **deployment)
    assert isinstance(caught.value, UserError)
    return caught.value.problems


def test_without_the_keys_the_functions_stay_outside_any_vpc(write_toml: WriteToml) -> None:
    config = _load(write_toml, [PRIVATE])
    assert config.deployment.lambda_subnet_ids == ()
    assert config.deployment.lambda_security_group_ids == ()
    assert config.deployment.lambda_vpc_id is None
    assert not config.deployment.lambdas_in_vpc


def test_the_vpc_comes_from_the_environment_whose_subnets_they_are(
    write_toml: WriteToml,
) -> None:
    config = _load(
        write_toml,
        [PRIVATE],
        lambda_subnet_ids=SUBNETS[:1],
        lambda_security_group_ids=LAMBDA_SG,  # one id as a plain string is a list of one
    )
    assert config.deployment.lambda_subnet_ids == tuple(SUBNETS[:1])
    assert config.deployment.lambda_security_group_ids == (LAMBDA_SG,)
    assert config.deployment.lambda_vpc_id == VPC
    assert config.deployment.lambdas_in_vpc


def test_subnets_of_no_environment_need_lambda_vpc_id(write_toml: WriteToml) -> None:
    own = ["subnet-0a1b2c3d4e5f607aa"]
    (problem,) = _problems(
        write_toml, [PRIVATE], lambda_subnet_ids=own, lambda_security_group_ids=[LAMBDA_SG]
    )
    assert problem.field == "deployment.lambda_vpc_id"
    assert "is required" in problem.message
    assert "lambda_vpc_id" in problem.fix

    config = _load(
        write_toml,
        [PRIVATE],
        lambda_subnet_ids=own,
        lambda_security_group_ids=[LAMBDA_SG],
        lambda_vpc_id=OTHER_VPC,
    )
    assert config.deployment.lambda_vpc_id == OTHER_VPC


@pytest.mark.parametrize(
    ("given", "missing", "present"),
    [
        ({"lambda_subnet_ids": SUBNETS}, "lambda_security_group_ids", "lambda_subnet_ids"),
        ({"lambda_security_group_ids": [LAMBDA_SG]}, "lambda_subnet_ids",
         "lambda_security_group_ids"),
        ({"lambda_subnet_ids": SUBNETS, "lambda_security_group_ids": []},
         "lambda_security_group_ids", "lambda_subnet_ids"),
    ],
)  # fmt: skip
def test_one_list_without_the_other_names_the_missing_one(
    write_toml: WriteToml, given: dict[str, Any], missing: str, present: str
) -> None:
    (problem,) = _problems(write_toml, [PRIVATE], **given)
    assert problem.field == f"deployment.{missing}"
    assert present in problem.message
    assert "lambda_subnet_ids" in problem.fix and "lambda_security_group_ids" in problem.fix


def test_malformed_ids_are_all_reported_at_once(write_toml: WriteToml) -> None:
    problems = _problems(
        write_toml,
        [PRIVATE],
        lambda_subnet_ids=[SUBNETS[0], "subnet-xyz"],
        lambda_security_group_ids=["sg-12"],
        lambda_vpc_id="vpc-nothex0",
    )
    by_field = {p.field: p for p in problems}
    assert set(by_field) == {
        "deployment.lambda_subnet_ids",
        "deployment.lambda_security_group_ids",
        "deployment.lambda_vpc_id",
    }
    assert "item 2 ('subnet-xyz')" in by_field["deployment.lambda_subnet_ids"].message
    assert "subnet-0123456789abcdef0" in by_field["deployment.lambda_subnet_ids"].fix
    assert "sg-0123456789abcdef0" in by_field["deployment.lambda_security_group_ids"].fix
    assert "vpc-0123456789abcdef0" in by_field["deployment.lambda_vpc_id"].fix


def test_lambda_vpc_id_alone_is_refused(write_toml: WriteToml) -> None:
    (problem,) = _problems(write_toml, [PRIVATE], lambda_vpc_id=VPC)
    assert problem.field == "deployment.lambda_vpc_id"
    assert "lambda_subnet_ids" in problem.message


def test_lambda_vpc_id_contradicting_an_environment_is_refused(write_toml: WriteToml) -> None:
    (problem,) = _problems(
        write_toml,
        [PRIVATE],
        lambda_subnet_ids=SUBNETS,
        lambda_security_group_ids=[LAMBDA_SG],
        lambda_vpc_id=OTHER_VPC,
    )
    assert problem.field == "deployment.lambda_vpc_id"
    assert VPC in problem.message and SUBNETS[0] in problem.message


def test_subnets_of_two_vpcs_are_refused(write_toml: WriteToml) -> None:
    other = environment(
        name="other",
        vpc_id=OTHER_VPC,
        subnet_ids=["subnet-0a1b2c3d4e5f607bb"],
        security_group_ids=["sg-0a1b2c3d4e5f607bb"],
    )
    (problem,) = _problems(
        write_toml,
        [PRIVATE, other],
        lambda_subnet_ids=[SUBNETS[0], "subnet-0a1b2c3d4e5f607bb"],
        lambda_security_group_ids=[LAMBDA_SG],
    )
    assert problem.field == "deployment.lambda_subnet_ids"
    assert VPC in problem.message and OTHER_VPC in problem.message


def test_seed_variables_name_the_variable(tmp_path: Path) -> None:
    environ = {
        "MWAA_ENV_NAME": "dev",
        "MWAA_SOURCE_BUCKET_NAME": "dev-dags-bucket",
        "MWAA_EXECUTION_ROLE_ARN": "arn:aws:iam::111122223333:role/dev-role",
        "MWAA_PAUSE_CRON_SCHEDULE": "0 20 ? * MON-FRI *",
        "MWAA_RESUME_CRON_SCHEDULE": "0 6 ? * MON-FRI *",
        "MWAA_VPC_ID": VPC,
        "MWAA_VPC_SUBNETS": f"[{SUBNETS[0]}, {SUBNETS[1]}]",
        "MWAA_LAMBDA_SUBNETS": f"[{SUBNETS[0]}]",
    }
    with pytest.raises(ConfigError) as caught:
        load_config(environ=environ, cwd=tmp_path)
    (problem,) = caught.value.problems
    assert problem.field == "MWAA_LAMBDA_SECURITY_GROUPS"
    assert "MWAA_LAMBDA_SUBNETS" in problem.message

    config = load_config(
        environ={**environ, "MWAA_LAMBDA_SECURITY_GROUPS": LAMBDA_SG}, cwd=tmp_path
    )
    assert config.deployment.lambda_vpc_id == VPC


def test_vpc_of_a_config_built_in_code() -> None:
    from mwaa_pause_resume.config.model import EnvironmentConfig

    env = EnvironmentConfig(
        name="dev",
        source_bucket="dev-dags-bucket",
        execution_role_arn="arn:aws:iam::111122223333:role/dev-role",
        pause_schedule="0 20 ? * MON-FRI *",
        resume_schedule="0 6 ? * MON-FRI *",
        vpc_id=VPC,
        subnet_ids=tuple(SUBNETS),
    )
    inside = DeploymentConfig(lambda_subnet_ids=(SUBNETS[1],), lambda_security_group_ids=("sg-1",))
    assert lambda_vpc_id(inside, [env]) == VPC
    assert lambda_vpc_id(DeploymentConfig(), [env]) is None
    elsewhere = DeploymentConfig(lambda_subnet_ids=("subnet-0a1b2c3d",))
    assert lambda_vpc_id(elsewhere, [env]) is None


# -- Lambda's VpcConfig limits -----------------------------------------------------
# A Lambda function's VpcConfig takes at most 16 subnets and 5 security groups (Lambda
# API reference, VpcConfig): more is a configuration error named by its field, not a
# CloudFormation failure halfway through a deploy.


MANY_SUBNETS = [f"subnet-0a1b2c3d4e5f607{i:02x}" for i in range(17)]
MANY_GROUPS = [f"sg-0a1b2c3d4e5f607{i:02x}" for i in range(6)]
PRIVATE_IN_MANY = environment(vpc_id=VPC, subnet_ids=MANY_SUBNETS[:2])


def _fields(write_toml: WriteToml, subnets: list[str], groups: list[str]) -> dict[str, str]:
    deployment = {
        **BASE_DEPLOYMENT,
        "lambda_subnet_ids": subnets,
        "lambda_security_group_ids": groups,
        "lambda_vpc_id": VPC,
    }
    path = write_toml(deployment=deployment, environments=[PRIVATE_IN_MANY])
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    return {p.field: p.message for p in caught.value.problems}


def test_at_most_16_subnets_and_5_security_groups(write_toml: WriteToml) -> None:
    fields = _fields(write_toml, MANY_SUBNETS, MANY_GROUPS)

    assert set(fields) == {"deployment.lambda_subnet_ids", "deployment.lambda_security_group_ids"}
    assert "17" in fields["deployment.lambda_subnet_ids"]
    assert "16" in fields["deployment.lambda_subnet_ids"]
    assert "6" in fields["deployment.lambda_security_group_ids"]
    assert "5" in fields["deployment.lambda_security_group_ids"]


def test_the_limits_themselves_are_accepted(write_toml: WriteToml) -> None:
    deployment = {
        **BASE_DEPLOYMENT,
        "lambda_subnet_ids": MANY_SUBNETS[:16],
        "lambda_security_group_ids": MANY_GROUPS[:5],
        "lambda_vpc_id": VPC,
    }
    config = load_config(
        write_toml(deployment=deployment, environments=[PRIVATE_IN_MANY]), environ={}
    )

    assert len(config.deployment.lambda_subnet_ids) == 16
    assert len(config.deployment.lambda_security_group_ids) == 5
