"""How many CloudFormation resources the stack of a configuration has (pure, no CDK).

CloudFormation refuses a stack of more than :data:`STACK_RESOURCE_LIMIT`
resources, and only at deploy time (``synth`` itself fails with CDK's
``TooManyResourcesInStack``). ``validate``, and therefore ``synth`` and
``deploy``, estimate the count from the configuration instead and refuse a
configuration past the limit, with the fix: split the environments over two
deployments (two configuration files, each with its own ``stack_name``).

The constants below were measured by synthesizing configurations that differ in
one thing; ``tests/infra/test_stack_size.py`` compares the estimate with real
syntheses so that it cannot drift silently when the stack changes.
"""

from __future__ import annotations

from collections.abc import Sequence

from mwaa_pause_resume.airflow_versions import is_airflow_3
from mwaa_pause_resume.config.model import Config, EnvironmentConfig
from mwaa_pause_resume.config.network import lambda_vpc_id

STACK_RESOURCE_LIMIT = 500  # CloudFormation quota: resources per stack (not adjustable)

# Always there, whatever the environments: backup bucket, access-log bucket and their
# policies, backup, HMAC and topic KMS keys, the functions with their roles, policies and log
# groups, the Lambda layer, the two state machines and their log group, the topic and
# its policy, the schedule group, dead-letter queue and its policy, the two alarms on
# the dead-letter queue and the notifier's errors, and CDK BucketDeployment's handler
# (function, role, policy), created once for the first DAGs folder; the metrics rule, its
# permission to invoke the metrics function, the dashboard (with the two functions: 11);
# the run_gate and busy_check functions, each with role, policy and log group (8).
FIXED = 102
# Per environment: its pause and its resume schedule.
PER_ENVIRONMENT = 2
# Per distinct (source bucket, DAGs path): the Custom::CDKBucketDeployment that copies
# the DAG bundle and the AWS CLI layer CDK gives each.
PER_DAGS_FOLDER = 2
# Per environment with update_execution_role: the policy attached to its role.
PER_EXECUTION_ROLE_POLICY = 1
# Per distinct notification e-mail address: its SNS subscription.
PER_SUBSCRIPTION = 1
# When any environment is notified of some status: the status rule, its permission to
# invoke the notifier, and the alarm on the rule's failed invocations.
STATUS_RULE = 3
# Failure statuses of an execution; one nobody is notified of gets an alarm per workflow.
FAILURE_STATUSES = ("FAILED", "TIMED_OUT", "ABORTED")
WORKFLOWS = 2  # pause, resume
# [notifications] (infra/chat.py): the chat topic and its policy once anything is
# configured; the chat client's role and guardrail policy once a Slack or Teams channel
# is, plus one configuration per channel; the webhook's function, role, policy, log
# group, asynchronous-invoke config, invoke permission, subscription, dead-letter
# queue, its policy and its alarm.
CHAT_TOPIC = 2
CHAT_CLIENT = 2
PER_CHAT_CHANNEL = 1
CHAT_WEBHOOK = 10
# Per VPC the stack creates endpoints in (create_vpc_endpoints, or lambda_subnet_ids):
S3_GATEWAY = 1  # at most: only when deploy's check finds route tables without one
INTERFACE_ENDPOINT = 2  # a KMS or airflow.env endpoint with its security group
PER_CLIENT_GROUP = 1  # per security group allowed in: its ingress rule


def _vpc_resources(config: Config) -> int:
    vpcs: dict[str, list[EnvironmentConfig]] = {}
    for env in config.environments:
        if env.vpc_id and env.create_vpc_endpoints:
            vpcs.setdefault(env.vpc_id, []).append(env)
    lambda_vpc = lambda_vpc_id(config.deployment, config.environments)
    if lambda_vpc is not None:
        vpcs.setdefault(lambda_vpc, [])
    total = 0
    for vpc_id, envs in vpcs.items():
        total += S3_GATEWAY
        if envs:  # the KMS endpoint, reached from the environments' security groups
            kms_clients = {g for e in envs for g in e.security_group_ids}
            total += INTERFACE_ENDPOINT + PER_CLIENT_GROUP * len(kms_clients)
        airflow3 = [e for e in envs if is_airflow_3(e.airflow_version)]
        lambdas = vpc_id == lambda_vpc
        if airflow3 or lambdas:  # the airflow.env endpoint (InvokeRestApi)
            clients = {g for e in airflow3 for g in e.security_group_ids}
            if lambdas:
                clients |= set(config.deployment.lambda_security_group_ids)
            total += INTERFACE_ENDPOINT + PER_CLIENT_GROUP * len(clients)
    return total


def notified_statuses(environments: Sequence[EnvironmentConfig], chat: bool = False) -> set[str]:
    return {
        t for env in environments if env.notification_emails or chat for t in env.notification_types
    }


def _chat_resources(config: Config) -> int:
    chat = config.notifications
    if not chat.configured:
        return 0
    channels = chat.channels
    return (
        CHAT_TOPIC
        + (CHAT_CLIENT + PER_CHAT_CHANNEL * channels if channels else 0)
        + (CHAT_WEBHOOK if chat.webhook is not None else 0)
    )


def estimated_resources(config: Config) -> int:
    """The stack's resource count for ``config``: exact, except for VPC endpoints, counted
    as if every one were missing (an upper bound)."""
    envs = config.environments
    dags_folders = {(e.source_bucket, e.dags_s3_path.strip("/")) for e in envs}
    addresses = {a for e in envs for a in e.notification_emails}
    notified = notified_statuses(envs, config.notifications.configured)
    unreported = [s for s in FAILURE_STATUSES if s not in notified]
    return (
        FIXED
        + PER_ENVIRONMENT * len(envs)
        + PER_DAGS_FOLDER * len(dags_folders)
        + PER_EXECUTION_ROLE_POLICY * sum(e.update_execution_role for e in envs)
        + PER_SUBSCRIPTION * len(addresses)
        + (STATUS_RULE if notified else 0)
        + WORKFLOWS * len(unreported)
        + _vpc_resources(config)
        + _chat_resources(config)
    )


def too_many_resources(config: Config) -> str | None:
    """Why ``config``'s stack would exceed CloudFormation's limit, or None when it fits."""
    count = estimated_resources(config)
    if count <= STACK_RESOURCE_LIMIT:
        return None
    return (
        f"the stack would have about {count} resources for {len(config.environments)} "
        f"environments, more than CloudFormation's limit of {STACK_RESOURCE_LIMIT} per stack"
    )


TOO_MANY_RESOURCES_FIX = (
    "split the environments over two deployments: two configuration files, each with "
    "its own [deployment] stack_name and part of the [[environments]] (deploy each with "
    "--config); fewer distinct DAGs folders or notification addresses also help"
)
