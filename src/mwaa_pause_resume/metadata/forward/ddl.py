"""The schema of each source revision a snapshot can be brought forward from, as DDL.

A newer Airflow's migrations need the older schema in place before they can bring its
rows forward, and the target's Airflow package cannot always build it (3.0's migration
chain starts at 2.7 without a base migration). So the package ships, per older alembic
revision, the schema Airflow's own ``airflow db migrate`` creates for it (``pg_dump
--schema-only`` of a migrated database, made unqualified here so it can be built in any
schema). ``sandbox.forward_schemas`` regenerates the files from the Airflow versions of
``airflow_versions``: adding a version is running it (and committing the new file).
"""

from __future__ import annotations

import re
from pathlib import Path

SCHEMAS_DIR = Path(__file__).resolve().parent / "schemas"

# pg_dump lines that set session state or are psql meta-commands, not schema (and the
# public schema itself, which a dump of it alone creates).
_SESSION = re.compile(r"^(SET |SELECT pg_catalog\.set_config|\\|CREATE SCHEMA public;)")
_QUALIFIED = re.compile(r"\bpublic\.")


def normalise(dump: str) -> str:
    """``pg_dump --schema-only`` of a database's public schema -> unqualified DDL.

    Comments, session settings and psql meta-commands go; ``public.`` qualifiers go, so
    the statements create their objects in the first schema of the ``search_path``.
    """
    lines = [
        _QUALIFIED.sub("", line)
        for line in dump.splitlines()
        if line.strip() and not line.startswith("--") and not _SESSION.match(line)
    ]
    return "\n".join(lines) + "\n"


def statements(ddl: str) -> list[str]:
    """The statements of normalised DDL (pg_dump ends each with ``;`` at a line end)."""
    out: list[str] = []
    current: list[str] = []
    for line in ddl.splitlines():
        current.append(line)
        if line.endswith(";"):
            out.append("\n".join(current))
            current = []
    if any(part.strip() for part in current):
        out.append("\n".join(current))
    return out


def schema_file(revision: str) -> Path:
    return SCHEMAS_DIR / f"{revision}.sql"


def known_sources() -> frozenset[str]:
    """Revisions whose schema ships with the package."""
    return frozenset(p.stem for p in SCHEMAS_DIR.glob("*.sql"))


def source_ddl(revision: str) -> str | None:
    path = schema_file(revision)
    return path.read_text(encoding="utf-8") if path.exists() else None
