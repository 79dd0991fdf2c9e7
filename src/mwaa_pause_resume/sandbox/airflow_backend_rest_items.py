"""Airflow 3's ``/api/v2`` variables, connections, pools and run notes, on the metadata DB.

The emulator's answers for the rest-only scope of the DAGs: list (limit/offset),
create (409 when the key exists) and update, with the JSON shapes of Airflow
3.0's pydantic models (``VariableResponse``, ``ConnectionResponse``,
``PoolResponse``) and their redaction: a connection's password, sensitive keys
of a JSON extra or variable, and values of variables with a sensitive key come
back as ``***``. Secrets are stored Fernet-encrypted under the environment's key,
as Airflow's models store them.
"""

from __future__ import annotations

import json
from typing import Any

from mwaa_pause_resume.metadata.secrets import Cipher
from mwaa_pause_resume.sandbox.airflow_backend_rest import Answer, get_run

REDACTED = "***"
# airflow.sdk.execution_time.secrets_masker.DEFAULT_SENSITIVE_FIELDS (3.0.6)
SENSITIVE = (
    "access_token",
    "api_key",
    "apikey",
    "authorization",
    "passphrase",
    "passwd",
    "password",
    "private_key",
    "secret",
    "token",
    "keyfile_dict",
    "service_account",
)


def sensitive(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in SENSITIVE)


def _redact(value: Any, name: str, depth: int = 0, max_depth: int = 5) -> Any:
    """Airflow's ``redact``: sensitive names hide their whole value, dicts recurse."""
    if sensitive(name) and value is not None:
        return REDACTED
    if isinstance(value, dict) and depth < max_depth:
        return {k: _redact(v, str(k), depth + 1, max_depth) for k, v in value.items()}
    if isinstance(value, list) and depth < max_depth:
        return [_redact(v, name, depth + 1, max_depth) for v in value]
    return value


def _redact_json_text(text: str | None, name: str, max_depth: int = 5) -> str | None:
    if text is None:
        return None
    try:
        loaded = json.loads(text)
    except ValueError:
        return str(_redact(text, name))
    if not isinstance(loaded, dict):
        return str(_redact(text, name))
    return json.dumps(_redact(loaded, "", 0, max_depth))


def _not_a_dict(body: Any) -> Answer | None:
    if isinstance(body, dict):
        return None
    return 422, {
        "detail": [
            {
                "type": "model_attributes_type",
                "loc": ["body"],
                "msg": "Input should be a valid dictionary or object to extract fields from",
                "input": body,
            }
        ]
    }


def _missing(field: str) -> Answer:
    return 422, {"detail": [{"type": "missing", "loc": ["body", field], "msg": "Field required"}]}


def _page(items: list[dict[str, Any]], key: str, query: dict[str, Any]) -> Answer:
    offset = int(query.get("offset") or 0)
    limit = int(query.get("limit") or 50)
    return 200, {key: items[offset : offset + limit], "total_entries": len(items)}


def _plain(cipher: Cipher, value: Any, encrypted: Any, where: str) -> str | None:
    if value is None:
        return None
    return cipher.decrypt(str(value), where) if encrypted else str(value)


# -- variables ---------------------------------------------------------------------
def _variable_json(row: tuple[Any, ...], cipher: Cipher) -> dict[str, Any]:
    key, val, description, is_encrypted = row
    plain = _plain(cipher, val, is_encrypted, f"variable {key}")
    value = _redact_json_text(plain, key, max_depth=1) if plain is not None else None
    return {
        "key": key,
        "value": value,
        "description": description,
        "is_encrypted": bool(is_encrypted),
    }


_VARIABLE_COLUMNS = "key, val, description, is_encrypted"


def list_variables(cur: Any, cipher: Cipher, query: dict[str, Any]) -> Answer:
    cur.execute(f"SELECT {_VARIABLE_COLUMNS} FROM variable ORDER BY id")
    items = [_variable_json(r, cipher) for r in cur.fetchall()]
    return _page(items, "variables", query)


def _find_variable(cur: Any, key: str) -> tuple[Any, ...] | None:
    cur.execute(f"SELECT {_VARIABLE_COLUMNS} FROM variable WHERE key = %s", (key,))
    row: tuple[Any, ...] | None = cur.fetchone()
    return row


def _variable_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def post_variable(cur: Any, cipher: Cipher, body: Any) -> Answer:
    bad = _not_a_dict(body)
    if bad:
        return bad
    for field in ("key", "value"):
        if field not in body:
            return _missing(field)
    key = str(body["key"])
    if _find_variable(cur, key) is not None:
        return 409, {"detail": f"The Variable with key: `{key}` already exists"}
    cur.execute(
        "INSERT INTO variable (key, val, description, is_encrypted) VALUES (%s, %s, %s, true)",
        (key, cipher.encrypt(_variable_text(body["value"])), body.get("description")),
    )
    row = _find_variable(cur, key)
    assert row is not None
    return 201, _variable_json(row, cipher)


def patch_variable(cur: Any, cipher: Cipher, key: str, body: Any) -> Answer:
    bad = _not_a_dict(body)
    if bad:
        return bad
    if _find_variable(cur, key) is None:
        return 404, {"detail": f"The Variable with key: `{key}` was not found"}
    if "value" not in body:
        return _missing("value")
    cur.execute(
        "UPDATE variable SET val = %s, is_encrypted = true, description = %s WHERE key = %s",
        (cipher.encrypt(_variable_text(body["value"])), body.get("description"), key),
    )
    row = _find_variable(cur, key)
    assert row is not None
    return 200, _variable_json(row, cipher)


# -- connections -------------------------------------------------------------------
_CONNECTION_COLUMNS = (
    "conn_id, conn_type, description, host, login, schema, port, "
    "password, is_encrypted, extra, is_extra_encrypted"
)
_CONNECTION_FIELDS = ("conn_type", "description", "host", "login", "schema", "port")


def _connection_json(row: tuple[Any, ...], cipher: Cipher) -> dict[str, Any]:
    conn_id, conn_type, description, host, login, schema, port = row[:7]
    password, is_encrypted, extra, is_extra_encrypted = row[7:]
    plain_password = _plain(cipher, password or None, is_encrypted, f"connection {conn_id}")
    plain_extra = _plain(cipher, extra or None, is_extra_encrypted, f"connection {conn_id}")
    return {
        "connection_id": conn_id,
        "conn_type": conn_type,
        "description": description,
        "host": host,
        "login": login,
        "schema": schema,
        "port": port,
        "password": REDACTED if plain_password is not None else None,
        "extra": _redact_json_text(plain_extra, "extra"),
    }


def list_connections(cur: Any, cipher: Cipher, query: dict[str, Any]) -> Answer:
    cur.execute(f"SELECT {_CONNECTION_COLUMNS} FROM connection ORDER BY id")
    items = [_connection_json(r, cipher) for r in cur.fetchall()]
    return _page(items, "connections", query)


def _find_connection(cur: Any, conn_id: str) -> tuple[Any, ...] | None:
    cur.execute(f"SELECT {_CONNECTION_COLUMNS} FROM connection WHERE conn_id = %s", (conn_id,))
    row: tuple[Any, ...] | None = cur.fetchone()
    return row


def _connection_values(cipher: Cipher, body: dict[str, Any]) -> tuple[Any, ...]:
    password, extra = body.get("password"), body.get("extra")
    return (
        *(body.get(f) for f in _CONNECTION_FIELDS),
        cipher.encrypt(password) if password else password,
        bool(password),
        cipher.encrypt(extra) if extra else extra,
        bool(extra),
    )


def post_connection(cur: Any, cipher: Cipher, body: Any) -> Answer:
    bad = _not_a_dict(body)
    if bad:
        return bad
    for field in ("connection_id", "conn_type"):
        if not body.get(field):
            return _missing(field)
    conn_id = str(body["connection_id"])
    if _find_connection(cur, conn_id) is not None:
        return 409, {"detail": f"The connection with connection_id: `{conn_id}` already exists"}
    cur.execute(
        f"INSERT INTO connection ({_CONNECTION_COLUMNS}) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (conn_id, *_connection_values(cipher, body)),
    )
    row = _find_connection(cur, conn_id)
    assert row is not None
    return 201, _connection_json(row, cipher)


def patch_connection(cur: Any, cipher: Cipher, conn_id: str, body: Any) -> Answer:
    bad = _not_a_dict(body)
    if bad:
        return bad
    if _find_connection(cur, conn_id) is None:
        return 404, {"detail": f"The Connection with connection_id: `{conn_id}` was not found"}
    if body.get("connection_id", conn_id) != conn_id:
        return 400, {"detail": "The connection_id in the request body does not match the URL"}
    cur.execute(
        "UPDATE connection SET conn_type = %s, description = %s, host = %s, login = %s, "
        "schema = %s, port = %s, password = %s, is_encrypted = %s, extra = %s, "
        "is_extra_encrypted = %s WHERE conn_id = %s",
        (*_connection_values(cipher, body), conn_id),
    )
    row = _find_connection(cur, conn_id)
    assert row is not None
    return 200, _connection_json(row, cipher)


# -- pools -------------------------------------------------------------------------
def _pool_json(cur: Any, row: tuple[Any, ...]) -> dict[str, Any]:
    name, slots, description, include_deferred = row
    cur.execute(
        "SELECT state, coalesce(sum(pool_slots), 0) FROM task_instance "
        "WHERE pool = %s AND state IN ('running', 'queued', 'scheduled', 'deferred') "
        "GROUP BY state",
        (name,),
    )
    used = {str(state): int(n) for state, n in cur.fetchall()}
    occupied = used.get("running", 0) + used.get("queued", 0)
    if include_deferred:
        occupied += used.get("deferred", 0)
    return {
        "name": name,
        "slots": slots,
        "description": description,
        "include_deferred": bool(include_deferred),
        "occupied_slots": occupied,
        "running_slots": used.get("running", 0),
        "queued_slots": used.get("queued", 0),
        "scheduled_slots": used.get("scheduled", 0),
        "open_slots": -1 if slots == -1 else slots - occupied,
        "deferred_slots": used.get("deferred", 0),
    }


_POOL_COLUMNS = "pool, slots, description, include_deferred"


def list_pools(cur: Any, query: dict[str, Any]) -> Answer:
    cur.execute(f"SELECT {_POOL_COLUMNS} FROM slot_pool ORDER BY id")
    items = [_pool_json(cur, r) for r in cur.fetchall()]
    return _page(items, "pools", query)


def _find_pool(cur: Any, name: str) -> tuple[Any, ...] | None:
    cur.execute(f"SELECT {_POOL_COLUMNS} FROM slot_pool WHERE pool = %s", (name,))
    row: tuple[Any, ...] | None = cur.fetchone()
    return row


def post_pool(cur: Any, body: Any) -> Answer:
    bad = _not_a_dict(body)
    if bad:
        return bad
    for field in ("name", "slots"):
        if field not in body:
            return _missing(field)
    name = str(body["name"])
    if _find_pool(cur, name) is not None:
        return 409, {"detail": f"The Pool with name: `{name}` already exists"}
    cur.execute(
        f"INSERT INTO slot_pool ({_POOL_COLUMNS}) VALUES (%s, %s, %s, %s)",
        (name, int(body["slots"]), body.get("description"), bool(body.get("include_deferred"))),
    )
    row = _find_pool(cur, name)
    assert row is not None
    return 201, _pool_json(cur, row)


def patch_pool(cur: Any, name: str, body: Any) -> Answer:
    bad = _not_a_dict(body)
    if bad:
        return bad
    row = _find_pool(cur, name)
    if row is None:
        return 404, {"detail": f"The Pool with name: `{name}` was not found"}
    _, slots, description, include_deferred = row
    cur.execute(
        "UPDATE slot_pool SET slots = %s, description = %s, include_deferred = %s WHERE pool = %s",
        (
            int(body.get("slots", slots)),
            body.get("description", description),
            bool(body.get("include_deferred", include_deferred)),
            name,
        ),
    )
    updated = _find_pool(cur, name)
    assert updated is not None
    return 200, _pool_json(cur, updated)


# -- a DAG run's note ----------------------------------------------------------------
def patch_run_note(cur: Any, dag_id: str, run_id: str, body: Any) -> Answer:
    """``PATCH /dags/{dag_id}/dagRuns/{run_id}`` with ``{"note": ...}`` (state: not here)."""
    bad = _not_a_dict(body)
    if bad:
        return bad
    status, answer = get_run(cur, 3, dag_id, run_id)
    if status != 200:
        return status, answer
    if "note" in body:
        cur.execute(
            "INSERT INTO dag_run_note (dag_run_id, content, created_at, updated_at) "
            "SELECT id, %s, now(), now() FROM dag_run WHERE dag_id = %s AND run_id = %s "
            "ON CONFLICT (dag_run_id) DO UPDATE "
            "SET content = EXCLUDED.content, updated_at = EXCLUDED.updated_at",
            (body["note"], dag_id, run_id),
        )
    return get_run(cur, 3, dag_id, run_id)
