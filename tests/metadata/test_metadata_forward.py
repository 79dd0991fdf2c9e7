"""An older snapshot restored into a newer Airflow, against Airflow's own upgrade.

The oracle: a copy of the source database migrated by the target version's
``airflow db migrate``. Our restore of the source's snapshot into a fresh target of that
version must hold the same rows, compared by natural keys as the sandbox compares
(``sandbox.row_compare``); every difference is named in :data:`EXPECTED_DIFFERENCES`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from metadata_seed import EXPORT_RUN, seed_source, seed_target
from cryptography.fernet import Fernet

from mwaa_pause_resume.metadata import export_snapshot, open_store, restore_snapshot
from mwaa_pause_resume.sandbox.airflow_config import FAB_AUTH_MANAGER
from mwaa_pause_resume.sandbox.airflow_runtime import AirflowRuntime
from mwaa_pause_resume.sandbox.forward_migrations import VenvMigrations
from mwaa_pause_resume.sandbox.row_compare import compare_tables, normalise, read_tables

pytestmark = [pytest.mark.postgres, pytest.mark.airflow]

# In the default run: one path across the 2.x -> 3.x gap. The rest with
# MWAA_PR_FORWARD_PATHS=all (docs/metadata.md records their results).
DEFAULT_PATHS = [("2.11.2", "3.0.6")]
ALL_PATHS = [
    ("2.10.3", "2.11.2"),
    ("2.10.3", "3.0.6"),
    ("2.11.2", "3.0.6"),
    ("2.11.2", "3.2.1"),
    ("2.11.2", "3.3.1"),
    ("3.0.6", "3.2.1"),
    ("3.2.1", "3.3.1"),
]
PATHS = ALL_PATHS if os.environ.get("MWAA_PR_FORWARD_PATHS") == "all" else DEFAULT_PATHS


def _read(url: str) -> Any:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            return read_tables(cur)
    finally:
        conn.close()


@pytest.mark.parametrize(("source_version", "target_version"), PATHS)
def test_restore_into_newer_airflow_matches_airflows_own_upgrade(
    metadata_databases: Callable[[str], Any],
    unique_name: Callable[[str], str],
    tmp_path: Path,
    source_version: str,
    target_version: str,
) -> None:
    src_dbs, tgt_dbs = metadata_databases(source_version), metadata_databases(target_version)
    server = src_dbs.server
    names = {k: unique_name(k) for k in ("fwd_src", "fwd_tgt", "fwd_fresh", "fwd_oracle")}
    try:
        urls = {
            "fwd_src": src_dbs.create(names["fwd_src"]),
            "fwd_tgt": tgt_dbs.create(names["fwd_tgt"]),
            "fwd_fresh": tgt_dbs.create(names["fwd_fresh"]),
        }
        k1, k2 = Fernet.generate_key().decode(), Fernet.generate_key().decode()
        source, target = psycopg2.connect(urls["fwd_src"]), psycopg2.connect(urls["fwd_tgt"])
        facts = seed_source(source, int(source_version[0]), k1)
        seed_target(target, int(target_version[0]), k2)
        store = open_store(str(tmp_path / "snap"))
        export_snapshot(
            source,
            store,
            fernet_key=k1,
            airflow_version=source_version,
            exclude_dag_runs=[EXPORT_RUN],
            original_paused=facts["original_paused"],
        )
        source.close()
        # the oracle: Airflow's own upgrade of a copy of the source
        server._admin(f'CREATE DATABASE "{names["fwd_oracle"]}" TEMPLATE "{names["fwd_src"]}"')
        urls["fwd_oracle"] = server.url(names["fwd_oracle"])
        runtime = AirflowRuntime(target_version).ensure()
        extra = {"AIRFLOW__CORE__AUTH_MANAGER": FAB_AUTH_MANAGER} if runtime.major >= 3 else {}
        runtime.migrate(runtime.environ(urls["fwd_oracle"], k1, tmp_path / "home", extra=extra))

        migrations = VenvMigrations(runtime, urls["fwd_tgt"], tmp_path / "home")
        report = restore_snapshot(
            target, store, fernet_key=k2, snapshot_key=k1, migrations=migrations
        )
        target.close()
        assert report.brought_forward is not None or source_version[:4] == target_version[:4]

        oracle = normalise(_read(urls["fwd_oracle"]), k1, [EXPORT_RUN[0]])
        restored = normalise(_read(urls["fwd_tgt"]), k2, [EXPORT_RUN[0]])
        fresh = normalise(_read(urls["fwd_fresh"]), k2, [EXPORT_RUN[0]])
        result = compare_tables(oracle, restored, fresh)
        differences = {name: r for name, r in result.items() if not r.equal}
        assert not differences, "\n".join(f"{n}: {r}" for n, r in differences.items())
    finally:
        for name in names.values():
            server.drop_database(name)
