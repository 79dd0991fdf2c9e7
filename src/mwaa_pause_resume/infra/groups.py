"""The nested layout's groups: one nested stack per non-empty hash group.

Each holds its environments' schedules (in its own schedule group), access points on
the backup bucket and execution-role policies, and its DAGs folders' bundle deployments
(config/stack_layout.py assigns them). What it needs of the main stack (workflows,
scheduler role, dead-letter queue, bucket and keys) comes in as named parameters
(:data:`PARAMETERS`, those it uses) rather than CDK's generated ``referenceto...`` ones:
the group's template reads plainly, its wildcard grants render the same to cdk-nag in
every group, and the count stays at seven
at most (of CloudFormation's 200). A group has no outputs.
"""

from __future__ import annotations

import dataclasses

import aws_cdk as cdk
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct

from mwaa_pause_resume.config.stack_layout import (
    GroupContents,
    group_construct_id,
    schedule_group_name,
)
from mwaa_pause_resume.infra.environment_resources import (
    DeploymentRefs,
    attach_execution_role_policy,
    create_access_point,
    deploy_dags,
)
from mwaa_pause_resume.infra.schedules import ScheduleTarget, environment_schedules

# The group's parameters, passed by the main stack: name -> description.
PARAMETERS = {
    "PauseStateMachineArn": "The pause workflow the schedules start",
    "ResumeStateMachineArn": "The resume workflow the schedules start",
    "SchedulerRoleArn": "The role EventBridge Scheduler starts the workflows with",
    "DeadLetterQueueArn": "The schedules' dead-letter queue",
    "BackupBucketName": "The backup bucket (schedule input, execution-role policies, DAG trust)",
    "BackupKeyArn": "The backup KMS key",
    "MacKeyArn": "The HMAC key the DAGs verify the workflows' authorizations with",
}
# CloudFormation allows 1024 bytes of description; aws-cdk-lib refuses more than 512.
DESCRIPTION_LIMIT = 512


class EnvironmentGroup(cdk.NestedStack):
    def __init__(
        self,
        scope: Construct,
        contents: GroupContents,
        *,
        target: ScheduleTarget,
        refs: DeploymentRefs,
    ) -> None:
        super().__init__(
            scope,
            group_construct_id(contents.index),
            description=_description(refs.deployment, contents),
        )
        self.contents = contents
        self._values = {
            "PauseStateMachineArn": target.pause_arn,
            "ResumeStateMachineArn": target.resume_arn,
            "SchedulerRoleArn": target.role_arn,
            "DeadLetterQueueArn": target.dead_letter_arn,
            "BackupBucketName": refs.bucket_name,
            "BackupKeyArn": refs.key_arn,
            "MacKeyArn": refs.mac_key_arn,
        }
        self._parameters: dict[str, str] = {}
        if contents.environments:
            self.schedule_group = scheduler.CfnScheduleGroup(
                self, "ScheduleGroup", name=schedule_group_name(refs.deployment, contents.index)
            )
            local_target = ScheduleTarget(
                pause_arn=self._parameter("PauseStateMachineArn"),
                resume_arn=self._parameter("ResumeStateMachineArn"),
                role_arn=self._parameter("SchedulerRoleArn"),
                dead_letter_arn=self._parameter("DeadLetterQueueArn"),
                bucket_name=self._parameter("BackupBucketName"),
                kms_key_arn=self._parameter("BackupKeyArn"),
            )
            for env in contents.environments:
                environment_schedules(self, env, self.schedule_group, local_target)
                create_access_point(self, env, self._refs(refs, with_key=False))
                if env.update_execution_role:
                    attach_execution_role_policy(self, env, self._refs(refs, with_key=True))
        for _, env in contents.folders:
            deploy_dags(self, env, self._refs(refs, with_key=False))

    def _parameter(self, name: str) -> str:
        """The group's parameter ``name``, declared (and passed by the main stack) on first
        use: a group declares only what it uses."""
        if name not in self._parameters:
            self._parameters[name] = cdk.CfnParameter(
                self, name, type="String", description=PARAMETERS[name]
            ).value_as_string
            self.set_parameter(name, self._values[name])
        return self._parameters[name]

    def _refs(self, refs: DeploymentRefs, *, with_key: bool) -> DeploymentRefs:
        """``refs`` with the group's parameters (the backup key only where it is used)."""
        return dataclasses.replace(
            refs,
            bucket_name=self._parameter("BackupBucketName"),
            mac_key_arn=self._parameter("MacKeyArn"),
            key_arn=self._parameter("BackupKeyArn") if with_key else refs.key_arn,
        )


def _description(deployment: str, contents: GroupContents) -> str:
    head = f"mwaa-pause-resume {deployment}, group {contents.index:02d}"
    names = ", ".join(e.name for e in contents.environments)
    text = f"{head}: {names}" if names else f"{head}: DAGs folders"
    if len(text) <= DESCRIPTION_LIMIT:
        return text
    return f"{head}: {len(contents.environments)} environments"
