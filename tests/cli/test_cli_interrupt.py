"""Ctrl-C during ``pause --wait``: the CLI stops following, the workflow goes on.

The KeyboardInterrupt comes from the follower's sleep between two polls (the ``sleep`` of the
``Pacing`` the test passes),
where Ctrl-C usually lands; the execution is held at its export (``hold``) so that it
is still running when the CLI gives up."""

from __future__ import annotations

from dataclasses import replace

import pytest
from rich.console import Console

from mwaa_pause_resume.cli import pause_resume_cmd
from tests.cli.cli_ops_helpers import ENV, FAST, MakeDeployed


@pytest.mark.parametrize("mode", ["lines", "terminal", "json"])
def test_ctrl_c_stops_following_and_leaves_the_workflow_running(
    make_deployed: MakeDeployed, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    deployed = make_deployed()
    slept: list[float] = []

    def ctrl_c(seconds: float) -> None:
        slept.append(seconds)
        raise KeyboardInterrupt

    deployed.pacing = replace(FAST, sleep=ctrl_c)
    screen = Console(record=True, force_terminal=True, width=200, color_system=None)
    if mode == "terminal":
        monkeypatch.setattr(pause_resume_cmd, "console", lambda: screen)
    sfn = deployed.local.client("stepfunctions")

    with deployed.local.hold():  # the pause stops at its first Wait (the export)
        result = deployed.cli("pause", ENV, "--wait", *(["--json"] if mode == "json" else []))
        (execution,) = sfn.list_executions(
            stateMachineArn=deployed.local.state_machine_arns["pause"]
        )["executions"]
        still = sfn.describe_execution(executionArn=execution["executionArn"])["status"]

    assert result.exit_code == 130, result.output
    assert slept == [FAST.poll_seconds]  # interrupted during the first wait between polls
    assert still == "RUNNING"
    notice = result.stderr
    assert f"Stopped following. The pause of {ENV} goes on in AWS" in notice
    assert f"(execution {execution['name']})" in notice
    assert f"`mwaa-pause-resume status {ENV}`" in notice
    assert (
        "https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1"
        f"#/v2/executions/details/{execution['executionArn']}"
    ) in notice
    assert "Traceback" not in result.output
    assert "Aborted" not in result.output
    if mode == "json":
        assert result.stdout == ""  # no half JSON for a script to choke on
    if mode == "terminal":
        assert f"Pausing {ENV}" in screen.export_text()  # the live view drew, then stopped
    # The workflow really goes on: released, it finishes the pause on its own.
    assert deployed.local.wait(execution["executionArn"]).status == "SUCCEEDED"
