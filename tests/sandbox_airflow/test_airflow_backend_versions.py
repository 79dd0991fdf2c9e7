"""Which Airflow runs an environment, and what happens when the sandbox has none for it."""

from __future__ import annotations

from typing import Any

import pytest
from sandbox_airflow_helpers import create_environment

from mwaa_pause_resume.sandbox.airflow_backend import UnsupportedAirflowVersion, resolve_version


@pytest.mark.parametrize(
    ("requested", "installed"),
    [
        ("2.10.1", "2.10.3"),
        ("2.10.3", "2.10.3"),
        ("2.11.0", "2.11.0"),
        ("3.0.6", "3.0.6"),
        (None, "2.10.3"),
    ],
)
def test_version_lines_map_to_installed_airflow(requested: str | None, installed: str) -> None:
    assert resolve_version(requested, "2.10.3") == installed


def test_unsupported_version_names_the_supported_ones() -> None:
    with pytest.raises(UnsupportedAirflowVersion, match=r"2\.9\.2 .*2\.10\.x.*3\.0\.x"):
        resolve_version("2.9.2", "2.10.3")


def test_environment_of_unavailable_version_fails_to_create(mwaa: Any) -> None:
    env = create_environment(mwaa, "old-env", "2.9.2")
    assert env["Status"] == "CREATE_FAILED"
    assert "2.9.2 is not available in the sandbox" in env["LastUpdate"]["Error"]["ErrorMessage"]
