"""The emulator keeps each account's and region's environments apart, as MWAA does: the
region from the request's signature, the account from the credentials (moto's)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.config import Config
from moto import mock_aws

from mwaa_pause_resume.sandbox.mwaa import MwaaBackend, MwaaServer
from mwaa_pause_resume.sandbox.mwaa.placements import request_placement

REQUEST = {
    "Name": "dev",
    "ExecutionRoleArn": "arn:aws:iam::123456789012:role/exec",
    "SourceBucketArn": "arn:aws:s3:::dags",
    "DagS3Path": "dags",
    "NetworkConfiguration": {"SubnetIds": ["subnet-0a", "subnet-0b"]},
}


def client(server: MwaaServer, region: str, **credentials: str) -> Any:
    return boto3.client(
        "mwaa",
        region_name=region,
        endpoint_url=server.endpoint_url,
        aws_access_key_id=credentials.get("AccessKeyId", "testing"),
        aws_secret_access_key=credentials.get("SecretAccessKey", "testing"),
        aws_session_token=credentials.get("SessionToken"),
        config=Config(inject_host_prefix=False),
    )


def test_one_name_in_two_regions_is_two_environments(server: MwaaServer) -> None:
    backend = server.backend
    home = client(server, backend.region)
    away = client(server, "eu-west-1")

    home.create_environment(**REQUEST)
    arn = away.create_environment(**REQUEST)["Arn"]

    assert arn == f"arn:aws:airflow:eu-west-1:{backend.account_id}:environment/dev"
    assert backend.names() == ["dev"]
    assert backend.at(backend.account_id, "eu-west-1").names() == ["dev"]
    away.delete_environment(Name="dev")
    assert home.get_environment(Name="dev")["Environment"]["Name"] == "dev"


def test_assumed_role_credentials_reach_the_roles_account(
    server: MwaaServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    with mock_aws():
        credentials = boto3.client("sts", region_name="us-east-1").assume_role(
            RoleArn="arn:aws:iam::222233334444:role/spoke", RoleSessionName="hub"
        )["Credentials"]
        spoke = client(server, "ap-southeast-2", **credentials)
        spoke.create_environment(**REQUEST)
        assert spoke.list_environments()["Environments"] == ["dev"]
    assert server.backend.names() == []
    assert server.backend.at("222233334444", "ap-southeast-2").names() == ["dev"]


def test_an_unsigned_or_unknown_request_is_the_backends_own() -> None:
    backend = MwaaBackend()
    own = (backend.account_id, backend.region)
    assert request_placement({}, *own) == own
    signed = {
        "authorization": "AWS4-HMAC-SHA256 Credential=testing/20261202/eu-west-1/airflow/"
        "aws4_request, SignedHeaders=host, Signature=x"
    }
    assert request_placement(signed, *own) == (backend.account_id, "eu-west-1")
    assert request_placement({**signed, "x-moto-account-id": "999988887777"}, *own) == (
        "999988887777",
        "eu-west-1",
    )
