"""Fixtures for configuration tests: an isolated environment, a CLI runner, TOML writers."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from mwaa_pause_resume.config.seed_env import KNOWN_VARIABLES
from tests.config.config_helpers import render_toml


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No seed variable leaks in from the machine; the working directory is empty."""
    for var in KNOWN_VARIABLES:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def write_toml(tmp_path: Path) -> Callable[..., Path]:
    def write(text: str | None = None, name: str = "mwaa-pause-resume.toml", **parts: Any) -> Path:
        path = tmp_path / name
        path.write_text(text if text is not None else render_toml(**parts), encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def cli_app() -> typer.Typer:
    from mwaa_pause_resume.cli.app import app

    return app


@pytest.fixture
def run_cli(cli_app: typer.Typer) -> Iterator[Callable[..., Any]]:
    runner = CliRunner()

    def run(*args: str, env: Mapping[str, str] | None = None) -> Any:
        return runner.invoke(cli_app, list(args), env=dict(env or {}), catch_exceptions=False)

    yield run
