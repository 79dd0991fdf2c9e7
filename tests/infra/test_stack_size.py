"""The configuration's resource estimate (``config.stack_size``) against real syntheses.

A change to the stack that adds resources per environment, DAGs folder or address
fails here until the constants follow, so validate's limit check cannot drift.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from infra_config import CONFIG, DEV, SECURITY_GROUP, STAGING, SUBNETS, VPC

from mwaa_pause_resume.config.model import Config, EnvironmentConfig
from mwaa_pause_resume.config.stack_size import S3_GATEWAY, estimated_resources
from mwaa_pause_resume.infra.vpc_endpoints import CONTEXT_PREFIX, EndpointPlan

PUBLIC = dataclasses.replace(DEV, update_execution_role=False, notification_emails=())


def _public(i: int, **changes: Any) -> EnvironmentConfig:
    return dataclasses.replace(
        PUBLIC, **{"name": f"env{i}", "source_bucket": f"env{i}-dags", **changes}
    )


def _count(config: Config, tmp_path: Path, context: dict[str, Any] | None = None) -> int:
    from mwaa_pause_resume.infra.app import build_app

    # cdk-nag adds no resources; without it a synthesis takes a fraction of the time.
    app, stack = build_app(config, tmp_path / "out", context=context, nag=False)
    template = app.synth().get_stack_by_name(stack.stack_name).template
    return len(template["Resources"])


def _config(*environments: EnvironmentConfig, **deployment: Any) -> Config:
    return dataclasses.replace(
        CONFIG,
        environments=environments,
        deployment=dataclasses.replace(CONFIG.deployment, **deployment),
    )


@pytest.mark.parametrize(
    "config",
    [
        _config(_public(1)),
        _config(
            _public(1, notification_emails=("a@example.com",), update_execution_role=True),
            _public(
                2,
                notification_emails=("a@example.com", "b@example.com"),
                notification_types=("FAILED", "SUCCEEDED"),
            ),
            _public(3, source_bucket="env2-dags"),  # no address, env2's DAGs folder
        ),
        _config(
            _public(1, notification_emails=("a@example.com",), notification_types=("FAILED",)),
            _public(2, notification_emails=("b@example.com",), notification_types=("ABORTED",)),
            _public(3),
        ),
    ],
    ids=[
        "1 environment",
        "3 environments, 2 addresses, every failure notified, a shared DAGs folder",
        "3 environments, 2 addresses, timed-out executions notified to nobody",
    ],
)
def test_the_estimate_is_the_synthesized_count(config: Config, tmp_path: Path) -> None:
    assert estimated_resources(config) == _count(config, tmp_path)


def test_the_estimate_counts_every_vpc_endpoint_the_stack_may_create(tmp_path: Path) -> None:
    airflow3 = dataclasses.replace(
        STAGING,
        airflow_version="3.0.6",
        security_group_ids=(SECURITY_GROUP, "sg-0a1b2c3d4e5f60710"),
    )
    config = _config(
        airflow3,
        DEV,
        lambda_subnet_ids=SUBNETS,
        lambda_security_group_ids=("sg-0a1b2c3d4e5f6071f",),
    )
    # Offline the stack creates no S3 gateway endpoint (it needs the route tables)...
    assert estimated_resources(config) == _count(config, tmp_path / "offline") + S3_GATEWAY
    # ...which deploy's check supplies when the VPC lacks one: then the estimate is exact.
    plan = EndpointPlan(VPC, s3_route_tables=("rtb-0a1b2c3d4e5f60711",), kms=True, airflow_env=True)
    context = {CONTEXT_PREFIX + VPC: plan.as_context()}
    assert estimated_resources(config) == _count(config, tmp_path / "planned", context)
