"""``mwaa-pause-resume metadata export|import|verify`` against real databases."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mwaa_pause_resume.cli.app import app
from tests.metadata.metadata_seed import EXPORT_RUN

runner = CliRunner()


@pytest.mark.postgres
@pytest.mark.airflow
def test_export_verify_import_json(make_pair: Callable[..., Any], tmp_path: Path) -> None:
    pair = make_pair("2.10.3")
    snap = str(tmp_path / "snap")
    done = runner.invoke(
        app,
        [
            "metadata",
            "export",
            "--db-url",
            pair.source_url,
            "--to",
            snap,
            "--exclude-run",
            "/".join(EXPORT_RUN),
            "--json",
        ],
        env={"AIRFLOW__CORE__FERNET_KEY": pair.k1},
    )
    assert done.exit_code == 0, done.output
    exported = json.loads(done.stdout)
    assert exported["rows"]["dag_run"] == 4 and exported["secrets"] == "source-fernet-key"
    done = runner.invoke(app, ["metadata", "verify", "--allow-unsigned", "--from", snap, "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["rows"] == exported["rows"]
    done = runner.invoke(app, ["metadata", "verify", "--allow-unsigned", "--from", snap])
    assert done.exit_code == 0 and "OK" in done.stdout and "task_instance" in done.stdout
    done = runner.invoke(
        app,
        [
            "metadata",
            "import",
            "--allow-unsigned",
            "--db-url",
            pair.target_url,
            "--from",
            snap,
            "--fernet-key",
            pair.k2,
            "--source-fernet-key",
            pair.k1,
            "--json",
        ],
    )
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert report["rows"]["variable"] == 4
    assert report["tables"]["dag_run"]["kept_target"] == 1


@pytest.mark.postgres
@pytest.mark.airflow
def test_import_without_source_key_is_a_user_error(
    make_pair: Callable[..., Any], tmp_path: Path
) -> None:
    pair = make_pair("2.10.3")
    snap = str(tmp_path / "snap")
    done = runner.invoke(
        app,
        ["metadata", "export", "--db-url", pair.source_url, "--to", snap, "--fernet-key", pair.k1],
    )
    assert done.exit_code == 0, done.output
    done = runner.invoke(
        app,
        [
            "metadata",
            "import",
            "--allow-unsigned",
            "--db-url",
            pair.target_url,
            "--from",
            snap,
            "--fernet-key",
            pair.k2,
        ],
        env={"MWAA_PR_SOURCE_FERNET_KEY": ""},
    )
    assert done.exit_code == 2
    assert "--source-fernet-key" in done.stderr and "Traceback" not in done.output


@pytest.mark.postgres
def test_unreachable_database_and_bad_url(pg_server: Any, tmp_path: Path) -> None:
    bad_password = pg_server.url("nosuchdb")
    done = runner.invoke(
        app, ["metadata", "export", "--db-url", bad_password, "--to", str(tmp_path)]
    )
    assert done.exit_code == 2
    assert "cannot connect" in done.stderr and "database name" in done.stderr
    done = runner.invoke(
        app, ["metadata", "export", "--db-url", "mysql://x@y/z", "--to", str(tmp_path)]
    )
    assert done.exit_code == 2 and "not a PostgreSQL URL" in done.stderr
    done = runner.invoke(
        app,
        [
            "metadata",
            "export",
            "--db-url",
            "postgresql://u:secret@127.0.0.1:1/db",
            "--to",
            str(tmp_path),
        ],
    )
    assert done.exit_code == 2 and "secret" not in done.stderr


def test_missing_snapshot_and_bad_exclude(tmp_path: Path) -> None:
    done = runner.invoke(
        app, ["metadata", "verify", "--allow-unsigned", "--from", str(tmp_path / "none")]
    )
    assert done.exit_code == 2 and "no manifest.json" in done.stderr
    done = runner.invoke(
        app,
        [
            "metadata",
            "export",
            "--db-url",
            "postgresql://x@127.0.0.1:1/d",
            "--to",
            str(tmp_path),
            "--exclude-run",
            "no-slash",
        ],
    )
    assert done.exit_code == 2 and "DAG_ID/RUN_ID" in done.stderr


@pytest.mark.postgres
@pytest.mark.airflow
def test_human_output_of_import(make_pair: Callable[..., Any], tmp_path: Path) -> None:
    pair = make_pair("2.10.3")
    snap = str(tmp_path / "snap")
    env = {"AIRFLOW__CORE__FERNET_KEY": pair.k1}
    assert (
        runner.invoke(
            app, ["metadata", "export", "--db-url", pair.source_url, "--to", snap], env=env
        ).exit_code
        == 0
    )
    done = runner.invoke(
        app,
        [
            "metadata",
            "import",
            "--allow-unsigned",
            "--db-url",
            pair.target_url,
            "--from",
            snap,
            "--source-fernet-key",
            pair.k1,
            "--interrupted",
            "fail",
        ],
        env={"AIRFLOW__CORE__FERNET_KEY": pair.k2},
    )
    assert done.exit_code == 0, done.output
    assert "Restored" in done.stdout and "interrupted work (fail)" in done.stdout
    done = runner.invoke(
        app,
        [
            "metadata",
            "import",
            "--allow-unsigned",
            "--db-url",
            pair.target_url,
            "--from",
            snap,
            "--interrupted",
            "ignore",
        ],
        env={"AIRFLOW__CORE__FERNET_KEY": ""},
    )
    assert done.exit_code == 2 and "unknown interrupted policy" in done.stderr


@pytest.mark.postgres
@pytest.mark.airflow
def test_import_brings_an_older_snapshot_forward_with_the_targets_airflow(
    make_pair: Callable[..., Any],
    metadata_databases: Callable[[str], Any],
    unique_name: Callable[[str], str],
    tmp_path: Path,
) -> None:
    """A 2.11.2 snapshot into a 3.0.6 database: refused (exit 2, the way named) without
    the target's Airflow, brought forward by its migrations with it (that half, about
    40 s, with MWAA_PR_FORWARD_PATHS set: test_metadata_forward.py proves the same engine
    in the default run)."""
    from mwaa_pause_resume.sandbox.airflow_runtime import AirflowRuntime

    pair = make_pair("2.11.2", seed_target_rows=False)
    snap = str(tmp_path / "snap")
    env = {"AIRFLOW__CORE__FERNET_KEY": pair.k1, "AIRFLOW_HOME": str(tmp_path / "home")}
    export = ["metadata", "export", "--db-url", pair.source_url, "--to", snap]
    done = runner.invoke(app, [*export, "--exclude-run", "/".join(EXPORT_RUN)], env=env)
    assert done.exit_code == 0, done.output
    newer = metadata_databases("3.0.6")
    name = unique_name("fwd_cli")
    target_url = newer.create(name)
    try:
        base = ["metadata", "import", "--allow-unsigned", "--db-url", target_url, "--from", snap]
        keys = ["--fernet-key", pair.k2, "--source-fernet-key", pair.k1, "--json"]
        refused = runner.invoke(app, [*base, *keys], env=env)
        assert refused.exit_code == 2, refused.output
        assert "--target-airflow-python" in refused.output
        if not os.environ.get("MWAA_PR_FORWARD_PATHS"):
            return
        python = str(AirflowRuntime("3.0.6").ensure().python)
        done = runner.invoke(app, [*base, *keys, "--target-airflow-python", python], env=env)
        assert done.exit_code == 0, done.output
        report = json.loads(done.stdout)
        assert report["brought_forward"]["from"] == "5f2621c13b39"
        assert report["tables"]["dag_run"]["inserted"] == 4
    finally:
        newer.server.drop_database(name)
