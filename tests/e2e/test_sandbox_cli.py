"""``mwaa-pause-resume sandbox`` end to end: real Airflow, PostgreSQL, moto, ASL,
handlers and DAGs, run as a user runs it (a separate process, ``--json``)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.airflow]

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


@pytest.mark.parametrize("version", ["2.10.3", "3.0.6"])
def test_sandbox_restores_everything_equal(version: str) -> None:
    code, report, stderr = sandbox("--airflow-version", version)
    assert code == 0, f"{report.get('differences')}\n{stderr[-4000:]}"
    assert report["airflow_version"] == version
    assert report["restored_equal"] is True
    assert report["pause"]["status"] == "SUCCEEDED"
    assert report["resume"]["status"] == "SUCCEEDED"
    tables = report["tables"]
    # The seeded history is really there and really came back.
    for name in ("dag_run", "task_instance", "xcom", "variable", "connection", "slot_pool", "log"):
        assert tables[name]["before"] > 0, name
        before = tables[name]["before"]
        assert tables[name] == {
            **tables[name],
            "after": before,
            "matching": before,
            "equal": True,
            "difference": None,
        }
    # Row content, not only counts: every row of every kept table matches.
    assert all(row["equal"] and row["matching"] == row["before"] for row in tables.values())
    assert report["secrets"] == {
        "checked": report["secrets"]["checked"],
        "equal": True,
        "new_fernet_key": True,
    }
    assert report["secrets"]["checked"] > 0
    assert report["paused_states_equal"] is True
    assert report["differences"] == []
    # Live progress names the workflows' steps as they are entered.
    for step in (
        "Export the Airflow metadata",
        "Delete the environment",
        "Create the environment",
        "Restore the Airflow metadata",
    ):
        assert step in stderr


def test_sandbox_names_what_a_broken_restore_lost() -> None:
    """The connection table removed from the snapshot between pause and resume: the
    workflows succeed, the comparison must not."""
    code, report, _ = sandbox("--drop-table", "connection")
    assert code == 1
    assert report["restored_equal"] is False
    assert report["resume"]["status"] == "SUCCEEDED"
    assert report["tables"]["connection"]["equal"] is False
    assert report["tables"]["connection"]["after"] == 0
    assert [name for name, row in report["tables"].items() if not row["equal"]] == ["connection"]
    assert report["secrets"]["equal"] is False
    assert any(d.startswith("table connection:") for d in report["differences"])
    # one missing row is shown
    assert report["tables"]["connection"]["difference"].startswith(
        "row missing after resume: connection("
    )
