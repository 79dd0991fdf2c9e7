"""Airflow 3's variables, connections and pools on an emulated 3.0.6 environment:
/api/v2 shapes, redaction of secrets, 409 on create of an existing key, 404 on update
of a missing one, values stored Fernet-encrypted under the environment's key."""

from __future__ import annotations

import json
from typing import Any

import psycopg2
from sandbox_airflow_helpers import call, create_environment

from mwaa_pause_resume.metadata.secrets import Cipher
from mwaa_pause_resume.sandbox.airflow_backend import AirflowBackend

ENV = "af3-items"


def _stored(backend: AirflowBackend, sql: str) -> list[tuple[Any, ...]]:
    conn = psycopg2.connect(backend.environment(ENV).db_url)
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return list(cur.fetchall())
    finally:
        conn.close()


def test_variables_connections_pools(mwaa: Any, airflow_backend: AirflowBackend) -> None:
    env = create_environment(mwaa, ENV, "3.0.6")
    assert env["Status"] == "AVAILABLE", env.get("LastUpdate")
    cipher = Cipher(airflow_backend.environment(ENV).fernet_key, "key")

    assert call(mwaa, ENV, "POST", "/variables", {"key": "my_password", "value": "pw"})[0] == 201
    body = {"key": "cfg", "value": '{"secret": "s", "n": 1}', "description": "d"}
    status, created = call(mwaa, ENV, "POST", "/variables", body)
    assert status == 201
    assert created == {
        "key": "cfg",
        "value": json.dumps({"secret": "***", "n": 1}),
        "description": "d",
        "is_encrypted": True,
    }
    assert call(mwaa, ENV, "POST", "/variables", body)[0] == 409
    assert call(mwaa, ENV, "PATCH", "/variables/nope", body)[0] == 404
    status, listed = call(mwaa, ENV, "GET", "/variables")
    assert status == 200 and listed["total_entries"] == 2
    assert {v["key"]: v["value"] for v in listed["variables"]}["my_password"] == "***"
    page = mwaa.invoke_rest_api(
        Name=ENV, Method="GET", Path="/variables", QueryParameters={"limit": 1, "offset": 1}
    )["RestApiResponse"]
    assert [v["key"] for v in page["variables"]] == ["cfg"] and page["total_entries"] == 2
    rows = dict(_stored(airflow_backend, "SELECT key, val FROM variable"))
    assert cipher.decrypt(rows["my_password"], "v") == "pw"

    conn = {
        "connection_id": "db",
        "conn_type": "postgres",
        "host": "h",
        "password": "pw",
        "extra": '{"token": "t", "region": "r"}',
    }
    status, created = call(mwaa, ENV, "POST", "/connections", conn)
    assert status == 201, created
    assert created["password"] == "***"
    assert json.loads(created["extra"]) == {"token": "***", "region": "r"}
    assert call(mwaa, ENV, "POST", "/connections", conn)[0] == 409
    status, patched = call(
        mwaa, ENV, "PATCH", "/connections/db", {**conn, "host": "h2", "password": None}
    )
    assert (status, patched["host"], patched["password"]) == (200, "h2", None)
    ((password, extra),) = _stored(
        airflow_backend, "SELECT password, extra FROM connection WHERE conn_id = 'db'"
    )
    assert password is None and cipher.decrypt(extra, "extra") == conn["extra"]

    pool = {"name": "p1", "slots": 4, "description": None, "include_deferred": False}
    assert call(mwaa, ENV, "POST", "/pools", pool)[0] == 201
    assert call(mwaa, ENV, "POST", "/pools", pool)[0] == 409
    status, patched = call(mwaa, ENV, "PATCH", "/pools/p1", {"slots": 9})
    assert (status, patched["slots"], patched["open_slots"]) == (200, 9, 9)
    assert call(mwaa, ENV, "PATCH", "/pools/none", {"slots": 1})[0] == 404
    names = {p["name"] for p in call(mwaa, ENV, "GET", "/pools")[1]["pools"]}
    assert names == {"default_pool", "p1"}
