"""Runs inside the Airflow 3 virtualenv: block the ORM exactly as the task supervisor does
for real task processes, then obtain the metadata DB connection the way our tasks do."""

from __future__ import annotations

import json

from airflow.sdk.execution_time.supervisor import block_orm_access


def main() -> None:
    block_orm_access()
    from airflow import settings
    from airflow.configuration import conf

    try:
        settings.Session()
        orm_blocked = False
    except RuntimeError:
        orm_blocked = True
    from mwaa_pause_resume.dags.metadb_connection import open_metadb

    conn, params = open_metadb("mwaa_pause_resume_metadb")
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM dag")
            row = cur.fetchone()
    finally:
        conn.close()
    print(
        "RESULT "
        + json.dumps(
            {
                "orm_blocked": orm_blocked,
                "sql_alchemy_conn": conf.get("database", "sql_alchemy_conn"),
                "source": params.source,
                "dag_rows": row[0] if row else None,
            }
        )
    )


if __name__ == "__main__":
    main()
