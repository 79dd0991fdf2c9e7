"""The run-gate keys (skip_dates, change_calendar, when_busy, postponing): what a user reads
when they are wrong, and TOML's own dates."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from mwaa_pause_resume.config.loader import load_config
from tests.config.config_helpers import environment, render_toml

CliRun = Callable[..., Any]


def test_bad_gate_settings_are_each_named_with_a_fix(
    run_cli: CliRun, write_toml: Callable[..., Path]
) -> None:
    write_toml(
        defaults={"skip_dates": ["2026-12-28..2026-12-24"], "skip_date": ["2026-12-24"]},
        environments=[
            environment(when_busy="postpon", change_calendar="a b"),
            environment(
                name="other",
                when_busy="postpone",
                skip_dates=["2026-02-30"],
                max_postpone_minutes=700,
                pause_timeout_minutes=800,
            ),
        ],
    )

    result = run_cli("validate")

    assert result.exit_code == 2 and "Traceback" not in result.stderr
    text = " ".join(result.stderr.split())
    assert "'2026-12-28..2026-12-24' ends before it starts" in text
    assert "write the earlier date first: 2026-12-24..2026-12-28" in text
    assert "skip_date" in text and "did you mean 'skip_dates'" in text
    assert "'postpon' is not a when_busy choice" in text and "did you mean 'postpone'" in text
    assert "'a b' is not an SSM Change Calendar name" in text
    assert "'2026-02-30' is not a date or a range of dates" in text
    # postponing 700 min then a pause of up to 800 would outlive the execution's cap
    assert "max_postpone_minutes" in text and "exceeds a workflow's 1440 minutes" in text


def test_toml_dates_and_defaults_apply(write_toml: Callable[..., Path]) -> None:
    path = write_toml(
        render_toml(environments=[environment()])
        + '\n[defaults]\nskip_dates = [2026-12-24, "2026-12-31..2027-01-01"]\n'
    )
    (env,) = load_config(path, environ={}).environments
    assert env.skip_dates == ("2026-12-24", "2026-12-31..2027-01-01")
    assert (env.when_busy, env.max_postpone_minutes, env.change_calendar) == ("drain", 60, None)
