"""``snapshots list|show|prune`` on the backup bucket as the workflows lay it out."""

from __future__ import annotations

import json

from tests.cli.cli_ops_helpers import ENV, MakeDeployed
from tests.cli.snapshot_seed import ABANDONED, MIDDLE, NEW, OLD, manifest, seeded


def test_list(make_deployed: MakeDeployed) -> None:
    deployed = seeded(make_deployed)

    result = deployed.cli("snapshots", "list", ENV, "--json")

    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)["snapshots"]
    assert [s["snapshot_id"] for s in listed] == [NEW, MIDDLE, ABANDONED, OLD]
    assert [s["complete"] for s in listed] == [True, True, False, True]
    assert [s["latest"] for s in listed] == [True, False, False, False]
    assert listed[0]["objects"] == 6  # + environment.mac.json, manifest.mac.json
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
    assert len(deployed.keys(f"{ENV}/{MIDDLE}/")) == 6  # dry run deleted nothing

    result = deployed.cli("snapshots", "prune", ENV, "--keep", "1", "--yes")

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
    assert len(deployed.keys(f"{ENV}/{MIDDLE}/")) == 6


def test_prune_keeps_the_snapshot_a_running_resume_uses(make_deployed: MakeDeployed) -> None:
    deployed = seeded(make_deployed, seed=False)  # no environment: the resume creates it
    with deployed.local.hold():  # the resume stops at its first Wait (creating)
        started = deployed.cli("resume", ENV, "--snapshot", MIDDLE)
        assert started.exit_code == 0, started.output
        deployed.local.wait_until(lambda: ENV in deployed.mwaa.names())  # creating it

        result = deployed.cli("snapshots", "prune", ENV, "--keep", "1", "--json", "--yes")

    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["protected"][MIDDLE] == "a running pause or resume uses it"
    assert plan["deleted"] == [OLD, ABANDONED]
    assert deployed.keys(f"{ENV}/{MIDDLE}/")
