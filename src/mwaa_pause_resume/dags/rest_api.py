"""The rest-only scope's access to this environment: its own REST API and the Task SDK.

Used when a task can reach no metadata database (see :mod:`.metadb_connection`).
Keys and non-secret fields come from the Airflow REST API, called through MWAA's
``InvokeRestApi`` with the execution role (MWAA sets ``AIRFLOW_ENV_NAME``); the
API redacts secrets (connection passwords, sensitive variable values), so each
secret value is read one key at a time through the Task SDK, which returns it
whole. Writes (import, pausing) go through the REST API.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

from mwaa_pause_resume.metadata.key_context import ENV_NAME_VARIABLE
from mwaa_pause_resume.metadata.layout import REST_FIELDS
from mwaa_pause_resume.shared.aws_error_fields import class_names, error_code
from mwaa_pause_resume.shared.rest_api_call import invoke_rest_api

# What a connection holds in the rest-only scope (the Airflow 3 REST API's names).
CONNECTION_FIELDS = REST_FIELDS["connections"]

PAGE_LIMIT = 100
# InvokeRestApi's Path is at most 64 characters (botocore's MWAA model, shape
# RestApiPath); a longer path is refused before it reaches Airflow.
MAX_PATH = 64


def fits(path: str) -> bool:
    """Whether InvokeRestApi takes ``path`` (:data:`MAX_PATH`)."""
    return len(path) <= MAX_PATH


# The collection path, its list key, the path of one item, and the key field.
KINDS: dict[str, tuple[str, str]] = {
    "variables": ("/variables", "key"),
    "connections": ("/connections", "connection_id"),
    "pools": ("/pools", "name"),
}


class RestApiError(RuntimeError):
    """Airflow's REST API refused a call, or InvokeRestApi itself failed."""


class TransientRestApiError(RestApiError):
    """InvokeRestApi failed in a way a later try may not: throttled, timed out, the
    connection lost, an internal error of the service (:mod:`.rest_pool` retries it)."""


# InvokeRestApi's own errors worth another try (botocore error codes), and botocore's
# exceptions for a call lost in transit (by class name: no botocore import here).
TRANSIENT_CODES = frozenset(
    {
        "ThrottlingException",
        "TooManyRequestsException",
        "InternalServerException",
        "ServiceUnavailableException",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
TRANSIENT_EXCEPTIONS = frozenset(
    {
        "ReadTimeoutError",
        "ConnectTimeoutError",
        "EndpointConnectionError",
        "ConnectionClosedError",
        "ProxyConnectionError",
    }
)
# Connections per client: the history import sends up to rest_pool.MAX_CONCURRENCY calls
# at once (botocore's default pool is 10).
MAX_POOL_CONNECTIONS = 32


def _transient(exc: Exception) -> bool:
    return error_code(exc) in TRANSIENT_CODES or bool(class_names(exc) & TRANSIENT_EXCEPTIONS)


def own_environment_name(environ: dict[str, str] | None = None) -> str:
    name = (environ if environ is not None else dict(os.environ)).get(ENV_NAME_VARIABLE, "")
    if not name:
        raise RestApiError(
            f"{ENV_NAME_VARIABLE} is not set: this task does not run in MWAA, so the "
            "rest-only scope cannot call the environment's REST API; create the Airflow "
            "connection to the metadata database instead"
        )
    return name


class AirflowRestApi:
    """Airflow's REST API of environment ``name`` through ``InvokeRestApi``."""

    def __init__(self, name: str, client: Any = None) -> None:
        self.name = name
        if client is None:
            import boto3
            from botocore.config import Config

            client = boto3.client("mwaa", config=Config(max_pool_connections=MAX_POOL_CONNECTIONS))
        self._client = client

    def call(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, Any] | None = None,
        body: Any = None,
    ) -> tuple[int, Any]:
        """Airflow's HTTP status and JSON answer (any status); InvokeRestApi's own
        failures raise :class:`RestApiError` (transient ones :class:`TransientRestApiError`)."""
        try:
            return invoke_rest_api(self._client, self.name, method, path, query=query, body=body)
        except Exception as exc:
            error = TransientRestApiError if _transient(exc) else RestApiError
            raise error(f"InvokeRestApi {method} {path} on {self.name}: {exc}") from exc

    def request(
        self, method: str, path: str, *, query: dict[str, Any] | None = None, body: Any = None
    ) -> Any:
        """The answer of a call that must succeed (2xx)."""
        status, answer = self.call(method, path, query=query, body=body)
        if not 200 <= status < 300:
            detail = answer.get("detail") if isinstance(answer, dict) else answer
            raise RestApiError(
                f"Airflow of {self.name} answered HTTP {status} to {method} {path}: "
                f"{json.dumps(detail, default=str)[:500]}"
            )
        return answer

    def list_all(
        self, path: str, key: str, query: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Every item of a collection, page by page (limit/offset)."""
        items: list[dict[str, Any]] = []
        while True:
            page_query = {**(query or {}), "limit": PAGE_LIMIT, "offset": len(items)}
            page = self.request("GET", path, query=page_query)
            batch = list(page.get(key) or [])
            items += batch
            total = int(page.get("total_entries") or 0)
            if not batch or len(items) >= total:
                return items

    # -- DAGs and runs -------------------------------------------------------------
    def paused_states(self) -> dict[str, bool]:
        return {str(d["dag_id"]): bool(d["is_paused"]) for d in self.list_all("/dags", "dags")}

    def set_paused(self, dag_id: str, paused: bool) -> None:
        self.request("PATCH", f"/dags/{dag_id}", body={"is_paused": paused})

    def write_note(self, dag_id: str, run_id: str, note: str) -> None:
        self.request("PATCH", f"/dags/{dag_id}/dagRuns/{run_id}", body={"note": note})

    def read_note(self, dag_id: str, run_id: str) -> str | None:
        run = self.request("GET", f"/dags/{dag_id}/dagRuns/{run_id}")
        note = run.get("note") if isinstance(run, dict) else None
        return str(note) if note is not None else None

    # -- run history (dags.rest_history) ---------------------------------------------
    def dag_runs(self, state: str | None = None) -> list[dict[str, Any]]:
        """Every DAG run of every DAG (``~``), oldest id first: stable pages."""
        query: dict[str, Any] = {"order_by": "id"}
        if state is not None:
            query["state"] = [state]
        return self.list_all("/dags/~/dagRuns", "dag_runs", query)

    def task_instances(self) -> list[dict[str, Any]]:
        """Every task instance of every run of every DAG."""
        return self.list_all(
            "/dags/~/dagRuns/~/taskInstances", "task_instances", {"order_by": "id"}
        )

    def dag_tasks(self, dag_id: str) -> list[dict[str, Any]]:
        """The DAG's tasks (each with its ``downstream_task_ids``)."""
        answer = self.request("GET", f"/dags/{dag_id}/tasks")
        return list(answer.get("tasks") or [])

    def bulk_update(self, path: str, entities: list[dict[str, Any]]) -> dict[str, Any]:
        """One bulk ``update`` action (entities not found are skipped): Airflow's answer
        for it, ``{"success": [keys], "errors": [...]}``."""
        body = {
            "actions": [
                {"action": "update", "entities": entities, "action_on_non_existence": "skip"}
            ]
        }
        answer = self.request("PATCH", path, body=body)
        return dict((answer or {}).get("update") or {"success": [], "errors": []})

    # -- variables, connections, pools ---------------------------------------------
    def keys(self, kind: str) -> list[dict[str, Any]]:
        """The (secret-redacted) items of ``kind`` as the API lists them."""
        return self.list_all(KINDS[kind][0], kind)

    def upsert(self, kind: str, item: dict[str, Any]) -> str:
        """Create the item, or overwrite it when it exists (the snapshot wins)."""
        path, key = KINDS[kind]
        status, answer = self.call("POST", path, body=item)
        if 200 <= status < 300:
            return "created"
        if status != 409:
            raise RestApiError(
                f"Airflow of {self.name} answered HTTP {status} to POST {path} "
                f"({item[key]}): {json.dumps(answer, default=str)[:500]}"
            )
        query = None
        if kind == "pools" and item[key] == DEFAULT_POOL:
            # Airflow lets only these fields of its default pool change, and only when the
            # update mask names nothing else; its description stays the environment's own.
            changeable = ["slots", "include_deferred"]
            item = {k: item[k] for k in ("name", *changeable) if k in item}
            query = {"update_mask": changeable}
        self.request("PATCH", f"{path}/{item[key]}", query=query, body=item)
        return "updated"


DEFAULT_POOL = "default_pool"


# -- bodies the REST API takes, from the snapshot's records -------------------------
def rest_body(kind: str, record: dict[str, Any]) -> dict[str, Any]:
    """The POST/PATCH body of one snapshot record (Airflow 3 field names)."""
    if kind == "variables":
        return {
            "key": record["key"],
            "value": record["value"],
            "description": record.get("description"),
        }
    if kind == "pools":
        return {
            "name": record["name"],
            "slots": int(record["slots"]),
            "description": record.get("description"),
            "include_deferred": bool(record.get("include_deferred")),
        }
    return {name: record.get(name) for name in CONNECTION_FIELDS}


# -- full secret values through the Task SDK ---------------------------------------
def _sdk_variable(key: str) -> str | None:
    try:
        from airflow.sdk import Variable
    except ImportError:  # Airflow 2
        from airflow.models import Variable
    value = Variable.get(key, default=None)
    return None if value is None else str(value)


def _sdk_connection(conn_id: str) -> Any:
    try:
        from airflow.sdk import Connection

        return Connection.get(conn_id)
    except ImportError:  # Airflow 2
        from airflow.hooks.base import BaseHook

        return BaseHook.get_connection(conn_id)


def collect(
    api: AirflowRestApi,
    *,
    read_variable: Callable[[str], str | None] = _sdk_variable,
    read_connection: Callable[[str], Any] = _sdk_connection,
) -> dict[str, list[dict[str, Any]]]:
    """Every variable, connection and pool, with secrets read whole through the SDK."""
    variables = []
    for item in api.keys("variables"):
        key = str(item["key"])
        variables.append(
            {"key": key, "value": read_variable(key), "description": item.get("description")}
        )
    connections = []
    for item in api.keys("connections"):
        conn_id = str(item["connection_id"])
        conn = read_connection(conn_id)
        connections.append(
            {
                "connection_id": conn_id,
                "conn_type": item.get("conn_type"),
                "description": item.get("description"),
                "host": item.get("host"),
                "login": item.get("login"),
                "schema": item.get("schema"),
                "port": item.get("port"),
                # the API redacts these two; the SDK gives them whole
                "password": getattr(conn, "password", None),
                "extra": getattr(conn, "extra", None),
            }
        )
    pools = [
        {
            "name": p["name"],
            "slots": p["slots"],
            "description": p.get("description"),
            "include_deferred": bool(p.get("include_deferred")),
        }
        for p in api.keys("pools")
    ]
    return {"variables": variables, "connections": connections, "pools": pools}
