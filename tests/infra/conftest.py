"""One synthesis of the two-environment deployment per test session (a cold synth takes seconds)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.infra.infra_config import CONFIG

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from mwaa_pause_resume.infra.app import synth

    return synth(CONFIG, tmp_path_factory.mktemp("cdk") / "cdk.out")


@pytest.fixture(scope="session")
def template(synthesized: Any) -> dict[str, Any]:
    result: dict[str, Any] = synthesized.template
    return result


@pytest.fixture
def no_aws_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """An environment where the AWS credential chain finds nothing (and does not hang on IMDS)."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    yield
