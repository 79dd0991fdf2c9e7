"""An older snapshot restored into a newer Airflow, against Airflow's own upgrade.

The oracle: a copy of the source database migrated by the target version's
``airflow db migrate``. Our restore of the source's snapshot into a fresh target of that
version must hold the same rows, compared by natural keys as the sandbox compares
(``sandbox.row_compare``); every difference is named in ``sandbox.forward_oracle``.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from cryptography.fernet import Fernet
from metadata_seed import EXPORT_RUN, seed_source

from mwaa_pause_resume.airflow_versions import BY_VERSION, VERSIONS
from mwaa_pause_resume.dags.quiesce import unfinished_work
from mwaa_pause_resume.metadata import export_snapshot, open_store, restore_snapshot
from mwaa_pause_resume.metadata.forward import ddl
from mwaa_pause_resume.sandbox.airflow_runtime import AirflowRuntime
from mwaa_pause_resume.sandbox.forward_migrations import VenvMigrations
from mwaa_pause_resume.sandbox.forward_oracle import (
    LEFT_BEHIND,
    adjust_oracle,
    adjust_restored,
    migrated_copy,
    own_rows,
    target_only,
)
from mwaa_pause_resume.sandbox.forward_schemas import schema_ddl
from mwaa_pause_resume.sandbox.row_compare import (
    compare_tables,
    normalise,
    read_tables,
)

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


def _paused_as_recorded(tables: Any, paused: dict[str, bool]) -> Any:
    """The restore applies each DAG's paused state from before the export paused them all
    (the manifest's paused_states), not the one in the database at the export."""
    dag = tables["dag"]
    at = dag.columns.index("is_paused")
    rows = []
    for row in dag.rows:
        dag_id = row[dag.columns.index("dag_id")]
        state = paused.get(dag_id)
        value = row[at] if state is None else ("true" if state else "false")
        rows.append((*row[:at], value, *row[at + 1 :]))
    tables["dag"] = dataclasses.replace(dag, rows=tuple(rows))
    return tables


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
        store = open_store(str(tmp_path / "snap"))
        export_snapshot(
            source,
            store,
            fernet_key=k1,
            airflow_version=source_version,
            exclude_dag_runs=[EXPORT_RUN],
            original_paused=facts["original_paused"],
            interrupted=unfinished_work(source, EXPORT_RUN),  # as the export DAG records them
        )
        source.close()
        # the oracle: Airflow's own upgrade of a copy of the source
        runtime = AirflowRuntime(target_version).ensure()
        urls["fwd_oracle"] = migrated_copy(
            server,
            names["fwd_src"],
            names["fwd_oracle"],
            version=target_version,
            home=tmp_path / "home",
            fernet_key=k1,
        )

        migrations = VenvMigrations(runtime, urls["fwd_tgt"], tmp_path / "home")
        report = restore_snapshot(
            target, store, fernet_key=k2, snapshot_key=k1, migrations=migrations
        )
        target.close()
        revisions = {BY_VERSION[v].alembic_revision for v in (source_version, target_version)}
        assert (report.brought_forward is not None) == (len(revisions) == 2)

        oracle_raw, restored_raw = _read(urls["fwd_oracle"]), _read(urls["fwd_tgt"])
        left_behind = (report.brought_forward or {}).get("left_behind", [])
        assert set(left_behind) <= set(LEFT_BEHIND), left_behind
        fresh_raw = _read(urls["fwd_fresh"])
        own = target_only(own_rows(fresh_raw), own_rows(oracle_raw))
        adjust_oracle(  # every difference named in sandbox.forward_oracle
            oracle_raw, source_major=int(source_version[0]), target_major=runtime.major
        )
        adjust_restored(restored_raw, own)
        oracle = normalise(
            _paused_as_recorded(oracle_raw, facts["original_paused"]), k1, [EXPORT_RUN[0]]
        )
        restored = normalise(restored_raw, k2, [EXPORT_RUN[0]])
        fresh = normalise(fresh_raw, k2, [EXPORT_RUN[0]])
        result = compare_tables(oracle, restored, fresh)
        differences = {name: r for name, r in result.items() if not r.equal}
        assert not differences, "\n".join(f"{n}: {r}" for n, r in differences.items())
    finally:
        for name in names.values():
            server.drop_database(name)


def test_shipped_source_schemas_are_what_airflow_makes(
    metadata_databases: Callable[[str], Any], unique_name: Callable[[str], str]
) -> None:
    """The DDL the engine builds an older snapshot's schema from is a migrated database's
    (regenerate: python -m mwaa_pause_resume.sandbox.forward_schemas)."""
    newest = VERSIONS[-1].alembic_revision
    wanted = {v.alembic_revision: v.version for v in VERSIONS if v.alembic_revision != newest}
    assert set(wanted) == ddl.known_sources()
    for revision, version in wanted.items():
        dbs = metadata_databases(version)
        text = schema_ddl(dbs.server, dbs, unique_name("fwd_ddl"))
        assert text == ddl.source_ddl(revision), f"{revision} (Airflow {version}) differs"
