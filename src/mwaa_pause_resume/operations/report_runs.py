"""The executions a monthly ``report`` reads: every pause and resume that started from a
little before the month on (so the pause that left an environment paused into the
month is seen), newest first, one DescribeExecution each: only the input names the
environment, and only the output its measured timing. A page's descriptions go out a
bounded number at a time (:mod:`.bounded`): a fleet's month is tens of thousands."""

from __future__ import annotations

from mwaa_pause_resume.operations.aws_gateway import AwsGateway
from mwaa_pause_resume.operations.bounded import map_bounded
from mwaa_pause_resume.operations.deployment import Deployment
from mwaa_pause_resume.operations.execution_search import LIST_PAGE_MAX
from mwaa_pause_resume.operations.report import Run, run_from

# A pause this long before the month still counts if nothing resumed the environment
# since; Step Functions keeps 90 days of executions in any case.
LOOK_BACK_SECONDS = 35 * 24 * 3600


def runs_since(
    aws: AwsGateway, deployment: Deployment, since: float, *, concurrency: int = 1
) -> list[Run]:
    runs: list[Run] = []
    for workflow in ("pause", "resume"):

        def describe(arn: str, workflow: str = workflow) -> Run | None:
            return run_from(workflow, aws.describe_execution(arn))

        machine = deployment.state_machine(workflow)
        # The whole month is read: the largest page is the fewest calls.
        for page in aws.execution_pages(machine, page_size=LIST_PAGE_MAX):
            cutoff = since - LOOK_BACK_SECONDS
            wanted = [
                str(item["executionArn"])
                for item in page.executions
                if item["startDate"].timestamp() >= cutoff
            ]
            runs += [run for run in map_bounded(describe, wanted, concurrency) if run is not None]
            if len(wanted) < len(page.executions):
                break  # newest first: the pages after this one are older still
    return runs
