"""300 environments, each with its own execution role, synthesize within CloudFormation's
per-stack limits, IAM's and S3's (issue 17; about 25 s of synthesis).

The layout chooses itself (32 nested groups at this size) and cdk-nag runs, as in
``mwaa-pause-resume synth``. The figures of this and of 1,000 environments are in
BENCHMARKS.md (bench/fleet_synth.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mwaa_pause_resume.config.model import Config, DeploymentConfig, EnvironmentConfig
from mwaa_pause_resume.config.stack_layout import NESTED, group_construct_id, group_contents
from mwaa_pause_resume.config.stack_size import (
    STACK_RESOURCE_LIMIT,
    choose_layout,
    dags_handler_overflow,
    stack_sizes,
)
from tests.infra.infra_config import ACCOUNT, REGION

TEMPLATE_BYTES_LIMIT = 1024 * 1024  # a template uploaded through S3 (cdk deploy does)
PARAMETERS_LIMIT = OUTPUTS_LIMIT = 200
ZONES = ("Europe/London", "America/New_York", "Asia/Tokyo")


def _fleet(count: int) -> Config:
    return Config(
        deployment=DeploymentConfig(stack_name="mpr-fleet", account=ACCOUNT, region=REGION),
        environments=tuple(
            EnvironmentConfig(
                name=f"team-{i:03d}",
                source_bucket=f"team-{i:03d}-dags",
                # one execution role each, under a common path (PassRole names it)
                execution_role_arn=f"arn:aws:iam::{ACCOUNT}:role/mwaa/team-{i:03d}-exec",
                pause_schedule=f"{i % 60} 20 ? * MON-FRI *",
                resume_schedule="0 6 ? * MON-FRI *",
                timezone=ZONES[i % len(ZONES)],
                update_execution_role=i % 2 == 0,
                # An SNS filter policy holds 150 values: an address per 40 environments.
                notification_emails=(f"platform-{i // 40}@example.com",),
            )
            for i in range(count)
        ),
    )


FLEET = _fleet(300)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict[str, Any]]]:
    from mwaa_pause_resume.infra.app import synth

    result = synth(FLEET, tmp_path_factory.mktemp("fleet") / "cdk.out")
    return {"main": (result.template_path, result.template), **result.nested}


def test_300_environments_take_the_nested_layout_and_every_stack_fits(
    fleet: dict[str, tuple[Path, dict[str, Any]]],
) -> None:
    assert choose_layout(FLEET) == NESTED
    sizes = stack_sizes(FLEET, NESTED)
    assert len(fleet["main"][1]["Resources"]) == sizes.main
    # A group's estimate is exact but for the DAG deployments' overflow policies, which it
    # bounds from above (config/stack_size.py).
    folders = {
        group_construct_id(g.index): len(g.folders)
        for g in group_contents(FLEET.environments, NESTED.groups)
    }
    assert set(fleet) - {"main"} == {group_construct_id(i) for i in sizes.groups}
    for index, estimate in sizes.groups.items():
        name = group_construct_id(index)
        synthesized = len(fleet[name][1]["Resources"])
        assert 0 <= estimate - synthesized <= dags_handler_overflow(folders[name]), name
    for name, (path, template) in fleet.items():
        assert len(template["Resources"]) <= STACK_RESOURCE_LIMIT, name
        assert len(template.get("Parameters", {})) <= PARAMETERS_LIMIT, name
        assert len(template.get("Outputs", {})) <= OUTPUTS_LIMIT, name
        if name != "main":
            assert path.stat().st_size <= TEMPLATE_BYTES_LIMIT, name


def test_the_main_template_fits_cloudformations_1_mb(
    fleet: dict[str, tuple[Path, dict[str, Any]]],
) -> None:
    """Fleet-size scoping of the functions' policies and the dashboard's SEARCH graphs
    (past 10 environments) keep the main stack's shared resources from listing every
    environment; the functions' role policies fit IAM too (infra.role_policy_size)."""
    from mwaa_pause_resume.infra.role_policy_size import role_policy_too_large

    assert role_policy_too_large(FLEET) is None
    path, _ = fleet["main"]
    assert path.stat().st_size <= TEMPLATE_BYTES_LIMIT


def test_the_bucket_policy_names_no_execution_role_and_each_environment_has_its_access_point(
    fleet: dict[str, tuple[Path, dict[str, Any]]],
) -> None:
    """Issue 17: 300 distinct execution roles, each fenced by its access point's policy;
    the backup bucket's policy stays the size it has for two environments."""
    import json

    _, main = fleet["main"]
    (policy,) = [
        r["Properties"]["PolicyDocument"]
        for i, r in main["Resources"].items()
        if r["Type"] == "AWS::S3::BucketPolicy" and i.startswith("BackupSnapshots")
    ]
    assert "mwaa/team-" not in json.dumps(policy)
    assert len(json.dumps(policy, separators=(",", ":"))) < 8 * 1024
    points = [
        r
        for _, template in fleet.values()
        for r in template["Resources"].values()
        if r["Type"] == "AWS::S3::AccessPoint"
    ]
    assert len(points) == len(FLEET.environments)
    assert len({p["Properties"]["Name"] for p in points}) == len(points)
