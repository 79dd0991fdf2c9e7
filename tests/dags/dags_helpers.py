"""Helpers for the DAG tests: run a DAG or a script in an Airflow virtualenv, read tables."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg2

from mwaa_pause_resume.airflow_versions import SUPPORTED
from mwaa_pause_resume.dags.bundle import write_dags_folder
from mwaa_pause_resume.sandbox.airflow_runtime import AirflowRuntime
from mwaa_pause_resume.sandbox.history import HistorySummary

HERE = Path(__file__).resolve().parent
DAG_RUNNER = HERE / "dag_runner.py"
READ_SECRETS = HERE / "read_secrets.py"
OUR_DAGS = ("mwaa_export_data", "mwaa_import_data")
ENV_NAME = "dev"  # AIRFLOW_ENV_NAME of every test environment (a resume re-creates the same)
# Every Airflow version the DAGs support (and MWAA offers): from the registry.
VERSIONS = SUPPORTED


@dataclass(frozen=True)
class Seeded:
    """A seeded template database of one Airflow version (clone it, never use it)."""

    template: str
    fernet_key: str
    summary: HistorySummary
    runtime: AirflowRuntime


@dataclass(frozen=True)
class DagTrust:
    """What the DAGs folder's trust file names, and where its KMS is (a moto server)."""

    endpoint_url: str
    mac_key: str
    snapshot_root: Path
    environment: str = ENV_NAME

    def environ(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AIRFLOW_ENV_NAME": self.environment,  # as MWAA sets it
        }

    def kms(self) -> Any:
        import boto3

        return boto3.client(
            "kms",
            endpoint_url=self.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def snapshot(self, snapshot_id: str) -> Path:
        """A snapshot folder of this environment (inside the trusted root)."""
        return self.snapshot_root / self.environment / snapshot_id

    def sign(self, folder: Path) -> None:
        """What the pause workflow's verify function does once the export verified."""
        from mwaa_pause_resume.metadata import open_store
        from mwaa_pause_resume.metadata.snapshot_mac import sign_manifest

        sign_manifest(
            open_store(str(folder)),
            self.kms(),
            self.mac_key,
            environment=self.environment,
            snapshot_id=folder.name,
        )


@dataclass(frozen=True)
class AirflowEnv:
    """One environment: an Airflow version bound to a metadata DB and a Fernet key."""

    runtime: AirflowRuntime
    db_url: str
    fernet_key: str
    home: Path
    dags_folder: Path
    trust: DagTrust | None = None

    def environ(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        conn: dict[str, str] = dict(self.trust.environ()) if self.trust else {}
        if self.runtime.major >= 3:  # Airflow 3 tasks need the documented connection
            conn["AIRFLOW_CONN_MWAA_PAUSE_RESUME_METADB"] = self.db_url
        return self.runtime.environ(
            self.db_url,
            self.fernet_key,
            self.home,
            dags_folder=self.dags_folder,
            extra={**conn, **(extra or {})},
        )

    def script(self, path: Path, *args: str, extra: dict[str, str] | None = None) -> Any:
        done = self.runtime.run([str(path), *args], self.environ(extra), check=False)
        lines = [ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")]
        if not lines:
            raise AssertionError(
                f"{path.name} {args} printed no result (exit "
                f"{done.returncode}):\n{done.stdout[-4000:]}\n"
                f"{done.stderr[-4000:]}"
            )
        return json.loads(lines[-1][len("RESULT ") :])

    def run_dag(
        self,
        dag_id: str,
        conf: dict[str, Any],
        extra: dict[str, str] | None = None,
        *,
        auth: dict[str, Any] | bool | None = True,
    ) -> dict[str, Any]:
        """Run ``dag_id``: authorized as the workflows do (``auth=True``), not at all
        (``False``: a manual trigger), or with ``auth`` overrides (a forged token)."""
        args = [dag_id, json.dumps(conf)]
        if auth is not False:
            assert self.trust is not None, "an authorized run needs the DAGs' trust"
            given = auth if isinstance(auth, dict) else {}
            action = "export" if dag_id == OUR_DAGS[0] else "import"
            default = {"mac_key": self.trust.mac_key, "environment": self.trust.environment}
            args.append(json.dumps({**default, "action": action, **given}))
        result: dict[str, Any] = self.script(DAG_RUNNER, "run", *args, extra=extra)
        return result

    def secrets(self) -> dict[str, Any]:
        result: dict[str, Any] = self.script(READ_SECRETS)
        return result


def bundle_dags_folder(dest: Path, trust: DagTrust | None = None) -> Path:
    """The DAGs folder as the stack deploys it: the bundle, and the trust file."""
    from mwaa_pause_resume.dags.trust import trust_document

    document = None
    if trust is not None:
        document = trust_document(
            mac_key_id=trust.mac_key, snapshot_root=str(trust.snapshot_root), deployment="tests"
        )
    write_dags_folder(dest, document)
    return dest


def clone_database(admin_url: str, template: str, name: str) -> str:
    conn = psycopg2.connect(admin_url)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cur.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        conn.close()
    return admin_url.rsplit("/", 1)[0] + "/" + name


def query(db_url: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    conn = psycopg2.connect(db_url)
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            rows = [tuple(row) for row in cur.fetchall()]
        conn.commit()
        return rows
    finally:
        conn.close()


def paused_states(db_url: str) -> dict[str, bool]:
    return {str(d): bool(p) for d, p in query(db_url, "SELECT dag_id, is_paused FROM dag")}


def run_note(db_url: str, dag_id: str, run_id: str) -> dict[str, Any]:
    rows = query(
        db_url,
        "SELECT n.content FROM dag_run_note n JOIN dag_run r "
        "ON r.id = n.dag_run_id WHERE r.dag_id = %s AND r.run_id = %s",
        (dag_id, run_id),
    )
    assert rows, f"run {dag_id}/{run_id} has no note"
    value: dict[str, Any] = json.loads(rows[0][0])
    return value


def history_view(db_url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Natural-key projections of the user-visible history (our own DAGs' runs left out)."""
    ours = list(OUR_DAGS)
    views = {
        "variable": "SELECT key, description FROM variable",
        "connection": "SELECT conn_id, conn_type, host, schema, login, port FROM connection",
        "slot_pool": "SELECT pool, slots, description FROM slot_pool",
        "dag_run": "SELECT dag_id, run_id, state, run_type FROM dag_run "
        "WHERE dag_id <> ALL(%(ours)s)",
        "task_instance": "SELECT dag_id, run_id, task_id, map_index, state, try_number "
        "FROM task_instance WHERE dag_id <> ALL(%(ours)s)",
        "xcom": "SELECT dag_id, run_id, task_id, map_index, key FROM xcom "
        "WHERE dag_id <> ALL(%(ours)s)",
        "dag_run_note": "SELECT r.dag_id, r.run_id, n.content FROM dag_run_note n "
        "JOIN dag_run r ON r.id = n.dag_run_id WHERE r.dag_id <> ALL(%(ours)s)",
        "rendered_task_instance_fields": "SELECT dag_id, run_id, task_id, map_index "
        "FROM rendered_task_instance_fields "
        "WHERE dag_id <> ALL(%(ours)s)",
        "trigger": "SELECT classpath FROM trigger",
        # References to job rows, by what they point at (ids are remapped on restore).
        "dag_run_creating_job": "SELECT r.dag_id, r.run_id, j.job_type FROM dag_run r "
        "JOIN job j ON j.id = r.creating_job_id",
        "ti_queued_by_job": "SELECT t.dag_id, t.run_id, t.task_id, t.map_index, j.job_type "
        "FROM task_instance t JOIN job j ON j.id = t.queued_by_job_id",
        "job": "SELECT job_type, state, hostname FROM job",
        "log": "SELECT event, owner, extra FROM log WHERE owner = 'seed'",
    }
    conn = psycopg2.connect(db_url)
    try:
        out: dict[str, list[tuple[Any, ...]]] = {}
        with conn.cursor() as cur:
            for name, sql in views.items():
                cur.execute(sql, {"ours": ours})
                out[name] = sorted((tuple(r) for r in cur.fetchall()), key=repr)
        return out
    finally:
        conn.close()
