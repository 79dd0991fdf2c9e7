"""E-mail notifications of workflow status changes: SNS topic, subscriptions, EventBridge rule."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from mwaa_pause_resume.config.model import EnvironmentConfig
from mwaa_pause_resume.config.notification_routes import (
    MAX_FILTER_VALUES,
    ROUTES_FIX,
    address_routes,
    overfull_address,
)

STATUS_CHANGE = "Step Functions Execution Status Change"
ROUTE = "route"  # the notifier's message attribute subscriptions filter on
__all__ = ["MAX_FILTER_VALUES", "Notifications", "subscription_filters"]


def subscription_filters(environments: Sequence[EnvironmentConfig]) -> dict[str, dict[str, Any]]:
    """E-mail address -> SNS filter policy on the notifier's ``route`` attribute.

    One subscription per address (SNS keeps one per endpoint and topic). An address
    listed by several environments gets each environment's own ``notification_types``
    as ``<environment>/<status>`` values of one key, so the policy stays at one key and
    as many values as routes, however the environments' types differ. ``validate``
    refuses an address past SNS's limit first (config.notification_routes); this is the
    guard for a configuration built in code.
    """
    from mwaa_pause_resume.errors import UserError

    filters: dict[str, dict[str, Any]] = {}
    for email, values in sorted(address_routes(environments).items()):
        if problem := overfull_address(email, len(values)):
            raise UserError(problem, hint=ROUTES_FIX)
        filters[email] = {ROUTE: sorted(values)} if values else {}
    return filters


def accepting_unattributed(policy: dict[str, Any]) -> dict[str, Any]:
    """``policy``, or else any message without a ``route`` attribute.

    CloudWatch alarm notifications (``alarms.py``) carry no message attributes, and
    SNS drops a message lacking an attribute the filter names: without this
    branch no filtered address would receive them.
    """
    unattributed = {ROUTE: [{"exists": False}]}
    return {"$or": [policy, unattributed]} if policy else unattributed


def notified_statuses(
    environments: Sequence[EnvironmentConfig], *, chat: bool = False
) -> list[str]:
    """Execution statuses the rule forwards: an environment's addresses', or every
    environment's ``notification_types`` when chat channels or a webhook are configured
    (infra/chat.py). A SKIPPED run's execution SUCCEEDED."""
    return sorted(
        {
            "SUCCEEDED" if t == "SKIPPED" else t
            for env in environments
            if env.notification_emails or chat
            for t in env.notification_types
        }
    )


class Notifications(Construct):
    """SNS topic (own KMS key, TLS only), e-mail subscriptions, and the rule feeding the notifier.

    The rule invokes ``notifier`` (the notification function), which publishes
    a readable message with a ``route`` attribute; the caller grants it the topic
    and its key. Each address's subscription filters on ``route``, so it gets only
    its environments' configured statuses (and the attribute-less alarms).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        environments: Sequence[EnvironmentConfig],
        state_machines: Sequence[sfn.IStateMachine],
        notifier: lambda_.IFunction,
        chat: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        self.chat = chat
        self.key = kms.Key(
            self,
            "Key",
            description="Encrypts the mwaa-pause-resume notification topic",
            enable_key_rotation=True,
            # Nothing outlives the topic encrypted with it (unlike the backup key).
            removal_policy=cdk.RemovalPolicy.DESTROY,
            pending_window=cdk.Duration.days(7),
        )
        self.topic = sns.Topic(
            self,
            "Topic",
            display_name="MWAA pause/resume",
            master_key=self.key,
            enforce_ssl=True,
        )
        for index, (email, policy) in enumerate(subscription_filters(environments).items()):
            sns.CfnSubscription(
                self,
                f"Email{index}",
                topic_arn=self.topic.topic_arn,
                protocol="email",
                endpoint=email,
                filter_policy=accepting_unattributed(policy),
                filter_policy_scope="MessageAttributes",
            )
        statuses = notified_statuses(environments, chat=chat)
        self.rule: events.Rule | None = None
        if not statuses:
            return  # nobody to tell
        self.rule = events.Rule(
            self,
            "StatusChange",
            description="Pause/resume workflow status changes worth a notification",
            event_pattern=events.EventPattern(
                source=["aws.states"],
                detail_type=[STATUS_CHANGE],
                detail={
                    "status": statuses,
                    "stateMachineArn": [m.state_machine_arn for m in state_machines],
                },
            ),
        )
        self.rule.add_target(targets.LambdaFunction(notifier, retry_attempts=4))
