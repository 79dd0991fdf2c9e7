"""``init --from-environment``: GetEnvironment (MWAA emulator) -> a valid config entry."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from typer.testing import CliRunner, Result

from mwaa_pause_resume.cli.app import app
from mwaa_pause_resume.config import load_config
from mwaa_pause_resume.operations.init_entry import PLACEHOLDER_PAUSE
from mwaa_pause_resume.sandbox.mwaa import MwaaBackend, MwaaServer
from tests.cli.cli_ops_helpers import ENV, environment_request

EXISTING = """
[deployment]
stack_name = "tools"

[defaults]
pause_schedule = "0 19 ? * * *"
resume_schedule = "0 7 ? * * *"
timezone = "Europe/London"

# The first environment, kept as the user wrote it.
[[environments]]
name = "other"
source_bucket = "other-dags"
execution_role_arn = "arn:aws:iam::123456789012:role/other"
"""


@pytest.fixture
def mwaa(monkeypatch: pytest.MonkeyPatch) -> Iterator[MwaaBackend]:
    """The emulator with the environment, in a (moto) VPC that EC2 knows."""
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        ec2 = boto3.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.1.{i}.0/24")["Subnet"]["SubnetId"]
            for i in (1, 2)
        ]
        group = ec2.create_security_group(GroupName="mwaa", Description="mwaa", VpcId=vpc)
        backend = MwaaBackend()
        backend.seed(
            {
                **environment_request(),
                "NetworkConfiguration": {
                    "SubnetIds": subnets,
                    "SecurityGroupIds": [group["GroupId"]],
                },
            }
        )
        backend.vpc_id = vpc  # type: ignore[attr-defined]
        with MwaaServer(backend) as server:
            for key, value in server.client_environ().items():
                monkeypatch.setenv(key, value)
            yield backend


def init(path: Path, *args: str) -> Result:
    return CliRunner().invoke(
        app, ["init", "--from-environment", ENV, "--config", str(path), *args]
    )


def test_init_writes_a_valid_commented_file(mwaa: MwaaBackend, tmp_path: Path) -> None:
    path = tmp_path / "mwaa-pause-resume.toml"

    result = init(path)

    assert result.exit_code == 0, result.output
    config = load_config(path)
    env = config.environment(ENV)
    assert env.source_bucket == "mwaa-dags"
    assert env.execution_role_arn == "arn:aws:iam::123456789012:role/mwaa-exec"
    assert env.airflow_version == "2.10.3"
    assert env.dags_s3_path == "dags"
    network = mwaa.environment(ENV).data["NetworkConfiguration"]
    assert env.vpc_id == mwaa.vpc_id  # type: ignore[attr-defined]
    assert env.subnet_ids == tuple(network["SubnetIds"])
    assert env.security_group_ids == tuple(network["SecurityGroupIds"])
    assert (env.environment_class, env.min_workers, env.max_workers, env.schedulers) == (
        "mw1.medium", 2, 6, 3,
    )  # fmt: skip
    assert env.pause_schedule == PLACEHOLDER_PAUSE
    assert config.deployment.region == "us-east-1"
    text = path.read_text()
    assert text.count("# PLACEHOLDER") == 3
    assert "PRIVATE_ONLY" in text
    assert "PLACEHOLDER schedules" in result.stdout


def test_init_reads_the_region_of_the_file_it_extends(
    mwaa: MwaaBackend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No --region and no AWS_DEFAULT_REGION: [deployment] region is the one to use,
    # as --region's help says.
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION", raising=False)
    path = tmp_path / "mine.toml"
    path.write_text(
        EXISTING.replace('stack_name = "tools"', 'stack_name = "tools"\nregion = "us-east-1"')
    )

    result = init(path)

    assert result.exit_code == 0, result.output
    assert load_config(path).environment(ENV).source_bucket == "mwaa-dags"


def test_init_refuses_to_overwrite_without_force(mwaa: MwaaBackend, tmp_path: Path) -> None:
    path = tmp_path / "mwaa-pause-resume.toml"
    assert init(path).exit_code == 0
    path.write_text(path.read_text().replace("max_workers = 6", "max_workers = 9"))
    edited = path.read_text()

    refused = init(path)

    assert refused.exit_code == 2
    assert f"already has an entry for environment {ENV}" in refused.stderr
    assert "--force" in refused.stderr
    assert path.read_text() == edited

    forced = init(path, "--force")

    assert forced.exit_code == 0, forced.output
    config = load_config(path)
    assert [e.name for e in config.environments] == [ENV]
    assert config.environment(ENV).max_workers == 6


def test_init_extends_a_file_and_keeps_its_defaults(mwaa: MwaaBackend, tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(EXISTING)

    result = init(path)

    assert result.exit_code == 0, result.output
    text = path.read_text()
    assert text.startswith(EXISTING.rstrip("\n"))
    config = load_config(path)
    assert [e.name for e in config.environments] == ["other", ENV]
    added = config.environment(ENV)
    assert (added.pause_schedule, added.timezone) == ("0 19 ? * * *", "Europe/London")
    assert "# pause_schedule = " in text  # the placeholder stays as a comment

    again = init(path, "--force")

    assert again.exit_code == 0, again.output
    assert "# The first environment, kept as the user wrote it." in path.read_text()
    assert [e.name for e in load_config(path).environments] == ["other", ENV]


def test_init_refuses_bad_targets(mwaa: MwaaBackend, tmp_path: Path) -> None:
    unknown = CliRunner().invoke(
        app, ["init", "--from-environment", "ghost", "--config", str(tmp_path / "x.toml")]
    )
    dotenv = init(tmp_path / ".env")
    broken_path = tmp_path / "broken.toml"
    broken_path.write_text("[deployment\n")
    broken = init(broken_path)

    assert unknown.exit_code == 2
    assert "MWAA environment ghost does not exist in us-east-1" in unknown.stderr
    assert not (tmp_path / "x.toml").exists()
    assert dotenv.exit_code == 2
    assert "init writes TOML" in dotenv.stderr
    assert broken.exit_code == 2
    assert "is not valid TOML" in broken.stderr
    assert broken_path.read_text() == "[deployment\n"


def test_init_refuses_a_file_nested_too_deeply(mwaa: MwaaBackend, tmp_path: Path) -> None:
    """tomllib recurses per level: a RecursionError is still "not valid TOML" (issue 13)."""
    path = tmp_path / "deep.toml"
    text = EXISTING + "x = " + "[" * 5000 + "]" * 5000 + "\n"
    path.write_text(text)
    done = init(path)
    assert done.exit_code == 2, done.output
    assert "is not valid TOML" in done.stderr and "nested too deeply" in done.stderr
    assert done.exception is None or isinstance(done.exception, SystemExit)
    assert path.read_text() == text


def test_init_comments_out_a_network_it_cannot_place(mwaa: MwaaBackend, tmp_path: Path) -> None:
    # Subnets EC2 does not know (deleted, or no ec2:DescribeSubnets): no vpc_id to write.
    mwaa.seed({**environment_request("other-env")})
    path = tmp_path / "mwaa-pause-resume.toml"

    result = CliRunner().invoke(
        app, ["init", "--from-environment", "other-env", "--config", str(path)]
    )

    assert result.exit_code == 0, result.output
    assert "network lines are commented out" in result.stdout
    text = path.read_text()
    assert '# subnet_ids = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]' in text
    assert "TO DO: init could not find the subnets' VPC" in text
    assert load_config(path).environment("other-env").subnet_ids == ()
