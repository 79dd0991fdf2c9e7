"""A user's task trying every way an Airflow 3 task could reach the metadata database.

It succeeds only if one of them opens a connection, and says which in its return
value; it fails otherwise, naming what it tried. The product's own resolver
(``dags.metadb_connection``) is one of the ways.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG


def probe() -> str:
    import psycopg2

    tried: list[str] = []
    candidates: list[tuple[str, dict[str, Any]]] = []
    if os.environ.get("MWAA__DB__POSTGRES_HOST"):
        candidates.append(
            (
                "MWAA__DB__* variables",
                {
                    "host": os.environ["MWAA__DB__POSTGRES_HOST"],
                    "port": int(os.environ.get("MWAA__DB__POSTGRES_PORT", "5432")),
                    "dbname": os.environ.get("MWAA__DB__POSTGRES_DB", ""),
                    "user": os.environ.get("MWAA__DB__POSTGRES_USER", ""),
                    "password": os.environ.get("MWAA__DB__POSTGRES_PASSWORD", ""),
                },
            )
        )
    else:
        tried.append("MWAA__DB__* variables: not set")
    from airflow.configuration import conf

    url = conf.get("database", "sql_alchemy_conn", fallback="")
    if url.startswith("postgresql"):
        candidates.append(("Airflow's sql_alchemy_conn", {"dsn": url.replace("+psycopg2", "")}))
    else:
        tried.append(f"Airflow's sql_alchemy_conn: {url!r}")
    for label, kwargs in candidates:
        try:
            psycopg2.connect(connect_timeout=5, **kwargs).close()
            return f"connected through {label}"
        except psycopg2.Error as exc:
            tried.append(f"{label}: {str(exc).strip()[:200]}")
    from mwaa_pause_resume.dags.metadb_connection import metadb_available
    from mwaa_pause_resume.dags.run_conf import DEFAULT_DB_CONN_ID

    found = metadb_available(DEFAULT_DB_CONN_ID)
    tried.append(f"the product's resolver finds a database: {found}")
    raise RuntimeError("no way into the metadata database: " + "; ".join(tried))


with DAG(dag_id="db_probe", schedule=None, start_date=datetime(2024, 1, 1), catchup=False):
    PythonOperator(task_id="probe", python_callable=probe)
