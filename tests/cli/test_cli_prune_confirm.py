"""``snapshots prune`` asks before deleting: the plan, then "Delete N snapshots of ENV?".

CliRunner's stdin is never a terminal, so the tests that answer the question say it is
one through ``snapshots_cmd.stdin_is_terminal``; the question itself is the real prompt."""

from __future__ import annotations

import io
import json
import sys

import pytest
import typer.testing

from mwaa_pause_resume.cli import snapshots_cmd
from mwaa_pause_resume.config import load_config
from mwaa_pause_resume.operations.aws_gateway import AwsGateway
from mwaa_pause_resume.operations.deployment import start_input
from tests.cli.cli_ops_helpers import ENV, MakeDeployed
from tests.cli.snapshot_seed import ABANDONED, MIDDLE, NEW, OLD, put_snapshot, seeded

QUESTION = f"Delete 2 snapshots of {ENV}? [y/N]"


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshots_cmd, "stdin_is_terminal", lambda: True)


@pytest.mark.usefixtures("terminal")
def test_yes_deletes_what_was_shown(make_deployed: MakeDeployed) -> None:
    deployed = seeded(make_deployed, latest=OLD)

    result = deployed.cli("snapshots", "prune", ENV, "--keep", "1", input="y\n")

    assert result.exit_code == 0, result.output
    out = result.stdout
    shown = [out.index(f"Would delete {ABANDONED} (incomplete, "), out.index(QUESTION)]
    assert shown == sorted(shown)  # the plan comes before the question
    assert f"Would delete {MIDDLE} (complete, " in out
    assert f"Kept {OLD}: latest.json points to it" in out
    assert out.index(f"Deleted {MIDDLE}") > out.index(QUESTION)
    assert "2 deleted, 2 kept" in out
    remaining = {k.split("/")[1] for k in deployed.keys(f"{ENV}/")}
    assert remaining == {OLD, NEW, "latest.json", "notes"}


@pytest.mark.usefixtures("terminal")
@pytest.mark.parametrize("answer", ["n\n", "\n"], ids=["no", "default"])
def test_no_deletes_nothing(make_deployed: MakeDeployed, answer: str) -> None:
    deployed = seeded(make_deployed, latest=OLD)
    before = deployed.keys()

    result = deployed.cli("snapshots", "prune", ENV, "--keep", "1", input=answer)

    assert result.exit_code == 0, result.output
    assert QUESTION in result.stdout
    assert "Nothing deleted." in result.stdout
    assert "Deleted" not in result.stdout
    assert deployed.keys() == before


@pytest.mark.usefixtures("terminal")
def test_nothing_to_delete_asks_nothing(make_deployed: MakeDeployed) -> None:
    deployed = make_deployed()
    put_snapshot(deployed, OLD)
    put_snapshot(deployed, NEW)
    deployed.put_json(f"{ENV}/latest.json", {"snapshot_id": NEW})

    result = deployed.cli("snapshots", "prune", ENV, "--keep", "2")

    assert result.exit_code == 0, result.output
    assert "Nothing to delete: 2 snapshot(s) of dev-env kept." in result.stdout
    assert "[y/N]" not in result.stdout


def test_not_a_terminal_without_yes_is_refused(make_deployed: MakeDeployed) -> None:
    deployed = seeded(make_deployed, latest=OLD)
    before = deployed.keys()

    result = deployed.cli("snapshots", "prune", ENV, "--keep", "1", input="y\n")

    assert result.exit_code == 2
    assert result.stdout == ""  # no plan, no question: it would wait for an answer
    assert "stdin is not a terminal, so it cannot ask for confirmation" in result.stderr
    assert "add --yes to delete without asking" in result.stderr
    assert f"snapshots prune {ENV} --keep 1 --dry-run" in result.stderr
    assert "Traceback" not in result.output
    assert deployed.keys() == before


@pytest.mark.usefixtures("terminal")
def test_json_needs_yes_even_on_a_terminal(make_deployed: MakeDeployed) -> None:
    deployed = seeded(make_deployed, latest=OLD)
    before = deployed.keys()

    refused = deployed.cli("snapshots", "prune", ENV, "--keep", "1", "--json")

    assert refused.exit_code == 2
    assert refused.stdout == ""
    assert "--json cannot ask for confirmation" in refused.stderr
    assert "add --yes" in refused.stderr
    assert deployed.keys() == before

    done = deployed.cli("snapshots", "prune", ENV, "--keep", "1", "--json", "--yes")

    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["deleted"] == [ABANDONED, MIDDLE]


def test_yes_short_option_deletes_without_asking(make_deployed: MakeDeployed) -> None:
    deployed = seeded(make_deployed, latest=OLD)

    result = deployed.cli("snapshots", "prune", ENV, "--keep", "1", "-y")

    assert result.exit_code == 0, result.output
    assert "[y/N]" not in result.stdout
    assert f"Deleted {MIDDLE} (complete, " in result.stdout
    assert not deployed.keys(f"{ENV}/{MIDDLE}/")


@pytest.mark.usefixtures("terminal")
def test_a_resume_started_while_asking_keeps_its_snapshot(
    make_deployed: MakeDeployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployed = seeded(make_deployed, latest=NEW, seed=False)  # paused: a resume creates it
    config = load_config(deployed.config)
    env = config.environment(ENV)
    deployment = AwsGateway(region="us-east-1").deployment(config.deployment.stack_name)
    asked: list[str] = []

    def answer_after_a_resume_starts(question: str) -> bool:
        asked.append(question)
        deployed.local.start_execution("resume", start_input(env, "resume", deployment, MIDDLE))
        deployed.local.wait_until(lambda: ENV in deployed.mwaa.names())  # creating it
        return True

    monkeypatch.setattr(snapshots_cmd, "ask", answer_after_a_resume_starts)
    with deployed.local.hold():  # the resume stops at its first Wait (creating)
        result = deployed.cli("snapshots", "prune", ENV, "--keep", "1")

    assert result.exit_code == 0, result.output
    assert asked == [f"Delete 3 snapshots of {ENV}?"]
    assert f"Would delete {MIDDLE}" in result.stdout
    assert f"Kept {MIDDLE} after all: a running pause or resume uses it" in result.stdout
    assert f"Deleted {MIDDLE}" not in result.stdout
    assert deployed.keys(f"{ENV}/{MIDDLE}/")
    assert not deployed.keys(f"{ENV}/{OLD}/")
    assert "2 deleted, 2 kept" in result.stdout


# -- Ctrl-C at the question --------------------------------------------------------
# Ctrl-C at ``snapshots prune``'s question exits 130 like Ctrl-C anywhere else
# (docs/operations.md, exit codes), not with Click's "Aborted!" and exit 1; the end of
# input at the question still aborts with exit 1. Nothing is deleted either way.


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
