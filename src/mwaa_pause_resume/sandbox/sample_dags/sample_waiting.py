"""Airflow sample DAG: work in flight when the pause comes, finished after the resume.

One task defers on a trigger (the triggerer holds it), one keeps running; both wait
for a release file that the sandbox creates only after the resume, so the pause
finds them deferred and running. ``MWAA_PR_RELEASE_FILE`` names the file (the
sandbox sets it for every Airflow process of its environments).
"""

from __future__ import annotations

import os
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from mwaa_pause_resume.sandbox.sample_dags.compat import (
    DAG,
    BaseOperator,
    FileTrigger,
    PythonOperator,
)

RELEASE_ENV = "MWAA_PR_RELEASE_FILE"
WAIT_LIMIT_SECONDS = 3600.0


def _release_file() -> str:
    return os.environ.get(RELEASE_ENV) or "/nonexistent/mwaa-pr-release"


class WaitForRelease(BaseOperator):  # type: ignore[misc]
    """Defers until the release file exists (the real triggerer polls it)."""

    def execute(self, context: Any) -> None:
        self.defer(
            trigger=FileTrigger(filepath=_release_file(), poke_interval=1.0),
            method_name="released",
        )

    def released(self, context: Any, event: Any = None) -> str:
        return "released by the triggerer"


def work_until_release() -> str:
    """A long task: still running when the export drains, re-run after the restore."""
    deadline = time.monotonic() + WAIT_LIMIT_SECONDS
    while not Path(_release_file()).exists():
        if time.monotonic() > deadline:
            raise TimeoutError("the sandbox never released this task")
        time.sleep(1)
    return "released"


with DAG(
    dag_id="sample_waiting",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["sample"],
):
    WaitForRelease(task_id="deferred_until_release")
    PythonOperator(task_id="running_until_release", python_callable=work_until_release)
