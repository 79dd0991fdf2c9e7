"""``snapshots list|show|prune`` on the backup bucket as the workflows lay it out."""

from __future__ import annotations

import json
from typing import Any

from cli_ops_helpers import BUCKET, ENV, Deployed, MakeDeployed, environment_request

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


def put_snapshot(deployed: Deployed, snapshot_id: str, *, complete: bool = True) -> None:
    prefix = f"{ENV}/{snapshot_id}/"
    deployed.put_json(prefix + "environment.json", environment_request())
    deployed.put_json(prefix + "manifest.json", manifest())
    deployed.s3().put_object(Bucket=BUCKET, Key=prefix + "tables/dag_run.csv.gz", Body=b"x" * 10)
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


def test_list(make_deployed: MakeDeployed) -> None:
    deployed = seeded(make_deployed)

    result = deployed.cli("snapshots", "list", ENV, "--json")

    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)["snapshots"]
    assert [s["snapshot_id"] for s in listed] == [NEW, MIDDLE, ABANDONED, OLD]
    assert [s["complete"] for s in listed] == [True, True, False, True]
    assert [s["latest"] for s in listed] == [True, False, False, False]
    assert listed[0]["objects"] == 4
    assert listed[0]["taken_at"] == "2026-11-20T20:00:00+00:00"

    human = deployed.cli("snapshots", "list", ENV)

    assert human.exit_code == 0
    assert "complete, latest" in human.stdout
    assert "incomplete" in human.stdout


def test_list_without_snapshots(make_deployed: MakeDeployed) -> None:
    deployed = make_deployed()

    result = deployed.cli("snapshots", "list", ENV)

    assert result.exit_code == 0
    assert "No snapshots of dev-env" in result.stdout


def test_show(make_deployed: MakeDeployed) -> None:
    deployed = seeded(make_deployed)

    result = deployed.cli("snapshots", "show", ENV, NEW, "--json")

    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert (shown["tables"], shown["rows"], shown["bytes"]) == (2, 1020, 34000)
    assert shown["airflow_version"] == "2.10.3"
    assert shown["complete"] and shown["latest"]
    assert shown["interrupted"][0]["task_id"] == "load"
    assert shown["dags_active"] == 1

    human = deployed.cli("snapshots", "show", ENV, NEW)

    assert human.exit_code == 0
    assert "2 tables, 1020 rows" in human.stdout
    assert "etl_daily run scheduled__x task load (running)" in human.stdout
    assert "task_instance" in human.stdout


def test_show_refuses_missing_and_damaged_snapshots(make_deployed: MakeDeployed) -> None:
    deployed = seeded(make_deployed)
    deployed.put_json(f"{ENV}/{OLD}/manifest.json", manifest(format_version=9))

    missing = deployed.cli("snapshots", "show", ENV, "20200101T000000Z-0000")
    damaged = deployed.cli("snapshots", "show", ENV, OLD)
    not_an_id = deployed.cli("snapshots", "show", ENV, "latest")

    assert missing.exit_code == 2
    assert "has no manifest" in missing.stderr
    assert damaged.exit_code == 2
    assert "format_version 9 is not supported" in damaged.stderr
    assert not_an_id.exit_code == 2
    assert "Traceback" not in missing.output + damaged.output + not_an_id.output


def test_prune_keeps_latest_even_when_older(make_deployed: MakeDeployed) -> None:
    deployed = seeded(make_deployed, latest=OLD)

    dry = deployed.cli("snapshots", "prune", ENV, "--keep", "1", "--dry-run", "--json")
    assert json.loads(dry.stdout)["deleted"] == [ABANDONED, MIDDLE]
    assert len(deployed.keys(f"{ENV}/{MIDDLE}/")) == 4  # dry run deleted nothing

    result = deployed.cli("snapshots", "prune", ENV, "--keep", "1")

    assert result.exit_code == 0, result.output
    assert f"Kept {OLD}: latest.json points to it" in result.stdout
    remaining = {k.split("/")[1] for k in deployed.keys(f"{ENV}/")}
    assert remaining == {OLD, NEW, "latest.json", "notes"}


def test_prune_dry_run_says_what_would_be_deleted(make_deployed: MakeDeployed) -> None:
    deployed = seeded(make_deployed, latest=OLD)

    result = deployed.cli("snapshots", "prune", ENV, "--keep", "1", "--dry-run")

    assert result.exit_code == 0, result.output
    assert f"Would delete {MIDDLE}" in result.stdout
    assert "2 would be deleted (dry run), " in result.stdout
    assert "2 deleted" not in result.stdout
    assert len(deployed.keys(f"{ENV}/{MIDDLE}/")) == 4


def test_prune_keeps_the_snapshot_a_running_resume_uses(make_deployed: MakeDeployed) -> None:
    deployed = seeded(make_deployed, seed=False)  # no environment: the resume creates it
    with deployed.local.hold():  # the resume stops at its first Wait (creating)
        started = deployed.cli("resume", ENV, "--snapshot", MIDDLE)
        assert started.exit_code == 0, started.output
        deployed.local.wait_until(lambda: ENV in deployed.mwaa.names())  # creating it

        result = deployed.cli("snapshots", "prune", ENV, "--keep", "1", "--json")

    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["protected"][MIDDLE] == "a running pause or resume uses it"
    assert plan["deleted"] == [OLD, ABANDONED]
    assert deployed.keys(f"{ENV}/{MIDDLE}/")
