"""The sandbox command's CLI: a sandbox stopped with SIGTERM cleans up as for Ctrl-C (no
orphaned Airflow), and its result table reads whole in a log."""

from __future__ import annotations

import io
import os
import signal
from pathlib import Path

import pytest
from rich.console import Console

from mwaa_pause_resume.cli.sandbox_cmd import print_result, sigterm_as_interrupt
from mwaa_pause_resume.sandbox.environment_comparison import Comparison
from mwaa_pause_resume.sandbox.result import SandboxResult, WorkflowOutcome
from mwaa_pause_resume.sandbox.row_diff import RowsComparison


def test_sigterm_becomes_an_interrupt_inside_and_only_inside() -> None:
    before = signal.getsignal(signal.SIGTERM)
    cleaned = []
    with pytest.raises(KeyboardInterrupt), sigterm_as_interrupt():
        try:
            os.kill(os.getpid(), signal.SIGTERM)
        finally:
            cleaned.append(True)  # the sandbox's clean-up runs in such finally blocks
    assert cleaned == [True]
    assert signal.getsignal(signal.SIGTERM) is before


# -- the result table in a log -----------------------------------------------------
# Found by the README walkthrough: the result table as a log or a pipe gets it
# (not a terminal: Rich uses 80 columns).


LONG_NAMES = ("rendered_task_instance_fields", "dataset_alias_dataset_event", "xcom")


def _result(tmp_path: Path) -> SandboxResult:
    tables = {
        name: RowsComparison(before=13, after=13, matching=13, made_by_target=0)
        for name in LONG_NAMES
    }
    comparison = Comparison(
        tables=tables,
        paused_equal=True,
        paused_diff={},
        secrets_equal=True,
        secrets_diff=[],
        undecryptable=[],
        secrets_checked=2,
    )
    return SandboxResult(
        airflow_version="2.10.3",
        work_dir=tmp_path,
        kept=False,
        pause=WorkflowOutcome(status="SUCCEEDED", seconds=3.2),
        resume=WorkflowOutcome(status="SUCCEEDED", seconds=6.1),
        comparison=comparison,
        fernet_key_changed=True,
    )


def test_sandbox_table_keeps_whole_table_names_in_80_columns(tmp_path: Path) -> None:
    buffer = io.StringIO()
    # What `scripts/run sandbox > log` gets: not a terminal, so Rich uses 80 columns.
    out = Console(file=buffer, width=80, soft_wrap=True, color_system=None)
    print_result(out, _result(tmp_path))
    text = buffer.getvalue()
    for name in LONG_NAMES:
        assert name in text
    assert "…" not in text
    assert max(len(line) for line in text.splitlines() if "│" in line) <= 80
