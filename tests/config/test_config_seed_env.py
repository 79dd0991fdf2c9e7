"""The AWS sample's environment variables and ``.env``: same names, meanings and defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from mwaa_pause_resume.config import ConfigError, load_config
from mwaa_pause_resume.config.model import DEFAULT_NOTIFICATION_TYPES
from mwaa_pause_resume.config.problems import Invalid
from mwaa_pause_resume.config.seed_env import parse_list
from tests.config.config_helpers import EXAMPLES

MINIMAL = {
    "MWAA_ENV_NAME": "my-mwaa-env",
    "MWAA_SOURCE_BUCKET_NAME": "mwaa-env-bucket",
    "MWAA_EXECUTION_ROLE_ARN": "arn:aws:iam::111222333444:role/service-role/my-env",
    "MWAA_PAUSE_CRON_SCHEDULE": "0 20 ? * MON-FRI *",
    "MWAA_RESUME_CRON_SCHEDULE": "0 6 ? * MON-FRI *",
}


def problems_of(exc: pytest.ExceptionInfo[ConfigError]) -> dict[str, str]:
    return {p.field: f"{p.message} | {p.fix}" for p in exc.value.problems}


def test_seed_sample_env_equals_equivalent_toml(tmp_path: Path) -> None:
    from_env = load_config(EXAMPLES / "seed.env", environ={}, cwd=tmp_path)
    from_toml = load_config(EXAMPLES / "seed.toml", environ={})
    assert from_env.environments == from_toml.environments
    assert from_env.deployment == from_toml.deployment
    env = from_env.environments[0]
    assert env.name == "my-mwaa-env"
    assert env.update_execution_role is True
    assert env.timezone == "America/Indiana/Indianapolis"
    assert env.notification_types == ("FAILED", "TIMED_OUT", "ABORTED", "SUCCEEDED")
    assert from_env.deployment.stack_name == "mwaa-pause-resume-dev"


def test_dotenv_in_cwd_is_found_without_flags(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text((EXAMPLES / "seed.env").read_text())
    config = load_config(environ={}, cwd=tmp_path)
    assert config.environments[0].name == "my-mwaa-env"
    assert ".env" in config.source


def test_process_environment_wins_over_dotenv(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text((EXAMPLES / "seed.env").read_text())
    config = load_config(environ={"MWAA_ENV_NAME": "from-process"}, cwd=tmp_path)
    assert config.environments[0].name == "from-process"
    assert config.environments[0].source_bucket == "mwaa-env-bucket"  # still from .env


def test_toml_in_cwd_wins_over_variables(tmp_path: Path) -> None:
    (tmp_path / "mwaa-pause-resume.toml").write_text((EXAMPLES / "seed.toml").read_text())
    config = load_config(environ={**MINIMAL, "MWAA_ENV_NAME": "ignored"}, cwd=tmp_path)
    assert config.environments[0].name == "my-mwaa-env"


def test_seed_defaults_apply_to_unset_and_blank_variables(tmp_path: Path) -> None:
    blank = dict.fromkeys(("MWAA_DAGS_S3_PATH", "SFN_POLL_TIMEOUT_MINS", "MWAA_VPC_ID"), "  ")
    env = load_config(environ={**MINIMAL, **blank}, cwd=tmp_path).environments[0]
    assert env.dags_s3_path == "dags"
    assert env.notification_emails == ()
    assert env.notification_types == DEFAULT_NOTIFICATION_TYPES
    assert env.export_dag_id == "mwaa_export_data"
    assert env.import_dag_id == "mwaa_import_data"
    assert (env.poll_timeout_minutes, env.pause_timeout_minutes) == (60, 60)
    assert (env.resume_timeout_minutes, env.poll_frequency_seconds) == (60, 60)
    assert env.update_execution_role is False
    assert env.vpc_id is None


def test_every_seed_variable_is_read(tmp_path: Path) -> None:
    environ = {
        **MINIMAL,
        "CDK_DEFAULT_ACCOUNT": "111222333444",
        "CDK_DEFAULT_REGION": "eu-west-1",
        "MWAA_MAIN_STACK_NAME": "pause-test",
        "MWAA_ENV_VERSION": "2.10.3",
        "MWAA_UPDATE_EXECUTION_ROLE": "no",
        "MWAA_SCHEDULE_TIME_ZONE": "Europe/Paris",
        "MWAA_VPC_ID": "vpc-0a1bcd23ee45f6789",
        "MWAA_VPC_SUBNETS": "[subnet-0123456789abcdef0, subnet-0123456789abcdef1]",
        "MWAA_VPC_SECURITY_GROUPS": "[sg-01234567]",
        "MWAA_DAGS_S3_PATH": "path/to/dags",
        "MWAA_NOTIFICATION_EMAILS": "[admins@example.com, ops@example.com]",
        "MWAA_NOTIFICATION_TYPES": "[FAILED, RUNNING]",
        "MWAA_RESOURCES_FOLDER": "mwaairflow",
        "MWAA_METADATA_EXPORT_DAG_NAME": "export_meta",
        "MWAA_METADATA_IMPORT_DAG_NAME": "import_meta",
        "SFN_POLL_TIMEOUT_MINS": "30",
        "SFN_PAUSE_TIMEOUT_MINS": "90",
        "SFN_RESUME_TIMEOUT_MINS": "120",
        "SFN_POLL_FREQUENCY_SECS": "40",
    }
    config = load_config(environ=environ, cwd=tmp_path)
    env = config.environments[0]
    assert config.deployment.account == "111222333444"
    assert config.deployment.region == "eu-west-1"
    assert config.deployment.stack_name == "pause-test"
    assert config.deployment.resources_folder == "mwaairflow"
    assert env.airflow_version == "2.10.3"
    assert env.timezone == "Europe/Paris"
    assert env.vpc_id == "vpc-0a1bcd23ee45f6789"
    assert env.subnet_ids == ("subnet-0123456789abcdef0", "subnet-0123456789abcdef1")
    assert env.security_group_ids == ("sg-01234567",)
    assert env.dags_s3_path == "path/to/dags"
    assert env.notification_emails == ("admins@example.com", "ops@example.com")
    assert env.notification_types == ("FAILED", "RUNNING")
    assert (env.export_dag_id, env.import_dag_id) == ("export_meta", "import_meta")
    assert env.poll_timeout_minutes == 30
    assert env.pause_timeout_minutes == 90
    assert env.resume_timeout_minutes == 120
    assert env.poll_frequency_seconds == 40


def test_our_extra_variables(tmp_path: Path) -> None:
    environ = {
        **MINIMAL,
        "MWAA_ENVIRONMENT_CLASS": "mw1.medium",
        "MWAA_MIN_WORKERS": "2",
        "MWAA_MAX_WORKERS": "5",
        "MWAA_SCHEDULERS": "3",
        "MWAA_SNAPSHOT_RETENTION": "3",
        "MWAA_DRAIN_TIMEOUT_MINS": "15",
        "MWAA_UPDATE_AFTER_RESTORE": "true",
        "MWAA_VPC_ID": "vpc-01234567",
        "MWAA_CREATE_VPC_ENDPOINTS": "yes",
        "MWAA_MISSED_RUNS": "Skip",
    }
    env = load_config(environ=environ, cwd=tmp_path).environments[0]
    assert env.environment_class == "mw1.medium"
    assert (env.min_workers, env.max_workers, env.schedulers) == (2, 5, 3)
    assert env.snapshot_retention == 3
    assert env.drain_timeout_minutes == 15
    assert env.update_after_restore is True
    assert env.create_vpc_endpoints is True
    assert env.missed_runs == "skip"


@pytest.mark.parametrize("var", ["MWAA_DEFAULT_ENV_BACKUP_FILE", "MWAA_ENV_BACKUP_FILE"])
def test_removed_backup_file_variable_is_an_error_saying_so(tmp_path: Path, var: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(environ={**MINIMAL, var: "backup.json"}, cwd=tmp_path)
    assert problems_of(raised)[var] == (
        "was removed: nothing ever read it (each snapshot saves the environment's "
        "configuration as environment.json, docs/environment-snapshot.md) | unset it"
    )


def test_removed_backup_file_variable_in_dotenv_names_the_file(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    lines = [f"{k}={v}" for k, v in MINIMAL.items()]
    dotenv.write_text("\n".join([*lines, "MWAA_DEFAULT_ENV_BACKUP_FILE=backup.json", ""]))
    with pytest.raises(ConfigError) as raised:
        load_config(environ={}, cwd=tmp_path)
    (problem,) = raised.value.problems
    assert problem.field == "MWAA_DEFAULT_ENV_BACKUP_FILE"
    assert problem.message.startswith("was removed: ")
    assert problem.fix == f"delete it from {dotenv}"


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("[a@example.com]", ("a@example.com",)),
        ("[a@example.com, b@example.com]", ("a@example.com", "b@example.com")),
        ("[ a@example.com ,b@example.com ]", ("a@example.com", "b@example.com")),
        ("a@example.com", ("a@example.com",)),
        ("a@example.com,b@example.com", ("a@example.com", "b@example.com")),
        ("['a@example.com', \"b@example.com\"]", ("a@example.com", "b@example.com")),
        ("[]", ()),
        ("[a@example.com,]", ("a@example.com",)),
    ],
)
def test_list_syntax_variants(text: str, items: tuple[str, ...]) -> None:
    assert parse_list(text) == items


@pytest.mark.parametrize("text", ["[,]", "[a, b", "[ , , ]"])
def test_malformed_lists_are_rejected(text: str) -> None:
    with pytest.raises(Invalid):
        parse_list(text)


def test_list_variants_end_to_end(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "MWAA_NOTIFICATION_EMAILS=\"['a@example.com', b@example.com]\"\n"
        "MWAA_NOTIFICATION_TYPES=failed\n"
    )
    env = load_config(environ=MINIMAL, cwd=tmp_path).environments[0]
    assert env.notification_emails == ("a@example.com", "b@example.com")
    assert env.notification_types == ("FAILED",)


def test_variable_problems_name_the_variable_and_are_all_collected(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "MWAA_UPDATE_EXECUTION_ROLE=maybe\n"
        "SFN_POLL_FREQUENCY_SECS=often\n"
        "MWAA_NOTIFICATION_EMAILS='[,]'\n"
        "MWAA_SCHEDULE_TIME_ZONE=America/New_Yrok\n"
        "MWAA_NOTIFICATON_TYPES=[FAILED]\n"
        "SFN_PAUSE_TIMEOUT_MINS=2\n"
    )
    environ = {k: v for k, v in MINIMAL.items() if k != "MWAA_ENV_NAME"}
    with pytest.raises(ConfigError) as exc:
        load_config(environ=environ, cwd=tmp_path)
    found = problems_of(exc)
    env_file = str(tmp_path / ".env")
    assert "write yes or no" in found["MWAA_UPDATE_EXECUTION_ROLE"]
    assert "whole number" in found["SFN_POLL_FREQUENCY_SECS"]
    assert "no items" in found["MWAA_NOTIFICATION_EMAILS"]
    assert "America/New_York" in found["MWAA_SCHEDULE_TIME_ZONE"]
    assert "MWAA_NOTIFICATION_TYPES" in found[f"{env_file} MWAA_NOTIFICATON_TYPES"]
    assert "5 to 1440 minutes" in found["SFN_PAUSE_TIMEOUT_MINS"]
    assert "set MWAA_ENV_NAME in the environment or in" in found["MWAA_ENV_NAME"]
    assert len(found) == 7


def test_unknown_variables_in_process_environment_are_ignored(tmp_path: Path) -> None:
    # MWAA's own image and other tools define MWAA_* variables of their own.
    config = load_config(environ={**MINIMAL, "MWAA_AIRFLOW_COMPONENT": "worker"}, cwd=tmp_path)
    assert config.environments[0].name == "my-mwaa-env"


def test_cdk_variables_alone_are_not_a_configuration(tmp_path: Path) -> None:
    environ = {"CDK_DEFAULT_ACCOUNT": "111222333444", "CDK_DEFAULT_REGION": "us-east-1"}
    with pytest.raises(ConfigError) as exc:
        load_config(environ=environ, cwd=tmp_path)
    assert "No configuration found" in exc.value.message


def test_cross_field_problems_speak_in_variables(tmp_path: Path) -> None:
    environ = {
        **MINIMAL,
        "MWAA_RESUME_CRON_SCHEDULE": "cron(0 20 ? * MON-FRI *)",
        "MWAA_MIN_WORKERS": "5",
        "MWAA_MAX_WORKERS": "2",
        "MWAA_VPC_SUBNETS": "[subnet-01234567]",
    }
    with pytest.raises(ConfigError) as exc:
        load_config(environ=environ, cwd=tmp_path)
    found = problems_of(exc)
    assert "MWAA_PAUSE_CRON_SCHEDULE" in found["MWAA_RESUME_CRON_SCHEDULE"]
    assert "set MWAA_MIN_WORKERS to at most MWAA_MAX_WORKERS" in found["MWAA_MIN_WORKERS"]
    assert "set MWAA_VPC_ID" in found["MWAA_VPC_SUBNETS"]
    assert len(found) == 3


def test_missed_runs_variable_problem_names_the_variable_and_the_environment(
    tmp_path: Path,
) -> None:
    (tmp_path / ".env").write_text("MWAA_MISSED_RUNS=lastest\n")
    with pytest.raises(ConfigError) as exc:
        load_config(environ=MINIMAL, cwd=tmp_path)
    problem = exc.value.problems[0]
    assert problem.field == "MWAA_MISSED_RUNS"
    assert problem.message == "environment 'my-mwaa-env': 'lastest' is not a missed-runs policy"
    assert problem.fix.startswith("did you mean 'latest'?")
