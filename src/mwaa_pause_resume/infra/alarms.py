"""CloudWatch alarms on the failures nothing else reports, published to the notification topic.

What the status rule (``notifications.py``) already e-mails is not alarmed again:

- scheduler dead-letter queue: a schedule that could not start its workflow never
  produces an execution, so no status change reaches the rule;
- notification function errors: when the notifier fails, the failure it was
  reporting reaches nobody;
- status-rule failed invocations: the rule could not hand the event to the notifier;
- state machines' failed / timed-out / aborted executions only for the statuses no
  environment has the rule notify (see :func:`unreported_failures`).

The other functions get no ``Errors`` alarm: the workflows invoke them, retry their
transient errors and catch expected ones (duplicate delivery) as control flow, so
``Errors`` counts healthy runs too, and an execution that does fail is reported per
environment by the rule (or by the state-machine alarms above).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from mwaa_pause_resume.config.model import EnvironmentConfig
from mwaa_pause_resume.infra.notifications import Notifications, notified_statuses

PERIOD = cdk.Duration.minutes(5)
CLOUDWATCH = "cloudwatch.amazonaws.com"
# Failure status of an execution (the rule's vocabulary) -> Step Functions metric.
EXECUTION_METRICS: Mapping[str, str] = {
    "FAILED": "ExecutionsFailed",
    "TIMED_OUT": "ExecutionsTimedOut",
    "ABORTED": "ExecutionsAborted",
}
_WHAT = {"FAILED": "failed", "TIMED_OUT": "timed out", "ABORTED": "was aborted"}


def unreported_failures(
    environments: Sequence[EnvironmentConfig], *, chat: bool = False
) -> list[str]:
    """Failure statuses the status rule e-mails about for no environment.

    Step Functions metrics are per state machine, not per environment: an alarm on
    a status some environment is notified of would e-mail its addresses twice, so
    only statuses nobody is notified of (no address configured at all, or every
    environment left them out of ``notification_types``) get an alarm.
    """
    notified = set(notified_statuses(environments, chat=chat))
    return [status for status in EXECUTION_METRICS if status not in notified]


def alarm_name(deployment: str, what: str) -> str:
    """Alarm names start with the deployment (stack) name: the topic/key grants match on it."""
    return f"{deployment}-{what}"


def alarm_arn_pattern(partition: str, region: str, account: str, deployment: str) -> str:
    return f"arn:{partition}:cloudwatch:{region}:{account}:alarm:{alarm_name(deployment, '*')}"


class OperationalAlarms(Construct):
    """The alarms above, with ALARM actions to the notification topic.

    Only the dead-letter-queue alarm also notifies OK: its messages stay until
    someone deletes them, so OK means "handled". The other alarms count events
    per period and return to OK by themselves one quiet period later, which says
    nothing about recovery: an OK message there would only double every alarm.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        environments: Sequence[EnvironmentConfig],
        notifications: Notifications,
        dead_letters: sqs.IQueue,
        notifier: lambda_.IFunction,
        workflows: Mapping[str, sfn.IStateMachine],
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        self.deployment = stack.stack_name
        self._action = cw_actions.SnsAction(notifications.topic)
        self._allow_cloudwatch(notifications, stack)
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        where = f"mwaa-pause-resume stack {self.deployment}"

        self._add(
            "scheduler-dead-letters",
            dead_letters.metric_approximate_number_of_messages_visible(
                period=PERIOD, statistic=cloudwatch.Stats.MAXIMUM
            ),
            f"{where}: messages in the scheduler dead-letter queue. A pause or resume "
            "schedule could not start its workflow, even after retries: that environment "
            "was not paused or resumed. Inspect the queue "
            f"{dead_letters.queue_name} in the SQS console (each message's ERROR_CODE, "
            "ERROR_MESSAGE and SCHEDULE_ARN attributes say which schedule and why), fix "
            "the cause, run the missed action with `mwaa-pause-resume pause|resume ENV` if "
            "still wanted, then purge the queue: the alarm returns to OK once it is empty.",
            ok_action=True,
        )
        self._add(
            "notifier-errors",
            notifier.metric_errors(period=PERIOD, statistic=cloudwatch.Stats.SUM),
            f"{where}: the notification function {notifier.function_name} failed, so a "
            "workflow status change (possibly a failed pause or resume) may not have been "
            "e-mailed. Read the function's log group for the error, then check the pause "
            "and resume executions in the Step Functions console or with "
            "`mwaa-pause-resume status`.",
        )
        if notifications.rule is not None:
            self._add(
                "status-rule-failed-invocations",
                cloudwatch.Metric(
                    namespace="AWS/Events",
                    metric_name="FailedInvocations",
                    dimensions_map={"RuleName": notifications.rule.rule_name},
                    period=PERIOD,
                    statistic=cloudwatch.Stats.SUM,
                ),
                f"{where}: EventBridge could not invoke the notification function for a "
                "workflow status change, so it was not e-mailed. Check the function's "
                "resource policy and concurrency, then the pause and resume executions with "
                "`mwaa-pause-resume status`.",
            )
        for status in unreported_failures(environments, chat=notifications.chat):
            for workflow, machine in sorted(workflows.items()):
                self._add(
                    f"{workflow}-{status.lower().replace('_', '-')}",
                    machine.metric(EXECUTION_METRICS[status], period=PERIOD, statistic="Sum"),
                    f"{where}: an execution of the {workflow} workflow {_WHAT[status]}. "
                    f"Open the {workflow} state machine's executions in the Step Functions "
                    "console (the execution input names the environment, the failed state "
                    "says why). A failed pause normally leaves the environment running, a "
                    "failed resume leaves it absent: run `mwaa-pause-resume "
                    f"{workflow} ENV` once the cause is fixed.",
                )

    def _add(
        self, what: str, metric: cloudwatch.IMetric, description: str, *, ok_action: bool = False
    ) -> None:
        alarm = cloudwatch.Alarm(
            self,
            "".join(part.title() for part in what.split("-")),
            alarm_name=alarm_name(self.deployment, what),
            alarm_description=description,
            metric=metric,
            threshold=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=1,
            datapoints_to_alarm=1,
            # No datapoint means nothing happened (an idle queue or function sends none).
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self._action)
        if ok_action:
            alarm.add_ok_action(self._action)
        self.alarms[what] = alarm

    def _allow_cloudwatch(self, notifications: Notifications, stack: cdk.Stack) -> None:
        """CloudWatch publishes as its service principal: the topic policy (which replaced
        SNS's default one) and the topic's KMS key must let it, for this stack's alarms only."""
        conditions = {
            "StringEquals": {"aws:SourceAccount": stack.account},
            "ArnLike": {
                "aws:SourceArn": alarm_arn_pattern(
                    stack.partition, stack.region, stack.account, self.deployment
                )
            },
        }
        cloudwatch_principal = iam.ServicePrincipal(CLOUDWATCH)
        notifications.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AlarmsPublish",
                principals=[cloudwatch_principal],
                actions=["sns:Publish"],
                resources=[notifications.topic.topic_arn],
                conditions=conditions,
            )
        )
        notifications.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AlarmsEncryptForTopic",
                principals=[cloudwatch_principal],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],  # in a key policy, "*" is this key
                conditions=conditions,
            )
        )
