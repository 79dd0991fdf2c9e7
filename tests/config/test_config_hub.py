"""validate on hub-and-spoke configurations, and the spoke commands (docs/fleet.md)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mwaa_pause_resume.config.loader import load_config
from mwaa_pause_resume.config.problems import ConfigError
from tests.config.config_helpers import BASE_DEPLOYMENT, environment

SPOKE = "222233334444"
SPOKE_ROLE = f"arn:aws:iam::{SPOKE}:role/team-exec"


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return [p.line() for p in caught.value.problems]


def test_an_environment_in_another_account_needs_the_hubs_account(
    write_toml: Callable[..., Path],
) -> None:
    path = write_toml(
        deployment={"region": "us-east-1"},
        environments=[environment(account=SPOKE, execution_role_arn=SPOKE_ROLE)],
    )
    (line,) = problems(path)
    assert line.startswith("environments[0].account:")
    assert "[deployment] account is not set" in line and "docs/fleet.md" in line


def test_a_spoke_environment_needs_a_region(write_toml: Callable[..., Path]) -> None:
    path = write_toml(
        deployment={"account": BASE_DEPLOYMENT["account"]},
        environments=[environment(account=SPOKE, execution_role_arn=SPOKE_ROLE)],
    )
    (line,) = problems(path)
    assert line.startswith("environments[0].region:") and "spoke role" in line
    fixed = write_toml(
        deployment={"account": BASE_DEPLOYMENT["account"]},
        environments=[
            environment(account=SPOKE, region="eu-west-1", execution_role_arn=SPOKE_ROLE)
        ],
    )
    assert load_config(fixed).environments[0].region == "eu-west-1"


def test_one_name_twice_is_refused_even_in_two_accounts(write_toml: Callable[..., Path]) -> None:
    path = write_toml(
        deployment=BASE_DEPLOYMENT,
        environments=[
            environment(),
            environment(account=SPOKE, region="eu-west-1", execution_role_arn=SPOKE_ROLE),
        ],
    )
    (line,) = problems(path)
    assert line.startswith("environments[1].name:")
    assert "snapshot prefixes" in line and "two deployments" in line


def fleet(write_toml: Callable[..., Path]) -> Path:
    return write_toml(
        deployment={**BASE_DEPLOYMENT, "stack_name": "hub"},
        environments=[
            environment(),
            environment(
                name="team", account=SPOKE, region="eu-west-1", execution_role_arn=SPOKE_ROLE
            ),
        ],
    )


def test_spoke_template_writes_the_stackset_template(
    write_toml: Callable[..., Path], run_cli: Callable[..., Any], tmp_path: Path
) -> None:
    out = tmp_path / "spoke.json"
    result = run_cli("spoke-template", "--config", str(fleet(write_toml)), "--out", str(out))
    assert result.exit_code == 0, result.output
    template = json.loads(out.read_text())
    assert template["Resources"]["SpokeRole"]["Properties"]["RoleName"] == "hub-spoke"
    assert SPOKE in result.output and "team" in result.output


def test_spoke_template_without_spokes_says_so(
    write_toml: Callable[..., Path], run_cli: Callable[..., Any]
) -> None:
    path = write_toml(deployment=BASE_DEPLOYMENT, environments=[environment()])
    result = run_cli("spoke-template", "--config", str(path))
    assert result.exit_code == 2
    assert "no environment in another account" in result.output
    assert "Traceback" not in result.output


def test_policy_prints_the_spoke_role_of_each_spoke_account(
    write_toml: Callable[..., Path], run_cli: Callable[..., Any]
) -> None:
    result = run_cli("policy", "--spoke-role", "--config", str(fleet(write_toml)))
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    (spoke,) = document["spokes"]
    assert spoke["account"] == SPOKE and spoke["environments"] == ["team"]
    text = json.dumps(spoke["policy"])
    assert f"arn:aws:airflow:eu-west-1:{SPOKE}:environment/team" in text
    assert "environment/dev" not in text  # the hub's own environment: not the spoke's
    # The read-only role status assumes: GetEnvironment in that account, trusted by the hub.
    assert document["reader_role_name"].endswith("-spoke-read")
    assert spoke["reader_policy"]["Statement"][0]["Action"] == "airflow:GetEnvironment"
    assert f":{SPOKE}:environment/*" in spoke["reader_policy"]["Statement"][0]["Resource"]
    principal = spoke["reader_trust_policy"]["Statement"][0]["Principal"]["AWS"]
    assert principal.endswith(":root") and principal != spoke["account"]


def test_policy_without_env_or_spoke_role_is_a_clear_error(
    write_toml: Callable[..., Path], run_cli: Callable[..., Any]
) -> None:
    result = run_cli("policy", "--config", str(fleet(write_toml)))
    assert result.exit_code == 2
    assert "policy needs ENV" in result.output and "--spoke-role" in result.output


def test_the_hub_cannot_update_a_spoke_execution_role(write_toml: Callable[..., Path]) -> None:
    path = write_toml(
        deployment=BASE_DEPLOYMENT,
        environments=[
            environment(
                account=SPOKE,
                region="eu-west-1",
                execution_role_arn=SPOKE_ROLE,
                update_execution_role=True,
            )
        ],
    )
    (line,) = problems(path)
    assert line.startswith("environments[0].update_execution_role:")
    assert "policy ENV" in line


def test_policy_of_a_spoke_execution_role_names_the_hubs_keys_and_its_own_airflow(
    write_toml: Callable[..., Path], run_cli: Callable[..., Any]
) -> None:
    key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    mac = "arn:aws:kms:us-east-1:111122223333:key/abcd1234-12ab-34cd-56ef-1234567890ab"
    result = run_cli(
        "policy", "team", "--config", str(fleet(write_toml)),
        "--bucket", "hub-backups", "--key-arn", key, "--mac-key-arn", mac,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = result.stdout[: result.stdout.rindex("}") + 1]
    statements = {s["Sid"]: s for s in json.loads(text)["Statement"]}
    rest = statements["InvokeOwnRestApi"]["Resource"]
    assert rest == f"arn:aws:airflow:eu-west-1:{SPOKE}:role/team/Op"
    through_s3 = json.dumps(statements["UseBackupKeyThroughS3"])
    assert "s3.us-east-1.amazonaws.com" in through_s3


def test_the_fleet_example_validates_and_has_a_spoke_template() -> None:
    from mwaa_pause_resume.infra.spoke import spoke_summary, spoke_template
    from tests.config.config_helpers import EXAMPLES

    config = load_config(EXAMPLES / "fleet.toml")
    assert [a for a, _ in spoke_summary(config)] == ["222222222222", "333333333333"]
    assert set(spoke_template(config)["Conditions"]) == {
        "InAccount222222222222",
        "InAccount333333333333",
    }
