"""``mwaa-pause-resume sandbox`` end to end: real Airflow, PostgreSQL, moto, ASL,
handlers and DAGs, run as a user runs it (a separate process, ``--json``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mwaa_pause_resume import airflow_versions

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.airflow]

USER_DAGS = Path(__file__).resolve().parent / "user_dags"
# Liveness still waits for every check's work to finish; it just does not linger after.
FAST = ("--settle", "10")
RUN_DEADLINE_SECONDS = 1200  # a safety net against a hang, not a performance bound


def sandbox(*args: str) -> tuple[int, dict[str, Any], str]:
    """(exit code, parsed --json stdout, stderr) of ``mwaa-pause-resume sandbox --json ARGS``."""
    done = subprocess.run(
        [sys.executable, "-m", "mwaa_pause_resume", "sandbox", "--json", *args],
        capture_output=True,
        text=True,
        timeout=RUN_DEADLINE_SECONDS,
        check=False,
    )
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"no JSON on stdout (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.returncode, report, done.stderr


@pytest.mark.parametrize("version", airflow_versions.SUPPORTED)
def test_sandbox_restores_and_the_environment_lives_on(version: str) -> None:
    """Every supported version, as MWAA runs it: Airflow 3 tasks without database access."""
    code, report, stderr = sandbox("--airflow-version", version, *FAST)
    assert code == 0, f"{report.get('differences')}\n{report.get('liveness')}\n{stderr[-4000:]}"
    assert report["airflow_version"] == version
    assert report["worker_db_access"] is False
    assert report["pause"]["status"] == report["resume"]["status"] == "SUCCEEDED"
    assert report["restored_equal"] is True and report["passed"] is True
    assert report["differences"] == []
    assert report["secrets"]["equal"] is True and report["secrets"]["new_fernet_key"] is True
    assert report["secrets"]["checked"] > 0
    assert report["paused_states_equal"] is True
    assert report["import_errors"] == []
    tables = report["tables"]
    assert all(row["equal"] and row["matching"] == row["before"] for row in tables.values())
    liveness = report["liveness"]
    assert liveness["passed"] is True
    checks = {c["name"]: c["status"] for c in liveness["checks"]}
    for live in (
        "every component still running",
        "scheduler heartbeats",
        "a new manual run of sample_etl succeeds",
    ):
        assert checks[live] == "passed", liveness
    history_checks = [
        "the REST API lists the restored runs with their states and notes",
        "the task the pause interrupted ran again and finished",
        "the deferred task finished through the triggerer",
    ]
    hourly = liveness["scheduled_dags"]["sample_hourly_catchup"]
    if version.startswith("2."):
        # Full history: every kept table came back, interrupted work finished.
        assert report["scope"] == "full" and report["not_restored"] == {}
        for name in ("dag_run", "task_instance", "xcom", "variable", "connection", "log"):
            assert tables[name]["before"] > 0, name
        assert all(checks[name] == "passed" for name in history_checks), liveness
        # The scheduler resumed from its restored position, not from start_date.
        assert hourly["restored_runs"] > 0
        if hourly["first_created"]:
            assert hourly["first_created"] > hourly["last_logical_date_before_pause"]
    else:
        # MWAA 3.x: the DAGs fall back to the rest-only scope, and the report says so;
        # the run history docs/airflow3.md promises was checked row by row.
        assert report["scope"] == "rest-only"
        assert "XComs" in report["not_restored"]
        assert report["rest_history"]["passed"], report["rest_history"]
        assert set(tables) == {"variable", "connection", "slot_pool"}
        assert all(checks[name] == "not restored" for name in history_checks), liveness
        # The scheduler's position, set through REST marker backfills, per policy.
        for policy in ("catchup", "latest", "skip"):
            name = f"sample_hourly_{policy} starts where missed_runs={policy} says"
            assert checks[name] == "passed", liveness
    # Live progress names the workflows' steps as they are entered.
    for step in (
        "Export the Airflow metadata",
        "Delete the environment",
        "Create the environment",
        "Restore the Airflow metadata",
    ):
        assert step in stderr


def test_airflow3_with_worker_db_access_and_users_dags_restores_full_history() -> None:
    """``--worker-db-access``: Airflow 3 tasks reach the database, the DAGs take the full
    scope. ``--dags``: the user's DAG runs, its history is compared and it runs again
    after the resume; a file that fails to import is named, as Airflow names it, and
    nothing stops."""
    version = airflow_versions.LATEST
    code, report, stderr = sandbox(
        "--airflow-version", version, "--worker-db-access", "--dags", str(USER_DAGS), *FAST
    )
    assert code == 0, f"{report.get('differences')}\n{report.get('liveness')}\n{stderr[-4000:]}"
    assert (report["scope"], report["worker_db_access"], report["passed"]) == ("full", True, True)
    assert report["not_restored"] == {}
    assert report["tables"]["task_instance"]["before"] > 0
    checks = {c["name"]: c for c in report["liveness"]["checks"]}
    assert {c["status"] for c in checks.values()} == {"passed"}, report["liveness"]
    user = checks["your DAG user_report runs after the resume as before the pause"]
    assert "ended success" in user["detail"]
    broken = [e for e in report["import_errors"] if e["filename"].endswith("user_broken.py")]
    assert len(broken) == 1 and "module_that_does_not_exist" in broken[0]["error"]


# Resuming on a newer Airflow (issue 12): opt-in, each path runs two versions'
# environments. MWAA_PR_RESUME_VERSION_PATHS="2.11.2:3.0.6,3.0.6:3.2.1:db" (or "all");
# a path to 3.x runs in the sandbox's default mode (tasks without database access, as on
# MWAA: the REST channel) unless it ends in ":db" (--worker-db-access). "all": every path,
# 3.x targets in both modes. The results are recorded in docs/sandbox.md.
RESUME_VERSION_PATHS = [
    ("2.10.3", "2.11.2"),
    ("2.10.3", "3.0.6"),
    ("2.11.2", "3.0.6"),
    ("2.11.2", "3.2.1"),
    ("2.11.2", "3.3.1"),
    ("3.0.6", "3.2.1"),
    ("3.2.1", "3.3.1"),
]
DB, REST = "db", "rest"


def _mode(resume_version: str, db: bool) -> str:
    return DB if db or resume_version.startswith("2.") else REST


def _resume_paths() -> list[tuple[str, str, str]]:
    import os

    wanted = os.environ.get("MWAA_PR_RESUME_VERSION_PATHS", "")
    if wanted == "all":
        both = [(a, b, m) for a, b in RESUME_VERSION_PATHS for m in (DB, REST)]
        return [(a, b, m) for a, b, m in both if m == _mode(b, m == DB)]
    parts = [p.split(":") for p in wanted.split(",") if ":" in p]
    return [(p[0], p[1], _mode(p[1], p[2:] == [DB])) for p in parts]


@pytest.mark.skipif(not _resume_paths(), reason="opt-in: MWAA_PR_RESUME_VERSION_PATHS")
@pytest.mark.parametrize(("version", "resume_version", "mode"), _resume_paths() or [("", "", "")])
def test_sandbox_resumes_on_a_newer_airflow(version: str, resume_version: str, mode: str) -> None:
    """Paused on one version, resumed on a newer one: equal to Airflow's own upgrade of the
    paused database, and the environment lives on. ``db``: tasks with database access
    (the database restore); ``rest``: an Airflow 3 target without (the REST channel, its
    run history checked row by row against Airflow's own upgrade, docs/airflow3.md)."""
    db_access = ["--worker-db-access"] if mode == DB else []
    code, report, stderr = sandbox(
        "--airflow-version", version, "--resume-version", resume_version, *db_access, *FAST
    )  # fmt: skip
    assert code == 0, f"{report.get('differences')}\n{report.get('liveness')}\n{stderr[-4000:]}"
    assert report["resumed_airflow_version"] == resume_version
    source_scope = "full" if mode == DB or version.startswith("2.") else "rest-only"
    assert report["scope"] == source_scope
    assert report["channel"] == ("database" if mode == DB else "rest-api")
    if mode == REST:
        assert report["rest_history"]["passed"] is True, report["rest_history"]
    assert report["restored_equal"] is True and report["liveness"]["passed"] is True
