"""The product's export DAG, triggered through the emulator as the pause workflow does,
writes a verifiable metadata snapshot of the environment's real database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sandbox_airflow_helpers import call, create_environment, wait_for_run

from mwaa_pause_resume.sandbox.airflow_backend import AirflowBackend

EXPORT = "mwaa_export_data"


@pytest.mark.parametrize("version", ["2.10.3", "3.0.6"])
def test_export_dag_writes_snapshot(
    mwaa: Any, airflow_backend: AirflowBackend, tmp_path: Path, version: str
) -> None:
    from mwaa_pause_resume.metadata import open_store, verify_snapshot

    name = "export-" + version.replace(".", "-")
    assert create_environment(mwaa, name, version)["Status"] == "AVAILABLE"
    snapshot = tmp_path / "snapshot"
    body: dict[str, Any] = {"dag_run_id": "pause-1", "conf": {"snapshot": str(snapshot)}}
    if version.startswith("3."):
        body["logical_date"] = None
    assert call(mwaa, name, "PATCH", f"/dags/{EXPORT}", {"is_paused": False})[0] == 200
    status, run = call(mwaa, name, "POST", f"/dags/{EXPORT}/dagRuns", body)
    assert status == 200, run
    done = wait_for_run(mwaa, name, EXPORT, "pause-1")
    log = airflow_backend.environment(name).run_log(EXPORT, "pause-1")
    assert done["state"] == "success", log.read_text()[-4000:]
    note = json.loads(done["note"])
    assert (note["status"], note["snapshot"]) == ("success", str(snapshot))
    manifest = json.loads((snapshot / "manifest.json").read_text())
    assert manifest["tables"]
    verify_snapshot(open_store(str(snapshot)))
