"""The main stack of a deployment: everything its environments share, and, in the flat
layout, each environment's own resources too (config/stack_layout.py,
docs/stack-layout.md); in the nested layout those live in the groups (infra/groups.py)."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from mwaa_pause_resume.config.fleet import spoke_accounts, spoke_role_arn
from mwaa_pause_resume.config.model import Config
from mwaa_pause_resume.config.stack_layout import FLAT, StackLayout, group_contents
from mwaa_pause_resume.functions import WORKFLOW_FUNCTIONS
from mwaa_pause_resume.infra.alarms import OperationalAlarms
from mwaa_pause_resume.infra.backup import BackupStorage
from mwaa_pause_resume.infra.chat import ChatChannels
from mwaa_pause_resume.infra.dashboard import WorkflowMetrics
from mwaa_pause_resume.infra.environment_resources import (
    DeploymentRefs,
    attach_execution_role_policy,
    create_access_point,
    deploy_dags,
)
from mwaa_pause_resume.infra.groups import EnvironmentGroup
from mwaa_pause_resume.infra.lambda_bundle import LambdaBundle
from mwaa_pause_resume.infra.lambdas import LOG_RETENTION, WorkflowFunctions
from mwaa_pause_resume.infra.names import (
    OUTPUT_BUCKET,
    OUTPUT_KEY,
    OUTPUT_MAC_KEY,
    OUTPUT_PAUSE,
    OUTPUT_RESUME,
    OUTPUT_TOPIC,
)
from mwaa_pause_resume.infra.network import PrivateEndpoints
from mwaa_pause_resume.infra.notifications import Notifications
from mwaa_pause_resume.infra.permission_scope import Scope
from mwaa_pause_resume.infra.schedules import Schedules
from mwaa_pause_resume.infra.spoke import spoke_environments
from mwaa_pause_resume.infra.workflows import PauseResumeWorkflows

DESCRIPTION_LIMIT = 512  # aws-cdk-lib's check on a stack's description (characters)


class PauseResumeStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id_: str,
        *,
        config: Config,
        lambda_bundle: LambdaBundle,
        dag_bundle: Path,
        env: cdk.Environment | None = None,
        layout: StackLayout = FLAT,
    ) -> None:
        super().__init__(
            scope,
            construct_id_,
            stack_name=config.deployment.stack_name,
            env=env,
            description=_description(config),
            # A fleet's main template is large (per-environment lists in the shared IAM
            # policies and dashboard): compact JSON halves it against CloudFormation's 1 MB.
            suppress_template_indentation=layout.nested,
        )
        envs = config.environments
        # Fleet (docs/fleet.md): environments in other accounts are reached through the
        # spoke role; their execution roles get their own prefixes in the hub's bucket.
        spokes = spoke_accounts(envs, config.deployment)
        self.spoke_accounts = frozenset(spokes)
        self.backup = BackupStorage(
            self,
            "Backup",
            envs,
            deployment=config.deployment.stack_name,
            spoke_environments=spoke_environments(config),
        )
        iam_scope = Scope(
            partition=self.partition,
            region=self.region,
            account=self.account,
            environments=envs,
            backup_bucket_arn=self.backup.bucket.bucket_arn,
            backup_key_arn=self.backup.key.key_arn,
            mac_key_arn=self.backup.mac_key.key_arn,
            webhook=config.notifications.webhook,
            deployment=config.deployment.stack_name,
            spoke_role_arns=[
                spoke_role_arn(config.deployment.stack_name, a, self.partition) for a in spokes
            ],
            spoke_accounts=frozenset(spokes),
        )
        self.functions = WorkflowFunctions(
            self, "Functions", lambda_bundle, iam_scope, config.deployment
        )
        self.backup.deny_other_principals(self.functions.roles)
        workflow_logs = logs.LogGroup(
            self,
            "WorkflowLogs",
            # Step Functions requires vended log groups to be named /aws/vendedlogs/...
            log_group_name=f"/aws/vendedlogs/states/{config.deployment.stack_name}",
            retention=LOG_RETENTION,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        self.workflows = PauseResumeWorkflows(
            self,
            "Workflows",
            functions={
                k: f for k, f in self.functions.functions.items() if k in WORKFLOW_FUNCTIONS
            },
            logs=sfn.LogOptions(
                destination=workflow_logs, level=sfn.LogLevel.ALL, include_execution_data=True
            ),
            tracing_enabled=True,
        )
        self.notifications = Notifications(
            self,
            "Notifications",
            environments=envs,
            state_machines=[self.workflows.pause, self.workflows.resume],
            notifier=self.functions.functions["notification"],
            chat=config.notifications.configured,
        )
        self._wire_notifier()
        self.schedules = Schedules(
            self,
            "Schedules",
            deployment=config.deployment.stack_name,
            environments=() if layout.nested else envs,
            nested=layout.nested,
            pause=self.workflows.pause,
            resume=self.workflows.resume,
            bucket_name=self.backup.bucket.bucket_name,
            kms_key_arn=self.backup.key.key_arn,
        )
        self.alarms = OperationalAlarms(
            self,
            "Alarms",
            environments=envs,
            notifications=self.notifications,
            dead_letters=self.schedules.dead_letters,
            notifier=self.functions.functions["notification"],
            workflows={"pause": self.workflows.pause, "resume": self.workflows.resume},
        )
        self.metrics = WorkflowMetrics(
            self,
            "Metrics",
            environments=envs,
            state_machines=[self.workflows.pause, self.workflows.resume],
            function=self.functions.functions["metrics"],
        )
        self.chat = (
            ChatChannels(
                self,
                "Chat",
                config=config,
                notifications=self.notifications,
                alarms=self.alarms,
                functions=self.functions,
                iam_scope=iam_scope,
            )
            if config.notifications.configured
            else None
        )
        self.endpoints = PrivateEndpoints(self, "PrivateEndpoints", envs, config.deployment)
        refs = DeploymentRefs(
            deployment=config.deployment.stack_name,
            bucket_name=self.backup.bucket.bucket_name,
            key_arn=self.backup.key.key_arn,
            mac_key_arn=self.backup.mac_key.key_arn,
            dag_bundle=dag_bundle,
            spoke_accounts=self.spoke_accounts,
        )
        self.groups: list[EnvironmentGroup] = []
        if layout.nested:
            self.groups = [
                EnvironmentGroup(self, contents, target=self.schedules.target, refs=refs)
                for contents in group_contents(envs, layout.groups)
            ]
        else:
            deployed: set[tuple[str, str]] = set()
            for env_config in envs:
                target = (env_config.source_bucket, env_config.dags_s3_path.strip("/"))
                if target not in deployed:  # environments sharing a DAGs folder get one copy
                    deployed.add(target)
                    deploy_dags(self, env_config, refs)
                create_access_point(self, env_config, refs)
                if env_config.update_execution_role:
                    attach_execution_role_policy(self, env_config, refs)
        for name, value, what in (
            (OUTPUT_BUCKET, self.backup.bucket.bucket_name, "backup bucket"),
            (OUTPUT_KEY, self.backup.key.key_arn, "backup KMS key"),
            (OUTPUT_MAC_KEY, self.backup.mac_key.key_arn, "HMAC key that signs runs and snapshots"),
            (OUTPUT_TOPIC, self.notifications.topic.topic_arn, "notification topic"),
            (OUTPUT_PAUSE, self.workflows.pause.state_machine_arn, "pause workflow"),
            (OUTPUT_RESUME, self.workflows.resume.state_machine_arn, "resume workflow"),
        ):
            cdk.CfnOutput(self, name, value=value, description=f"The {what}")

    def _wire_notifier(self) -> None:
        """The notification function publishes to the (encrypted) topic the rule feeds it for."""
        notifier = self.functions.functions["notification"]
        role = self.functions.roles["notification"]
        topic, key = self.notifications.topic, self.notifications.key
        notifier.add_environment("NOTIFICATION_TOPIC_ARN", topic.topic_arn)
        role.add_to_policy(
            iam.PolicyStatement(actions=["sns:Publish"], resources=[topic.topic_arn])
        )
        role.add_to_policy(  # only as SNS uses it to encrypt the published message
            iam.PolicyStatement(
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=[key.key_arn],
                conditions={"StringEquals": {"kms:ViaService": f"sns.{self.region}.amazonaws.com"}},
            )
        )


def _description(config: Config) -> str:
    """Name the environments while they fit: CloudFormation allows 1024 bytes, aws-cdk-lib
    512 characters (its check fails the synthesis past them)."""
    head = "mwaa-pause-resume: pause and resume MWAA environments on schedule"
    names = ", ".join(e.name for e in config.environments)
    text = f"{head} ({names})"
    return (
        text
        if len(text) <= DESCRIPTION_LIMIT
        else f"{head} ({len(config.environments)} environments)"
    )
