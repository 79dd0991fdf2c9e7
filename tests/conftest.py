"""Shared fixtures: a real PostgreSQL server and real Airflow-migrated metadata databases.

The server is started once per test session (per xdist worker) from the machine's
PostgreSQL binaries; Airflow virtualenvs are created on first use and cached in
``$MWAA_PR_CACHE`` (``.ci/run`` pre-builds them).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator

import pytest
from hypothesis import settings

from mwaa_pause_resume.sandbox.airflow_runtime import AirflowRuntime
from mwaa_pause_resume.sandbox.metadb import MetadataDatabases
from mwaa_pause_resume.sandbox.postgres import LocalPostgres

_counter = itertools.count()

# CI (.ci/run sets CI=true) replays the same examples every run, so a landing never depends
# on the luck of the draw; local runs keep exploring new examples.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Slow end-to-end runs first (a stable sort keeps the rest in order): with xdist
    handing out one test at a time (scripts/test), both workers start on them at once
    and the quick tests fill the gaps, instead of one worker running them all last."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[LocalPostgres]:
    server = LocalPostgres()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def empty_db(pg_server: LocalPostgres) -> Iterator[str]:
    """URL of a new empty database, dropped afterwards."""
    name = f"t_empty_{next(_counter)}"
    url = pg_server.create_database(name)
    yield url
    pg_server.drop_database(name)


_metadbs: dict[str, MetadataDatabases] = {}


@pytest.fixture(scope="session")
def metadata_databases(
    pg_server: LocalPostgres, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], MetadataDatabases]:
    """``metadata_databases("2.10.3").create(name)`` -> URL of a migrated database."""
    home = tmp_path_factory.mktemp("airflow-home")

    def get(version: str) -> MetadataDatabases:
        if version not in _metadbs:
            runtime = AirflowRuntime(version).ensure()
            _metadbs[version] = MetadataDatabases(pg_server, runtime, home)
        return _metadbs[version]

    return get


@pytest.fixture
def unique_name() -> Callable[[str], str]:
    return lambda prefix: f"{prefix}_{next(_counter)}"
