"""Workflow metrics (functions.metrics, fed by an EventBridge rule) and the CloudWatch
dashboard that graphs them per environment.

Up to FLEET_SCOPING_THRESHOLD environments each graph lists its environments' metrics;
past it (a fleet), each graph is one CloudWatch ``SEARCH`` over the namespace, sorted to
the :data:`TOP` highest environments, so the dashboard's body (and the main template)
stops growing with the environments (docs/monitoring.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from mwaa_pause_resume.config.model import EnvironmentConfig
from mwaa_pause_resume.functions.metrics import METRICS_NAMESPACE, TERMINAL
from mwaa_pause_resume.infra.notifications import STATUS_CHANGE
from mwaa_pause_resume.infra.permission_scope import uses_fleet_scoping

PERIOD = cdk.Duration.days(1)  # one pause and one resume a day: a point per run
# A fleet's graph shows its TOP environments by the metric's highest point: hundreds of
# lines are unreadable, and a SEARCH returns at most 500 series.
TOP = 25


def search_expression(name: str, workflow: str, statistic: str, deployment: str) -> str:
    """The fleet form of one graph: every environment's ``name`` metric of ``workflow`` in
    ``deployment`` (not another stack's in the account), the TOP highest first (pure)."""
    schema = f"{{{METRICS_NAMESPACE},Deployment,Environment,Workflow}}"
    search = (
        f'SEARCH(\'{schema} MetricName="{name}" Deployment="{deployment}" Workflow="{workflow}"\', '
    )
    return f"SORT({search}'{statistic}', {int(PERIOD.to_seconds())}), MAX, DESC, {TOP})"


def metric(
    name: str, environment: str, workflow: str, statistic: str, deployment: str
) -> cw.Metric:
    return cw.Metric(
        namespace=METRICS_NAMESPACE,
        metric_name=name,
        dimensions_map={"Deployment": deployment, "Environment": environment, "Workflow": workflow},
        statistic=statistic,
        period=PERIOD,
        label=f"{environment} {workflow}",
    )


def widgets(environments: Sequence[EnvironmentConfig], deployment: str) -> list[cw.IWidget]:
    """Durations, time paused, outcomes and late resumes, a line per environment of
    ``deployment`` (the stack name, the metrics' ``Deployment`` dimension)."""
    names = [e.name for e in environments]
    fleet = uses_fleet_scoping(len(names))

    def graph(title: str, name: str, workflows: Sequence[str], stat: str) -> cw.GraphWidget:
        lines: list[cw.IMetric]
        if fleet:
            lines = [
                cw.MathExpression(
                    expression=search_expression(name, workflow, stat, deployment),
                    using_metrics={},
                    # A dynamic label: each series is named by its environment.
                    label=f"${{PROP('Dim.Environment')}} {workflow}",
                    period=PERIOD,
                )
                for workflow in workflows
            ]
            title = f"{title}, top {TOP}"
        else:
            lines = [
                metric(name, env, workflow, stat, deployment)
                for env in names
                for workflow in workflows
            ]
        return cw.GraphWidget(title=title, left=lines, width=12, height=6)

    return [
        graph("Resume duration (s)", "Duration", ["resume"], "Maximum"),
        graph("Pause duration (s)", "Duration", ["pause"], "Maximum"),
        graph("Time paused before each resume (s)", "PausedSeconds", ["resume"], "Sum"),
        graph("Late resumes (after their ready-by time)", "Late", ["resume"], "Sum"),
        graph("Failed runs", "Failed", ["pause", "resume"], "Sum"),
        graph("Succeeded runs", "Succeeded", ["pause", "resume"], "Sum"),
    ]


class WorkflowMetrics(Construct):
    """The rule that hands every finished execution to the metrics function, and the
    dashboard (named after the stack)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        environments: Sequence[EnvironmentConfig],
        state_machines: Sequence[sfn.IStateMachine],
        function: lambda_.IFunction,
    ) -> None:
        super().__init__(scope, construct_id)
        self.rule = events.Rule(
            self,
            "Finished",
            description="Finished pause/resume executions, for their CloudWatch metrics",
            event_pattern=events.EventPattern(
                source=["aws.states"],
                detail_type=[STATUS_CHANGE],
                detail={
                    "status": sorted(TERMINAL),
                    "stateMachineArn": [m.state_machine_arn for m in state_machines],
                },
            ),
        )
        self.rule.add_target(targets.LambdaFunction(function, retry_attempts=4))
        self.dashboard = cw.Dashboard(
            self,
            "Dashboard",
            dashboard_name=f"{cdk.Stack.of(self).stack_name}-workflows",
            widgets=[widgets(environments, cdk.Stack.of(self).stack_name)],
        )
