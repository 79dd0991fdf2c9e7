"""``metadata.schemas.SCHEMA_TABLES`` is what Airflow's migrations really create.

Verify requires a snapshot to hold ``kept_tables(SCHEMA_TABLES[revision])``; were the
table wrong, verify would refuse good snapshots or accept incomplete ones. So each
supported version's real migrated schema is compared with it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg2
import pytest

from mwaa_pause_resume.airflow_versions import SUPPORTED, VERSIONS
from mwaa_pause_resume.metadata.schemas import SCHEMA_TABLES


def test_every_supported_revision_has_its_tables() -> None:
    assert {v.alembic_revision for v in VERSIONS} <= set(SCHEMA_TABLES)


@pytest.mark.postgres
@pytest.mark.airflow
@pytest.mark.parametrize("version", SUPPORTED)
def test_schema_tables_are_the_migrated_schema(
    metadata_databases: Callable[[str], Any], unique_name: Callable[[str], str], version: str
) -> None:
    dbs = metadata_databases(version)
    name = unique_name("schema")
    conn = psycopg2.connect(dbs.create(name))
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "AND tablename NOT LIKE 'ab\\_%' AND tablename <> 'alembic_version_fab'"
            )
            tables = {t for (t,) in cur.fetchall()}
            cur.execute("SELECT version_num FROM alembic_version")
            (revision,) = cur.fetchone()
    finally:
        conn.close()
        dbs.server.drop_database(name)
    assert tables == SCHEMA_TABLES[revision]
