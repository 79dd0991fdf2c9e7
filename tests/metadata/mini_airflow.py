"""A tiny Airflow-shaped schema on the real PostgreSQL server, without Airflow.

The engine is schema-driven (catalog, foreign keys, sequences), so four kept tables with
Airflow 2.10's columns exercise its export, guards and restore with the ``postgres``
marker only: no Airflow virtualenv, no ``airflow db migrate``. Tests of behaviour that
depends on Airflow's real schema use ``make_pair`` (``airflow`` marker) instead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet

# No Airflow version has this schema (it is a few tables of one): `metadata verify` holds
# its snapshots to the tables their manifest lists, as for any self-managed Airflow.
REVISION = "0mini0schema"
SCHEMA = f"""
CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);
INSERT INTO alembic_version VALUES ('{REVISION}');
CREATE TABLE job (
    id serial PRIMARY KEY, dag_id varchar(250), state varchar(20), job_type varchar(30),
    start_date timestamptz, end_date timestamptz, latest_heartbeat timestamptz,
    executor_class varchar(500), hostname varchar(500), unixname varchar(1000));
CREATE TABLE variable (
    id serial PRIMARY KEY, key varchar(250) UNIQUE, val text, description text,
    is_encrypted boolean);
CREATE TABLE dag_run (
    id serial PRIMARY KEY, dag_id varchar(250) NOT NULL, run_id varchar(250) NOT NULL,
    state varchar(50), creating_job_id integer, UNIQUE (dag_id, run_id));
CREATE TABLE log (
    id serial PRIMARY KEY, dttm timestamptz, dag_id varchar(250), task_id varchar(250),
    map_index integer, event varchar(60), execution_date timestamptz, run_id varchar(250),
    owner varchar(500), owner_display_name varchar(500), extra text);
"""
SEQUENCES = ("job_id_seq", "variable_id_seq", "dag_run_id_seq", "log_id_seq")
T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


@dataclass
class MiniPair:
    source_url: str
    target_url: str
    source: Any  # psycopg2 connections
    target: Any
    key: str  # both sides' Fernet key (one key keeps the tests short)


def create(conn: Any) -> None:
    with conn.cursor() as cur:
        cur.execute(SCHEMA)
    conn.commit()


def seed(conn: Any, key: str, *, runs: list[tuple[str, str]] | None = None) -> None:
    """A few jobs, runs (made by a job), variables (one encrypted) and audit-log rows."""
    runs = runs if runs is not None else [("etl", "scheduled__1"), ("etl", "scheduled__2")]
    with conn.cursor() as cur:
        cur.execute("SELECT setval('job_id_seq', 40)")  # ids far from 1: remaps show
        for i in range(3):
            cur.execute(
                "INSERT INTO job (state, job_type, start_date, hostname) "
                "VALUES ('success', 'SchedulerJob', %s, 'worker-1')",
                (T0 + dt.timedelta(minutes=i),),
            )
        for dag_id, run_id in runs:
            cur.execute(
                "INSERT INTO dag_run (dag_id, run_id, state, creating_job_id) "
                "VALUES (%s, %s, 'success', 41)",
                (dag_id, run_id),
            )
            cur.execute(
                "INSERT INTO log (dttm, dag_id, run_id, event, owner) "
                "VALUES (%s, %s, %s, 'trigger', 'admin')",
                (T0, dag_id, run_id),
            )
        token = Fernet(key.encode()).encrypt(b"secret value").decode()
        cur.execute(
            "INSERT INTO variable (key, val, is_encrypted) VALUES ('plain', 'v', false), "
            "('secret', %s, true)",
            (token,),
        )
    conn.commit()


def sequences(conn: Any) -> dict[str, tuple[int, bool]]:
    """Every sequence's (last_value, is_called): what a restore must not move on refusal."""
    out = {}
    with conn.cursor() as cur:
        for name in SEQUENCES:
            cur.execute(f"SELECT last_value, is_called FROM {name}")
            out[name] = tuple(cur.fetchone())
    conn.rollback()
    return out


def rows(conn: Any) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    with conn.cursor() as cur:
        for table in ("job", "variable", "dag_run", "log"):
            cur.execute(f"SELECT * FROM {table} ORDER BY id")
            out[table] = cur.fetchall()
    conn.rollback()
    return out
