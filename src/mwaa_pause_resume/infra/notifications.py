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

STATUS_CHANGE = "Step Functions Execution Status Change"


def subscription_filters(environments: Sequence[EnvironmentConfig]) -> dict[str, dict[str, Any]]:
    """E-mail address -> SNS filter policy on the ``environment`` and ``status`` attributes.

    One subscription per address (SNS keeps one per endpoint and topic); an
    address listed by several environments gets their (environment, types)
    pairs OR-ed, so each environment's own ``notification_types`` still apply.
    """
    pairs: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for env in environments:
        for email in env.notification_emails:
            pairs.setdefault(email, []).append((env.name, tuple(sorted(env.notification_types))))
    filters: dict[str, dict[str, Any]] = {}
    for email, items in sorted(pairs.items()):
        kinds = {types for _, types in items}
        if len(kinds) == 1:
            filters[email] = {
                "environment": sorted(name for name, _ in items),
                "status": list(next(iter(kinds))),
            }
        else:
            filters[email] = {
                "$or": [{"environment": [name], "status": list(types)} for name, types in items]
            }
    return filters


def accepting_unattributed(policy: dict[str, Any]) -> dict[str, Any]:
    """``policy``, or else any message without an ``environment`` attribute.

    CloudWatch alarm notifications (``alarms.py``) carry no message attributes, and
    SNS drops a message lacking an attribute the filter names: without this
    branch no filtered address would receive them.
    """
    branches = policy.get("$or", [policy])
    return {"$or": [*branches, {"environment": [{"exists": False}]}]}


def notifier_sets_attributes() -> bool:
    """Whether the notification handler publishes ``environment`` and ``status`` attributes.

    Per-address filter policies need them: SNS drops a message that lacks an
    attribute a subscription filters on, so without them we must not filter.
    """
    from mwaa_pause_resume.functions import notification

    declared = getattr(notification, "MESSAGE_ATTRIBUTES", ())
    return {"environment", "status"} <= set(declared)


def notified_statuses(environments: Sequence[EnvironmentConfig]) -> list[str]:
    return sorted(
        {t for env in environments if env.notification_emails for t in env.notification_types}
    )


class Notifications(Construct):
    """SNS topic (own KMS key, TLS only), e-mail subscriptions, and the rule feeding the notifier.

    The rule invokes ``notifier`` (the notification function), which publishes
    a readable message; the caller grants it the topic and its key. When the
    notifier sets ``environment``/``status`` message attributes
    (``filter_by_attributes``), each address gets only its environments'
    configured statuses; otherwise every address gets every notified status.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        environments: Sequence[EnvironmentConfig],
        state_machines: Sequence[sfn.IStateMachine],
        notifier: lambda_.IFunction,
        filter_by_attributes: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
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
                filter_policy=accepting_unattributed(policy) if filter_by_attributes else None,
                filter_policy_scope="MessageAttributes" if filter_by_attributes else None,
            )
        statuses = notified_statuses(environments)
        self.rule: events.Rule | None = None
        if not statuses:
            return  # nobody to tell
        self.rule = events.Rule(
            self,
            "StatusChange",
            description="Pause/resume workflow status changes worth an e-mail",
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
