"""The live progress of ``pause --wait`` on a terminal, recorded by Rich: the steps
appear in the workflow's order, and the view redraws while the export runs."""

from __future__ import annotations

import pytest
from rich.console import Console

from mwaa_pause_resume.cli import pause_resume_cmd
from tests.cli.cli_ops_helpers import ENV, STEP_ORDER_PAUSE, MakeDeployed, assert_exit, positions


def test_pause_wait_draws_the_steps_in_order(
    make_deployed: MakeDeployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each Wait state really sleeps a little, so the CLI sees the execution mid-way.
    deployed = make_deployed(wait_pause_seconds=0.15)
    screen = Console(record=True, force_terminal=True, width=120, color_system=None)
    monkeypatch.setattr(pause_resume_cmd, "console", lambda: screen)

    result = deployed.cli("pause", ENV, "--wait")

    assert result.exit_code == 0, result.output
    text = screen.export_text()
    frames = text.split(f"Pausing {ENV} · ")
    assert len(frames) > 3  # redrawn several times, not printed once at the end
    last = frames[-1]
    order = positions(last, STEP_ORDER_PAUSE)
    assert order == sorted(order)
    assert "SUCCEEDED" in last.splitlines()[0]
    assert last.count("✓") == len(STEP_ORDER_PAUSE)
    # Some frame showed the export still running, with the DAG run's state.
    running = [f for f in frames if "… Export the Airflow metadata" in f]
    assert running
    assert any("export DAG run running" in f for f in running)
    assert "Environment dev-env is paused" in text


def test_failed_step_is_marked(
    make_deployed: MakeDeployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployed = make_deployed()
    deployed.mwaa.faults.fail_next("DeleteEnvironment", "ValidationException", "busy")
    screen = Console(record=True, force_terminal=True, width=120, color_system=None)
    monkeypatch.setattr(pause_resume_cmd, "console", lambda: screen)

    result = deployed.cli("pause", ENV, "--wait")

    assert_exit(result, 1)
    last = screen.export_text().split(f"Pausing {ENV} · ")[-1]
    assert "FAILED" in last.splitlines()[0]
    assert "✗ Delete the environment" in last
    assert "✓ Mark the snapshot complete" in last
    assert "busy" in result.stderr
