"""Which Airflow runs an environment, and what happens when the sandbox has none for it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from mwaa_pause_resume import airflow_versions
from mwaa_pause_resume.sandbox.airflow_backend import UnsupportedAirflowVersion, resolve_version
from tests.sandbox.airflow.sandbox_airflow_helpers import create_environment


@pytest.mark.parametrize("requested", airflow_versions.SUPPORTED)
def test_every_supported_version_runs_as_itself(requested: str) -> None:
    """MWAA runs exactly the version asked for, and so does the sandbox."""
    assert resolve_version(requested, "2.10.3") == requested


def test_no_version_means_the_default() -> None:
    assert resolve_version(None, "2.11.2") == "2.11.2"


@pytest.mark.parametrize("requested", ["2.9.2", "2.10.2", "3.1.0"])
def test_unsupported_version_names_the_supported_ones(requested: str) -> None:
    supported = r".*".join(re.escape(v) for v in airflow_versions.SUPPORTED)
    with pytest.raises(UnsupportedAirflowVersion, match=rf"{re.escape(requested)} .*{supported}"):
        resolve_version(requested, "2.10.3")


def test_environment_of_unavailable_version_fails_to_create(mwaa: Any) -> None:
    env = create_environment(mwaa, "old-env", "2.9.2")
    assert env["Status"] == "CREATE_FAILED"
    assert "2.9.2 is not available in the sandbox" in env["LastUpdate"]["Error"]["ErrorMessage"]
