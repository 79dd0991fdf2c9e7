"""Fixtures for the DAG tests: per Airflow version, a metadata DB seeded once with real
history (cloned per test), and the DAGs folder laid out as it is in MWAA."""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mwaa_pause_resume.sandbox.airflow_runtime import new_fernet_key
from mwaa_pause_resume.sandbox.history import seed_history
from mwaa_pause_resume.sandbox.metadb import MetadataDatabases
from mwaa_pause_resume.sandbox.postgres import LocalPostgres
from tests.dags.dags_helpers import AirflowEnv, DagTrust, Seeded, bundle_dags_folder, clone_database


@pytest.fixture(scope="session")
def dag_trust(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DagTrust]:
    """A moto server (KMS) the Airflow subprocesses reach, with the deployment's HMAC key,
    and the snapshot root the DAGs trust."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        trust = DagTrust(f"http://{host}:{port}", "", tmp_path_factory.mktemp("snapshots"))
        created = trust.kms().create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
        yield dataclasses.replace(trust, mac_key=str(created["KeyMetadata"]["Arn"]))
    finally:
        server.stop()


@pytest.fixture(scope="session")
def dags_folder(tmp_path_factory: pytest.TempPathFactory, dag_trust: DagTrust) -> Path:
    return bundle_dags_folder(tmp_path_factory.mktemp("mwaa-dags"), dag_trust)


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
def source_env(  # noqa: PLR0917 - pytest passes the fixtures
    seeded: Callable[[str], Seeded],
    pg_server: LocalPostgres,
    dags_folder: Path,
    dag_trust: DagTrust,
    tmp_path: Path,
    unique_name: Callable[[str], str],
) -> Callable[[str], tuple[AirflowEnv, Seeded]]:
    """A copy of the seeded database of ``version``, as an environment running our DAGs."""

    def make(version: str) -> tuple[AirflowEnv, Seeded]:
        seed = seeded(version)
        url = clone_database(pg_server.url(), seed.template, unique_name("dags_src"))
        home = tmp_path / "src-home"
        env = AirflowEnv(seed.runtime, url, seed.fernet_key, home, dags_folder, dag_trust)
        return env, seed

    return make


@pytest.fixture
def target_env(
    metadata_databases: Callable[[str], MetadataDatabases],
    dags_folder: Path,
    dag_trust: DagTrust,
    tmp_path: Path,
    unique_name: Callable[[str], str],
) -> Callable[[str], AirflowEnv]:
    """A freshly migrated, empty environment of ``version`` with a new Fernet key."""

    def make(version: str) -> AirflowEnv:
        dbs = metadata_databases(version)
        url = dbs.create(unique_name("dags_dst"))
        home = tmp_path / "dst-home"
        return AirflowEnv(dbs.runtime, url, new_fernet_key(), home, dags_folder, dag_trust)

    return make
