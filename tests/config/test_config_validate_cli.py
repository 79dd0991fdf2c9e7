"""`mwaa-pause-resume validate`: every invalid case exits 2 naming the field and the fix."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mwaa_pause_resume.airflow_versions import REFUSED, SUPPORTED
from tests.config.config_helpers import BASE_DEPLOYMENT, EXAMPLES, environment, render_toml


def one(**changes: Any) -> str:
    """A configuration with one environment: the base one with ``changes``."""
    return render_toml(environments=[environment(**changes)])


# (case id, TOML text, field named in the output, text of the fix)
CASES: list[tuple[str, str, str, str]] = [
    (
        "unknown key",
        one(pause_schedul="0 1 ? * * *"),
        "environments[0].pause_schedul",
        "did you mean 'pause_schedule'?",
    ),
    ("unknown section", one() + "[deploymnet]\n", "deploymnet", "did you mean 'deployment'?"),
    (
        "unknown deployment key",
        render_toml({"regoin": "us-east-1"}, environments=[environment()]),
        "deployment.regoin",
        "did you mean 'region'?",
    ),
    (
        "cron hour out of range",
        one(pause_schedule="0 25 ? * MON-FRI *"),
        "environments[0].pause_schedule",
        "cron(",
    ),
    (
        "cron five fields",
        one(resume_schedule="0 6 * * MON"),
        "environments[0].resume_schedule",
        "add ' *' at the end",
    ),
    (
        "cron both day fields",
        one(pause_schedule="0 20 1 * MON *"),
        "environments[0].pause_schedule",
        "cron(0 20 ? * MON-FRI *)",
    ),
    (
        "rate expression",
        one(pause_schedule="rate(1 hour)"),
        "environments[0].pause_schedule",
        "cron(",
    ),
    (
        "unknown time zone",
        one(timezone="Europe/Pariss"),
        "environments[0].timezone",
        "'Europe/Paris'",
    ),
    (
        "time zone wrong case",
        one(timezone="europe/paris"),
        "environments[0].timezone",
        "'Europe/Paris'",
    ),
    (
        "made-up time zone",
        one(timezone="Mars/Olympus"),
        "environments[0].timezone",
        "IANA tz database",
    ),
    (
        "role ARN no account",
        one(execution_role_arn="arn:aws:iam::123:role/x"),
        "environments[0].execution_role_arn",
        "arn:aws:iam::111122223333:role/",
    ),
    (
        "role ARN is a user",
        one(execution_role_arn="arn:aws:iam::111122223333:user/x"),
        "environments[0].execution_role_arn",
        "execution role ARN",
    ),
    (
        "role ARN bad partition",
        one(execution_role_arn="arn:aws-xx:iam::111122223333:role/x"),
        "environments[0].execution_role_arn",
        "execution role ARN",
    ),
    (
        "bucket upper case",
        one(source_bucket="My_Bucket"),
        "environments[0].source_bucket",
        "3-63 lowercase",
    ),
    (
        "bucket as IP",
        one(source_bucket="192.168.1.10"),
        "environments[0].source_bucket",
        "3-63 lowercase",
    ),
    (
        "bucket URL",
        one(source_bucket="s3://my-bucket/dags"),
        "environments[0].source_bucket",
        "write 'my-bucket'",
    ),
    (
        "bucket reserved suffix",
        one(source_bucket="data-s3alias"),
        "environments[0].source_bucket",
        "3-63 lowercase",
    ),
    (
        "bad e-mail",
        one(notification_emails=["ok@example.com", "not-an-address"]),
        "environments[0].notification_emails",
        "name@example.com",
    ),
    (
        "bad VPC id",
        one(vpc_id="vpc-0a1bcd23ee45fg678"),
        "environments[0].vpc_id",
        "8 or 17 hexadecimal digits",
    ),
    (
        "bad subnet id",
        one(vpc_id="vpc-01234567", subnet_ids=["subnet-1234567"]),
        "environments[0].subnet_ids",
        "subnet- followed by 8 or 17",
    ),
    (
        "bad security group",
        one(vpc_id="vpc-01234567", security_group_ids=["sg-xyz"]),
        "environments[0].security_group_ids",
        "sg- followed by 8 or 17",
    ),
    (
        "subnets without VPC",
        one(subnet_ids=["subnet-01234567"]),
        "environments[0].subnet_ids",
        "set vpc_id",
    ),
    (
        "bad account",
        render_toml({"account": "1234"}, environments=[environment()]),
        "deployment.account",
        "12 digits",
    ),
    (
        "bad region",
        render_toml({"region": "us-east1"}, environments=[environment()]),
        "deployment.region",
        "'us-east-1'",
    ),
    (
        "bad stack name",
        render_toml({"stack_name": "1-stack"}, environments=[environment()]),
        "deployment.stack_name",
        "a letter first",
    ),
    (
        "role in another account",
        render_toml(
            BASE_DEPLOYMENT,
            environments=[environment(execution_role_arn="arn:aws:iam::999999999999:role/r")],
        ),
        "environments[0].execution_role_arn",
        "deployment account",
    ),
    (
        "unknown notification type",
        one(notification_types=["FAILED", "SUCCEDED"]),
        "environments[0].notification_types",
        "did you mean 'SUCCEEDED'?",
    ),
    (
        "poll frequency too low",
        one(poll_frequency_seconds=5),
        "environments[0].poll_frequency_seconds",
        "from 10 to 3600 seconds",
    ),
    (
        "poll timeout too high",
        one(poll_timeout_minutes=2000),
        "environments[0].poll_timeout_minutes",
        "from 5 to 1440 minutes",
    ),
    (
        "pause timeout too low",
        one(pause_timeout_minutes=1),
        "environments[0].pause_timeout_minutes",
        "from 5 to 1440 minutes",
    ),
    (
        "resume timeout too high",
        one(resume_timeout_minutes=99999),
        "environments[0].resume_timeout_minutes",
        "from 5 to 1440 minutes",
    ),
    (
        "drain longer than pause",
        one(drain_timeout_minutes=60),
        "environments[0].drain_timeout_minutes",
        "smaller than pause_timeout_minutes",
    ),
    (
        "duplicate names",
        render_toml(environments=[environment(), environment(source_bucket="other-bucket")]),
        "environments[1].name",
        "unique name",
    ),
    (
        "identical schedules",
        one(resume_schedule="cron(0 20 ? * mon-fri *)"),
        "environments[0].resume_schedule",
        "different time",
    ),
    (
        "identical via defaults",
        render_toml(
            defaults={"pause_schedule": "0 1 * * ? *", "resume_schedule": "0 1 * * ? *"},
            environments=[environment(pause_schedule=None, resume_schedule=None)],
        ),
        "defaults.resume_schedule",
        "different time",
    ),
    ("name starts with digit", one(name="1dev"), "environments[0].name", "a letter first"),
    ("name too long", one(name="a" * 81), "environments[0].name", "1-80 characters"),
    ("name with space", one(name="dev env"), "environments[0].name", "letters, digits, '-' or '_'"),
    (
        "DAG id too long",
        one(export_dag_id="mwaa_export_metadata"),
        "environments[0].export_dag_id",
        "at most 17 characters",
    ),
    (
        "DAG id bad chars",
        one(import_dag_id="import dag"),
        "environments[0].import_dag_id",
        "letters, digits",
    ),
    (
        "same DAG twice",
        one(import_dag_id="mwaa_export_data"),
        "environments[0].import_dag_id",
        "two different DAG ids",
    ),
    (
        "retention zero",
        one(snapshot_retention=0),
        "environments[0].snapshot_retention",
        "use 1 snapshot or more",
    ),
    (
        "min above max workers",
        one(min_workers=5, max_workers=2),
        "environments[0].min_workers",
        "at most max_workers",
    ),
    (
        "too many workers",
        one(max_workers=40),
        "environments[0].max_workers",
        "from 1 to 25 workers",
    ),
    (
        "micro with workers",
        one(environment_class="mw1.micro", max_workers=3),
        "environments[0].max_workers",
        "max_workers = 1",
    ),
    ("one scheduler on small", one(schedulers=1), "environments[0].schedulers", "from 2 to 5"),
    (
        "unknown class",
        one(environment_class="mw1.smal"),
        "environments[0].environment_class",
        "did you mean 'mw1.small'?",
    ),
    (
        "number as text",
        one(poll_frequency_seconds="60"),
        "environments[0].poll_frequency_seconds",
        "without quotes",
    ),
    (
        "yes instead of true",
        one(update_execution_role="yes"),
        "environments[0].update_execution_role",
        "update_execution_role = true",
    ),
    (
        "list of numbers",
        one(notification_emails=[1, 2]),
        "environments[0].notification_emails",
        "notification_emails = [",
    ),
    (
        "bad Airflow version",
        one(airflow_version="latest"),
        "environments[0].airflow_version",
        "one of: " + ", ".join(SUPPORTED),
    ),
    (
        "Airflow version older than supported",
        one(airflow_version="2.5.1"),
        "environments[0].airflow_version",
        "use one of: " + ", ".join(SUPPORTED),
    ),
    (
        "Airflow version MWAA does not offer",
        one(airflow_version="3.1.0"),
        "environments[0].airflow_version",
        "use one of: " + ", ".join(SUPPORTED),
    ),
    (
        "Airflow version MWAA offers, refused",
        one(airflow_version="2.9.2"),
        "environments[0].airflow_version",
        "aws mwaa update-environment --name ENV --airflow-version 2.10.3",
    ),
    (
        "absolute DAGs path",
        one(dags_s3_path="/dags"),
        "environments[0].dags_s3_path",
        "without a leading '/'",
    ),
    (
        "removed key",
        one(environment_backup_file="env.txt"),
        "environments[0].environment_backup_file",
        "delete this line",
    ),
    (
        "missing required",
        one(execution_role_arn=None),
        "environments[0].execution_role_arn",
        "add execution_role_arn = ...",
    ),
    (
        "name in defaults",
        render_toml(defaults={"name": "x"}, environments=[environment()]),
        "defaults.name",
        "set name in each [[environments]] entry",
    ),
    (
        "environments as a table",
        '[environments]\nname = "dev"\n',
        "environments",
        "[[environments]] (double brackets)",
    ),
    (
        "no environments",
        render_toml(BASE_DEPLOYMENT),
        "environments",
        "add an [[environments]] table",
    ),
    (
        "price for unknown class",
        one() + '[prices."mw1.huge"]\nenvironment = 9\n',
        'prices."mw1.huge"',
        "mw1.",
    ),
    (
        "negative price",
        one() + '[prices."mw1.small"]\nenvironment = -1\n',
        'prices."mw1.small".environment',
        "number >= 0",
    ),
    (
        "price without base",
        one() + '[prices."mw1.small"]\nextra_worker = 1\n',
        'prices."mw1.small".environment',
        "set environment =",
    ),
    ("TOML syntax", "[[environments]]\nname = dev\n", "mwaa-pause-resume.toml", "double quotes"),
    (
        "missed-runs typo",
        one(missed_runs="skp"),
        "environments[0].missed_runs",
        "did you mean 'skip'? Use one of: catchup, latest, skip (the default is catchup)",
    ),
    (
        "missed-runs unknown policy",
        one(missed_runs="never"),
        "environments[0].missed_runs",
        "use one of: catchup, latest, skip (the default is catchup)",
    ),
    (
        "missed-runs default",
        render_toml(defaults={"missed_runs": "all"}, environments=[environment()]),
        "defaults.missed_runs",
        "use one of: catchup, latest, skip",
    ),
    (
        "missed-runs not text",
        one(missed_runs=True),
        "environments[0].missed_runs",
        'missed_runs = "..."',
    ),
]


@pytest.mark.parametrize(
    ("text", "field", "fix"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_invalid_case_exits_2_naming_field_and_fix(
    run_cli: Callable[..., Any], write_toml: Callable[..., Path], text: str, field: str, fix: str
) -> None:
    write_toml(text)
    result = run_cli("validate")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if f"{field}:" in line]
    assert lines, f"no line names {field!r}:\n{result.output}"
    assert any("Fix:" in line and fix in line for line in lines), result.output


@pytest.mark.parametrize(
    ("text", "field", "fix"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_invalid_case_as_json(
    run_cli: Callable[..., Any], write_toml: Callable[..., Path], text: str, field: str, fix: str
) -> None:
    write_toml(text)
    result = run_cli("validate", "--json")
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert data["valid"] is False
    assert data["environments"] == []
    assert any(p["field"].endswith(field) and fix in p["fix"] for p in data["problems"]), data


def test_all_problems_are_collected_in_one_run(
    run_cli: Callable[..., Any], write_toml: Callable[..., Path]
) -> None:
    write_toml(
        render_toml(
            {"account": "12", "regoin": "x"},
            defaults={"timezone": "Nowhere/City", "poll_frequency_seconds": 1},
            environments=[
                environment(name="9", source_bucket="B", notification_types=["NOPE"]),
                environment(name="ok", pause_schedule="0 99 ? * * *", snapshot_retention=0),
            ],
        )
    )
    result = run_cli("validate")
    assert result.exit_code == 2
    expected = [
        "deployment.account:",
        "deployment.regoin:",
        "defaults.timezone:",
        "defaults.poll_frequency_seconds:",
        "environments[0].name:",
        "environments[0].source_bucket:",
        "environments[0].notification_types:",
        "environments[1].pause_schedule:",
        "environments[1].snapshot_retention:",
    ]
    for field in expected:
        assert sum(field in line for line in result.output.splitlines()) == 1, (
            field,
            result.output,
        )
    assert "9 configuration problems in" in result.output


def test_missed_runs_problem_names_the_environment_and_every_policy(
    run_cli: Callable[..., Any], write_toml: Callable[..., Path]
) -> None:
    write_toml(
        render_toml(
            environments=[
                environment(name="dev", missed_runs="latest"),
                environment(name="prod", source_bucket="prod-dags", missed_runs="none"),
            ]
        )
    )
    result = run_cli("validate")
    assert result.exit_code == 2
    assert "1 configuration problem in" in result.output  # dev's "latest" is fine
    (line,) = [line for line in result.output.splitlines() if ".missed_runs:" in line]
    assert line.strip() == (
        "- environments[1].missed_runs: environment 'prod': 'none' is not a missed-runs "
        "policy. Fix: use one of: catchup, latest, skip (the default is catchup)"
    )


def test_missed_runs_defaults_to_catchup_and_ignores_case(
    run_cli: Callable[..., Any], write_toml: Callable[..., Path]
) -> None:
    from mwaa_pause_resume.config import load_toml

    path = write_toml(
        render_toml(
            defaults={"missed_runs": " Skip "},
            environments=[
                environment(name="dev", missed_runs="LATEST"),
                environment(name="test", source_bucket="test-dags"),
            ],
        )
    )
    config = load_toml(path)
    assert [e.missed_runs for e in config.environments] == ["latest", "skip"]
    path.write_text(render_toml(environments=[environment()]))
    assert load_toml(path).environments[0].missed_runs == "catchup"
    result = run_cli("validate", "--config", str(path))
    assert result.exit_code == 0, result.output
    assert "missed runs catchup" in result.output


def test_valid_configuration_summary(
    run_cli: Callable[..., Any], write_toml: Callable[..., Path]
) -> None:
    write_toml((EXAMPLES / "mwaa-pause-resume.toml").read_text())
    result = run_cli("validate")
    assert result.exit_code == 0, result.output
    assert "2 environments" in result.output
    for text in ("analytics-dev", "analytics-staging", "0 21 ? * FRI *", "America/New_York"):
        assert text in result.output


def test_valid_configuration_as_json(
    run_cli: Callable[..., Any], write_toml: Callable[..., Path]
) -> None:
    path = write_toml((EXAMPLES / "mwaa-pause-resume.toml").read_text(), name="team.toml")
    result = run_cli("validate", "--config", str(path), "--json")
    assert result.exit_code == 0
    out = json.loads(result.stdout)
    assert out.pop("stack")["layout"] == "flat"  # tests/config/test_config_stack_size.py
    assert out == {
        "valid": True,
        "source": str(path),
        "environments": ["analytics-dev", "analytics-staging"],
        "problems": [],
    }


def test_seed_dotenv_through_the_cli(run_cli: Callable[..., Any], tmp_path: Path) -> None:
    (tmp_path / ".env").write_text((EXAMPLES / "seed.env").read_text())
    result = run_cli("validate", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["environments"] == ["my-mwaa-env"]


def test_seed_variables_problem_names_the_variable(run_cli: Callable[..., Any]) -> None:
    env = {"MWAA_ENV_NAME": "dev", "MWAA_PAUSE_CRON_SCHEDULE": "0 20 ? * MON-FRI *"}
    result = run_cli("validate", env=env)
    assert result.exit_code == 2
    assert "MWAA_SOURCE_BUCKET_NAME: is required. Fix: set MWAA_SOURCE_BUCKET_NAME" in (
        result.output
    )
    assert "MWAA_RESUME_CRON_SCHEDULE:" in result.output
    assert "Traceback" not in result.output


def test_no_configuration_says_where_it_looked(run_cli: Callable[..., Any], tmp_path: Path) -> None:
    result = run_cli("validate")
    assert result.exit_code == 2
    assert "No configuration found" in result.output
    assert str(tmp_path / "mwaa-pause-resume.toml") in result.output
    assert str(tmp_path / ".env") in result.output
    assert "examples/mwaa-pause-resume.toml" in result.output
    data = json.loads(run_cli("validate", "--json").stdout)
    assert data["valid"] is False
    assert data["problems"][0]["field"] == "config"


def test_missing_config_file_option(run_cli: Callable[..., Any]) -> None:
    result = run_cli("validate", "--config", "missing.toml")
    assert result.exit_code == 2
    assert "--config:" in result.output
    assert "does not exist" in result.output


@pytest.mark.parametrize("version", SUPPORTED)
def test_every_supported_airflow_version_is_valid(
    run_cli: Callable[..., Any], write_toml: Callable[..., Path], version: str
) -> None:
    write_toml(one(airflow_version=version))
    result = run_cli("validate", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["problems"] == []


@pytest.mark.parametrize("version", sorted(REFUSED))
def test_refused_airflow_version_gets_its_way_forward(
    run_cli: Callable[..., Any], write_toml: Callable[..., Path], version: str
) -> None:
    write_toml(one(airflow_version=version))
    result = run_cli("validate", "--json")
    assert result.exit_code == 2
    (problem,) = json.loads(result.stdout)["problems"]
    assert problem["field"] == "environments[0].airflow_version"
    assert problem["fix"] == REFUSED[version]
    assert f"Airflow {version} is not supported" in problem["message"]
