"""A resume on another Airflow version than its snapshot's, through the real resume state
machine in moto with the real handlers and the MWAA emulator (issue 12): an upgrade
creates the newer version and tells the import both versions; a downgrade fails before
anything is created or deleted."""

from __future__ import annotations

from collections.abc import Callable

from test_scenarios import pause_ok, rest_calls
from workflow_fakes import ENV, IMPORT_DAG, read_json, s3_keys, settings

from mwaa_pause_resume.sandbox.sfn_local import LocalWorkflows

MakeLocal = Callable[..., LocalWorkflows]


def test_a_newer_version_creates_it_and_tells_the_import(make_local: MakeLocal) -> None:
    local = make_local()
    snapshot_id = pause_ok(local)  # the emulated environment runs 2.10.3

    result = local.run("resume", settings(airflow_version="3.0.6"))

    assert result.status == "SUCCEEDED", result.cause
    (create,) = [p for op, p in local.mwaa.calls if op == "CreateEnvironment"]
    assert create["AirflowVersion"] == "3.0.6"
    assert local.mwaa.environment(ENV).status == "AVAILABLE"
    (trigger,) = rest_calls(local, "POST", f"/dags/{IMPORT_DAG}/dagRuns")
    conf = trigger["Body"]["conf"]
    assert (conf["source_airflow_version"], conf["target_airflow_version"]) == ("2.10.3", "3.0.6")
    assert trigger["Body"]["logical_date"] is None  # triggered the Airflow 3 way
    assert result.output["snapshot_id"] == snapshot_id


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
