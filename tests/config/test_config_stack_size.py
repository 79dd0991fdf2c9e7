"""validate refuses a configuration whose stack would exceed CloudFormation's 500 resources.

The estimate itself is compared with real syntheses in tests/infra/test_stack_size.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from config_helpers import BASE_DEPLOYMENT, environment

from mwaa_pause_resume.config import ConfigError, load_toml
from mwaa_pause_resume.config.stack_size import (
    FIXED,
    PER_DAGS_FOLDER,
    PER_ENVIRONMENT,
    STACK_RESOURCE_LIMIT,
    WORKFLOWS,
    estimated_resources,
)

BASE_ROLE = "arn:aws:iam::111122223333:role/service-role/dev-role"


def _environments(count: int, **changes: Any) -> list[dict[str, Any]]:
    return [
        environment(name=f"env{i}", source_bucket=f"env{i}-dags-bucket", **changes)
        for i in range(count)
    ]


def test_very_many_environments_are_refused_with_the_count_and_the_fix(
    write_toml: Callable[..., Path], run_cli: Callable[..., Any]
) -> None:
    path = write_toml(deployment=BASE_DEPLOYMENT, environments=_environments(120))
    result = run_cli("validate", "--config", str(path))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    text = " ".join(result.output.split())
    expected = FIXED + 120 * (PER_ENVIRONMENT + PER_DAGS_FOLDER) + WORKFLOWS * 3
    assert f"about {expected} resources for 120 environments" in text
    assert f"limit of {STACK_RESOURCE_LIMIT} per stack" in text
    assert "split the environments over two deployments" in text


def test_very_many_addresses_are_refused(
    write_toml: Callable[..., Path], run_cli: Callable[..., Any]
) -> None:
    emails = [f"person{i}@example.com" for i in range(450)]
    path = write_toml(
        deployment=BASE_DEPLOYMENT, environments=_environments(1, notification_emails=emails)
    )
    result = run_cli("validate", "--config", str(path))
    assert result.exit_code == 2, result.output
    assert "limit of 500 per stack" in " ".join(result.output.split())


def test_the_last_environment_that_fits_validates_and_one_more_does_not(
    write_toml: Callable[..., Path],
) -> None:
    fits = (STACK_RESOURCE_LIMIT - FIXED - WORKFLOWS * 3) // (PER_ENVIRONMENT + PER_DAGS_FOLDER)
    config = load_toml(write_toml(deployment=BASE_DEPLOYMENT, environments=_environments(fits)))
    assert estimated_resources(config) <= STACK_RESOURCE_LIMIT
    more = write_toml(deployment=BASE_DEPLOYMENT, environments=_environments(fits + 1))
    with pytest.raises(ConfigError) as refused:
        load_toml(more)
    assert [p.field for p in refused.value.problems] == ["environments"]


def test_a_bucket_policy_past_s3s_20_kb_is_refused_with_the_size_and_the_fix(
    write_toml: Callable[..., Path], run_cli: Callable[..., Any]
) -> None:
    """Each distinct execution role adds a fence to the backup bucket's policy; shared
    roles add only their prefixes (config.bucket_policy_size)."""
    own_roles = [
        environment(
            name=f"analytics-team-{i:02d}",
            source_bucket="shared-dags-bucket",
            execution_role_arn=f"arn:aws:iam::111122223333:role/service-role/mwaa-exec-{i:02d}",
        )
        for i in range(40)
    ]
    path = write_toml(deployment=BASE_DEPLOYMENT, environments=own_roles)
    result = run_cli("validate", "--config", str(path))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    text = " ".join(result.output.split())
    assert "backup bucket's policy would be about" in text
    assert "40 environments with 40 distinct execution roles" in text
    assert "limit of 20480 bytes (20 KB)" in text
    assert "share execution roles" in text
    shared = [{**e, "execution_role_arn": BASE_ROLE} for e in own_roles]
    load_toml(write_toml(deployment=BASE_DEPLOYMENT, environments=shared))  # fits
