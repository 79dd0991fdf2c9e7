"""Odd or hostile configuration values end in a problem naming the field (exit 2), never a
traceback nor a nonsense result (issue 13)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mwaa_pause_resume.config import ConfigError, load_config
from tests.config.config_helpers import environment, render_toml

CliRun = Callable[..., Any]


def _one(**changes: Any) -> str:
    return render_toml(environments=[environment(**changes)])


def _assert_problem(result: Any, field: str, fix: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if f"{field}:" in line]
    assert any("Fix:" in line and fix in line for line in lines), result.output


@pytest.mark.parametrize(
    "zone",
    [
        "A" * 256,  # zoneinfo opens the file: "File name too long"
        "America",  # a folder of the tz database: "Is a directory"
    ],
    ids=["256 characters", "tz folder"],
)
def test_time_zone_the_tz_database_cannot_open(
    run_cli: CliRun, write_toml: Callable[..., Path], zone: str
) -> None:
    write_toml(_one(timezone=zone))
    for command in ("validate", "plan"):
        _assert_problem(run_cli(command), "environments[0].timezone", "IANA")


@pytest.mark.parametrize(
    "nested",
    ["x = " + "[" * 5000 + "]" * 5000, "x = " + "{a=" * 3000 + "1" + "}" * 3000],
    ids=["arrays", "inline tables"],
)
def test_deeply_nested_toml(run_cli: CliRun, write_toml: Callable[..., Path], nested: str) -> None:
    path = write_toml(_one() + nested + "\n")
    _assert_problem(run_cli("validate"), path.name, "nest")
    with pytest.raises(ConfigError, match="nested"):
        load_config(path)


@pytest.mark.parametrize("value", ["inf", "+inf", "-inf", "nan", "1e308"])
def test_price_must_be_a_finite_amount(
    run_cli: CliRun, write_toml: Callable[..., Path], value: str
) -> None:
    write_toml(_one() + f'[prices."mw1.small"]\nenvironment = {value}\nextra_worker = 0.05\n')
    for command in ("validate", "plan"):
        result = run_cli(command)
        _assert_problem(result, 'prices."mw1.small".environment', "e.g. 0.49")
        assert "inf USD" not in result.output and "nan USD" not in result.output
