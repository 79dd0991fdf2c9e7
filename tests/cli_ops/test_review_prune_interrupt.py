"""Ctrl-C at ``snapshots prune``'s question exits 130 like Ctrl-C anywhere else
(docs/operations.md, exit codes), not with Click's "Aborted!" and exit 1; the end of
input at the question still aborts with exit 1. Nothing is deleted either way."""

from __future__ import annotations

import io
import sys

import pytest
import typer.testing
from cli_ops_helpers import ENV, MakeDeployed
from snapshot_seed import OLD, seeded

from mwaa_pause_resume.cli import snapshots_cmd


class _CtrlC(io.BytesIO):
    """A stdin whose reader gets SIGINT: what pressing Ctrl-C at the prompt raises."""

    def read(self, size: int | None = -1) -> bytes:
        raise KeyboardInterrupt

    def read1(self, size: int | None = -1) -> bytes:
        raise KeyboardInterrupt

    def readline(self, size: int | None = -1) -> bytes:
        raise KeyboardInterrupt

    def readinto(self, buffer: object) -> int:
        raise KeyboardInterrupt


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshots_cmd, "stdin_is_terminal", lambda: True)


@pytest.mark.usefixtures("terminal")
def test_ctrl_c_at_the_question_exits_130(
    make_deployed: MakeDeployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployed = seeded(make_deployed, latest=OLD)
    before = deployed.keys()
    # CliRunner builds stdin from ``input`` with this function: read the question's
    # answer from a stdin that raises what Ctrl-C raises.
    monkeypatch.setattr(typer.testing, "make_input_stream", lambda *_: _CtrlC())

    result = deployed.cli("snapshots", "prune", ENV, "--keep", "1")

    assert result.exit_code == 130, result.output
    assert "Interrupted (Ctrl-C)" in result.stderr
    assert "Aborted" not in result.output
    assert deployed.keys() == before


@pytest.mark.usefixtures("terminal")
def test_end_of_input_at_the_question_aborts(make_deployed: MakeDeployed) -> None:
    deployed = seeded(make_deployed, latest=OLD)
    before = deployed.keys()

    result = deployed.cli("snapshots", "prune", ENV, "--keep", "1", input="")

    assert result.exit_code == 1
    assert "Aborted" in result.output
    assert deployed.keys() == before


def test_closed_stdin_is_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    # `mwaa-pause-resume snapshots prune ... <&-`: Python sets sys.stdin to None.
    monkeypatch.setattr(sys, "stdin", None)
    assert snapshots_cmd.stdin_is_terminal() is False
