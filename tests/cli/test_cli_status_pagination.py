"""``status`` pages through ListExecutions: two environments share the state machines,
so an environment's running execution or last pause can be far down the list.

Twelve real executions and a page size of 5 (or 2) instead of 100: the pagination is
Step Functions' own (moto's ``nextToken``). The other environment's pauses end at once
through the workflow's "already paused" path (it does not exist and has a snapshot)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from mwaa_pause_resume.config import load_config
from mwaa_pause_resume.operations.aws_gateway import AwsGateway
from mwaa_pause_resume.operations.deployment import Deployment, start_input
from mwaa_pause_resume.operations.execution_search import ExecutionPage
from tests.cli.cli_ops_helpers import CONFIG, ENV, FAST, Deployed, MakeDeployed
from tests.cli.snapshot_seed import NEW, put_snapshot

IDLE = "idle-env"  # paused long ago: its pauses end "already_paused" at once
TWO_ENVIRONMENTS = CONFIG + CONFIG[CONFIG.index("[[environments]]") :].replace(ENV, IDLE)

Calls = list[tuple[str, bool]]  # (state machine, RUNNING filter) per ListExecutions call


@pytest.fixture
def list_calls(monkeypatch: pytest.MonkeyPatch) -> Calls:
    """Records each ListExecutions call the CLI makes (the real calls, counted)."""
    calls: Calls = []
    real = AwsGateway.execution_pages

    def counted(
        self: AwsGateway, arn: str, *, running_only: bool = False, page_size: int = 100
    ) -> Iterator[ExecutionPage]:
        for page in real(self, arn, running_only=running_only, page_size=page_size):
            calls.append((arn, running_only))
            yield page

    monkeypatch.setattr(AwsGateway, "execution_pages", counted)
    return calls


def two_environments(make_deployed: MakeDeployed) -> tuple[Deployed, Deployment]:
    """dev-env and idle-env (absent, with a snapshot) sharing one deployment."""
    deployed = make_deployed()
    deployed.config.write_text(TWO_ENVIRONMENTS, encoding="utf-8")
    put_snapshot(deployed, NEW, environment=IDLE)
    deployed.put_json(f"{IDLE}/latest.json", {"snapshot_id": NEW})
    return deployed, AwsGateway(region="us-east-1").deployment("mwaa-pause-resume")


def start(deployed: Deployed, deployment: Deployment, environment: str) -> str:
    env = load_config(deployed.config).environment(environment)
    return deployed.local.start_execution("pause", start_input(env, "pause", deployment))


def finish(deployed: Deployed, deployment: Deployment, environment: str) -> dict[str, Any]:
    result = deployed.local.wait(start(deployed, deployment, environment))
    return {"status": result.status, "output": result.output}


def status(deployed: Deployed, *args: str) -> list[dict[str, Any]]:
    result = deployed.cli("status", *args, "--json")
    assert result.exit_code == 0, result.output
    environments: list[dict[str, Any]] = json.loads(result.stdout)["environments"]
    return environments


def test_status_finds_what_is_beyond_the_first_page(
    make_deployed: MakeDeployed, list_calls: Calls
) -> None:
    deployed, deployment = two_environments(make_deployed)
    pause, resume = deployment.pause_arn, deployment.resume_arn

    with deployed.local.hold():
        # Oldest first: dev-env's pause (held at its export, RUNNING), 6 idle-env pauses,
        # a second dev-env pause (refused by the lock: FAILED), 4 idle-env pauses.
        running = start(deployed, deployment, ENV)
        assert [finish(deployed, deployment, IDLE)["status"] for _ in range(6)] == ["SUCCEEDED"] * 6
        refused = finish(deployed, deployment, ENV)
        assert refused["status"] == "FAILED"
        for _ in range(4):
            assert finish(deployed, deployment, IDLE)["output"]["outcome"] == "already_paused"

        # Page size 5: dev-env's last pause is on page 1, its running one on page 3.
        deployed.pacing = replace(FAST, executions_page=5)
        list_calls.clear()
        (dev,) = status(deployed, ENV)

        assert [r["execution_arn"] for r in dev["running"]] == [running]
        assert dev["last_pause"]["status"] == "FAILED"
        # Page 1 had the last pause: the rest is read as one RUNNING listing.
        assert list_calls == [(pause, False), (pause, True), (resume, False)]

        # Page size 2: the last pause is on page 3 of 6.
        deployed.pacing = replace(FAST, executions_page=2)
        list_calls.clear()
        (dev,) = status(deployed, ENV)

        assert dev["last_pause"]["status"] == "FAILED"
        assert "already running" in dev["last_pause"]["error"]
        assert [r["execution_arn"] for r in dev["running"]] == [running]
        assert list_calls == [(pause, False)] * 3 + [(pause, True), (resume, False)]

        # Both environments: idle-env's newest pause is the first execution listed.
        deployed.pacing = replace(FAST, executions_page=5)
        list_calls.clear()
        dev, idle = status(deployed)

        assert idle["last_pause"]["outcome"] == "already_paused"
        assert idle["running"] == []
        assert [r["execution_arn"] for r in dev["running"]] == [running]
        assert list_calls == [(pause, False), (pause, True), (resume, False)]

    assert deployed.local.wait(running).status == "SUCCEEDED"
    deployed.pacing = FAST
    list_calls.clear()
    human = deployed.cli("status", ENV)  # 100 a page: one call per workflow

    assert human.exit_code == 0, human.output
    assert "Running" not in human.stdout
    assert list_calls == [(pause, False), (resume, False)]


def test_status_reads_to_the_end_for_an_environment_never_paused(
    make_deployed: MakeDeployed, list_calls: Calls
) -> None:
    deployed, deployment = two_environments(make_deployed)
    pause, resume = deployment.pause_arn, deployment.resume_arn
    for _ in range(5):
        finish(deployed, deployment, IDLE)
    deployed.pacing = replace(FAST, executions_page=2)

    (dev,) = status(deployed, ENV)

    assert dev["last_pause"] is None
    assert dev["running"] == []
    # Pages of 2, 2, 1: the list ends, so there is nothing left for a RUNNING listing.
    assert list_calls == [(pause, False)] * 3 + [(resume, False)]
