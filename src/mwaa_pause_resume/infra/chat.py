"""Chat notifications: a chat topic, Slack / Microsoft Teams channels, a webhook function.

Why a second topic rather than filters on the e-mail topic: the Slack and Teams channel
configurations (Amazon Q Developer in chat applications, formerly AWS Chatbot) subscribe
to their topics themselves, and their subscriptions take no filter policy through
CloudFormation. On one topic they would receive the e-mail text (which they do not
display), and e-mail readers the chat JSON. So the notifier publishes the readable text
to the e-mail topic and a custom notification (functions.chat_message) to this one,
encrypted with the same key; the stack's alarms publish to both (the chat client renders
CloudWatch alarms itself, the webhook function turns them into text).

The chat client's role has no permissions at all and its channels' guardrail denies
everything: the channels only receive messages, nobody can run AWS commands from them.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_chatbot as chatbot
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from mwaa_pause_resume.config.chat import ChatWebhook
from mwaa_pause_resume.config.model import Config
from mwaa_pause_resume.errors import UserError
from mwaa_pause_resume.functions.chat_message import routes_variable
from mwaa_pause_resume.functions.webhook import (
    FORMAT_VARIABLE,
    PARAMETER_VARIABLE,
    SECRET_VARIABLE,
)
from mwaa_pause_resume.infra.alarms import (
    CLOUDWATCH,
    PERIOD,
    OperationalAlarms,
    alarm_arn_pattern,
    alarm_name,
)
from mwaa_pause_resume.infra.lambdas import WorkflowFunctions
from mwaa_pause_resume.infra.notifications import Notifications
from mwaa_pause_resume.infra.permission_scope import Scope

CHATBOT = "chatbot.amazonaws.com"
# Alarms whose OK also goes out (as alarms.py sends it to the e-mail topic).
OK_NOTIFIED = frozenset({"scheduler-dead-letters"})
# Deny-all guardrail: the channels are for reading notifications, not for running commands.
DENY_ALL = {"Effect": "Deny", "Action": "*", "Resource": "*"}
# Lambda allows 4 KB of environment variables per function; the topic ARNs need the rest.
MAX_ROUTES_BYTES = 3500
WEBHOOK_RETRIES = 2  # Lambda's asynchronous retries, after the function's own attempts
WEBHOOK_MAX_EVENT_AGE = cdk.Duration.hours(1)


class ChatChannels(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: Config,
        notifications: Notifications,
        alarms: OperationalAlarms,
        functions: WorkflowFunctions,
        iam_scope: Scope,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        chat = config.notifications
        self.topic = sns.Topic(
            self,
            "Topic",
            display_name="MWAA pause/resume (chat)",
            master_key=notifications.key,
            enforce_ssl=True,
        )
        self._wire_notifier(functions, config)
        self._receive_alarms(alarms, stack)
        if chat.slack or chat.teams:
            self._channels(config, stack)
        cdk.CfnOutput(
            stack, "ChatTopicArn", value=self.topic.topic_arn, description="The chat topic"
        )
        self.webhook: lambda_.Function | None = None
        if chat.webhook is not None:
            self.webhook = self._webhook(chat.webhook, functions, iam_scope, notifications, stack)

    def _wire_notifier(self, functions: WorkflowFunctions, config: Config) -> None:
        """The notifier publishes chat messages here, for each environment's statuses."""
        notifier = functions.functions["notification"]
        notifier.add_environment("CHAT_TOPIC_ARN", self.topic.topic_arn)
        routes = {e.name: e.notification_types for e in config.environments}
        variable = routes_variable(routes)
        if len(variable) > MAX_ROUTES_BYTES:
            raise UserError(
                f"the chat routes of {len(routes)} environments take {len(variable)} bytes; "
                f"the notification function's environment holds about {MAX_ROUTES_BYTES}",
                hint="give more environments the same notification_types (the most common "
                "list is stored once), or split the environments over two deployments",
            )
        notifier.add_environment("CHAT_ROUTES", variable)
        # The topic key is already granted to the notifier, through SNS only (stack.py).
        functions.roles["notification"].add_to_policy(
            iam.PolicyStatement(actions=["sns:Publish"], resources=[self.topic.topic_arn])
        )

    def _receive_alarms(self, alarms: OperationalAlarms, stack: cdk.Stack) -> None:
        """The stack's alarms publish here too (the topic key already lets CloudWatch)."""
        action = cw_actions.SnsAction(self.topic)
        for what, alarm in alarms.alarms.items():
            alarm.add_alarm_action(action)
            if what in OK_NOTIFIED:
                alarm.add_ok_action(action)
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AlarmsPublish",
                principals=[iam.ServicePrincipal(CLOUDWATCH)],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {
                        "aws:SourceArn": alarm_arn_pattern(
                            stack.partition, stack.region, stack.account, stack.stack_name
                        )
                    },
                },
            )
        )

    def _channels(self, config: Config, stack: cdk.Stack) -> None:
        guardrail = iam.ManagedPolicy(
            self,
            "Guardrail",
            description="mwaa-pause-resume chat channels: notifications only, no commands",
            document=iam.PolicyDocument.from_json(
                {"Version": "2012-10-17", "Statement": [DENY_ALL]}
            ),
        )
        role = iam.Role(
            self,
            "ClientRole",
            assumed_by=iam.ServicePrincipal(CHATBOT),
            description="mwaa-pause-resume chat channels: receives notifications, no permissions",
        )
        common: dict[str, Any] = {
            "iam_role_arn": role.role_arn,
            "guardrail_policies": [guardrail.managed_policy_arn],
            "sns_topic_arns": [self.topic.topic_arn],
            "user_role_required": False,
            "logging_level": "ERROR",
        }
        name = stack.stack_name
        for i, slack in enumerate(config.notifications.slack):
            chatbot.CfnSlackChannelConfiguration(
                self,
                f"Slack{i}",
                configuration_name=f"{name}-slack-{i}",
                slack_workspace_id=slack.workspace_id,
                slack_channel_id=slack.channel_id,
                **common,
            )
        for i, teams in enumerate(config.notifications.teams):
            chatbot.CfnMicrosoftTeamsChannelConfiguration(
                self,
                f"Teams{i}",
                configuration_name=f"{name}-teams-{i}",
                team_id=teams.team_id,
                teams_channel_id=teams.channel_id,
                teams_tenant_id=teams.tenant_id,
                **common,
            )

    def _webhook(
        self,
        hook: ChatWebhook,
        functions: WorkflowFunctions,
        iam_scope: Scope,
        notifications: Notifications,
        stack: cdk.Stack,
    ) -> lambda_.Function:
        function = functions.add_optional("webhook", iam_scope, in_vpc=hook.in_vpc)
        if hook.url_secret is not None:
            function.add_environment(SECRET_VARIABLE, hook.url_secret)
        else:
            function.add_environment(PARAMETER_VARIABLE, hook.url_parameter or "")
        function.add_environment(FORMAT_VARIABLE, hook.format)
        # Messages neither SNS nor the function could deliver: kept 14 days, alarmed.
        dead_letters = sqs.Queue(
            self,
            "WebhookDeadLetters",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
        )
        cdk.Validations.of(dead_letters).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions-SQS3",
                reason="This queue is the dead-letter queue of the chat webhook.",
            )
        )
        function.configure_async_invoke(
            retry_attempts=WEBHOOK_RETRIES,
            max_event_age=WEBHOOK_MAX_EVENT_AGE,
            on_failure=destinations.SqsDestination(dead_letters),
        )
        self.topic.add_subscription(
            subscriptions.LambdaSubscription(function, dead_letter_queue=dead_letters)
        )
        alarm = cloudwatch.Alarm(
            self,
            "WebhookFailed",
            alarm_name=alarm_name(stack.stack_name, "webhook-dead-letters"),
            alarm_description=(
                f"mwaa-pause-resume stack {stack.stack_name}: the chat webhook did not accept "
                "a notification after every retry; it is kept in the SQS queue "
                f"{dead_letters.queue_name}. Read the function {function.function_name}'s log "
                "group for the HTTP status, fix the URL in its secret or parameter (or the "
                "endpoint), then purge the queue: the alarm returns to OK once it is empty."
            ),
            metric=dead_letters.metric_approximate_number_of_messages_visible(
                period=PERIOD, statistic=cloudwatch.Stats.MAXIMUM
            ),
            threshold=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=1,
            datapoints_to_alarm=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        for topic in (notifications.topic, self.topic):
            alarm.add_alarm_action(cw_actions.SnsAction(topic))
            alarm.add_ok_action(cw_actions.SnsAction(topic))
        return function
