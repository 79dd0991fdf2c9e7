"""Fakes and helpers of the workflow tests: the MWAA emulator's environments run a
scripted Airflow that honours the export/import DAG contract (conf, note, paused
states, snapshot files in S3)."""

from __future__ import annotations

import json
from typing import Any

from mwaa_pause_resume.sandbox.mwaa import DagSpec, RunScript
from mwaa_pause_resume.sandbox.scripted_airflow import ScriptedDagsAirflow
from mwaa_pause_resume.sandbox.sfn_local import LocalWorkflows

ContractAirflow = ScriptedDagsAirflow

ENV = "dev-env"
BUCKET = "mwaa-backups"
EXPORT_DAG = "mwaa_export_data"
IMPORT_DAG = "mwaa_import_data"
USER_DAGS = {"etl_daily": False, "report_weekly": True}  # dag_id -> is_paused


def environment_request(name: str = ENV) -> dict[str, Any]:
    return {
        "Name": name,
        "ExecutionRoleArn": "arn:aws:iam::123456789012:role/mwaa-exec",
        "SourceBucketArn": "arn:aws:s3:::mwaa-dags",
        "DagS3Path": "dags",
        "NetworkConfiguration": {
            "SubnetIds": ["subnet-0a", "subnet-0b"],
            "SecurityGroupIds": ["sg-0a"],
        },
        "AirflowVersion": "2.10.3",
        "EnvironmentClass": "mw1.small",
        "Tags": {"team": "data"},
    }


DEFAULT_RUN = RunScript(polls=2)


def dag_specs(
    export: RunScript = DEFAULT_RUN,
    import_: RunScript = DEFAULT_RUN,
    import_hidden: int = 0,
) -> list[DagSpec]:
    specs = [
        DagSpec(EXPORT_DAG, run=export, tasks=("pause_dags", "drain", "export")),
        DagSpec(IMPORT_DAG, run=import_, hidden_requests=import_hidden, tasks=("import_snapshot",)),
    ]
    specs += [DagSpec(dag_id, is_paused=paused) for dag_id, paused in USER_DAGS.items()]
    return specs


def settings(**overrides: Any) -> dict[str, Any]:
    return {"environment": ENV, "bucket": BUCKET, "poll_seconds": 30, **overrides}


def s3_keys(local: LocalWorkflows, prefix: str = "") -> list[str]:
    answer = local.client("s3").list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return sorted(item["Key"] for item in answer.get("Contents") or [])


def read_json(local: LocalWorkflows, key: str) -> Any:
    return json.loads(local.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read())
