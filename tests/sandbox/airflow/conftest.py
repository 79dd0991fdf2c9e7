"""The MWAA emulator backed by real Airflow (AirflowBackend), driven by a real boto3 client.

One backend per test (its environments are deleted afterwards); the migrated
template databases are shared with the rest of the session (``metadata_databases``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mwaa_pause_resume.dags.bundle import write_dags_folder
from mwaa_pause_resume.sandbox.airflow_backend import AirflowBackend
from mwaa_pause_resume.sandbox.history import SAMPLE_DAGS_DIR
from mwaa_pause_resume.sandbox.metadb import MetadataDatabases
from mwaa_pause_resume.sandbox.mwaa import MwaaBackend, MwaaServer
from mwaa_pause_resume.sandbox.postgres import LocalPostgres

pytestmark = [pytest.mark.postgres, pytest.mark.airflow]


@pytest.fixture(scope="session")
def dag_sources(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """What an environment's DAGs folder gets: our export/import DAGs and the samples."""
    bundle = tmp_path_factory.mktemp("dag-bundle")
    write_dags_folder(bundle)
    return [bundle, SAMPLE_DAGS_DIR]


@pytest.fixture
def airflow_backend(
    pg_server: LocalPostgres,
    metadata_databases: Callable[[str], MetadataDatabases],
    dag_sources: list[Path],
    tmp_path: Path,
) -> Iterator[AirflowBackend]:
    backend = AirflowBackend(
        pg_server, tmp_path / "envs", dag_sources, metadata_databases=metadata_databases
    )
    try:
        yield backend
    finally:
        backend.close()
        for name in list(backend.environments):
            backend.on_delete(name)


@pytest.fixture
def mwaa(airflow_backend: AirflowBackend, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A boto3 MWAA client routed to the emulator the way the Lambda handlers are."""
    import boto3
    from botocore.config import Config

    with MwaaServer(MwaaBackend(airflow_backend)) as server:
        monkeypatch.setenv("AWS_ENDPOINT_URL_MWAA", server.endpoint_url)
        monkeypatch.setenv("AWS_DISABLE_HOST_PREFIX_INJECTION", "true")
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        monkeypatch.setenv("AWS_DEFAULT_REGION", server.backend.region)
        # No retries (each call reaches the emulator once); creating runs Airflow in the call.
        config = Config(retries={"mode": "standard", "total_max_attempts": 1}, read_timeout=600)
        yield boto3.client("mwaa", config=config)
