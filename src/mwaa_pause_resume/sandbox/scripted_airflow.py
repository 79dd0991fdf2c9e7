"""A scripted Airflow for the MWAA emulator: the export/import DAGs' contract without
Airflow, for the fleet burst and the workflow benchmarks.

:class:`ScriptedDagsAirflow` is the emulator's in-memory Airflow
(:class:`~.mwaa.InMemoryAirflowBackend`) plus what the real export/import DAGs do that
the workflows observe. It lives in the product, not in tests/, because the fleet burst
(:mod:`.burst`, ``bench/fleet_burst.py``) and ``bench/workflow_transitions.py`` run
hundreds of environments through the real state machines, which real Airflow cannot do
on one machine; the workflow and CLI tests use it too. The ``sandbox`` command runs the
real DAGs instead.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from mwaa_pause_resume.dags.result_note import failure_note, success_note
from mwaa_pause_resume.sandbox.demo_snapshot import demo_summary, write_demo_snapshot
from mwaa_pause_resume.sandbox.mwaa import DagSpec, InMemoryAirflowBackend
from mwaa_pause_resume.shared.dag_contract import (
    EXPORT_DAG_ID,
    IMPORT_DAG_ID,
    PAUSED_STATES_FILE,
)


class ScriptedDagsAirflow(InMemoryAirflowBackend):
    """The in-memory Airflow fake, plus what the real export/import DAGs do that the
    workflows observe: the export pauses the other DAGs, writes a snapshot (manifest +
    gzip CSV per table, see :func:`write_demo_snapshot`) to ``conf["snapshot"]`` and
    publishes a note (``mwaa_pause_resume.dags.result_note``); a failed export puts the
    paused states back; the import writes ``import-report.json`` and publishes a note,
    both with its restore summary (:func:`demo_summary`). A stand-in for control-flow
    tests and benchmarks: the sandbox runs the real DAGs instead."""

    def __init__(
        self,
        dags: Iterable[DagSpec],
        *,
        export_dag_id: str = EXPORT_DAG_ID,
        import_dag_id: str = IMPORT_DAG_ID,
    ) -> None:
        super().__init__(dags)
        self.export_dag_id = export_dag_id
        self.import_dag_id = import_dag_id
        self.recorded: dict[tuple[str, str], dict[str, bool]] = {}
        self.notes: dict[tuple[str, str, str], str] = {}
        self.imported: list[tuple[str, str]] = []  # (environment, snapshot)

    def invoke_rest_api(
        self, name: str, method: str, path: str, query: Mapping[str, Any], body: Any
    ) -> tuple[int, dict[str, Any]]:
        status, payload = super().invoke_rest_api(name, method, path, query, body)
        parts = [p for p in path.split("/") if p]
        triggered = method == "POST" and parts[-1] == "dagRuns"
        if status == 200 and triggered and parts[1] == self.export_dag_id:
            conf = (body or {}).get("conf") if isinstance(body, dict) else None
            self._pause_others(name, payload["dag_run_id"], conf or {})
        if status == 200 and method == "GET" and len(parts) == 4 and parts[2] == "dagRuns":
            self._on_poll(name, parts[1], parts[3], payload)
        return status, payload

    def _pause_others(self, name: str, run_id: str, conf: Mapping[str, Any]) -> None:
        airflow = self.airflow(name)
        recorded = {d.dag_id: d.is_paused for d in airflow.dags.values()}
        self.recorded[(name, run_id)] = recorded
        if str(conf.get("snapshot", "")).startswith("s3://"):  # as the DAG's pause_dags step
            _put_s3_json(
                f"{conf['snapshot']}{PAUSED_STATES_FILE}",
                {"export_dag_id": self.export_dag_id, "paused_states": recorded},
            )
        for dag in airflow.dags.values():
            if dag.dag_id != self.export_dag_id:
                dag.is_paused = True

    def _on_poll(self, name: str, dag_id: str, run_id: str, payload: dict[str, Any]) -> None:
        key = (name, dag_id, run_id)
        if key not in self.notes and payload["state"] in ("success", "failed"):
            snapshot = str(payload["conf"].get("snapshot"))
            if dag_id == self.export_dag_id and payload["state"] == "success":
                tables = write_demo_snapshot(snapshot, self.recorded[(name, run_id)])
                self.notes[key] = success_note(snapshot, tables=tables, rows=3, interrupted=0)
            elif dag_id == self.export_dag_id:  # its cleanup task: states back, then the note
                restored = 0
                for dag_id_, paused in self.recorded[(name, run_id)].items():
                    dag = self.airflow(name).dags[dag_id_]
                    if dag_id_ != self.export_dag_id and dag.is_paused != paused:
                        dag.is_paused = paused
                        restored += 1
                self.notes[key] = failure_note(
                    "export", "OperationalError: disk full", paused_restored=restored
                )
            elif dag_id != self.import_dag_id:
                return
            elif payload["state"] == "success":
                from mwaa_pause_resume.metadata.restore_summary import REPORT_FILE

                self.imported.append((name, snapshot))
                summary = demo_summary()
                if snapshot.startswith("s3://"):
                    _put_s3_json(f"{snapshot}{REPORT_FILE}", summary.to_json())
                self.notes[key] = success_note(
                    snapshot, tables=2, rows=3, interrupted=0, summary=summary, report=REPORT_FILE
                )
            else:
                self.notes[key] = failure_note("import_snapshot", "SnapshotIncompatible: revision")
        payload["note"] = self.notes.get(key)


def _put_s3_json(url: str, value: Any) -> None:
    import boto3

    bucket, _, key = url[len("s3://") :].partition("/")
    boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=json.dumps(value).encode())
