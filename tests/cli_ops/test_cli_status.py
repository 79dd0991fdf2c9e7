"""``status``: environment state, running and last workflows, next times, latest snapshot."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from cli_ops_helpers import ENV, MakeDeployed, assert_exit

from mwaa_pause_resume.sandbox.sfn_local import DEMO_TABLES
from mwaa_pause_resume.schedule import next_fire_times


def test_status_after_a_pause(make_deployed: MakeDeployed) -> None:
    deployed = make_deployed()
    assert deployed.cli("pause", ENV, "--wait").exit_code == 0
    before = datetime.now(UTC)

    result = deployed.cli("status", ENV, "--json")
    after = datetime.now(UTC)

    assert result.exit_code == 0, result.output
    (status,) = json.loads(result.stdout)["environments"]
    assert status["state"] == "PAUSED"
    assert status["running"] == []
    pause = status["last_pause"]
    assert (pause["status"], pause["outcome"]) == ("SUCCEEDED", "paused")
    assert pause["duration_seconds"] >= 0
    assert status["last_resume"] is None
    snapshot = status["latest_snapshot"]
    assert snapshot["snapshot_id"] == pause["snapshot_id"]
    # the scripted export's manifest
    assert (snapshot["tables"], snapshot["rows"]) == (len(DEMO_TABLES), 3)
    assert snapshot["bytes"] > 0
    # The CLI read the clock between before and after: a fire time may fall in between.
    expected = {
        next_fire_times("0 6 ? * MON-FRI *", "Europe/Paris", moment, 1)[0].isoformat()
        for moment in (before, after)
    }
    assert status["next"]["resume"] in expected

    human = deployed.cli("status")

    assert human.exit_code == 0
    assert "PAUSED" in human.stdout
    assert f"{pause['snapshot_id']} ({len(DEMO_TABLES)} tables, 3 rows" in human.stdout
    assert "SUCCEEDED (paused)" in human.stdout
    assert "(Europe/Paris)" in human.stdout and "CET" in human.stdout


def test_status_shows_running_workflow_and_last_failure(make_deployed: MakeDeployed) -> None:
    deployed = make_deployed()
    deployed.mwaa.faults.fail_next("DeleteEnvironment", "ValidationException", "busy")
    assert_exit(deployed.cli("pause", ENV, "--wait"), 1)

    with deployed.local.hold():
        assert deployed.cli("pause", ENV).exit_code == 0
        result = deployed.cli("status", "--json")

    assert result.exit_code == 0, result.output
    (status,) = json.loads(result.stdout)["environments"]
    assert status["state"] == "AVAILABLE"
    assert status["details"]["EnvironmentClass"] == "mw1.medium"
    assert [r["action"] for r in status["running"]] == ["pause"]
    assert status["last_pause"]["status"] == "FAILED"
    assert "busy" in status["last_pause"]["error"]


def test_status_without_deployment_still_reports_the_environment(
    make_deployed: MakeDeployed,
) -> None:
    deployed = make_deployed(stack=False)

    result = deployed.cli("status")

    assert result.exit_code == 0, result.output
    assert "Warning: Stack mwaa-pause-resume does not exist" in result.stdout
    assert "AVAILABLE" in result.stdout
    assert "Latest snapshot" not in result.stdout
    assert "Last pause" not in result.stdout


def test_status_of_unknown_environment(make_deployed: MakeDeployed) -> None:
    deployed = make_deployed()

    result = deployed.cli("status", "nope")

    assert result.exit_code == 2
    assert "environment 'nope' is not in" in result.stderr
