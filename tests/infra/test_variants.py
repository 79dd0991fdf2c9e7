"""A second synthesis with other inputs: what ``deploy``'s VPC check found, environments
sharing a VPC and a DAGs folder, and a notifier that publishes filterable attributes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from mwaa_pause_resume.infra.vpc_endpoints import CONTEXT_PREFIX, EndpointPlan
from tests.infra.infra_config import CONFIG, STAGING, VPC, resources


def test_found_endpoints_shared_folders_and_filtered_subscriptions(
    tmp_path: Path,
) -> None:
    from mwaa_pause_resume.infra.app import synth

    twin = dataclasses.replace(STAGING, name="staging_3")  # same VPC, bucket and DAGs path
    config = dataclasses.replace(CONFIG, environments=(STAGING, twin))
    plan = EndpointPlan(VPC, s3_route_tables=("rtb-0a1b2c3d4e5f60711",), kms=False)
    context = {CONTEXT_PREFIX + VPC: plan.as_context()}
    template = synth(config, tmp_path / "out", context=context).template

    (endpoint,) = resources(template, "AWS::EC2::VPCEndpoint").values()
    assert endpoint["Properties"]["VpcEndpointType"] == "Gateway"
    assert endpoint["Properties"]["RouteTableIds"] == ["rtb-0a1b2c3d4e5f60711"]
    assert not resources(template, "AWS::EC2::SecurityGroup")  # a KMS endpoint exists already
    assert len(resources(template, "Custom::CDKBucketDeployment")) == 1
    assert len(resources(template, "AWS::Scheduler::Schedule")) == 4

    filters = {
        s["Properties"]["Endpoint"]: s["Properties"]["FilterPolicy"]
        for s in resources(template, "AWS::SNS::Subscription").values()
    }
    routes = [f"{e}/{s}" for e in ("staging_2", "staging_3") for s in ("FAILED", "SUCCEEDED")]
    # CloudWatch alarms (no message attributes) reach every subscriber too.
    expected = {"$or": [{"route": routes}, {"route": [{"exists": False}]}]}
    assert filters == {"ops@example.com": expected, "staging@example.com": expected}
