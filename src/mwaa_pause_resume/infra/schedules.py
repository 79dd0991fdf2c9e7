"""EventBridge Scheduler: a pause and a resume schedule per environment, in one group."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from mwaa_pause_resume.config.model import EnvironmentConfig
from mwaa_pause_resume.infra.names import construct_id, schedule_expression, schedule_name
from mwaa_pause_resume.infra.schedule_input import Action, execution_input
from mwaa_pause_resume.schedule.window import flexible_time_window

# Retries cover delivering StartExecution (throttling, a transient error), not the
# workflow's outcome; an event older than an hour is stale for a wall-clock schedule.
RETRY_ATTEMPTS = 10
MAX_EVENT_AGE_SECONDS = 3600


class Schedules(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id_: str,
        *,
        environments: Sequence[EnvironmentConfig],
        pause: sfn.IStateMachine,
        resume: sfn.IStateMachine,
        bucket_name: str,
        kms_key_arn: str,
    ) -> None:
        super().__init__(scope, construct_id_)
        stack = cdk.Stack.of(self)
        group_name = _group_name(stack.stack_name)
        self.group = scheduler.CfnScheduleGroup(self, "Group", name=group_name)
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
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com",
                # Only this stack's schedules may use the role (confused-deputy guard).
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {"aws:SourceArn": schedules_arn(stack, group_name)},
                },
            ),
            description="Lets EventBridge Scheduler start the pause and resume workflows",
        )
        pause.grant_start_execution(self.role)
        resume.grant_start_execution(self.role)
        self.dead_letters.grant_send_messages(self.role)
        self.schedules: dict[tuple[str, Action], scheduler.CfnSchedule] = {}
        machines: dict[Action, sfn.IStateMachine] = {"pause": pause, "resume": resume}
        for env in environments:
            for action, machine in machines.items():
                cron = env.pause_schedule if action == "pause" else env.resume_schedule
                self.schedules[(env.name, action)] = scheduler.CfnSchedule(
                    self,
                    f"{construct_id(env)}{action.title()}",
                    name=schedule_name(env.name, action),
                    group_name=self.group.name,
                    description=f"{action.title()} MWAA environment {env.name}",
                    schedule_expression=schedule_expression(cron),
                    schedule_expression_timezone=env.timezone,
                    flexible_time_window=flexible_window(env),
                    state="ENABLED",
                    target=scheduler.CfnSchedule.TargetProperty(
                        arn=machine.state_machine_arn,
                        role_arn=self.role.role_arn,
                        input=stack.to_json_string(
                            execution_input(env, action, bucket_name, kms_key_arn, scheduled=True)
                        ),
                        retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(
                            maximum_event_age_in_seconds=MAX_EVENT_AGE_SECONDS,
                            maximum_retry_attempts=RETRY_ATTEMPTS,
                        ),
                        dead_letter_config=scheduler.CfnSchedule.DeadLetterConfigProperty(
                            arn=self.dead_letters.queue_arn
                        ),
                    ),
                )
                self.schedules[(env.name, action)].node.add_dependency(self.group)


def flexible_window(env: EnvironmentConfig) -> scheduler.CfnSchedule.FlexibleTimeWindowProperty:
    """Both schedules' FlexibleTimeWindow (schedule.window: the resume's cron was already
    moved the window earlier by the configuration)."""
    window = flexible_time_window(env.schedule_window_minutes)
    return scheduler.CfnSchedule.FlexibleTimeWindowProperty(
        mode=window["Mode"], maximum_window_in_minutes=window.get("MaximumWindowInMinutes")
    )


def schedules_arn(stack: cdk.Stack, group: str) -> str:
    """Every schedule of ``group``: what may assume the scheduler role."""
    return f"arn:{stack.partition}:scheduler:{stack.region}:{stack.account}:schedule/{group}/*"


def _group_name(stack_name: str) -> str:
    """Group names allow 64 characters of ``[0-9a-zA-Z-_.]``, like stack names (<= 128)."""
    return stack_name[:64]
