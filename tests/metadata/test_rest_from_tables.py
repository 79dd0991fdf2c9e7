"""A full-scope snapshot's rows as the REST channel's records (metadata.rest_from_tables,
metadata.pg_csv): pure, per source Airflow (2.x rows, 3.x rows). That the records equal
what Airflow's own migration makes of the same rows is checked against a real migration
in test_metadata_forward.py."""

from __future__ import annotations

import os
import pickle
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.fernet import Fernet

from mwaa_pause_resume.metadata import pg_csv
from mwaa_pause_resume.metadata.manifest import Column, Manifest, Secrets, TableEntry
from mwaa_pause_resume.metadata.rest_from_tables import (
    conf_from_pickle,
    left_behind,
    positions,
    rest_records,
)
from mwaa_pause_resume.metadata.secrets import Cipher
from mwaa_pause_resume.metadata.streams import csv_line

T = "2026-03-01T12:00:00+00:00"
T1 = "2026-03-01T13:00:00+00:00"


# -- PostgreSQL's CSV ------------------------------------------------------------------
def test_csv_tells_null_from_empty_and_keeps_quoted_commas_quotes_and_newlines() -> None:
    nasty = 'a,b;"q"\nnew line'
    text = csv_line(["1", None, "", nasty]).decode() + '2,,"",plain\n'
    assert list(pg_csv.rows(text, 4)) == [["1", None, "", nasty], ["2", None, "", "plain"]]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("1,2\n", "has 2 fields"),  # a column missing
        ('1,a"b,c\n', "not PostgreSQL CSV"),  # a quote inside an unquoted value
        ('1,"open,c\n', "not PostgreSQL CSV"),  # a quoted value never closed
    ],
)
def test_csv_refuses_what_postgresql_does_not_write(text: str, problem: str) -> None:
    with pytest.raises(pg_csv.CsvDamaged, match=problem):
        list(pg_csv.rows(text, 3))


def test_values_typed_by_the_manifests_column_types() -> None:
    columns = [
        Column("n", "integer"),
        Column("ok", "boolean"),
        Column("flag", "boolean"),
        Column("at", "timestamp with time zone"),
        Column("conf", "jsonb"),
        Column("raw", "bytea"),
        Column("d", "double precision"),
        Column("t", "text"),
    ]
    line = csv_line(
        ["7", "t", "false", "2026-03-01 12:00:00.5+00", '{"a": [1]}', "\\x8005", "1.5", ""]
    )
    assert pg_csv.records(line.decode(), columns) == [
        {
            "n": 7,
            "ok": True,
            "flag": False,
            "at": "2026-03-01T12:00:00.500000+00:00",
            "conf": {"a": [1]},
            "raw": b"\x80\x05",
            "d": 1.5,
            "t": "",
        }
    ]
    with pytest.raises(pg_csv.CsvDamaged, match="line 1"):
        pg_csv.records(csv_line(["x", "t", "t", None, None, None, None, None]).decode(), columns)


# -- conf: Airflow 3.0's migration 0055 -------------------------------------------------
class _Runs:
    """A pickle that would run code when loaded by an unrestricted unpickler."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, ("echo pwned > /dev/null",))


@pytest.mark.parametrize(
    ("conf", "expected"),
    [
        ({"batch": [1, 2], "s": "x"}, {"batch": [1, 2], "s": "x"}),
        ({"t": (1, 2)}, {"t": [1, 2]}),  # JSON has no tuple
        (None, None),
        ({"when": datetime(2026, 1, 1, tzinfo=UTC)}, None),  # not JSON: NULL
        ([1, 2], None),  # not an object: the REST API takes objects only
    ],
)
def test_pickled_conf_converted_as_airflows_migration_does(conf: Any, expected: Any) -> None:
    assert conf_from_pickle(pickle.dumps(conf, protocol=5)) == expected


def test_an_empty_conf_as_the_migration_leaves_it() -> None:
    assert conf_from_pickle(pickle.dumps({}, protocol=5)) is None  # stored NULL
    assert conf_from_pickle(pickle.dumps({}, protocol=4)) == {}  # converted


def test_a_pickled_conf_that_would_run_code_is_refused_unloaded() -> None:
    assert conf_from_pickle(pickle.dumps({"x": _Runs()})) is None
    assert conf_from_pickle(b"not a pickle") is None


# -- the records ------------------------------------------------------------------------
def _run2(run_id: str, run_type: str, at: str, **more: Any) -> dict[str, Any]:
    """A dag_run row of Airflow 2 (execution_date, pickled conf, no run_after)."""
    return {
        "id": more.pop("id", 1),
        "dag_id": more.pop("dag_id", "etl"),
        "run_id": run_id,
        "execution_date": at,
        "data_interval_start": more.pop("start", None),
        "data_interval_end": more.pop("end", None),
        "run_type": run_type,
        "conf": more.pop("conf", None),
        "state": more.pop("state", "success"),
        "start_date": at,
        "end_date": at,
        **more,
    }


def test_airflow2_rows_become_the_records_airflow3_would_hold() -> None:
    key = Fernet.generate_key().decode()
    cipher = Cipher(key, "snapshot key")
    tables = {
        "variable": [
            {"key": "v", "val": cipher.encrypt("secret"), "description": "d", "is_encrypted": True},
            {"key": "plain", "val": "1", "description": None, "is_encrypted": False},
        ],
        "connection": [
            {
                "conn_id": "db",
                "conn_type": "postgres",
                "host": "h",
                "port": 5432,
                "password": cipher.encrypt("pw"),
                "is_encrypted": True,
                "extra": "",
                "is_extra_encrypted": False,
            }
        ],
        "slot_pool": [{"pool": "p", "slots": 3, "description": None, "include_deferred": True}],
        "dag_run": [
            _run2("scheduled__a", "scheduled", T, id=10, start=T, end=T1),
            _run2("manual__b", "manual", T1, id=11, conf=pickle.dumps({"k": 1}, protocol=5)),
        ],
        "dag_run_note": [{"dag_run_id": 11, "content": "checked"}],
        "task_instance": [
            {
                "dag_id": "etl",
                "run_id": "manual__b",
                "task_id": "t",
                "map_index": 2,
                "state": "up_for_retry",
                "try_number": 2,
                "hostname": "w1",
            }
        ],
        "task_instance_note": [
            {"dag_id": "etl", "run_id": "manual__b", "task_id": "t", "map_index": 2, "content": "n"}
        ],
    }
    got = rest_records(tables, paused_states={"etl": False}, cipher=cipher)
    assert got.variables == [
        {"key": "v", "value": "secret", "description": "d"},
        {"key": "plain", "value": "1", "description": None},
    ]
    assert got.connections[0]["password"] == "pw" and got.connections[0]["extra"] == ""
    assert got.pools == [{"name": "p", "slots": 3, "description": None, "include_deferred": True}]
    scheduled, manual = got.dag_runs
    # migration 0058: run_after = coalesce(data_interval_end, logical_date)
    assert (scheduled["logical_date"], scheduled["run_after"]) == (T, T1)
    assert (manual["run_after"], manual["conf"], manual["note"]) == (T1, {"k": 1}, "checked")
    assert scheduled["note"] is None and scheduled["conf"] is None
    assert got.task_instances == [
        {
            "dag_id": "etl",
            "dag_run_id": "manual__b",
            "task_id": "t",
            "map_index": 2,
            "state": "up_for_retry",
            "note": "n",
            "try_number": 2,
            "start_date": None,
            "end_date": None,
            "hostname": "w1",
        }
    ]
    assert got.paused_states == {"etl": False}
    assert [p["run_id"] for p in got.positions or []] == ["scheduled__a"]


def test_airflow3_rows_keep_their_run_after_and_notes_by_task_instance_id() -> None:
    run = {
        "id": 5,
        "dag_id": "etl",
        "run_id": "manual__x",
        "logical_date": None,
        "run_after": T1,
        "run_type": "manual",
        "conf": {"a": 1},
        "state": "failed",
    }
    ti = {
        "id": "0190-uuid",
        "dag_id": "etl",
        "run_id": "manual__x",
        "task_id": "t",
        "map_index": -1,
    }
    tables = {
        "dag_run": [run],
        "task_instance": [ti],
        "task_instance_note": [{"ti_id": "0190-uuid", "content": "by id"}],
    }
    got = rest_records(tables, paused_states={}, cipher=None)
    assert (got.dag_runs[0]["run_after"], got.dag_runs[0]["conf"]) == (T1, {"a": 1})
    assert got.dag_runs[0]["logical_date"] is None
    assert got.task_instances[0]["note"] == "by id"
    assert got.positions == []  # a manual run is no scheduler position


def test_position_is_each_dags_newest_automated_run() -> None:
    runs = [
        {"dag_id": "a", "dag_run_id": "scheduled__1", "run_type": "scheduled", "logical_date": T},
        {"dag_id": "a", "dag_run_id": "backfill__2", "run_type": "backfill", "logical_date": T1},
        {"dag_id": "a", "dag_run_id": "manual__3", "run_type": "manual", "logical_date": T1},
        {"dag_id": "b", "dag_run_id": "manual__1", "run_type": "manual", "logical_date": T},
        {
            "dag_id": "c",
            "dag_run_id": "s",
            "run_type": "scheduled",
            "logical_date": "2026-03-01T14:00:00Z",
        },
        {"dag_id": "c", "dag_run_id": "s0", "run_type": "scheduled", "logical_date": T1},
    ]
    got = {p["dag_id"]: p["run_id"] for p in positions(runs)}
    assert got == {"a": "backfill__2", "c": "s"}


def test_left_behind_counts_what_the_rest_channel_cannot_write() -> None:
    def entry(rows: int) -> TableEntry:
        return TableEntry(columns=(), rows=rows, bytes=0, sha256="", file="")

    manifest = Manifest(
        created_at="",
        airflow_version="2.11.2",
        alembic_revision="5f2621c13b39",
        scope="full",
        tables={"xcom": entry(4), "dataset_event": entry(2), "dag_run": entry(9)},
        secrets=Secrets("none"),
    )
    got = left_behind(manifest)
    assert {item: n for item, (n, _) in got.items()} == {"xcoms": 4, "asset_events": 2}
    manifest.tables.pop("xcom")
    assert left_behind(manifest)["xcoms"][0] == 0
