"""``mwaa-pause-resume metadata export|import|verify`` against real databases."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from metadata_seed import EXPORT_RUN
from typer.testing import CliRunner

from mwaa_pause_resume.cli.app import app

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
