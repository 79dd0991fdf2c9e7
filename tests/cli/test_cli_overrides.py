"""``keep-awake``, ``stay-paused``, ``override show|clear`` against moto (SSM, STS) and the
real state machines: the override the CLI writes is the one the run gate reads."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mwaa_pause_resume.cli.app import app
from mwaa_pause_resume.operations.overrides import override_end
from tests.cli.cli_ops_helpers import BUCKET, CONFIG, ENV, MakeDeployed, assert_exit


def test_stay_paused_from_the_cli_skips_the_scheduled_resume(make_deployed: MakeDeployed) -> None:
    deployed = make_deployed(seed=False)  # paused: no environment (a pause is tested elsewhere)

    set_ = deployed.cli("stay-paused", ENV, "--for", "2d", "--json")

    assert set_.exit_code == 0, set_.output
    record = json.loads(set_.stdout)["override"]
    assert record["kind"] == "stay-paused" and record["set_by"].startswith("arn:aws:")
    fire = datetime.fromtimestamp(deployed.local.clock(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    result = deployed.local.run(
        "resume", {"environment": ENV, "bucket": BUCKET, "scheduled_time": fire}
    )
    assert result.output["outcome"] == "skipped", result.output
    assert ENV not in deployed.mwaa.names()

    status = json.loads(deployed.cli("status", ENV, "--json").stdout)["environments"][0]
    assert status["override"] == record
    assert status["last_resume"]["outcome"] == "skipped"
    assert "stay-paused until" in status["last_resume"]["reason"]
    human = deployed.cli("status", ENV).stdout
    assert "SUCCEEDED (skipped): override stay-paused until" in " ".join(human.split())
    assert "Override" in human

    cleared = deployed.cli("override", "clear", ENV)
    assert cleared.exit_code == 0 and "cleared" in cleared.stdout
    assert "no override is set" in deployed.cli("override", "show", ENV).stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give --until or --for"),
        (["--for", "8h", "--until", "2030-01-01"], "give --until or --for"),
        (["--for", "eight hours"], "is not a duration"),
        (["--until", "yesterday"], "is not a date or date-time"),
        (["--until", "2020-01-01"], "not in the future"),
        (["--for", "400d"], "at most 366"),
    ],
)
def test_bad_override_times_exit_2_with_a_fix(
    tmp_path: Path, args: list[str], message: str
) -> None:
    config = tmp_path / "mwaa-pause-resume.toml"
    config.write_text(CONFIG, encoding="utf-8")
    # Refused before any AWS call: no moto needed.
    result = CliRunner().invoke(app, ["keep-awake", ENV, *args, "--config", str(config)])
    assert_exit(result, 2)
    assert message in result.output and "Traceback" not in result.output


def test_until_reads_the_environment_wall_clock() -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    assert override_end("2026-12-24T18:00", None, "Europe/Paris", now) == datetime(
        2026, 12, 24, 17, 0, tzinfo=UTC
    )
    assert override_end(None, "1d12h", "UTC", now) == now + timedelta(hours=36)
