"""What every task of the export and import DAGs reads of its run and its environment:
the run's key and conf, the metadata database, the keys and the Airflow version.

Shared by the task callables (:mod:`.tasks`) and the steps of both scopes
(:mod:`.full_scope_steps`, :mod:`.rest_scope_steps`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Iterator
from typing import Any

from mwaa_pause_resume.dags import quiesce
from mwaa_pause_resume.dags.metadb_connection import open_metadb
from mwaa_pause_resume.dags.run_conf import DEFAULT_DB_CONN_ID, RunConfError
from mwaa_pause_resume.metadata.flags import SnapshotScope

log = logging.getLogger("mwaa_pause_resume.dags.tasks")

# Snapshots written without a KMS key protect secrets with the source environment's
# Fernet key; the import reads it from this variable (never from the run conf, which
# Airflow stores and shows).
SNAPSHOT_KEY_ENV = "MWAA_PAUSE_RESUME_SNAPSHOT_KEY"

# The scopes (the run note and the manifest say which one a snapshot has).
FULL_SCOPE: str = SnapshotScope.FULL.value  # plain strings: they go into XCom
REST_SCOPE: str = SnapshotScope.REST_ONLY.value


class SnapshotStepFailed(RuntimeError):
    """Fails the run on purpose after cleaning up (the note holds the details)."""


def run_key(context: dict[str, Any]) -> quiesce.RunKey:
    dag_run = context["dag_run"]
    return str(dag_run.dag_id), str(dag_run.run_id)


def run_conf(context: dict[str, Any]) -> dict[str, Any]:
    conf = getattr(context["dag_run"], "conf", None) or {}
    if not isinstance(conf, dict):
        raise RunConfError(f"the DAG run conf must be a JSON object, got {type(conf).__name__}")
    return conf


def conn_id(context: dict[str, Any]) -> str:
    """The Airflow connection to the metadata database: fixed, never from the conf (a run
    could otherwise point the DAGs at another database)."""
    return DEFAULT_DB_CONN_ID


def environment_fernet_key() -> str:
    """This environment's Fernet key: Airflow config, else MWAA's MWAA__CORE__FERNET_KEY."""
    from airflow.configuration import conf

    key = str(conf.get("core", "fernet_key", fallback="") or "")
    if key:
        return key
    raw = os.environ.get("MWAA__CORE__FERNET_KEY", "")
    if raw.startswith("{"):
        return str(json.loads(raw).get("FernetKey", ""))
    return raw


def snapshot_key() -> str | None:
    """The source environment's Fernet key for a snapshot written without KMS, if set."""
    return os.environ.get(SNAPSHOT_KEY_ENV) or None


def airflow_version() -> str:
    from airflow import __version__

    return str(__version__)


@contextlib.contextmanager
def metadb(conn_id: str) -> Iterator[Any]:
    conn, params = open_metadb(conn_id)
    log.info(
        "metadata database via %s (%s:%s/%s)",
        params.source,
        params.host,
        params.port,
        params.dbname,
    )
    try:
        yield conn
    finally:
        conn.close()
