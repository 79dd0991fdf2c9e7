"""What the sandbox failure scenarios observe and break: DAG paused states read from
an environment's own database, the backup bucket's keys and JSON in moto, the
environment's status through the MWAA API, a KMS key removed from moto."""

from __future__ import annotations

import json
from typing import Any

from mwaa_pause_resume.functions import layout
from mwaa_pause_resume.sandbox.parts import BUCKET, SandboxParts, create_environment

# Sample DAGs that are unpaused before a pause, so that "paused states put back" is
# observable (new DAGs start paused, as on MWAA).
ACTIVE_DAGS = ("sample_etl", "sample_retry")


def paused_states(parts: SandboxParts, environment: str) -> dict[str, bool]:
    """``dag.is_paused`` of every DAG, read from the environment's metadata database."""
    import psycopg2

    conn = psycopg2.connect(parts.airflow.environment(environment).db_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT dag_id, is_paused FROM dag")
            return {str(dag_id): bool(paused) for dag_id, paused in cur.fetchall()}
    finally:
        conn.close()


def last_run(parts: SandboxParts, environment: str, dag_id: str) -> dict[str, Any]:
    """The newest run of ``dag_id`` in the environment's database: its state, its task
    instances' states and its note (the DAG's result, parsed)."""
    import psycopg2

    from mwaa_pause_resume.dags.result_note import parse_note

    conn = psycopg2.connect(parts.airflow.environment(environment).db_url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT r.run_id, r.state, n.content FROM dag_run r "
                "LEFT JOIN dag_run_note n ON n.dag_run_id = r.id "
                "WHERE r.dag_id = %s ORDER BY r.id DESC LIMIT 1",
                (dag_id,),
            )
            run_id, state, note = cur.fetchone()
            cur.execute(
                "SELECT task_id, state FROM task_instance WHERE dag_id = %s AND run_id = %s",
                (dag_id, run_id),
            )
            tasks = {str(task): str(ti_state) for task, ti_state in cur.fetchall()}
    finally:
        conn.close()
    return {"run_id": run_id, "state": state, "tasks": tasks, "note": parse_note(note)}


def new_active_environment(parts: SandboxParts, environment: str) -> dict[str, bool]:
    """Create ``environment`` through the MWAA API and unpause :data:`ACTIVE_DAGS`
    through its REST API; returns the paused states it then has."""
    create_environment(parts.mwaa, environment, parts.version)
    for dag_id in ACTIVE_DAGS:
        parts.mwaa.invoke_rest_api(
            Name=environment, Path=f"/dags/{dag_id}", Method="PATCH", Body={"is_paused": False}
        )
    states = paused_states(parts, environment)
    assert {d: states[d] for d in ACTIVE_DAGS} == dict.fromkeys(ACTIVE_DAGS, False)
    return states


def environment_status(parts: SandboxParts, environment: str) -> str:
    return str(parts.mwaa.get_environment(Name=environment)["Environment"]["Status"])


def delete_environment(parts: SandboxParts, environment: str) -> None:
    """DeleteEnvironment through the MWAA API, then wait until it is gone."""
    parts.mwaa.delete_environment(Name=environment)
    parts.local.wait_until(
        lambda: (
            not any(env == environment for env in parts.mwaa.list_environments()["Environments"])
        ),
        timeout=120,
    )


def bucket_keys(parts: SandboxParts, environment: str) -> set[str]:
    s3 = parts.local.client("s3")
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=f"{environment}/")
    return {obj["Key"] for page in pages for obj in page.get("Contents", [])}


def read_json(parts: SandboxParts, key: str) -> Any:
    body = parts.local.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read()
    return json.loads(body)


def latest_key(environment: str) -> str:
    return layout.latest_key(environment)


def lock_key(environment: str) -> str:
    return layout.lock_key(environment)


def delete_kms_key(key_arn: str) -> None:
    """Remove the key from moto's KMS: every later use of it fails as for a deleted key.

    moto keeps disabled keys and keys pending deletion fully usable (it checks no key
    state), so deleting it from moto's backend is the cheap way to revoke it."""
    from moto.kms.models import kms_backends

    _, _, _, region, account, resource = key_arn.split(":", 5)
    kms_backends[account][region].delete_key(resource.removeprefix("key/"))


def new_kms_key(parts: SandboxParts, description: str) -> str:
    key = parts.local.client("kms").create_key(Description=description)
    return str(key["KeyMetadata"]["Arn"])
