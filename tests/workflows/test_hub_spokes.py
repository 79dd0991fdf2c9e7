"""One hub pauses and resumes environments in two spoke accounts in two regions (issue 17).

moto's multi-account support: the hub's functions run with the hub's credentials
(moto's default account), assume each spoke account's role (moto issues credentials
of that account), and call MWAA with them in the environment's region; the MWAA
emulator files each call under the account moto issued the credentials in and the
region the request was signed for. The spoke roles are created in the spoke accounts
from the template the StackSet deploys (infra.spoke), by an administrator of that
account (OrganizationAccountAccessRole, as AWS Organizations creates it).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from mwaa_pause_resume.config.fleet import spoke_role_arn, spoke_role_name
from mwaa_pause_resume.config.model import Config, DeploymentConfig, EnvironmentConfig
from mwaa_pause_resume.functions.ownership import OWNER_TAG
from mwaa_pause_resume.functions.spoke_session import SPOKE_ROLE_VARIABLE
from mwaa_pause_resume.infra.spoke import ROLE_LOGICAL_ID, resolve_template_strings, spoke_template
from mwaa_pause_resume.sandbox.mwaa import MwaaBackend
from mwaa_pause_resume.sandbox.sfn_local import LocalWorkflows
from tests.workflows.workflow_fakes import (
    BUCKET,
    ContractAirflow,
    dag_specs,
    environment_request,
    read_json,
    s3_keys,
    settings,
)

HUB = "123456789012"  # moto's default account: the "testing" credentials' account
HUB_REGION = "us-east-1"
STACK = "mpr-hub"
SPOKES = {  # environment -> (account, region)
    "team-a": ("222222222222", "eu-west-1"),
    "team-b": ("333333333333", "ap-southeast-2"),
}


def fleet_config() -> Config:
    return Config(
        deployment=DeploymentConfig(stack_name=STACK, account=HUB, region=HUB_REGION),
        environments=tuple(
            EnvironmentConfig(
                name=name,
                source_bucket="mwaa-dags",
                execution_role_arn=f"arn:aws:iam::{account}:role/mwaa-exec",
                pause_schedule="0 20 ? * MON-FRI *",
                resume_schedule="0 6 ? * MON-FRI *",
                account=account,
                region=region,
            )
            for name, (account, region) in SPOKES.items()
        ),
    )


def admin_of(account: str, service: str) -> Any:
    """A client of ``account``'s administrator (moto issues credentials of that account)."""
    credentials = boto3.client("sts", region_name=HUB_REGION).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
        RoleSessionName="stackset-admin",
    )["Credentials"]
    return boto3.client(
        service,
        region_name=HUB_REGION,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def deploy_spoke_role(account: str) -> None:
    """What the StackSet's stack instance creates in ``account``: the template's role and
    the managed policies whose condition holds in that account."""
    template = resolve_template_strings(spoke_template(fleet_config()), account)
    role = template["Resources"][ROLE_LOGICAL_ID]["Properties"]
    iam = admin_of(account, "iam")
    iam.create_role(
        RoleName=role["RoleName"],
        AssumeRolePolicyDocument=json.dumps(role["AssumeRolePolicyDocument"]),
        Tags=role["Tags"],
    )
    for logical_id, resource in template["Resources"].items():
        if resource.get("Condition") != f"InAccount{account}":
            continue
        arn = iam.create_policy(
            PolicyName=logical_id,
            PolicyDocument=json.dumps(resource["Properties"]["PolicyDocument"]),
        )["Policy"]["Arn"]
        iam.attach_role_policy(RoleName=role["RoleName"], PolicyArn=arn)
    assert iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]


def assumed_role_arns(account: str) -> list[str]:
    from moto.sts.models import sts_backends

    return [r.role_arn for r in sts_backends[account]["aws"].assumed_roles]


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalWorkflows]:
    # What the stack sets on the functions that call MWAA when spokes are configured.
    monkeypatch.setenv(SPOKE_ROLE_VARIABLE, spoke_role_name(STACK))
    # A deployment id: Begin checks and sets the ownership tag, through the spoke role.
    local = LocalWorkflows(MwaaBackend(ContractAirflow(dag_specs())), deployment=STACK).start()
    try:
        local.create_bucket(BUCKET)
        seed_spokes(local)
        yield local
    finally:
        local.stop()


def seed_spokes(local: LocalWorkflows) -> None:
    for name, (account, region) in SPOKES.items():
        deploy_spoke_role(account)
        request = environment_request(name)
        request["ExecutionRoleArn"] = f"arn:aws:iam::{account}:role/mwaa-exec"
        local.mwaa.at(account, region).seed(request)


def test_the_hub_pauses_and_resumes_environments_in_two_spoke_accounts_and_regions(
    hub: LocalWorkflows,
) -> None:
    for name, (account, region) in SPOKES.items():
        spoke = hub.mwaa.at(account, region)
        placement = {"account": account, "region": region}

        paused = hub.run("pause", settings(environment=name, **placement))

        assert paused.status == "SUCCEEDED", paused.cause
        snapshot_id = paused.output["snapshot_id"]
        assert name not in spoke.names()  # deleted in its own account and region
        # The snapshot is in the hub's bucket, under the environment's own prefix.
        captured = read_json(hub, f"{name}/{snapshot_id}/environment.json")["Environment"]
        assert captured["Arn"] == f"arn:aws:airflow:{region}:{account}:environment/{name}"
        assert read_json(hub, f"{name}/latest.json")["snapshot_id"] == snapshot_id

        resumed = hub.run("resume", settings(environment=name, **placement))

        assert resumed.status == "SUCCEEDED", resumed.cause
        assert resumed.output["snapshot_id"] == snapshot_id
        environment = spoke.environment(name)
        assert environment.status == "AVAILABLE"
        assert environment.arn == f"arn:aws:airflow:{region}:{account}:environment/{name}"
        # Tagged by Begin on the pause, re-created with the tag by the resume, in the spoke.
        assert environment.data["Tags"][OWNER_TAG] == STACK
        assert any(op == "TagResource" for op, _ in spoke.calls)
        # Every MWAA call of both workflows went to the spoke: Begin's GetEnvironment,
        # the trigger's InvokeRestApi, the delete, the create.
        operations = {op for op, _ in spoke.calls}
        assert {"GetEnvironment", "InvokeRestApi", "DeleteEnvironment"} <= operations
        assert "CreateEnvironment" in operations
        # ... through the spoke role of that account, and no other (the administrator
        # role is the one deploy_spoke_role used).
        assert set(assumed_role_arns(account)) == {
            spoke_role_arn(STACK, account),
            f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
        }
    # Nothing reached the hub's own account and region, nor a spoke's other region.
    assert hub.mwaa.calls == []
    assert sorted(hub.mwaa.placements()) == sorted([(HUB, HUB_REGION), *SPOKES.values()])
    assert {k.split("/", 1)[0] for k in s3_keys(hub)} == set(SPOKES)

    # An environment in the hub's own account and region, named so: no spoke role.
    hub.mwaa.seed(environment_request("hub-env"))
    result = hub.run("pause", settings(environment="hub-env", account=HUB, region=HUB_REGION))
    assert result.status == "SUCCEEDED", result.cause
    assert "hub-env" not in hub.mwaa.names()
    assert spoke_role_arn(STACK, HUB) not in assumed_role_arns(HUB)
