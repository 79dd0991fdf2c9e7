"""Round trip env A (key K1) -> snapshot -> env B (key K2, with rows of its own).

Real PostgreSQL, schemas migrated by every Airflow version the tool supports
(``airflow_versions.SUPPORTED``, installed under MWAA's constraints).
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet, MultiFernet

from mwaa_pause_resume.airflow_versions import SUPPORTED
from mwaa_pause_resume.errors import UserError
from mwaa_pause_resume.metadata import (
    KEPT,
    RestoreFailed,
    SnapshotIncompatible,
    SnapshotInvalid,
    WrongKey,
    export_snapshot,
    open_store,
    restore_snapshot,
    verify_snapshot,
)
from tests.metadata.metadata_compare import REFERENCES, count_all, missing, rows
from tests.metadata.metadata_fingerprint import changed, fingerprint
from tests.metadata.metadata_seed import CLASH_RUN, DAG_PROCESSOR_CALLBACK, EXPORT_RUN, NASTY, TEAM

pytestmark = [pytest.mark.postgres, pytest.mark.airflow]
VERSIONS = SUPPORTED
INTERRUPTED_RUN = ("mapped", "manual__m1")

# compared on their own below (secrets, merged rows, cleared columns)
SPECIAL = {
    "variable",
    "connection",
    "trigger",
    "slot_pool",
    "dag",
    "log_template",
    "dag_bundle",
    "dag_version",
}


def _export(pair: Any, **kw: Any) -> Any:
    return export_snapshot(
        pair.source,
        pair.store,
        fernet_key=pair.k1 or None,
        airflow_version=pair.version,
        exclude_dag_runs=[EXPORT_RUN],
        original_paused=pair.facts["original_paused"],
        **kw,
    )


def _query(conn: Any, sql: str, args: Any = None) -> list[tuple[Any, ...]]:
    with conn.cursor() as cur:
        cur.execute(sql, args)
        out = list(cur.fetchall())
    conn.rollback()
    return out


def _belongs_to(row: dict[str, Any], runs: set[tuple[str, str]]) -> bool:
    """Does a canonical row belong to one of ``runs`` (by columns or by its run reference)?"""
    if (row.get("dag_id"), row.get("run_id")) in runs:
        return True
    refs = [v for k, v in row.items() if k in ("dag_run_id", "dagrun_id")]
    return any(v in {f"{d}/{r}" for d, r in runs} for v in refs)


@pytest.mark.parametrize("version", VERSIONS)
def test_round_trip_restores_every_kept_row(make_pair: Callable[..., Any], version: str) -> None:
    pair = make_pair(version)
    before_target = {t: rows(pair.target, t) for t in ("job", "dag_run", "log", "task_instance")}
    manifest = _export(pair)
    assert manifest.alembic_revision
    assert verify_snapshot(pair.store).rows == {t: e.rows for t, e in manifest.tables.items()}
    report = restore_snapshot(pair.target, pair.store, fernet_key=pair.k2, snapshot_key=pair.k1)

    skipped_runs = {EXPORT_RUN, CLASH_RUN}
    checked = 0
    for table in manifest.tables:
        if table in SPECIAL:
            continue
        expected = [r for r in rows(pair.source, table) if not _belongs_to(r, skipped_runs)]
        if table in ("dag_run", "task_instance"):  # changed by the interrupted policy
            expected = [
                r
                for r in expected
                if (r["dag_id"], r["run_id"]) != INTERRUPTED_RUN or r.get("state") == "success"
            ]
        if table == "callback":  # the DAG processor's requests are in-flight work: not kept
            expected = [r for r in expected if r["type"] != "dag_processor"]
        lost = missing(expected, rows(pair.target, table))
        assert not lost, f"{table}: rows not restored (or references wrong): {lost}"
        checked += len(expected)
    assert checked >= 25
    if "callback" in manifest.tables:  # Airflow 3.2+
        assert _query(
            pair.source, "SELECT type FROM callback WHERE id = %s", (DAG_PROCESSOR_CALLBACK,)
        ) == [("dag_processor",)]
        assert manifest.tables["callback"].rows == 1
        assert _query(pair.target, "SELECT count(*) FROM callback WHERE id = %s",
                      (DAG_PROCESSOR_CALLBACK,)) == [(0,)]  # fmt: skip
        # the missed deadline's callback runs on the restored (renumbered) trigger
        assert _query(
            pair.target,
            "SELECT c.state, t.classpath FROM deadline d JOIN callback c ON c.id = d.callback_id "
            'JOIN "trigger" t ON t.id = c.trigger_id JOIN dag_run r ON r.id = d.dagrun_id '
            "WHERE r.run_id = 'scheduled__d1'",
        ) == [("queued", "airflow.triggers.temporal.DateTimeTrigger")]
        # merged rows (the target had its own 'secret') take the team they name along
        assert _query(pair.target, "SELECT key FROM variable WHERE team_name = %s", (TEAM,)) == [
            ("secret",)
        ]
        assert _query(pair.target, "SELECT pool FROM slot_pool WHERE team_name = %s", (TEAM,)) == [
            ("small|pool",)
        ]
    # the export DAG's own run is not in the snapshot at all
    assert manifest.excluded_dag_runs == [{"dag_id": EXPORT_RUN[0], "run_id": EXPORT_RUN[1]}]
    assert _query(
        pair.target, "SELECT count(*) FROM dag_run WHERE run_id = %s", (EXPORT_RUN[1],)
    ) == [(0,)]
    # the target's own rows are intact (import run, its TI, job, log)
    for table, own in before_target.items():
        assert not missing(own, rows(pair.target, table)), table
    # the clash run: target's row kept, the snapshot's and its children skipped (counted)
    assert _query(
        pair.target, "SELECT state FROM dag_run WHERE dag_id = %s AND run_id = %s", CLASH_RUN
    ) == [("failed",)]
    assert report.tables["dag_run"].kept_target == 1
    assert report.tables["task_instance"].skipped_with_parent == 1
    assert report.tables["xcom"].skipped_with_parent == 1
    # the deferred task keeps its (re-encrypted) trigger, now unassigned
    ((classpath, kwargs, triggerer),) = _query(
        pair.target,
        "SELECT t.classpath, t.kwargs, t.triggerer_id FROM task_instance ti "
        "JOIN \"trigger\" t ON t.id = ti.trigger_id WHERE ti.task_id = 'wait'",
    )
    assert classpath.endswith("DateTimeTrigger") and triggerer is None
    assert NASTY in json.loads(Fernet(pair.k2.encode()).decrypt(kwargs.encode()))["__var"]["note"]
    # every id reference without a declared FK points at the right row
    checked_refs = 0
    for table, refs in REFERENCES.items():
        if table not in manifest.tables:
            continue
        for col, parent in refs.items():
            if col in [
                c
                for (c,) in _query(
                    pair.target,
                    "SELECT column_name FROM information_schema.columns WHERE table_name = %s",
                    (table,),
                )
            ]:
                dangling = _query(
                    pair.target,
                    f'SELECT count(*) FROM "{table}" t WHERE '
                    f't."{col}" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM '
                    f'"{parent}" p WHERE p.id = t."{col}")',
                )
                assert dangling == [(0,)], f"{table}.{col} -> {parent}"
                checked_refs += 1
    assert checked_refs >= 15, checked_refs  # 19 (Airflow 2) or 22 (Airflow 3) columns
    assert report.tables["job"].inserted == 4
    # every snapshot row is accounted for in exactly one outcome (nothing silently dropped)
    for table, t in report.tables.items():
        outcomes = (
            t.inserted + t.updated + t.matched + t.kept_target
            + t.skipped_with_parent + t.skipped_conflict + t.cleared
        )  # fmt: skip
        assert outcomes == t.snapshot_rows, (table, t)


@pytest.mark.parametrize("version", VERSIONS)
def test_secrets_pools_paused_states_and_interrupted_work(
    make_pair: Callable[..., Any], version: str
) -> None:
    pair = make_pair(version)
    manifest = _export(pair)
    assert manifest.secrets.scheme == "source-fernet-key"
    assert pair.k1.split(",")[0] not in json.dumps(manifest.to_dict())
    report = restore_snapshot(pair.target, pair.store, fernet_key=pair.k2, snapshot_key=pair.k1)
    k2 = MultiFernet([Fernet(pair.k2.encode())])

    variables = dict(_query(pair.target, "SELECT key, val FROM variable WHERE is_encrypted"))
    assert k2.decrypt(variables["secret"].encode()).decode() == NASTY  # snapshot wins
    assert k2.decrypt(variables["empty"].encode()).decode() == ""
    assert k2.decrypt(variables["only_in_target"].encode()).decode() == "target's own"
    if pair.facts["null_variable"]:  # variable.val is NOT NULL from Airflow 3.2
        assert _query(pair.target, "SELECT val, is_encrypted FROM variable WHERE key = 'null'") == [
            (None, False)
        ]
    ((plain, flag),) = _query(
        pair.target, "SELECT val, is_encrypted FROM variable WHERE key = 'plain'"
    )
    assert flag is True  # plain in the source, encrypted like Airflow would in the target
    assert k2.decrypt(plain.encode()).decode() == '{"json": [1, 2]}'
    ((pw, extra, description),) = _query(
        pair.target,
        "SELECT password, extra, description FROM connection WHERE conn_id = 'warehouse'",
    )
    assert k2.decrypt(pw.encode()).decode() == "p@ss,w'o\"rd|\\"
    assert json.loads(k2.decrypt(extra.encode()))["note"] == NASTY
    assert description == NASTY
    assert _query(
        pair.target, "SELECT password, extra, is_encrypted FROM connection WHERE conn_id = 'nopass'"
    ) == [(None, "", False)]
    # pools: snapshot wins, default_pool included
    assert dict(_query(pair.target, "SELECT pool, slots FROM slot_pool")) == {
        "default_pool": 7,
        "small|pool": 2,
    }
    # paused states are the originals, not the all-paused state at export time
    paused = dict(_query(pair.target, "SELECT dag_id, is_paused FROM dag"))
    assert paused["etl"] is False and paused["mapped"] is False and paused["deferrer"] is True
    # the import DAG is running in the target: its paused state is not touched
    assert paused["mwaa_pause_resume_import"] is False
    assert report.paused_states_kept_busy == ["mwaa_pause_resume_import"]
    assert report.paused_states_pending == []
    # scheduling cursor of an already parsed DAG comes from the snapshot
    cursor = "next_dagrun"
    if pair.facts["partitioned_cursor"]:  # Airflow 3.2+: the partition of the next run too
        cursor += ", next_dagrun_partition_key, next_dagrun_partition_date"
    expected_cursor = _query(pair.source, f"SELECT {cursor} FROM dag WHERE dag_id = 'etl'")
    assert _query(pair.target, f"SELECT {cursor} FROM dag WHERE dag_id = 'etl'") == expected_cursor
    assert None not in expected_cursor[0]
    # interrupted work: the running task is cleared and its run queued (rerun policy)
    assert manifest.interrupted == [
        {
            "dag_id": "mapped",
            "run_id": "manual__m1",
            "task_id": "sink",
            "map_index": -1,
            "state": "running",
        }
    ]
    assert _query(pair.target, "SELECT state FROM task_instance WHERE task_id = 'sink'") == [
        (None,)
    ]
    assert _query(pair.target, "SELECT max_tries FROM task_instance WHERE task_id = 'sink'") == [
        (2,)
    ]  # the attempt cut off by the pause does not use up its retry (max_tries was 1)
    assert _query(
        pair.target, "SELECT state, end_date FROM dag_run WHERE run_id = %s", (INTERRUPTED_RUN[1],)
    ) == [("queued", None)]
    assert _query(
        pair.target,
        "SELECT count(*) FROM task_instance WHERE task_id = 'fan' AND state = 'success'",
    ) == [(3,)]  # mapped siblings untouched
    assert (report.interrupted_runs, report.interrupted_task_instances) == (1, 1)
    # pickled conf (2.x bytea) / jsonb conf (3.x) survive byte for byte
    conf = _query(
        pair.target, "SELECT conf FROM dag_run WHERE dag_id = 'etl' AND run_id LIKE 'scheduled%%'"
    )[0][0]
    value = conf if pair.major >= 3 else pickle.loads(bytes(conf))
    assert value == {"k": NASTY, "n": None}


@pytest.mark.parametrize("version", VERSIONS)
def test_sequences_and_new_rows_after_restore(make_pair: Callable[..., Any], version: str) -> None:
    pair = make_pair(version)
    _export(pair)
    restore_snapshot(pair.target, pair.store, fernet_key=pair.k2, snapshot_key=pair.k1)
    cur = pair.target.cursor()
    for table, cols, values in (
        ("job", "(job_type, state)", "('LocalTaskJob', 'running')"),
        ("log", "(event)", "('after-restore')"),
        ("variable", "(key, val, is_encrypted)", "('new_after', 'x', false)"),
        ("slot_pool", "(pool, slots, include_deferred)", "('p2', 1, false)"),
    ):
        cur.execute(f'INSERT INTO "{table}" {cols} VALUES {values} RETURNING id')
        new_id = cur.fetchone()[0]
        cur.execute(f'SELECT max(id) FROM "{table}"')
        assert cur.fetchone()[0] == new_id, table
    pair.target.commit()


@pytest.mark.parametrize("version", ["2.10.3", "3.0.6"])
def test_dag_versions_and_fail_policy(make_pair: Callable[..., Any], version: str) -> None:
    pair = make_pair(version)
    # the export DAG reports a whole run as interrupted: its deferred task must not resume
    _export(pair, interrupted=[{"dag_id": "deferrer", "run_id": "scheduled__d1"}])
    report = restore_snapshot(
        pair.target, pair.store, fernet_key=pair.k2, snapshot_key=pair.k1, interrupted_policy="fail"
    )
    assert _query(
        pair.target,
        "SELECT ti.task_id, ti.state, ti.trigger_id, dr.state "
        "FROM task_instance ti JOIN dag_run dr USING (dag_id, run_id) "
        "WHERE ti.task_id IN ('sink', 'wait') ORDER BY 1",
    ) == [("sink", "failed", None, "failed"), ("wait", "failed", None, "failed")]
    assert report.interrupted_policy == "fail"
    assert (report.interrupted_runs, report.interrupted_task_instances) == (2, 2)
    if pair.major < 3:
        return
    # Airflow 3: the snapshot's versions keep their ids; the target's own come after them
    got = _query(
        pair.target,
        "SELECT version_number, id::text FROM dag_version "
        "WHERE dag_id = 'etl' ORDER BY version_number",
    )
    assert [n for n, _ in got] == [1, 2, 3]
    assert got[1][1] == pair.facts["versions"]["etl"]
    assert _query(
        pair.target,
        "SELECT count(*) FROM task_instance ti WHERE dag_version_id "
        "IS NOT NULL AND NOT EXISTS (SELECT 1 FROM dag_version v "
        "WHERE v.id = ti.dag_version_id)",
    ) == [(0,)]


@pytest.mark.parametrize("version", ["2.10.3", "3.0.6"])
def test_corrupted_file_fails_verify_and_import_without_changes(
    make_pair: Callable[..., Any], version: str
) -> None:
    pair = make_pair(version)
    manifest = _export(pair)
    path = pair.store.root / manifest.tables["dag_run"].file  # type: ignore[attr-defined]
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(SnapshotInvalid, match=r"tables/dag_run\.csv\.gz.*corrupted"):
        verify_snapshot(pair.store)
    before = count_all(pair.target)
    with pytest.raises(SnapshotInvalid):
        restore_snapshot(pair.target, pair.store, fernet_key=pair.k2, snapshot_key=pair.k1)
    assert count_all(pair.target) == before


@pytest.mark.parametrize("version", ["2.10.3", "3.0.6"])
def test_failure_midway_changes_nothing(make_pair: Callable[..., Any], version: str) -> None:
    pair = make_pair(version)
    _export(pair)
    with pair.target.cursor() as cur:  # xcom is among the last tables restored
        cur.execute(
            "ALTER TABLE xcom ADD CONSTRAINT no_return_values CHECK (key <> 'return_value')"
        )
    pair.target.commit()
    before = count_all(pair.target)
    with pytest.raises(RestoreFailed, match=r"xcom.*rolled back"):
        restore_snapshot(pair.target, pair.store, fernet_key=pair.k2, snapshot_key=pair.k1)
    assert count_all(pair.target) == before


def test_wrong_or_missing_snapshot_key_is_refused_before_writing(
    make_pair: Callable[..., Any],
) -> None:
    pair = make_pair("2.10.3")
    _export(pair)
    before = count_all(pair.target)
    with pytest.raises(WrongKey, match="fingerprint"):
        restore_snapshot(
            pair.target, pair.store, fernet_key=pair.k2, snapshot_key=Fernet.generate_key().decode()
        )
    with pytest.raises(WrongKey, match="source-fernet-key"):
        restore_snapshot(pair.target, pair.store, fernet_key=pair.k2)
    with pytest.raises(WrongKey, match="not a valid Fernet key"):
        restore_snapshot(pair.target, pair.store, fernet_key="nope", snapshot_key=pair.k1)
    assert count_all(pair.target) == before
    # a rotated key list that still holds the snapshot's key is accepted
    rotated = f"{Fernet.generate_key().decode()},{pair.k1}"
    restore_snapshot(pair.target, pair.store, fernet_key=pair.k2, snapshot_key=rotated)


def test_export_with_wrong_source_key_fails_clearly(make_pair: Callable[..., Any]) -> None:
    pair = make_pair("2.10.3")
    with pytest.raises(WrongKey, match=r"variable 'secret' cannot be decrypted"):
        export_snapshot(pair.source, pair.store, fernet_key=Fernet.generate_key().decode())
    with pytest.raises(WrongKey, match="no Fernet key was given"):
        export_snapshot(pair.source, pair.store, fernet_key=None)
    assert pair.store.list() == []  # the key is checked before any table is written
    # a key list whose first key is new and whose second is the one in use is fine
    rotated = f"{Fernet.generate_key().decode()},{pair.k1}"
    assert export_snapshot(pair.source, pair.store, fernet_key=rotated).tables["variable"].rows


def test_without_any_fernet_key_values_stay_plain(make_pair: Callable[..., Any]) -> None:
    pair = make_pair("2.10.3", source_key=False, target_key=False)
    manifest = export_snapshot(pair.source, pair.store, fernet_key=None)
    assert manifest.secrets.scheme == "none"
    restore_snapshot(pair.target, pair.store, fernet_key=None)
    assert _query(pair.target, "SELECT val, is_encrypted FROM variable WHERE key = 'secret'") == [
        (NASTY, False)
    ]


def test_plain_source_into_encrypted_target(make_pair: Callable[..., Any]) -> None:
    """A snapshot with plaintext secrets (scheme none) never goes into a database that
    encrypts (issue 13); exported with a key, the same source's secrets do."""
    pair = make_pair("2.10.3", source_key=False)
    export_snapshot(pair.source, pair.store, fernet_key=None)
    before = fingerprint(pair.target)
    with pytest.raises(SnapshotIncompatible, match="secrets scheme 'none'"):
        restore_snapshot(pair.target, pair.store, fernet_key=pair.k2)
    assert not changed(before, fingerprint(pair.target))
    keyed = open_store(str(Path(pair.store.location).parent / "keyed"))
    export_snapshot(pair.source, keyed, fernet_key=pair.k2)  # any key: the source has none
    restore_snapshot(pair.target, keyed, fernet_key=pair.k2, snapshot_key=pair.k2)
    ((val, flag),) = _query(
        pair.target, "SELECT val, is_encrypted FROM variable WHERE key = 'secret'"
    )
    assert flag is True and Fernet(pair.k2.encode()).decrypt(val.encode()).decode() == NASTY


def test_schema_mismatch_is_refused_with_versions(
    make_pair: Callable[..., Any],
    metadata_databases: Callable[[str], Any],
    unique_name: Callable[[str], str],
) -> None:
    import psycopg2

    pair = make_pair("2.10.3", seed_target_rows=False)
    _export(pair)
    dbs = metadata_databases("3.0.6")
    name = unique_name("af3")
    conn = psycopg2.connect(dbs.create(name))
    try:
        before = count_all(conn)
        versions = r"5f2621c13b39 \(Airflow 2\.10\.3, .*\).*fe199e1abd77 \(Airflow 3\.0\.6\)"
        with pytest.raises(SnapshotIncompatible, match=versions):
            restore_snapshot(conn, pair.store, fernet_key=pair.k2, snapshot_key=pair.k1)
        assert count_all(conn) == before
    finally:
        conn.close()
        dbs.server.drop_database(name)


@pytest.mark.parametrize("version", VERSIONS)
def test_every_table_of_every_version_is_classified(
    make_pair: Callable[..., Any], version: str
) -> None:
    """A new Airflow table must be decided on (kept or regenerated), never silently dropped."""
    from mwaa_pause_resume.metadata import REGENERATED

    pair = make_pair(version, seed_target_rows=False)
    tables = {
        t
        for (t,) in _query(
            pair.target, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        )
    }
    assert tables - set(KEPT) - set(REGENERATED) == set()


@pytest.mark.parametrize("version", VERSIONS)
def test_secrets_readable_through_airflow_models(
    make_pair: Callable[..., Any], version: str, tmp_path: Any
) -> None:
    from pathlib import Path

    pair = make_pair(version)
    _export(pair)
    restore_snapshot(pair.target, pair.store, fernet_key=pair.k2, snapshot_key=pair.k1)
    runtime = pair.databases.runtime
    env = runtime.environ(pair.target_url, pair.k2, tmp_path / "home")
    script = Path(__file__).with_name("metadata_airflow_read.py")
    done = runtime.run([str(script)], env, timeout=300)
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    seen = json.loads(line[len("RESULT ") :])
    assert seen["variables"]["secret"] == NASTY
    assert seen["variables"]["plain"] == '{"json": [1, 2]}'
    assert seen["variables"]["only_in_target"] == "target's own"
    assert seen["connections"]["warehouse"]["password"] == "p@ss,w'o\"rd|\\"
    assert json.loads(seen["connections"]["warehouse"]["extra"])["note"] == NASTY
    assert seen["triggers"] == [NASTY]


def test_explicit_snapshot_key(make_pair: Callable[..., Any]) -> None:
    pair = make_pair("3.0.6")
    chosen = Fernet.generate_key().decode()
    manifest = _export(pair, snapshot_key=chosen)
    assert manifest.secrets.scheme == "fernet-key"
    with pytest.raises(WrongKey, match="snapshot key"):
        restore_snapshot(pair.target, pair.store, fernet_key=pair.k2, snapshot_key=pair.k1)
    restore_snapshot(pair.target, pair.store, fernet_key=pair.k2, snapshot_key=chosen)
    ((val,),) = _query(pair.target, "SELECT val FROM variable WHERE key = 'secret'")
    assert Fernet(pair.k2.encode()).decrypt(val.encode()).decode() == NASTY


@pytest.mark.parametrize("version", ["2.10.3", "3.0.6"])
def test_many_ids_remapped_against_a_busy_target(
    make_pair: Callable[..., Any], version: str
) -> None:
    """Thousands of jobs/runs/task instances whose ids overlap the target's own."""
    pair = make_pair(version)
    v3 = pair.major >= 3
    date = "logical_date" if v3 else "execution_date"
    extra_cols = ", run_after" if v3 else ""
    extra_vals = ", now()" if v3 else ""
    ti_id = "gen_random_uuid(), " if v3 else ""
    ti_col = "id, " if v3 else ""
    for conn, host, year in ((pair.source, "src", 2020), (pair.target, "tgt", 2030)):
        with conn.cursor() as cur:
            cur.execute(
                "INSERT INTO job (job_type, hostname, state) SELECT 'LocalTaskJob', "
                f"'{host}-' || g, 'success' FROM generate_series(1, 1500) g"
            )
            cur.execute(
                f"INSERT INTO dag_run (dag_id, run_id, {date}, run_type, state, "
                f"creating_job_id{extra_cols}) SELECT 'bulk', '{host}' || g, "
                f"timestamp '{year}-01-01' + g * interval '1 hour', 'manual', 'success', "
                f"(SELECT min(id) FROM job) + g % 1500{extra_vals} "
                "FROM generate_series(1, 400) g"
            )
            cur.execute(
                f"INSERT INTO task_instance ({ti_col}dag_id, run_id, task_id, "
                "map_index, state, pool, pool_slots, queued_by_job_id) SELECT "
                f"{ti_id}'bulk', '{host}' || (g % 400 + 1), 't', g / 400, 'success', "
                "'default_pool', 1, (SELECT max(id) FROM job) - g % 1500 "
                "FROM generate_series(0, 3999) g"
            )
        conn.commit()
    _export(pair)
    report = restore_snapshot(pair.target, pair.store, fernet_key=pair.k2, snapshot_key=pair.k1)
    assert report.tables["task_instance"].inserted >= 4000
    for table in ("dag_run", "task_instance", "job"):
        expected = [r for r in rows(pair.source, table) if r.get("dag_id", "bulk") == "bulk"]
        assert not missing(expected, rows(pair.target, table)), table
    # the target's own bulk rows still point at the target's own jobs
    assert _query(
        pair.target,
        "SELECT count(*) FROM task_instance ti JOIN job j ON "
        "j.id = ti.queued_by_job_id WHERE ti.run_id LIKE 'tgt%%' AND "
        "j.hostname LIKE 'tgt-%%'",
    ) == [(4000,)]


@pytest.mark.parametrize("version", ["2.10.3", "3.0.6"])
def test_colliding_task_instance_is_skipped_with_its_dependents(
    make_pair: Callable[..., Any], version: str
) -> None:
    """A task instance the target already has (its run is new) is skipped row by row."""
    pair = make_pair(version)
    _export(pair)
    with pair.target.cursor() as cur:  # the target has etl/extract of a run it does not have
        cur.execute("ALTER TABLE task_instance DISABLE TRIGGER ALL")  # bypass the run FK
        cols = "id, " if pair.major >= 3 else ""
        vals = "gen_random_uuid(), " if pair.major >= 3 else ""
        cur.execute(
            f"INSERT INTO task_instance ({cols}dag_id, task_id, run_id, map_index, "
            f"pool, pool_slots, state) VALUES ({vals}'etl', 'extract', "
            "'scheduled__2026-03-01', -1, 'default_pool', 1, 'upstream_failed')"
        )
        cur.execute("ALTER TABLE task_instance ENABLE TRIGGER ALL")
    pair.target.commit()
    report = restore_snapshot(pair.target, pair.store, fernet_key=pair.k2, snapshot_key=pair.k1)
    assert report.tables["task_instance"].skipped_conflict == 1
    assert report.tables["xcom"].skipped_with_parent >= 1  # its xcom went with it
    assert report.tables["task_instance"].inserted == 6
    assert _query(
        pair.target,
        "SELECT state FROM task_instance WHERE task_id = 'extract' "
        "AND run_id = 'scheduled__2026-03-01'",
    ) == [("upstream_failed",)]


def test_connection_is_usable_for_writes_after_export(make_pair: Callable[..., Any]) -> None:
    """The export DAG reuses its connection (e.g. to put paused states back)."""
    pair = make_pair("2.10.3", seed_target_rows=False)
    pair.source.autocommit = True
    _export(pair)
    assert pair.source.autocommit is True
    with pair.source.cursor() as cur:
        cur.execute("UPDATE dag SET is_paused = false WHERE dag_id = 'etl'")
        cur.execute("SHOW transaction_isolation")
        assert cur.fetchone() == ("read committed",)
    pair.source.autocommit = False
    with pytest.raises(UserError, match="already holds a complete snapshot"):
        _export(pair)
    pair.store.delete_prefix()
    _export(pair)
    with pair.source.cursor() as cur:
        cur.execute("UPDATE dag SET is_paused = true WHERE dag_id = 'etl'")
    pair.source.commit()
    # uncommitted writes of the caller are never silently rolled back
    pair.store.delete_prefix()
    with pair.source.cursor() as cur:
        cur.execute("UPDATE dag SET is_paused = false WHERE dag_id = 'etl'")
    with pytest.raises(UserError, match="uncommitted changes"):
        _export(pair)
    pair.source.commit()
    with pair.source.cursor() as cur:
        cur.execute("SELECT 1")
    _export(pair)  # an open read-only transaction is fine
