"""The configuration's resource estimates (``config.stack_size``) against real syntheses,
and the nested layout's promise: one environment's change touches one group.

A change to the stack that adds resources per environment, DAGs folder or address
fails here until the constants follow, so validate's limit check cannot drift.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from mwaa_pause_resume.config.model import Config, EnvironmentConfig
from mwaa_pause_resume.config.stack_layout import (
    StackLayout,
    environment_group,
    group_construct_id,
    nested_schedule_groups,
    schedule_group_name,
)
from mwaa_pause_resume.config.stack_size import S3_GATEWAY, estimated_resources, stack_sizes
from mwaa_pause_resume.infra.groups import PARAMETERS
from mwaa_pause_resume.infra.names import construct_id
from mwaa_pause_resume.infra.vpc_endpoints import CONTEXT_PREFIX, EndpointPlan
from tests.infra.infra_config import (
    CONFIG,
    DEV,
    SECURITY_GROUP,
    STAGING,
    SUBNETS,
    VPC,
    only,
    resources,
)

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


# The nested layout, forced at a size one synthesis handles in seconds: 60 environments
# in 4 groups (a deployment picks 32 groups once it outgrows one stack).
GROUPED = StackLayout(4)


def _fleet(count: int) -> Config:
    return _config(
        *(
            _public(i, update_execution_role=i % 3 == 0, source_bucket=f"env{i // 2}-dags")
            for i in range(count)
        )
    )


@dataclasses.dataclass
class _Synth:
    main: dict[str, Any]
    nested: dict[str, dict[str, Any]]  # construct id -> template
    assets: dict[str, Any]


def _synth_grouped(
    config: Config, out: Path, *, nag: bool, layout: StackLayout = GROUPED
) -> _Synth:
    from mwaa_pause_resume.infra.app import build_app

    app, stack = build_app(config, out, nag=nag, layout=layout)
    assembly = app.synth()
    root = Path(assembly.directory)
    return _Synth(
        main=assembly.get_stack_by_name(stack.stack_name).template,
        nested={g.node.id: json.loads((root / g.template_file).read_text()) for g in stack.groups},
        assets=json.loads((root / f"{stack.artifact_id}.assets.json").read_text()),
    )


FLEET = _fleet(60)


@pytest.fixture(scope="module")
def grouped(tmp_path_factory: pytest.TempPathFactory) -> _Synth:
    # cdk-nag on: its AwsSolutions checks must pass in the nested stacks too.
    return _synth_grouped(FLEET, tmp_path_factory.mktemp("grouped"), nag=True)


def test_the_estimate_is_each_synthesized_stacks_count(grouped: _Synth) -> None:
    sizes = stack_sizes(FLEET, GROUPED)
    assert len(grouped.main["Resources"]) == sizes.main
    assert {k: len(t["Resources"]) for k, t in grouped.nested.items()} == {
        group_construct_id(i): n for i, n in sizes.groups.items()
    }
    assert len(grouped.nested) == GROUPED.groups


def test_a_group_takes_the_main_stacks_values_as_named_parameters(
    grouped: _Synth,
) -> None:
    stacks = resources(grouped.main, "AWS::CloudFormation::Stack")
    assert len(stacks) == len(grouped.nested)
    declared = {}
    for name, template in grouped.nested.items():
        # Every group here has environments, a policy and a DAGs folder: it uses all seven.
        assert set(template["Parameters"]) == set(PARAMETERS)
        assert "Outputs" not in template
        declared[name] = set(template["Parameters"])
    for logical_id, stack in stacks.items():
        (name,) = [n for n in declared if logical_id.startswith(n)]
        assert set(stack["Properties"]["Parameters"]) == declared[name]
    assert len(grouped.main.get("Outputs", {})) <= 200


def test_the_deploy_publishes_every_group_template(grouped: _Synth) -> None:
    """`cdk deploy` uploads the files of the stack's asset manifest: the nested
    templates must be among them, or CloudFormation cannot read a group's TemplateURL."""
    published = {f["source"]["path"] for f in grouped.assets["files"].values()}
    nested_files = {p for p in published if p.endswith(".nested.template.json")}
    assert len(nested_files) == len(grouped.nested)


def test_each_group_schedules_in_its_own_schedule_group_the_role_trusts(grouped: _Synth) -> None:
    names = {
        only(t, "AWS::Scheduler::ScheduleGroup")["Properties"]["Name"]
        for t in grouped.nested.values()
    }
    assert names == {schedule_group_name(CONFIG.deployment.stack_name, i) for i in range(4)}
    assert not resources(grouped.main, "AWS::Scheduler::Schedule")
    assert not resources(grouped.main, "AWS::Scheduler::ScheduleGroup")
    schedules = [
        s
        for t in grouped.nested.values()
        for s in resources(t, "AWS::Scheduler::Schedule").values()
    ]
    assert len(schedules) == 2 * len(FLEET.environments)
    role = next(
        r
        for k, r in resources(grouped.main, "AWS::IAM::Role").items()
        if k.startswith("SchedulesRole")
    )
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    source = json.dumps(trust["Condition"]["ArnLike"]["aws:SourceArn"])
    assert f"schedule/{nested_schedule_groups(CONFIG.deployment.stack_name)}/*" in source


def _differing(a: dict[str, Any], b: dict[str, Any]) -> set[str]:
    return {k for k in a.keys() | b.keys() if a.get(k) != b.get(k)}


def test_changing_one_schedule_changes_one_group_and_its_template_url_only(
    grouped: _Synth, tmp_path: Path
) -> None:
    target = FLEET.environments[17]
    changed = dataclasses.replace(
        FLEET,
        environments=tuple(
            dataclasses.replace(e, pause_schedule="15 19 ? * MON-FRI *") if e is target else e
            for e in FLEET.environments
        ),
    )
    after = _synth_grouped(changed, tmp_path / "out", nag=False)
    group = group_construct_id(environment_group(target.name, GROUPED.groups))
    assert _differing(grouped.nested, after.nested) == {group}
    assert _differing(grouped.nested[group]["Resources"], after.nested[group]["Resources"]) == {
        f"{construct_id(target)}Pause"
    }
    # In the main stack, only the group's TemplateURL (its content hash) changes.
    (nested_stack,) = _differing(grouped.main["Resources"], after.main["Resources"])
    before_props = grouped.main["Resources"][nested_stack]["Properties"]
    after_props = after.main["Resources"][nested_stack]["Properties"]
    assert _differing(before_props, after_props) == {"TemplateURL"}
    assert nested_stack.startswith(group)


def test_adding_an_environment_changes_only_its_own_groups_template(
    grouped: _Synth, tmp_path: Path
) -> None:
    newcomer = _public(99, source_bucket="env0-dags")  # an existing DAGs folder
    after = _synth_grouped(
        dataclasses.replace(FLEET, environments=(*FLEET.environments, newcomer)),
        tmp_path / "out",
        nag=False,
    )
    group = group_construct_id(environment_group(newcomer.name, GROUPED.groups))
    assert _differing(grouped.nested, after.nested) == {group}


def test_the_dag_deployments_role_overflow_policies_are_counted(tmp_path: Path) -> None:
    """20 DAGs folders in one stack: CDK moves the handler role's statements past IAM's
    inline size into a managed policy, which the estimate counts."""
    from mwaa_pause_resume.config.stack_size import dags_handler_overflow

    config = _config(*(_public(i) for i in range(20)))
    layout = StackLayout(1)
    assert dags_handler_overflow(20) == 1
    after = _synth_grouped(config, tmp_path / "out", nag=False, layout=layout)
    (template,) = after.nested.values()
    assert len(resources(template, "AWS::IAM::ManagedPolicy")) == 1
    # No execution-role policy here: the group declares only the parameters it uses.
    assert "MacKeyArn" in template["Parameters"]
    (nested_stack,) = resources(after.main, "AWS::CloudFormation::Stack").values()
    assert set(nested_stack["Properties"]["Parameters"]) == set(template["Parameters"])
    assert len(template["Resources"]) == stack_sizes(config, layout).groups[0]


def test_stack_descriptions_stay_within_aws_cdk_libs_512_characters() -> None:
    """aws-cdk-lib fails the synthesis past 512 (a fleet's names used to be listed up to
    1024, which broke the synthesis of about 50 environments)."""
    from mwaa_pause_resume.config.stack_layout import group_contents
    from mwaa_pause_resume.infra.groups import _description as group_description
    from mwaa_pause_resume.infra.stack import _description

    config = _config(*(_public(i, name=f"analytics-{i:04d}") for i in range(60)))
    assert len(_description(config)) <= 512
    assert _description(config).endswith("(60 environments)")
    (group,) = group_contents(config.environments, 1)
    assert len(group_description("mpr-test", group)) <= 512
    assert group_description("mpr-test", group).endswith(": 60 environments")
