"""The documentation covers every field, and loading stays light enough for `plan`."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import mwaa_pause_resume
from mwaa_pause_resume.config.fields import (
    DEPLOYMENT_FIELDS,
    ENVIRONMENT_FIELDS,
    PRICE_KEYS,
    REMOVED_VARIABLES,
)
from mwaa_pause_resume.config.model import DeploymentConfig, EnvironmentConfig, PriceOverride
from tests.config.config_helpers import EXAMPLES

DOCS = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
# The Stack Parameters table of the AWS sample, in its order.
SEED_TABLE = [
    "CDK_DEFAULT_ACCOUNT",
    "CDK_DEFAULT_REGION",
    "MWAA_MAIN_STACK_NAME",
    "MWAA_ENV_NAME",
    "MWAA_ENV_VERSION",
    "MWAA_SOURCE_BUCKET_NAME",
    "MWAA_EXECUTION_ROLE_ARN",
    "MWAA_UPDATE_EXECUTION_ROLE",
    "MWAA_PAUSE_CRON_SCHEDULE",
    "MWAA_RESUME_CRON_SCHEDULE",
    "MWAA_SCHEDULE_TIME_ZONE",
    "MWAA_VPC_ID",
    "MWAA_VPC_SUBNETS",
    "MWAA_VPC_SECURITY_GROUPS",
    "MWAA_DAGS_S3_PATH",
    "MWAA_NOTIFICATION_EMAILS",
    "MWAA_NOTIFICATION_TYPES",
    "MWAA_RESOURCES_FOLDER",
    "MWAA_METADATA_EXPORT_DAG_NAME",
    "MWAA_METADATA_IMPORT_DAG_NAME",
    "MWAA_DEFAULT_ENV_BACKUP_FILE",
    "SFN_POLL_TIMEOUT_MINS",
    "SFN_PAUSE_TIMEOUT_MINS",
    "SFN_RESUME_TIMEOUT_MINS",
    "SFN_POLL_FREQUENCY_SECS",
]


def test_field_table_matches_the_model() -> None:
    assert [s.key for s in ENVIRONMENT_FIELDS] == [f.name for f in fields(EnvironmentConfig)]
    assert [s.key for s in DEPLOYMENT_FIELDS] == [f.name for f in fields(DeploymentConfig)]
    assert list(PRICE_KEYS) == [f.name for f in fields(PriceOverride)]


def test_every_seed_variable_is_accepted() -> None:
    """Accepted, or removed with a message saying so (config.fields.REMOVED_FIELDS)."""
    accepted = {v for s in (*ENVIRONMENT_FIELDS, *DEPLOYMENT_FIELDS) for v in s.env_vars}
    seed = set(SEED_TABLE) - set(REMOVED_VARIABLES)
    assert seed <= accepted
    ours = accepted - seed
    assert all(var.startswith("MWAA_") for var in ours)
    seed_flagged = {
        v for s in (*ENVIRONMENT_FIELDS, *DEPLOYMENT_FIELDS) if s.seed for v in s.env_vars
    }
    assert seed_flagged == seed


def test_docs_describe_every_key_and_variable() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for spec in (*ENVIRONMENT_FIELDS, *DEPLOYMENT_FIELDS):
        assert f"| `{spec.key}` |" in text, spec.key
        for var in spec.env_vars:
            assert f"`{var}`" in text, var
    for key in PRICE_KEYS:
        assert f"| `{key}` |" in text, key


def test_loading_imports_nothing_heavy() -> None:
    # `plan` must answer in under a second: config loading stays on the standard library.
    code = (
        "import sys; from pathlib import Path;"
        "from mwaa_pause_resume.config import load_config;"
        f"load_config(Path({str(EXAMPLES / 'mwaa-pause-resume.toml')!r}), environ={{}});"
        "heavy = ('boto3', 'botocore', 'pydantic', 'aws_cdk', 'psycopg2', 'typer', 'rich');"
        "print(','.join(m for m in heavy if m in sys.modules))"
    )
    src = str(Path(mwaa_pause_resume.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.strip() == ""
