"""``resume ENV --airflow-version V`` (issue 12): an upgrade is announced with what to
check and passed to the workflow, which creates the newer version and tells the import
DAG both versions; a downgrade or an unknown version ends with exit 2
before any execution starts."""

from __future__ import annotations

import json
from typing import Any

from tests.cli.cli_ops_helpers import ENV, Deployed, MakeDeployed, assert_exit
from tests.cli.snapshot_seed import NEW, put_snapshot


def paused(make_deployed: MakeDeployed) -> Deployed:
    """A paused environment: no environment, one complete snapshot of Airflow 2.10.3."""
    deployed = make_deployed(seed=False)
    put_snapshot(deployed, NEW)
    deployed.put_json(f"{ENV}/latest.json", {"snapshot_id": NEW})
    return deployed


def executions(deployed: Deployed) -> list[dict[str, Any]]:
    sfn = deployed.local.client("stepfunctions")
    arn = deployed.local.state_machine_arns["resume"]
    listed = sfn.list_executions(stateMachineArn=arn)["executions"]
    return [sfn.describe_execution(executionArn=e["executionArn"]) for e in listed]


def test_an_upgrade_is_announced_and_passed_to_the_workflow(
    make_deployed: MakeDeployed,
) -> None:
    deployed = paused(make_deployed)

    result = deployed.cli("resume", ENV, "--airflow-version", "3.0.6", "--wait")

    assert_exit(result, 0)
    assert deployed.mwaa.environment(ENV).request["AirflowVersion"] == "3.0.6"
    assert f"This resume upgrades {ENV} from Airflow 2.10.3 to 3.0.6" in result.stdout
    assert "metadata database" in result.stdout  # crossing to 3.x: tasks lose DB access
    assert "upgrade-check" in result.stdout
    (execution,) = executions(deployed)
    assert json.loads(execution["input"])["airflow_version"] == "3.0.6"
    # The real resume state machine told the import DAG both versions.
    (trigger,) = [
        p["Body"]
        for op, p in deployed.mwaa.calls
        if op == "InvokeRestApi" and p["Method"] == "POST" and p["Path"].endswith("/dagRuns")
    ]
    assert trigger["logical_date"] is None  # triggered the Airflow 3 way
    conf = trigger["conf"]
    assert (conf["source_airflow_version"], conf["target_airflow_version"]) == ("2.10.3", "3.0.6")


def test_a_downgrade_or_an_unknown_version_exits_2_before_anything_starts(
    make_deployed: MakeDeployed,
) -> None:
    deployed = paused(make_deployed)

    result = deployed.cli("resume", ENV, "--airflow-version", "2.10.1")

    assert_exit(result, 2)
    assert "Airflow 2.10.3" in result.stderr and "Airflow 2.10.1" in result.stderr
    assert f"resume {ENV} --airflow-version 2.10.3" in result.stderr
    assert "Traceback" not in result.output
    assert executions(deployed) == []

    result = deployed.cli("resume", ENV, "--airflow-version", "3.1.0", "--json")

    assert_exit(result, 2)
    assert "3.1.0 is not a version this tool supports" in result.stderr
    assert "3.3.1" in result.stderr
    assert executions(deployed) == []


def test_status_shows_what_the_configured_version_does_to_the_next_resume(
    make_deployed: MakeDeployed,
) -> None:
    deployed = paused(make_deployed)  # snapshot of Airflow 2.10.3
    text = deployed.config.read_text(encoding="utf-8")

    deployed.config.write_text(text + 'airflow_version = "3.0.6"\n', encoding="utf-8")
    (status,) = json.loads(deployed.cli("status", ENV, "--json").stdout)["environments"]
    human = deployed.cli("status", ENV)

    change = status["resume_airflow"]
    assert (change["source"], change["target"], change["kind"]) == ("2.10.3", "3.0.6", "upgrade")
    assert any("metadata database" in c for c in change["checks"])
    assert "upgrades Airflow 2.10.3 to 3.0.6; check first:" in human.stdout

    deployed.config.write_text(text + 'airflow_version = "2.10.1"\n', encoding="utf-8")
    (status,) = json.loads(deployed.cli("status", ENV, "--json").stdout)["environments"]
    resumed = deployed.cli("resume", ENV)  # the configured version, no flag

    assert status["resume_airflow"]["kind"] == "refused"
    assert f"resume {ENV} --airflow-version 2.10.3" in status["resume_airflow"]["message"]
    assert_exit(resumed, 2)
    assert "would downgrade" in resumed.stderr
    assert executions(deployed) == []
