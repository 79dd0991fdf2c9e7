"""What the rest-only scope tests do through an emulated environment's REST API
(InvokeRestApi on the MWAA emulator) and read back from its own metadata database."""

from __future__ import annotations

import time
from typing import Any

from mwaa_pause_resume.dags.result_note import parse_note
from mwaa_pause_resume.metadata.secrets import Cipher
from mwaa_pause_resume.sandbox.parts import SandboxParts

RUN_TIMEOUT = 600.0  # a safety net against a hang, not a performance bound
FINISHED = ("success", "failed")


def rest(parts: SandboxParts, env: str, method: str, path: str, body: Any = None) -> Any:
    """Airflow's answer to one call that must succeed (2xx)."""
    params: dict[str, Any] = {"Name": env, "Method": method, "Path": path}
    if body is not None:
        params["Body"] = body
    got = parts.mwaa.invoke_rest_api(**params)
    assert 200 <= got["RestApiStatusCode"] < 300, got
    return got["RestApiResponse"]


def run_dag(parts: SandboxParts, env: str, dag_id: str, run_id: str, conf: dict[str, Any]) -> Any:
    """Unpause and trigger ``dag_id`` as the workflows do (with the run's authorization,
    made with the sandbox's HMAC key as the dag_trigger function makes it), then poll
    until it ends; returns the finished run (its note parsed)."""
    from mwaa_pause_resume.metadata.run_authorization import CONF_KEY, RunClaims, issue

    action = "export" if dag_id == "mwaa_export_data" else "import"
    claims = RunClaims(env, dag_id, run_id, str(conf["snapshot"]), time.time() + RUN_TIMEOUT)
    token = issue(parts.local.client("kms"), parts.local.mac_key_arn, action, claims)
    conf = {**conf, CONF_KEY: token}
    rest(parts, env, "PATCH", f"/dags/{dag_id}", {"is_paused": False})
    body = {"dag_run_id": run_id, "logical_date": None, "conf": conf}
    rest(parts, env, "POST", f"/dags/{dag_id}/dagRuns", body)
    deadline = time.monotonic() + RUN_TIMEOUT
    while True:
        run = rest(parts, env, "GET", f"/dags/{dag_id}/dagRuns/{run_id}")
        if run["state"] in FINISHED:
            run["result"] = parse_note(run.get("note"))
            return run
        if time.monotonic() > deadline:
            log = parts.airflow.environment(env).task_logs(dag_id, run_id)
            raise AssertionError(f"{dag_id} still {run['state']}: {log}")
        time.sleep(1.0)


def sign_snapshot(parts: SandboxParts, env: str, snapshot_id: str) -> None:
    """What the pause workflow's verify function does once the export verified."""
    from mwaa_pause_resume.metadata import open_store
    from mwaa_pause_resume.metadata.snapshot_mac import sign_manifest
    from mwaa_pause_resume.sandbox.parts import BUCKET

    store = open_store(f"s3://{BUCKET}/{env}/{snapshot_id}/")
    kms = parts.local.client("kms")
    sign_manifest(store, kms, parts.local.mac_key_arn, environment=env, snapshot_id=snapshot_id)


def recreate_environment(parts: SandboxParts, env: str, version: str) -> None:
    """Delete ``env`` and create it again, as a pause and a resume do (a new database
    and Fernet key; a snapshot is restored only into its own environment)."""
    from mwaa_pause_resume.sandbox.parts import create_environment

    parts.mwaa.delete_environment(Name=env)
    parts.local.wait_until(
        lambda: env not in parts.mwaa.list_environments()["Environments"], timeout=120
    )
    create_environment(parts.mwaa, env, version)


def read_items(parts: SandboxParts, env: str) -> dict[str, Any]:
    """Variables, connections (secrets decrypted with the environment's own Fernet
    key), pools and paused states, straight from the environment's database."""
    import psycopg2

    facts = parts.airflow.environment(env)
    cipher = Cipher(facts.fernet_key, "environment key")

    def plain(value: Any, encrypted: Any) -> Any:
        return cipher.decrypt(value, "value") if value and encrypted else value

    conn = psycopg2.connect(facts.db_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT key, val, is_encrypted, description FROM variable")
            variables = {k: (plain(v, e), d) for k, v, e, d in cur.fetchall()}
            cur.execute(
                "SELECT conn_id, conn_type, host, login, schema, port, password, "
                "is_encrypted, extra, is_extra_encrypted FROM connection"
            )
            connections = {
                row[0]: (*row[1:6], plain(row[6], row[7]), plain(row[8], row[9]))
                for row in cur.fetchall()
            }
            cur.execute("SELECT pool, slots, description, include_deferred FROM slot_pool")
            pools = {row[0]: row[1:] for row in cur.fetchall()}
            cur.execute("SELECT dag_id, is_paused FROM dag")
            paused = {str(d): bool(p) for d, p in cur.fetchall()}
    finally:
        conn.close()
    return {"variables": variables, "connections": connections, "pools": pools, "paused": paused}
