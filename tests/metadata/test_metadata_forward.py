"""An older snapshot restored into a newer Airflow, against Airflow's own upgrade.

The oracle: a copy of the source database migrated by the target version's
``airflow db migrate``. Our restore of the source's snapshot into a fresh target of that
version must hold the same rows, compared by natural keys as the sandbox compares
(``sandbox.row_diff``); every difference is named in ``sandbox.forward_oracle``.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from cryptography.fernet import Fernet

from mwaa_pause_resume.airflow_versions import BY_VERSION, VERSIONS
from mwaa_pause_resume.dags.quiesce import unfinished_work
from mwaa_pause_resume.metadata import export_snapshot, open_store, restore_snapshot
from mwaa_pause_resume.metadata.forward import ddl
from mwaa_pause_resume.metadata.rest_from_tables import read_tables_as_rest
from mwaa_pause_resume.metadata.verify import read_manifest
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
from mwaa_pause_resume.sandbox.row_diff import compare_tables
from mwaa_pause_resume.sandbox.row_normalise import normalise, read_tables
from tests.metadata.metadata_seed import EXPORT_RUN, seed_source

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


def _instant(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _check_rest_records(store: Any, oracle_url: str, key: str) -> None:
    """What an Airflow 3 import without database access restores (the REST channel,
    metadata.rest_from_tables) equals the rows Airflow's own migration made of the
    snapshot's: runs (dates, run_after, conf, state, note), task instances (state, note),
    variables, connections, pools and each DAG's scheduler position."""
    data = read_tables_as_rest(store, read_manifest(store), snapshot_key=key)
    fernet = Fernet(key.encode())
    skip = EXPORT_RUN[0]
    conn = psycopg2.connect(oracle_url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT r.dag_id, r.run_id, r.logical_date, r.data_interval_start, "
                "r.data_interval_end, r.run_after, r.conf, r.state, n.content, r.run_type "
                "FROM dag_run r LEFT JOIN dag_run_note n ON n.dag_run_id = r.id "
                "WHERE r.dag_id <> %s",
                (skip,),
            )
            oracle_runs = {(r[0], r[1]): (*map(_instant, r[2:6]), r[6], r[7], r[8]) for r in cur}
            cur.execute(
                "SELECT t.dag_id, t.run_id, t.task_id, t.map_index, t.state, n.content "
                "FROM task_instance t LEFT JOIN task_instance_note n ON n.ti_id = t.id "
                "WHERE t.dag_id <> %s",
                (skip,),
            )
            oracle_tis = {tuple(r[:4]): tuple(r[4:]) for r in cur}
            cur.execute("SELECT key, val, is_encrypted, description FROM variable")
            oracle_vars = {
                k: (fernet.decrypt(v.encode()).decode() if enc and v is not None else v, d)
                for k, v, enc, d in cur
            }
            cur.execute("SELECT pool, slots, description, include_deferred FROM slot_pool")
            oracle_pools = {r[0]: tuple(r[1:]) for r in cur}
            cur.execute("SELECT conn_id, host, login, password, is_encrypted FROM connection")
            oracle_conns = {
                c: (h, lo, fernet.decrypt(p.encode()).decode() if enc and p else p)
                for c, h, lo, p, enc in cur
            }
            cur.execute(
                "SELECT DISTINCT ON (dag_id) dag_id, run_id FROM dag_run "
                "WHERE run_type IN ('scheduled', 'backfill') AND dag_id <> %s "
                "ORDER BY dag_id, logical_date DESC",
                (skip,),
            )
            oracle_positions = dict(cur.fetchall())
    finally:
        conn.close()
    runs = {
        (r["dag_id"], r["dag_run_id"]): (
            *(
                _instant(r[n])
                for n in ("logical_date", "data_interval_start", "data_interval_end", "run_after")
            ),
            r["conf"],
            r["state"],
            r["note"],
        )
        for r in data.dag_runs
    }
    assert runs == oracle_runs
    tis = {
        (t["dag_id"], t["dag_run_id"], t["task_id"], t["map_index"]): (t["state"], t["note"])
        for t in data.task_instances
    }
    assert tis == oracle_tis
    assert {v["key"]: (v["value"], v["description"]) for v in data.variables} == oracle_vars
    pools = {p["name"]: (p["slots"], p["description"], p["include_deferred"]) for p in data.pools}
    assert pools == oracle_pools
    conns = {c["connection_id"]: (c["host"], c["login"], c["password"]) for c in data.connections}
    assert conns == oracle_conns
    assert {p["dag_id"]: p["run_id"] for p in data.positions or []} == oracle_positions


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

        if runtime.major >= 3:  # the REST channel's records (no task database access)
            _check_rest_records(store, urls["fwd_oracle"], k1)

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
