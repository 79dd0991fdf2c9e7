"""``status``: environment state, running and last workflows, next times, latest snapshot."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from mwaa_pause_resume.sandbox.demo_snapshot import DEMO_TABLES
from mwaa_pause_resume.schedule import next_fire_times
from tests.cli.cli_ops_helpers import BUCKET, ENV, MakeDeployed, assert_exit


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


def test_status_shows_what_the_last_resume_restored(make_deployed: MakeDeployed) -> None:
    deployed = make_deployed()
    assert deployed.cli("pause", ENV, "--wait").exit_code == 0
    resumed = deployed.cli("resume", ENV, "--wait", "--json")
    assert resumed.exit_code == 0, resumed.output
    snapshot_id = json.loads(resumed.stdout)["snapshot_id"]
    assert json.loads(resumed.stdout)["restore"]["items"]["variables"]["exact"] == 2

    result = deployed.cli("status", ENV, "--json")

    (status,) = json.loads(result.stdout)["environments"]
    restore = status["last_resume"]["restore"]
    assert restore["scope"] == "full"
    assert restore["items"] == {
        "variables": {"exact": 2, "approximated": 0, "not_restored": 0},
        "pools": {"exact": 1, "approximated": 0, "not_restored": 0},
    }
    assert status["last_pause"]["restore"] is None  # a pause restores nothing
    human = deployed.cli("status", ENV).stdout
    assert "Restored" in human and "Restored exactly: variables 2, pools 1" in human

    # import-report.json, when there, is the whole summary: every held DAG with its action
    report = {
        "format_version": 1,
        "scope": "rest-only",
        "items": {"variables": {"exact": 4, "approximated": 0, "not_restored": 0}},
        "policies": {"skip": 3},
        "held": [
            {"dag_id": f"dag_{i}", "reason": "no position", "action": "unpause it by hand"}
            for i in range(12)
        ],
    }
    deployed.s3().put_object(
        Bucket=BUCKET,
        Key=f"{ENV}/{snapshot_id}/import-report.json",
        Body=json.dumps(report).encode(),
    )
    (status,) = json.loads(deployed.cli("status", ENV, "--json").stdout)["environments"]
    assert status["last_resume"]["restore"] == report
    human = deployed.cli("status", ENV).stdout
    assert "Left paused: 12 DAGs" in human
    assert "dag_11: no position. unpause it by hand" in human
    assert "Missed runs: skip for 3 DAGs" in human

    # an unreadable report: the note's summary is shown
    deployed.s3().put_object(
        Bucket=BUCKET, Key=f"{ENV}/{snapshot_id}/import-report.json", Body=b"{not json"
    )
    (status,) = json.loads(deployed.cli("status", ENV, "--json").stdout)["environments"]
    assert status["last_resume"]["restore"]["items"]["variables"]["exact"] == 2
