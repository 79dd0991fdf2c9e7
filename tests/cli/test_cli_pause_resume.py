"""``pause`` / ``resume`` against the deployed workflows (moto + real handlers + MWAA
emulator): starting, following, outcomes and exit codes."""

from __future__ import annotations

import json

from mwaa_pause_resume.sandbox.mwaa import RunScript
from mwaa_pause_resume.sandbox.scripted_airflow import ScriptedDagsAirflow
from tests.cli.cli_ops_helpers import (
    BUCKET,
    ENV,
    STEP_ORDER_PAUSE,
    MakeDeployed,
    assert_exit,
    dag_specs,
    positions,
)


def test_pause_then_resume_with_wait(make_deployed: MakeDeployed) -> None:
    deployed = make_deployed()

    paused = deployed.cli("pause", ENV, "--wait")

    assert paused.exit_code == 0, paused.output
    assert ENV not in deployed.mwaa.names()
    snapshot_id = json.loads(
        deployed.s3().get_object(Bucket=BUCKET, Key=f"{ENV}/latest.json")["Body"].read()
    )["snapshot_id"]
    assert f"Environment {ENV} is paused; snapshot {snapshot_id}." in paused.stdout
    # Non-terminal output: one line per step, in the order the workflow ran them.
    order = positions(paused.stdout, STEP_ORDER_PAUSE)
    assert order == sorted(order)
    assert "export DAG run success" in paused.stdout

    resumed = deployed.cli("resume", ENV, "--wait")

    assert resumed.exit_code == 0, resumed.output
    assert deployed.mwaa.environment(ENV).status == "AVAILABLE"
    assert f"restored from snapshot {snapshot_id}" in resumed.stdout
    assert "Create the environment" in resumed.stdout
    assert "Restore the Airflow metadata" in resumed.stdout
    # the import's restore summary (the scripted import's: sandbox.demo_snapshot.demo_summary)
    assert "  Scope: full\n  Restored exactly: variables 2, pools 1\n" in resumed.stdout


def test_failed_export_exits_1_with_the_dags_error(make_deployed: MakeDeployed) -> None:
    airflow = ScriptedDagsAirflow(dag_specs(export=RunScript(state="failed", polls=1)))
    deployed = make_deployed(airflow)

    result = deployed.cli("pause", ENV, "--wait")

    assert_exit(result, 1)
    assert "OperationalError: disk full" in result.stderr
    assert "ended FAILED" in result.stderr
    assert "Hint: execution details: https://us-east-1.console.aws.amazon.com/states" in (
        result.stderr
    )
    assert "Traceback" not in result.output
    assert "Failed: Export the Airflow metadata" in result.stdout
    assert deployed.mwaa.environment(ENV).status == "AVAILABLE"  # never deleted


def test_create_failed_shows_mwaas_error(make_deployed: MakeDeployed) -> None:
    deployed = make_deployed()
    assert deployed.cli("pause", ENV, "--wait").exit_code == 0
    deployed.mwaa.faults.fail_next_create(
        "INCORRECT_CONFIGURATION", "Subnet subnet-0123456789abcdef0 is gone"
    )

    result = deployed.cli("resume", ENV, "--wait", "--json")

    assert_exit(result, 1)
    report = json.loads(result.stdout)
    assert report["status"] == "FAILED"
    assert "Subnet subnet-0123456789abcdef0 is gone" in report["cause"]
    assert [s["step"] for s in report["steps"] if s["failed"]] == ["create"]


def test_pause_without_wait_starts_and_returns(make_deployed: MakeDeployed) -> None:
    deployed = make_deployed()

    result = deployed.cli("pause", ENV, "--json")

    assert result.exit_code == 0, result.output
    started = json.loads(result.stdout)
    assert started["action"] == "pause"
    execution = deployed.local.wait(started["execution_arn"])
    assert execution.status == "SUCCEEDED"
    # The CLI sends the input the schedules send (infra.schedule_input), nothing else.
    sent = json.loads(execution.history[0]["executionStartedEventDetails"]["input"])
    assert sent["environment"] == ENV
    assert sent["bucket"] == BUCKET
    assert sent["poll_seconds"] == 30
    assert "snapshot_id" not in sent


def test_second_start_refused_while_one_runs(make_deployed: MakeDeployed) -> None:
    deployed = make_deployed()
    with deployed.local.hold():
        first = deployed.cli("pause", ENV)
        assert first.exit_code == 0, first.output
        assert "Started the pause of dev-env" in first.stdout

        second = deployed.cli("resume", ENV)

        assert second.exit_code == 2
        assert "A pause of dev-env is already running" in second.stderr
        assert "Hint:" in second.stderr


def test_resume_with_chosen_snapshot(make_deployed: MakeDeployed) -> None:
    deployed = make_deployed()
    assert deployed.cli("pause", ENV, "--wait").exit_code == 0
    first = json.loads(
        deployed.s3().get_object(Bucket=BUCKET, Key=f"{ENV}/latest.json")["Body"].read()
    )["snapshot_id"]

    bad = deployed.cli("resume", ENV, "--snapshot", "yesterday")
    missing = deployed.cli("resume", ENV, "--snapshot", "20200101T000000Z-abcd")
    chosen = deployed.cli("resume", ENV, "--snapshot", first, "--wait", "--json")

    assert bad.exit_code == 2
    assert "'yesterday' is not a snapshot id" in bad.stderr
    assert missing.exit_code == 2
    assert "20200101T000000Z-abcd of dev-env does not exist or is not complete" in missing.stderr
    assert chosen.exit_code == 0, chosen.output
    assert json.loads(chosen.stdout)["snapshot_id"] == first


def test_not_deployed_says_how_to_deploy(make_deployed: MakeDeployed) -> None:
    deployed = make_deployed(stack=False)

    result = deployed.cli("pause", ENV)

    assert result.exit_code == 2
    assert "Stack mwaa-pause-resume does not exist in us-east-1" in result.stderr
    assert "mwaa-pause-resume deploy" in result.stderr


def test_unknown_environment_is_bad_input(make_deployed: MakeDeployed) -> None:
    deployed = make_deployed()

    result = deployed.cli("pause", "prod")

    assert result.exit_code == 2
    assert "environment 'prod' is not in" in result.stderr
