"""The function roles' IAM policies: fleet-size scoping and the size ``validate`` checks.

Below FLEET_SCOPING_THRESHOLD environments the grants name each environment (the
other infra tests check them); past it they name a pattern per region, so a role's
policy stops growing with the fleet. infra.role_policy_size estimates each role's
policy from the same statements; here it is compared with a real synthesis.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from mwaa_pause_resume.config.model import Config
from mwaa_pause_resume.infra.capabilities import HANDLERS
from mwaa_pause_resume.infra.dashboard import search_expression
from mwaa_pause_resume.infra.nag import render
from mwaa_pause_resume.infra.permission_scope import (
    FLEET_SCOPING_THRESHOLD,
    Scope,
    uses_fleet_scoping,
)
from mwaa_pause_resume.infra.permissions import handler_statements
from mwaa_pause_resume.infra.role_policy_size import (
    ADDED_POLICIES_BOUND,
    ROLE_POLICY_LIMIT,
    role_policy_sizes,
    role_policy_too_large,
)
from tests.infra.infra_config import ACCOUNT, CONFIG, REGION
from tests.infra.policy_eval import allowed

ROLE = f"arn:aws:iam::{ACCOUNT}:role/fn"


def _fleet(count: int, **changes: Any) -> Config:
    base = CONFIG.environments[1]
    return replace(
        CONFIG,
        environments=tuple(
            replace(
                base,
                name=f"team-{i:03d}",
                source_bucket=f"team-{i:03d}-dags",
                execution_role_arn=f"arn:aws:iam::{ACCOUNT}:role/mwaa-exec-{i % 20:02d}",
                **changes,
            )
            for i in range(count)
        ),
    )


def _scope(config: Config) -> Scope:
    return Scope("aws", REGION, ACCOUNT, config.environments, "arn:aws:s3:::backup", "k")


def _statements(key: str, config: Config) -> list[dict[str, Any]]:
    return handler_statements(HANDLERS[key], _scope(config))


def test_fleet_scoping_starts_past_the_threshold() -> None:
    assert not uses_fleet_scoping(FLEET_SCOPING_THRESHOLD)
    assert uses_fleet_scoping(FLEET_SCOPING_THRESHOLD + 1)
    exact = _scope(_fleet(FLEET_SCOPING_THRESHOLD))
    assert len(exact.environment_arns) == FLEET_SCOPING_THRESHOLD
    assert exact.snapshot_objects("*") == [
        f"arn:aws:s3:::backup/team-{i:03d}/*" for i in range(FLEET_SCOPING_THRESHOLD)
    ]
    wide = _scope(_fleet(FLEET_SCOPING_THRESHOLD + 1))
    assert wide.environment_arns == [f"arn:aws:airflow:{REGION}:{ACCOUNT}:environment/*"]
    assert wide.log_group_arns == [f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:airflow-*"]
    assert wide.snapshot_objects("lock.json") == ["arn:aws:s3:::backup/*/lock.json"]


@pytest.mark.parametrize("key", sorted(k for k, h in HANDLERS.items() if not h.optional))
def test_past_the_threshold_a_roles_policy_does_not_grow_with_the_fleet(key: str) -> None:
    # From 20 environments on, the 20 execution roles of _fleet are all in use.
    sizes = {n: len(json.dumps(_statements(key, _fleet(n)))) for n in (20, 300, 1000)}
    assert sizes[20] == sizes[300] == sizes[1000], sizes


def test_the_scoped_grants_still_allow_every_configured_environment() -> None:
    config = _fleet(40)
    create = _statements("environment_create", config)
    read = _statements("begin", config)
    rest = _statements("busy_check", config)
    for env in config.environments:
        arn = f"arn:aws:airflow:{REGION}:{ACCOUNT}:environment/{env.name}"
        assert allowed(read, ROLE, "airflow:GetEnvironment", arn)
        assert allowed(create, ROLE, "airflow:CreateEnvironment", arn)
        log_group = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:airflow-{env.name}-Task"
        assert allowed(create, ROLE, "logs:CreateLogGroup", log_group)
        bucket = f"arn:aws:s3:::{env.source_bucket}"
        context = {"aws:ResourceAccount": ACCOUNT}
        assert allowed(create, ROLE, "s3:GetBucketLocation", bucket, context)
        user = f"arn:aws:airflow:{REGION}:{ACCOUNT}:role/{env.name}/User"
        assert allowed(rest, ROLE, "airflow:InvokeRestApi", user)
    # What stays exact: PassRole names each execution role, and another account's
    # bucket is not checked.
    other = f"arn:aws:iam::{ACCOUNT}:role/someone-else"
    assert not allowed(create, ROLE, "iam:PassRole", other, {"iam:PassedToService": "x"})
    foreign = {"aws:ResourceAccount": "444455556666"}
    assert not allowed(create, ROLE, "s3:GetBucketLocation", "arn:aws:s3:::b", foreign)
    # Another region is not covered.
    elsewhere = f"arn:aws:airflow:us-east-1:{ACCOUNT}:environment/team-000"
    assert not allowed(read, ROLE, "airflow:GetEnvironment", elsewhere)


def _role_documents(template: dict[str, Any]) -> dict[str, int]:
    """Handler key -> characters of its role's policies, tokens rendered as cdk-nag does."""
    resources = template["Resources"]
    roles = {
        logical: r["Properties"]["Description"].split()[1]
        for logical, r in resources.items()
        if r["Type"] == "AWS::IAM::Role"
        and r["Properties"].get("Description", "").startswith("mwaa-pause-resume ")
        and r["Properties"]["Description"].endswith(" function")
    }
    sizes = dict.fromkeys(roles.values(), 0)

    def size(document: Any) -> int:
        return len(json.dumps(_rendered(document), separators=(",", ":")))

    for logical, key in roles.items():
        for policy in resources[logical]["Properties"].get("Policies", []):
            sizes[key] += size(policy["PolicyDocument"])
    for r in resources.values():
        if r["Type"] == "AWS::IAM::Policy":
            for ref in r["Properties"].get("Roles", []):
                if isinstance(ref, dict) and ref.get("Ref") in roles:
                    sizes[roles[ref["Ref"]]] += size(r["Properties"]["PolicyDocument"])
    return sizes


def _rendered(value: Any) -> Any:
    if isinstance(value, list):
        return [_rendered(v) for v in value]
    if isinstance(value, dict) and not (
        len(value) == 1 and next(iter(value)).startswith(("Fn::", "Ref"))
    ):
        return {k: _rendered(v) for k, v in value.items()}
    return render(value) if isinstance(value, dict) else value


def test_the_estimate_bounds_each_synthesized_role_policy(template: dict[str, Any]) -> None:
    synthesized = _role_documents(template)
    estimated = {s.handler: s.characters for s in role_policy_sizes(CONFIG)}
    assert set(estimated) == set(synthesized)
    for key, characters in synthesized.items():
        # The estimate uses the longest names AWS allows where the template has tokens.
        assert characters <= estimated[key], key
        assert estimated[key] - characters <= ADDED_POLICIES_BOUND + 1200, key


def test_a_role_policy_past_iams_limit_names_the_role_and_the_fix() -> None:
    """Subnets and security groups stay exact at fleet size (the network MWAA creates an
    environment's interfaces in): 300 environments with their own two subnets each."""
    fleet = _fleet(300)
    many_networks = replace(
        fleet,
        environments=tuple(
            replace(e, subnet_ids=tuple(f"subnet-{n:03d}{i:014x}" for i in range(2)))
            for n, e in enumerate(fleet.environments)
        ),
    )
    message = role_policy_too_large(many_networks)
    assert message is not None
    assert message.startswith("the environment_create function's IAM role policies")
    assert f"limit of {ROLE_POLICY_LIMIT} characters" in message
    assert role_policy_too_large(_fleet(1000)) is None  # shared networks and roles


def test_fleet_scoped_synthesis_passes_cdk_nag(tmp_path: Path) -> None:
    """Every pattern past the threshold has its acknowledged reason (infra.nag): a
    wildcard no rule explains fails the synthesis."""
    from mwaa_pause_resume.infra.app import synth

    config = _fleet(FLEET_SCOPING_THRESHOLD + 1)
    result = synth(config, tmp_path / "cdk.out")
    text = json.dumps(result.template)
    assert "environment/*" in text
    assert "log-group:airflow-*" in text
    assert "team-000" not in json.dumps(
        [r for r in result.template["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    )
    # The dashboard: one sorted SEARCH per graph and workflow, no environment listed.
    (dashboard,) = [
        r
        for r in result.template["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Dashboard"
    ]
    body = json.dumps(dashboard["Properties"])
    assert "team-0" not in body
    assert body.count("SORT(SEARCH(") == 8  # 4 graphs of one workflow, 2 of both
    stack = config.deployment.stack_name
    assert search_expression("Failed", "pause", "Sum", stack).replace('"', '\\\\\\"') in body


def test_a_fleet_dashboard_graph_is_one_search_of_the_namespace() -> None:
    # only this deployment's environments: another stack's in the account have another value
    assert search_expression("Duration", "resume", "Maximum", "mpr-a") == (
        "SORT(SEARCH('{MwaaPauseResume,Deployment,Environment,Workflow} "
        'MetricName="Duration" Deployment="mpr-a" '
        "Workflow=\"resume\"', 'Maximum', 86400), MAX, DESC, 25)"
    )
