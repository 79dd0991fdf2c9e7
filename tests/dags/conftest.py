"""Fixtures for the DAG tests: per Airflow version, a metadata DB seeded once with real
history (cloned per test), and the DAGs folder laid out as it is in MWAA."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from dags_helpers import AirflowEnv, Seeded, bundle_dags_folder, clone_database

from mwaa_pause_resume.sandbox.airflow_runtime import new_fernet_key
from mwaa_pause_resume.sandbox.history import seed_history
from mwaa_pause_resume.sandbox.metadb import MetadataDatabases
from mwaa_pause_resume.sandbox.postgres import LocalPostgres


@pytest.fixture(scope="session")
def dags_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bundle_dags_folder(tmp_path_factory.mktemp("mwaa-dags"))


@pytest.fixture(scope="session")
def seeded(
    metadata_databases: Callable[[str], MetadataDatabases],
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[str], Seeded]:
    cache: dict[str, Seeded] = {}

    def get(version: str) -> Seeded:
        if version not in cache:
            dbs = metadata_databases(version)
            name = "dags_seeded_" + re.sub(r"\W", "_", version)
            url = dbs.create(name)
            key = new_fernet_key()
            summary = seed_history(dbs.runtime, url, key, tmp_path_factory.mktemp("seed"))
            cache[version] = Seeded(name, key, summary, dbs.runtime)
        return cache[version]

    return get


@pytest.fixture
def source_env(
    seeded: Callable[[str], Seeded],
    pg_server: LocalPostgres,
    dags_folder: Path,
    tmp_path: Path,
    unique_name: Callable[[str], str],
) -> Callable[[str], tuple[AirflowEnv, Seeded]]:
    """A copy of the seeded database of ``version``, as an environment running our DAGs."""

    def make(version: str) -> tuple[AirflowEnv, Seeded]:
        seed = seeded(version)
        url = clone_database(pg_server.url(), seed.template, unique_name("dags_src"))
        env = AirflowEnv(seed.runtime, url, seed.fernet_key, tmp_path / "src-home", dags_folder)
        return env, seed

    return make


@pytest.fixture
def target_env(
    metadata_databases: Callable[[str], MetadataDatabases],
    dags_folder: Path,
    tmp_path: Path,
    unique_name: Callable[[str], str],
) -> Callable[[str], AirflowEnv]:
    """A freshly migrated, empty environment of ``version`` with a new Fernet key."""

    def make(version: str) -> AirflowEnv:
        dbs = metadata_databases(version)
        url = dbs.create(unique_name("dags_dst"))
        return AirflowEnv(dbs.runtime, url, new_fernet_key(), tmp_path / "dst-home", dags_folder)

    return make
