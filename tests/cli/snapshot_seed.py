"""Snapshots in the backup bucket as the workflows lay them out, for the snapshot tests."""

from __future__ import annotations

from typing import Any

from tests.cli.cli_ops_helpers import BUCKET, ENV, Deployed, MakeDeployed, environment_request

OLD, MIDDLE, NEW = "20261101T200000Z-aaaa", "20261110T200000Z-bbbb", "20261120T200000Z-cccc"
ABANDONED = "20261105T200000Z-dddd"  # an export that never finished


def manifest(**overrides: Any) -> dict[str, Any]:
    table = {
        "columns": [{"name": "id", "type": "integer"}],
        "sha256": "0" * 64,
    }
    return {
        "format_version": 1,
        "created_at": "2026-11-20T20:00:05+00:00",
        "airflow_version": "2.10.3",
        "alembic_revision": "5f2621c13b39",
        "scope": "full",
        "engine": {},
        "tables": {
            "dag_run": {**table, "rows": 120, "bytes": 4000, "file": "tables/dag_run.csv.gz"},
            "task_instance": {
                **table, "rows": 900, "bytes": 30000, "file": "tables/task_instance.csv.gz"
            },
        },
        "excluded_dag_runs": [],
        "interrupted": [{"dag_id": "etl_daily", "run_id": "scheduled__x", "task_id": "load",
                         "state": "running"}],
        "paused_states": {"etl_daily": False, "report": True},
        "secrets": {"scheme": "none"},
        **overrides,
    }  # fmt: skip


def put_snapshot(
    deployed: Deployed, snapshot_id: str, *, complete: bool = True, environment: str = ENV
) -> None:
    from mwaa_pause_resume.functions import signatures, snapshot_io
    from mwaa_pause_resume.metadata import open_store
    from mwaa_pause_resume.metadata.snapshot_mac import sign_manifest

    prefix = f"{environment}/{snapshot_id}/"
    body = snapshot_io.encode_json(environment_request())
    deployed.s3().put_object(Bucket=BUCKET, Key=prefix + "environment.json", Body=body)
    deployed.put_json(prefix + "manifest.json", manifest())
    deployed.s3().put_object(Bucket=BUCKET, Key=prefix + "tables/dag_run.csv.gz", Body=b"x" * 10)
    # Signed as the pause workflow signs them (snapshot_start, snapshot_verify).
    signatures.sign_environment(BUCKET, environment, snapshot_id, body, None)
    sign_manifest(
        open_store(f"s3://{BUCKET}/{prefix}"),
        deployed.local.client("kms"),
        deployed.local.mac_key_arn,
        environment=environment,
        snapshot_id=snapshot_id,
    )
    if complete:
        deployed.put_json(prefix + "complete.json", {"snapshot_id": snapshot_id})


def seeded(make_deployed: MakeDeployed, latest: str = NEW, **kwargs: Any) -> Deployed:
    deployed = make_deployed(**kwargs)
    for snapshot_id in (OLD, MIDDLE, NEW):
        put_snapshot(deployed, snapshot_id)
    put_snapshot(deployed, ABANDONED, complete=False)
    deployed.s3().put_object(Bucket=BUCKET, Key=f"{ENV}/notes/readme.txt", Body=b"not ours")
    deployed.put_json(f"{ENV}/latest.json", {"snapshot_id": latest})
    return deployed
