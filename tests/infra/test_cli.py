"""The synth / deploy / destroy / policy commands, end to end where no AWS account is needed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from typer.testing import CliRunner

from mwaa_pause_resume.cli.app import app
from mwaa_pause_resume.shared.snapshot_access_point import access_point_name

TOML = """
[deployment]
stack_name = "mpr-cli"
account = "111122223333"
region = "eu-west-1"

[[environments]]
name = "dev"
source_bucket = "dev-mwaa-source"
execution_role_arn = "arn:aws:iam::111122223333:role/service-role/dev-exec"
pause_schedule = "0 20 ? * MON-FRI *"
resume_schedule = "0 6 ? * MON-FRI *"
timezone = "Europe/Paris"
update_execution_role = true

[[environments]]
name = "test"
source_bucket = "test-mwaa-source"
execution_role_arn = "arn:aws:iam::111122223333:role/test-exec"
pause_schedule = "0 19 ? * * *"
resume_schedule = "0 7 ? * * *"
"""
KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd"


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "mwaa-pause-resume.toml"
    path.write_text(TOML)
    return path


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_synth_writes_the_assembly_offline(
    config_file: Path, tmp_path: Path, no_aws_credentials: None
) -> None:
    result = run("synth", "-c", str(config_file), "--out", str(tmp_path / "out"), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["stack_name"] == "mpr-cli"
    assert Path(summary["template"]).is_file()
    assert summary["nested_stacks"] == {}  # two environments: one stack
    assert {
        (s["environment"], s["action"], s["expression"], s["timezone"])
        for s in summary["schedules"]
    } == {
        ("dev", "pause", "cron(0 20 ? * MON-FRI *)", "Europe/Paris"),
        ("dev", "resume", "cron(0 6 ? * MON-FRI *)", "Europe/Paris"),
        ("test", "pause", "cron(0 19 ? * * *)", "UTC"),
        ("test", "resume", "cron(0 7 ? * * *)", "UTC"),
    }


EXPORT_FILES = (
    "tables/*",
    "rest/*",
    "manifest.json",
    "paused-states.json",
    "import-report.json",
)


def test_policy_prints_the_document_for_the_given_bucket_and_key(config_file: Path) -> None:
    result = run(
        "policy", "test", "-c", str(config_file), "--bucket", "bkt", "--key-arn", KEY, "--json"
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["attached_by_stack"] is False
    assert answer["execution_role_arn"] == "arn:aws:iam::111122223333:role/test-exec"
    resources = [s["Resource"] for s in answer["policy"]["Statement"]]
    # the environment's access point: in the key's (the hub's) account and region
    _, _, _, region, account, _ = KEY.split(":")
    point = f"arn:aws:s3:{region}:{account}:accesspoint/{access_point_name('mpr-cli', 'test')}"
    assert resources == [
        point,
        f"{point}/object/test/*",
        [f"{point}/object/test/*/{name}" for name in EXPORT_FILES],
        KEY,  # through S3 (SSE-KMS)
        KEY,  # the data keys with this environment's encryption context
        KEY,  # data keys of snapshots made before the context existed
        # the DAGs' rest-only scope: the key's region, the execution role's account
        f"arn:aws:airflow:{KEY.split(':')[3]}:111122223333:role/test/Op",
    ]
    (through_s3,) = [
        s for s in answer["policy"]["Statement"] if s["Sid"] == "UseBackupKeyThroughS3"
    ]
    assert through_s3["Condition"]["StringEquals"] == {
        "kms:ViaService": f"s3.{KEY.split(':')[3]}.amazonaws.com"
    }
    plain = run("policy", "test", "-c", str(config_file), "--bucket", "bkt", "--key-arn", KEY)
    assert json.loads(plain.stdout) == answer["policy"]


@mock_aws
def test_policy_reads_bucket_and_key_from_the_deployed_stack(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    boto3.client("cloudformation", region_name="eu-west-1").create_stack(
        StackName="mpr-cli",
        TemplateBody=json.dumps(
            {
                "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
                "Outputs": {
                    "BackupBucketName": {"Value": "deployed-bkt"},
                    "BackupKeyArn": {"Value": KEY},
                },
            }
        ),
    )
    result = run("policy", "dev", "-c", str(config_file), "--json")
    assert result.exit_code == 0, result.output
    statement = json.loads(result.stdout)["policy"]["Statement"][1]
    assert statement["Resource"].endswith(f"/{access_point_name('mpr-cli', 'dev')}/object/dev/*")


def test_policy_without_credentials_or_names_is_a_clear_error(
    config_file: Path, no_aws_credentials: None
) -> None:
    result = run("policy", "dev", "-c", str(config_file))
    assert result.exit_code == 2
    assert "--bucket" in result.stderr


def test_policy_of_an_unknown_environment(config_file: Path) -> None:
    result = run("policy", "prod", "-c", str(config_file), "--bucket", "b", "--key-arn", KEY)
    assert result.exit_code == 2
    assert "prod" in result.stderr


@pytest.mark.parametrize("command", ["deploy", "destroy"])
def test_deploy_without_node_says_so(
    config_file: Path, command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    result = run(command, "-c", str(config_file))
    assert result.exit_code == 2
    assert "Node.js" in result.stderr


def test_deploy_without_credentials_says_so(config_file: Path, no_aws_credentials: None) -> None:
    result = run("deploy", "-c", str(config_file))
    assert result.exit_code == 2
    assert "no AWS credentials" in result.stderr


@mock_aws
def test_deploy_refuses_credentials_of_another_account(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    result = run("deploy", "-c", str(config_file))
    assert result.exit_code == 2
    assert "111122223333" in result.stderr and "123456789012" in result.stderr


# -- options printed unchecked, synth without node ---------------------------------
# Found by the README walkthrough: options whose values were printed unchecked,
# and synth without node.


def _minimal_config(tmp_path: Path) -> Path:
    path = tmp_path / "mwaa-pause-resume.toml"
    path.write_text(
        "[[environments]]\n"
        'name = "dev"\n'
        'source_bucket = "dev-dags"\n'
        'execution_role_arn = "arn:aws:iam::111122223333:role/dev"\n'
        'pause_schedule = "0 20 ? * MON-FRI *"\n'
        'resume_schedule = "0 6 ? * MON-FRI *"\n',
        encoding="utf-8",
    )
    return path


US_EAST_KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.mark.parametrize(
    ("bucket", "key_arn", "named"),
    [
        ("Bad Bucket", US_EAST_KEY, "--bucket"),
        ("backup-bucket", "1234abcd-12ab", "--key-arn"),
        ("backup-bucket", "arn:aws:s3:::backup-bucket", "--key-arn"),
    ],
)
def test_policy_refuses_a_bucket_or_key_it_would_print_unchecked(
    tmp_path: Path, bucket: str, key_arn: str, named: str
) -> None:
    args = ["policy", "dev", "-c", str(_minimal_config(tmp_path)), "--bucket", bucket]
    result = CliRunner().invoke(app, [*args, "--key-arn", key_arn])
    assert result.exit_code == 2, result.output
    assert named in result.output
    assert "Traceback" not in result.output
    assert '"Statement"' not in result.output


def test_policy_accepts_the_stack_outputs_as_given(tmp_path: Path) -> None:
    args = ["policy", "dev", "-c", str(_minimal_config(tmp_path)), "--bucket", "backup-bucket"]
    result = CliRunner().invoke(app, [*args, "--key-arn", US_EAST_KEY, "--json"])
    assert result.exit_code == 0, result.output
    assert f'"Resource": "{US_EAST_KEY}"' in result.output
    assert '"arn:aws:s3:::backup-bucket/dev/*"' in result.output


def test_synth_without_node_is_a_user_error_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("JSII_NODE", raising=False)
    args = ["synth", "-c", str(_minimal_config(tmp_path)), "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "node not found on PATH" in result.output
    assert "JSII_NODE" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not (tmp_path / "out").exists()
