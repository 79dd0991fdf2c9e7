"""The executions a monthly ``report`` reads: every pause and resume that started from a
little before the month on (so the pause that left an environment paused into the
month is seen), newest first, one DescribeExecution each."""

from __future__ import annotations

from mwaa_pause_resume.operations.aws_gateway import AwsGateway
from mwaa_pause_resume.operations.deployment import Deployment
from mwaa_pause_resume.operations.report import Run, run_from

# A pause this long before the month still counts if nothing resumed the environment
# since; Step Functions keeps 90 days of executions in any case.
LOOK_BACK_SECONDS = 35 * 24 * 3600


def runs_since(aws: AwsGateway, deployment: Deployment, since: float) -> list[Run]:
    runs: list[Run] = []
    for workflow in ("pause", "resume"):
        for page in aws.execution_pages(deployment.state_machine(workflow)):
            older = False
            for item in page.executions:
                if item["startDate"].timestamp() < since - LOOK_BACK_SECONDS:
                    older = True
                    continue
                run = run_from(workflow, aws.describe_execution(item["executionArn"]))
                if run is not None:
                    runs.append(run)
            if older:
                break  # newest first: the pages after this one are older still
    return runs
