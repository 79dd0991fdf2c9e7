"""``sandbox --override keep-awake|stay-paused`` on real Airflow: opt-in
(``MWAA_PR_OVERRIDE_E2E=1``), 3-6 minutes each; the run gates are tested on the real
state machines in tests/workflows/test_run_gates.py, and the results of these runs are
recorded in docs/sandbox.md."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.airflow,
    pytest.mark.skipif(
        os.environ.get("MWAA_PR_OVERRIDE_E2E") != "1",
        reason="opt-in: set MWAA_PR_OVERRIDE_E2E=1 (a real Airflow environment per run)",
    ),
]


@pytest.mark.parametrize(
    ("kind", "workflow", "state"),
    [("keep-awake", "pause", "AVAILABLE"), ("stay-paused", "resume", "NOT_FOUND")],
)
def test_the_scheduled_run_is_skipped_and_the_environment_left_as_it_was(
    kind: str, workflow: str, state: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mwaa_pause_resume", "sandbox", "--json", "--override", kind],
        capture_output=True,
        text=True,
        timeout=1500,
        check=False,
    )
    report = json.loads(done.stdout)
    assert done.returncode == 0, done.stderr[-3000:]
    assert report["passed"] and report["skipped_workflow"] == workflow
    assert report["outcome"] == "skipped" and report["environment_state"] == state
    assert report["override"]["kind"] in report["reason"]
