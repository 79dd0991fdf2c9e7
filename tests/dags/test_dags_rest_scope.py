"""The rest-only scope end to end on Airflow 3.0.6, with no database source for the tasks.

The MWAA emulator runs real Airflow; moto serves S3 and KMS to the Airflow processes.
The environments' workers get neither MWAA__DB__* variables nor the metadb connection,
so the export and import DAGs must fall back to the REST API (InvokeRestApi) and the
Task SDK: variables (one sensitive), connections with passwords, pools and paused
states travel through a KMS-encrypted rest-only snapshot into the environment re-created
(as a resume does), with another Fernet key.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mwaa_pause_resume.metadata import open_store
from mwaa_pause_resume.metadata.restore_summary import (
    REPORT_FILE,
    RestoreSummary,
    summary_of_note,
)
from mwaa_pause_resume.metadata.verify import verify_snapshot
from mwaa_pause_resume.sandbox.parts import (
    BUCKET,
    SandboxParts,
    create_environment,
    sandbox_parts,
)
from mwaa_pause_resume.sandbox.result import SandboxOptions
from tests.dags.rest_scope_helpers import (
    read_items,
    recreate_environment,
    rest,
    run_dag,
    sign_snapshot,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.airflow]

VERSION = "3.0.6"
SOURCE = TARGET = "rest-env"  # a snapshot is restored into its own environment, re-created
SECRET = "s3cr3t-Value/with+chars"
VARIABLES = {
    "region": ("eu-west-1", "plain"),
    "api_secret": (SECRET, "sensitive: the API shows ***"),
    "settings": ('{"password": "pw-in-json", "size": 3}', None),
}
CONNECTIONS = [
    {
        "connection_id": "warehouse",
        "conn_type": "postgres",
        "host": "db.example.com",
        "login": "etl",
        "schema": "dw",
        "port": 5439,
        "password": "conn-Pa55!",
        "extra": '{"sslmode": "require", "token": "tok-123"}',
    },
    {"connection_id": "plain_http", "conn_type": "http", "host": "example.com"},
]
POOLS = [{"name": "etl_pool", "slots": 7, "description": "ETL", "include_deferred": True}]
ACTIVE = "sample_etl"


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxParts]:
    work: Path = tmp_path_factory.mktemp("rest-scope")
    with sandbox_parts(SandboxOptions(airflow_version=VERSION, work_dir=work), work) as running:
        running.airflow.extra_environ = {
            **running.airflow.extra_environ,
            # the tasks call their own environment's REST API through the emulator
            "AWS_ENDPOINT_URL_MWAA": os.environ["AWS_ENDPOINT_URL_MWAA"],
            "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
            # no database source: no MWAA__DB__* host (and no metadb connection)
            "MWAA__DB__POSTGRES_HOST": "",
        }
        yield running


def s3_lines(parts: SandboxParts, kind: str) -> list[dict[str, Any]]:
    """The records of one kind in the snapshot snap-1 (run history holds no secret)."""
    raw = (
        parts.local.client("s3")
        .get_object(Bucket=BUCKET, Key=f"{SOURCE}/snap-1/rest/{kind}.jsonl.gz")["Body"]
        .read()
    )
    return [json.loads(line) for line in gzip.decompress(raw).splitlines() if line.strip()]


def _seed(parts: SandboxParts) -> None:
    for key, (value, description) in VARIABLES.items():
        body = {"key": key, "value": value, "description": description}
        rest(parts, SOURCE, "POST", "/variables", body)
    for conn in CONNECTIONS:
        rest(parts, SOURCE, "POST", "/connections", conn)
    for pool in POOLS:
        rest(parts, SOURCE, "POST", "/pools", pool)
    rest(parts, SOURCE, "PATCH", f"/dags/{ACTIVE}", {"is_paused": False})
    # a run of the user's (finished or in flight at the pause: restored finished either way)
    rest(
        parts, SOURCE, "POST", f"/dags/{ACTIVE}/dagRuns", {"dag_run_id": "r1", "logical_date": None}
    )


def test_rest_only_snapshot_moves_variables_connections_pools_and_paused_states(
    parts: SandboxParts,
) -> None:
    create_environment(parts.mwaa, SOURCE, VERSION)
    _seed(parts)
    # The REST API redacts what the export needs whole: the Task SDK must supply it.
    listed = {v["key"]: v["value"] for v in rest(parts, SOURCE, "GET", "/variables")["variables"]}
    assert listed["api_secret"] == "***" and listed["region"] == "eu-west-1"
    conns = rest(parts, SOURCE, "GET", "/connections")["connections"]
    assert {c["connection_id"]: c["password"] for c in conns}["warehouse"] == "***"
    before = read_items(parts, SOURCE)

    snapshot = f"s3://{BUCKET}/{SOURCE}/snap-1/"
    conf = {"snapshot": snapshot, "kms_key_id": parts.kms_key_arn, "drain_timeout_minutes": 0}
    exported = run_dag(parts, SOURCE, "mwaa_export_data", "export-1", conf)
    assert exported["state"] == "success", exported
    assert exported["result"]["scope"] == "rest-only"
    items = len(before["variables"]) + len(before["connections"]) + len(before["pools"])
    # the export leaves the DAGs paused (the environment is about to be deleted)
    assert read_items(parts, SOURCE)["paused"][ACTIVE] is True

    store = open_store(snapshot)
    report = verify_snapshot(store)
    assert report.manifest.scope == "rest-only"
    assert report.manifest.secrets.scheme == "kms-envelope"
    assert report.manifest.paused_states[ACTIVE] is False
    kinds = {"variables", "connections", "pools", "positions", "dag_runs", "task_instances"}
    assert set(report.rows) == kinds
    assert report.rows["positions"] == 0  # no scheduled DAG ran before the pause
    history = report.rows["dag_runs"] + report.rows["task_instances"]
    assert exported["result"]["rows"] == items + history
    # the workflows' own runs are the pause and resume themselves: never exported
    runs = s3_lines(parts, "dag_runs")
    assert not {r["dag_id"] for r in runs} & {"mwaa_export_data", "mwaa_import_data"}
    s3 = parts.local.client("s3")
    for entry in report.manifest.tables.values():
        raw = s3.get_object(Bucket=BUCKET, Key=f"{SOURCE}/snap-1/{entry.file}")["Body"].read()
        text = gzip.decompress(raw).decode()
        assert SECRET not in text and "conn-Pa55!" not in text and "tok-123" not in text

    sign_snapshot(parts, SOURCE, "snap-1")  # as the pause workflow's verify step does
    source_key = parts.airflow.environment(SOURCE).fernet_key
    recreate_environment(parts, TARGET, VERSION)
    assert parts.airflow.environment(TARGET).fernet_key != source_key
    # a conflicting value in the target: the snapshot wins
    rest(parts, TARGET, "POST", "/variables", {"key": "region", "value": "us-east-1"})
    imported = run_dag(
        parts,
        TARGET,
        "mwaa_import_data",
        "import-1",
        {"snapshot": snapshot, "kms_key_id": parts.kms_key_arn, "missed_runs": "catchup"},
    )
    assert imported["state"] == "success", imported
    result = imported["result"]
    assert result["scope"] == "rest-only"
    # Nothing silent: the note and import-report.json say what was restored and left out.
    summary = summary_of_note(result)
    assert summary is not None and result["report"] == REPORT_FILE
    restored = summary.items["dag_runs"]
    assert [r["dag_run_id"] for r in runs] == ["r1"]
    assert restored.exact + restored.approximated == 1
    assert rest(parts, TARGET, "GET", f"/dags/{ACTIVE}/dagRuns/r1")["state"] in (
        "success",
        "failed",
    )
    assert result["variables_updated"] == 1 and result["variables_created"] == 2
    assert result["connections_created"] == len(before["connections"])
    raw_report = s3.get_object(Bucket=BUCKET, Key=f"{SOURCE}/snap-1/{REPORT_FILE}")["Body"]
    assert RestoreSummary.from_json(json.loads(raw_report.read())).items == summary.items
    assert summary.items["variables"].exact == len(before["variables"])
    assert summary.items["connections"].exact == len(before["connections"])
    assert summary.items["pools"].exact == len(before["pools"])
    assert summary.items["paused_states"].exact > 0
    assert {"xcoms", "asset_events"} <= set(summary.left_out())
    # The hourly catch-up DAGs tagged latest and skip got their position (a marker
    # backfill); the catchup one never ran, so it starts from start_date as before.
    assert result["positions_set"] == 2 and result["dags_held"] == 0
    for dag_id in ("sample_hourly_latest", "sample_hourly_skip"):
        runs = rest(parts, TARGET, "GET", f"/dags/{dag_id}/dagRuns")["dag_runs"]
        assert [(r["run_type"], r["state"]) for r in runs] == [("backfill", "failed")], runs
    catchup = rest(parts, TARGET, "GET", "/dags/sample_hourly_catchup")
    assert catchup["next_dagrun_logical_date"].startswith("2026-06-01T00:00:00")

    after = read_items(parts, TARGET)
    assert after["variables"] == before["variables"]
    assert after["variables"]["api_secret"][0] == SECRET
    assert after["connections"] == before["connections"]
    assert after["connections"]["warehouse"][5] == "conn-Pa55!"
    assert after["pools"] == before["pools"]
    assert after["pools"]["etl_pool"] == (7, "ETL", True)
    assert after["paused"][ACTIVE] is False
    workflow_dags = {"mwaa_export_data", "mwaa_import_data"}
    assert {
        d: p for d, p in after["paused"].items() if d in before["paused"] and d not in workflow_dags
    } == {
        d: p
        for d, p in report.manifest.paused_states.items()
        if d in after["paused"] and d not in workflow_dags
    }


def test_positions_on_real_airflow_hold_what_cannot_be_set(parts: SandboxParts) -> None:
    """restore_positions against Airflow 3.0.6's REST API, for a snapshot without
    positions (older exports): the catchup DAG cannot know its last interval, so it
    is held; latest and skip need none and get their marker, verified after a parse."""
    from mwaa_pause_resume.dags.rest_api import AirflowRestApi
    from mwaa_pause_resume.dags.rest_position import parse_time, restore_positions

    env = "position-env"
    create_environment(parts.mwaa, env, VERSION)
    api = AirflowRestApi(env, client=parts.mwaa)
    wanted = {"sample_hourly_catchup", "sample_hourly_latest", "sample_hourly_skip"}
    parts.local.wait_until(lambda: wanted <= set(api.paused_states()), timeout=120)
    started = datetime.now(UTC)
    outcome = restore_positions(
        api,
        {"sample_hourly_catchup": False, "sample_hourly_latest": False, "sample_hourly_skip": True},
        None,
        default_policy="catchup",
        airflow_version=VERSION,
    )
    plans = {p.dag_id: p for p in outcome.plans}
    assert outcome.held_ids() == {"sample_hourly_catchup"}
    assert "no scheduler positions" in str(plans["sample_hourly_catchup"].reason)
    newest = started.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    ticks = {newest, newest + timedelta(hours=1)}  # an hour may turn during the test
    assert plans["sample_hourly_latest"].verified
    assert plans["sample_hourly_skip"].verified
    dags = {d["dag_id"]: d for d in api.list_all("/dags", "dags")}
    # latest: only the newest due interval runs; skip: none of those due now
    assert parse_time(dags["sample_hourly_latest"]["next_dagrun_logical_date"]) in ticks
    skip_next = parse_time(dags["sample_hourly_skip"]["next_dagrun_logical_date"])
    assert skip_next is not None and skip_next > newest
    # nothing started: the markers of the paused DAGs never ran a task
    tis = rest(parts, env, "GET", "/dags/~/dagRuns/~/taskInstances")["task_instances"]
    assert {t["state"] for t in tis if t["dag_id"] in wanted} == {None}
    assert outcome.to_json()["positions"]["by_policy"] == {"catchup": 1, "latest": 1, "skip": 1}
