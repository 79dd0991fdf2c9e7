"""validate keeps every stack within CloudFormation's 500 resources and says how it counts.

A deployment stays one stack while it fits and moves each environment's own resources
into nested hash groups past that (config/stack_layout.py). The estimate itself is
compared with real syntheses in tests/infra/test_stack_size.py.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mwaa_pause_resume.config import load_toml, stack_size
from mwaa_pause_resume.config.model import Config
from mwaa_pause_resume.config.stack_layout import (
    FLAT,
    NESTED,
    NESTED_GROUPS,
    StackLayout,
    group_construct_id,
    group_contents,
)
from mwaa_pause_resume.config.stack_size import (
    DAGS_HANDLER,
    FIXED,
    MAIN_FIXED_NESTED,
    PER_DAGS_FOLDER,
    PER_ENVIRONMENT,
    SCHEDULE_GROUP,
    STACK_RESOURCE_LIMIT,
    WORKFLOWS,
    choose_layout,
    dags_handler_overflow,
    estimated_resources,
    stack_sizes,
    too_many_resources,
)
from tests.config.config_helpers import BASE_DEPLOYMENT, environment

BASE_ROLE = "arn:aws:iam::111122223333:role/service-role/dev-role"


def _environments(count: int, **changes: Any) -> list[dict[str, Any]]:
    return [
        environment(name=f"env{i}", source_bucket=f"env{i}-dags-bucket", **changes)
        for i in range(count)
    ]


def test_a_deployment_too_large_for_one_stack_validates_as_nested_groups(
    write_toml: Callable[..., Path], run_cli: Callable[..., Any]
) -> None:
    """120 environments were refused when the deployment was always one stack."""
    path = write_toml(deployment=BASE_DEPLOYMENT, environments=_environments(120))
    result = run_cli("validate", "--config", str(path))
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert f"nested stacks of {NESTED_GROUPS} hash groups" in text
    assert f"(limit {STACK_RESOURCE_LIMIT} per stack)" in text
    assert "computed from 120 environments, 120 DAGs folders" in text
    as_json = json.loads(run_cli("validate", "--config", str(path), "--json").stdout)["stack"]
    assert as_json["layout"] == "nested"
    assert as_json["limit_per_stack"] == STACK_RESOURCE_LIMIT
    assert as_json["computed_from"]["environments"] == 120
    groups = group_contents(load_toml(path).environments, NESTED_GROUPS)
    assert as_json["nested_stacks"] == {
        group_construct_id(g.index): (SCHEDULE_GROUP if g.environments else 0)
        + PER_ENVIRONMENT * len(g.environments)
        + (
            DAGS_HANDLER + PER_DAGS_FOLDER * len(g.folders) + dags_handler_overflow(len(g.folders))
            if g.folders
            else 0
        )
        for g in groups
    }
    assert 1 < len(groups) <= NESTED_GROUPS
    assert as_json["main_stack_resources"] == MAIN_FIXED_NESTED + len(groups) + WORKFLOWS * 3


def test_a_small_deployment_stays_one_stack_and_says_so(
    write_toml: Callable[..., Path], run_cli: Callable[..., Any]
) -> None:
    path = write_toml(deployment=BASE_DEPLOYMENT, environments=_environments(3))
    result = run_cli("validate", "--config", str(path))
    assert result.exit_code == 0, result.output
    expected = FIXED + 3 * (PER_ENVIRONMENT + PER_DAGS_FOLDER) + WORKFLOWS * 3
    text = " ".join(result.output.split())
    assert f"stack: one stack of about {expected} resources (limit 500)" in text
    assert "computed from 3 environments, 3 DAGs folders" in text


def test_very_many_addresses_are_refused_with_the_main_stack_fix(
    write_toml: Callable[..., Path], run_cli: Callable[..., Any]
) -> None:
    """Subscriptions stay in the main stack (moving one would unsubscribe its address)."""
    emails = [f"person{i}@example.com" for i in range(450)]
    path = write_toml(
        deployment=BASE_DEPLOYMENT, environments=_environments(1, notification_emails=emails)
    )
    result = run_cli("validate", "--config", str(path))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    text = " ".join(result.output.split())
    assert "the main stack would have about" in text
    assert "limit of 500 per stack" in text
    assert "450 e-mail addresses" in text
    assert "a distribution list" in text


def test_the_last_environment_that_fits_one_stack_stays_flat_and_one_more_is_nested(
    write_toml: Callable[..., Path],
) -> None:
    config = load_toml(write_toml(deployment=BASE_DEPLOYMENT, environments=_environments(110)))

    def first(n: int) -> Config:
        return dataclasses.replace(config, environments=config.environments[:n])

    fits = max(n for n in range(1, 111) if stack_sizes(first(n), FLAT).fits)
    assert 70 <= fits < 90  # about 75 environments with their own DAGs folders
    assert choose_layout(first(fits)) == FLAT
    assert estimated_resources(first(fits)) <= STACK_RESOURCE_LIMIT
    assert choose_layout(first(fits + 1)) == NESTED
    assert stack_sizes(first(fits + 1), NESTED).fits


def test_dag_deployments_needing_more_managed_policies_than_iam_allows_are_refused(
    write_toml: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reached only past ~115 DAGs folders in one stack; checked with a quota of 1."""
    config = load_toml(write_toml(deployment=BASE_DEPLOYMENT, environments=_environments(40)))
    assert dags_handler_overflow(40) == 3
    assert too_many_resources(config) is None
    monkeypatch.setattr(stack_size, "MANAGED_POLICIES_PER_ROLE", 1)
    problem = too_many_resources(config)
    assert problem is not None
    assert "more than IAM's 1 managed policies per role" in problem[0]
    assert "the stack 40 folders" in problem[0]
    assert "share DAGs folders" in problem[1]


def _many(config: Config, count: int) -> Config:
    (env,) = config.environments
    return dataclasses.replace(
        config,
        environments=tuple(
            dataclasses.replace(env, name=f"env{i}", source_bucket=f"env{i}-dags-bucket")
            for i in range(count)
        ),
    )


def test_a_group_past_the_limit_is_refused_naming_it_and_what_it_holds(
    write_toml: Callable[..., Path],
) -> None:
    """Checked with one group for 130 environments: 32 groups would need ~2,600."""
    config = _many(
        load_toml(write_toml(deployment=BASE_DEPLOYMENT, environments=_environments(1))), 130
    )
    problem = too_many_resources(config, StackLayout(1))
    assert problem is not None
    message, fix = problem
    assert "1 of the nested stacks would have more than CloudFormation's limit of 500" in message
    resources = 1 + 3 + 130 * (PER_ENVIRONMENT + PER_DAGS_FOLDER) + dags_handler_overflow(130)
    assert f"Group00 about {resources}" in message
    assert "computed from 130 environments, 130 DAGs folders" in message
    assert "split the environments over two deployments" in fix
    assert too_many_resources(config) is None  # the 32 groups hold them


def test_300_environments_each_with_its_own_execution_role_validate(
    write_toml: Callable[..., Path], run_cli: Callable[..., Any]
) -> None:
    """The backup bucket's policy names no execution role (each environment's access
    point fences its own: infra/snapshot_access_points.py), so distinct roles no longer
    hit S3's 20 KB bucket policy limit (issue 17: 300 environments)."""
    own_roles = [
        environment(
            name=f"analytics-team-{i:03d}",
            source_bucket="shared-dags-bucket",
            execution_role_arn=f"arn:aws:iam::111122223333:role/service-role/mwaa-exec-{i:03d}",
        )
        for i in range(300)
    ]
    path = write_toml(deployment=BASE_DEPLOYMENT, environments=own_roles)
    result = run_cli("validate", "--config", str(path))
    assert result.exit_code == 0, result.output
