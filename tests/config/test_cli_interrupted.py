"""Ctrl-C in any command ends with exit 130 and one line, not Click's "Aborted!" (exit 1)
and not a traceback."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from mwaa_pause_resume.cli import validate_cmd
from mwaa_pause_resume.cli.app import app
from tests.config.config_helpers import EXAMPLES


def test_ctrl_c_while_a_command_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(validate_cmd, "load_config", interrupted)
    config = EXAMPLES / "mwaa-pause-resume.toml"

    result = CliRunner().invoke(app, ["validate", "--config", str(config)])

    assert result.exit_code == 130
    assert "Interrupted (Ctrl-C)" in result.stderr
    assert "Aborted" not in result.output and "Traceback" not in result.output
