"""A resume on another Airflow version than its snapshot's, through the real resume state
machine in moto with the real handlers and the MWAA emulator (issue 12): a downgrade
fails before anything is created or deleted. (An upgrade through the same machine:
tests/cli/test_cli_resume_version.py.)"""

from __future__ import annotations

from collections.abc import Callable

from mwaa_pause_resume.sandbox.sfn_local import LocalWorkflows
from tests.workflows.test_scenarios import pause_ok
from tests.workflows.workflow_fakes import ENV, read_json, s3_keys, settings

MakeLocal = Callable[..., LocalWorkflows]


def test_a_downgrade_fails_before_anything_is_created_or_deleted(make_local: MakeLocal) -> None:
    local = make_local()
    snapshot_id = pause_ok(local)
    keys_before = s3_keys(local)

    result = local.run("resume", settings(airflow_version="2.10.1"))

    assert result.status == "FAILED"
    assert result.error == "VersionChangeRefused"
    cause = str(result.cause)
    assert "Airflow 2.10.3" in cause and "Airflow 2.10.1" in cause
    assert f"resume {ENV} --airflow-version 2.10.3" in cause  # the way back
    assert local.mwaa.count("CreateEnvironment") == 0
    assert local.mwaa.count("DeleteEnvironment") == 1  # the pause's, nothing since
    assert ENV not in local.mwaa.names()
    assert s3_keys(local) == keys_before  # every snapshot kept, the lock released
    assert read_json(local, f"{ENV}/latest.json")["snapshot_id"] == snapshot_id


def test_a_pause_whose_resume_would_be_refused_deletes_nothing(make_local: MakeLocal) -> None:
    local = make_local()  # the environment runs 2.10.3

    result = local.run("pause", settings(airflow_version="2.10.1"))

    assert result.status == "FAILED"
    assert result.error == "VersionChangeRefused"
    assert "was not paused and keeps running" in str(result.cause)
    assert local.mwaa.environment(ENV).status == "AVAILABLE"
    assert local.mwaa.count("DeleteEnvironment") == 0
    assert f"{ENV}/latest.json" not in s3_keys(local)
