"""EventBridge Scheduler: a pause and a resume schedule per environment.

:class:`Schedules` (in the main stack) holds what every schedule shares: the
dead-letter queue and the role that starts the workflows. The schedules themselves
and their schedule group live in the main stack in the flat layout, and in each
nested group's stack otherwise (``infra/groups.py``, docs/stack-layout.md):
:func:`environment_schedules` builds one environment's two in either place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from mwaa_pause_resume.config.model import EnvironmentConfig
from mwaa_pause_resume.config.stack_layout import nested_schedule_groups, schedule_group_name
from mwaa_pause_resume.infra.names import construct_id, schedule_expression, schedule_name
from mwaa_pause_resume.infra.schedule_input import Action, execution_input
from mwaa_pause_resume.schedule.window import flexible_time_window

# Retries cover delivering StartExecution (throttling, a transient error), not the
# workflow's outcome; an event older than an hour is stale for a wall-clock schedule.
RETRY_ATTEMPTS = 10
MAX_EVENT_AGE_SECONDS = 3600


@dataclass(frozen=True)
class ScheduleTarget:
    """What each schedule points at: tokens of the main stack, or of a group's parameters."""

    pause_arn: str
    resume_arn: str
    role_arn: str
    dead_letter_arn: str
    bucket_name: str
    kms_key_arn: str


class Schedules(Construct):
    """The schedules' dead-letter queue and role; the flat layout's group and schedules.

    ``environments`` is empty in the nested layout: the groups hold the schedules.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id_: str,
        *,
        deployment: str,
        environments: Sequence[EnvironmentConfig],
        nested: bool,
        pause: sfn.IStateMachine,
        resume: sfn.IStateMachine,
        bucket_name: str,
        kms_key_arn: str,
    ) -> None:
        super().__init__(scope, construct_id_)
        stack = cdk.Stack.of(self)
        self.dead_letters = sqs.Queue(
            self,
            "DeadLetters",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
        )
        cdk.Validations.of(self.dead_letters).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions-SQS3",
                reason="This queue is the dead-letter queue of the schedules.",
            )
        )
        # Only this deployment's schedules may use the role (confused-deputy guard): the
        # flat layout's one group, or every group of the nested layout (<stack>_gNN).
        groups = nested_schedule_groups(deployment) if nested else schedule_group_name(deployment)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com",
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {"aws:SourceArn": schedules_arn(stack, groups)},
                },
            ),
            description="Lets EventBridge Scheduler start the pause and resume workflows",
        )
        pause.grant_start_execution(self.role)
        resume.grant_start_execution(self.role)
        self.dead_letters.grant_send_messages(self.role)
        self.target = ScheduleTarget(
            pause_arn=pause.state_machine_arn,
            resume_arn=resume.state_machine_arn,
            role_arn=self.role.role_arn,
            dead_letter_arn=self.dead_letters.queue_arn,
            bucket_name=bucket_name,
            kms_key_arn=kms_key_arn,
        )
        self.schedules: dict[tuple[str, Action], scheduler.CfnSchedule] = {}
        if nested:
            return
        self.group = scheduler.CfnScheduleGroup(self, "Group", name=schedule_group_name(deployment))
        for env in environments:
            for action, schedule in environment_schedules(
                self, env, self.group, self.target
            ).items():
                self.schedules[(env.name, action)] = schedule


def environment_schedules(
    scope: Construct,
    env: EnvironmentConfig,
    group: scheduler.CfnScheduleGroup,
    target: ScheduleTarget,
) -> dict[Action, scheduler.CfnSchedule]:
    """One environment's pause and resume schedules, in ``group`` (of ``scope``'s stack)."""
    stack = cdk.Stack.of(scope)
    machines: dict[Action, str] = {"pause": target.pause_arn, "resume": target.resume_arn}
    schedules: dict[Action, scheduler.CfnSchedule] = {}
    for action, machine_arn in machines.items():
        cron = env.pause_schedule if action == "pause" else env.resume_schedule
        schedules[action] = scheduler.CfnSchedule(
            scope,
            f"{construct_id(env)}{action.title()}",
            name=schedule_name(env.name, action),
            group_name=group.name,
            description=f"{action.title()} MWAA environment {env.name}",
            schedule_expression=schedule_expression(cron),
            schedule_expression_timezone=env.timezone,
            flexible_time_window=flexible_window(env),
            state="ENABLED",
            target=scheduler.CfnSchedule.TargetProperty(
                arn=machine_arn,
                role_arn=target.role_arn,
                input=stack.to_json_string(
                    execution_input(
                        env, action, target.bucket_name, target.kms_key_arn, scheduled=True
                    )
                ),
                retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(
                    maximum_event_age_in_seconds=MAX_EVENT_AGE_SECONDS,
                    maximum_retry_attempts=RETRY_ATTEMPTS,
                ),
                dead_letter_config=scheduler.CfnSchedule.DeadLetterConfigProperty(
                    arn=target.dead_letter_arn
                ),
            ),
        )
        schedules[action].node.add_dependency(group)
    return schedules


def flexible_window(env: EnvironmentConfig) -> scheduler.CfnSchedule.FlexibleTimeWindowProperty:
    """Both schedules' FlexibleTimeWindow (schedule.window: the resume's cron was already
    moved the window earlier by the configuration)."""
    window = flexible_time_window(env.schedule_window_minutes)
    return scheduler.CfnSchedule.FlexibleTimeWindowProperty(
        mode=window["Mode"], maximum_window_in_minutes=window.get("MaximumWindowInMinutes")
    )


def schedules_arn(stack: cdk.Stack, group: str) -> str:
    """Every schedule of ``group`` (a name, or a pattern): what may assume the scheduler role."""
    return f"arn:{stack.partition}:scheduler:{stack.region}:{stack.account}:schedule/{group}/*"
