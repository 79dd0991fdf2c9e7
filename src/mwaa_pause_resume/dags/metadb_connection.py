"""A plain psycopg2 connection to this environment's own metadata database.

The metadata engine needs a DB-API connection. Where it comes from, in order:

1. the Airflow connection ``mwaa_pause_resume_metadb`` (fixed: a run's conf cannot
   point the DAGs at another database), when it exists: the documented way, and the
   only one on self-managed Airflow 3;
2. Airflow 2 only: ``[database] sql_alchemy_conn`` (tasks may use the database on
   Airflow 2; Airflow 3 workers see ``airflow-db-not-allowed:///`` there);
3. MWAA's own ``MWAA__DB__*`` environment variables, when the worker has them
   (undocumented by AWS and unsupported: host/port/db/sslmode plus
   ``MWAA__DB__CREDENTIALS`` JSON or ``MWAA__DB__POSTGRES_USER``/``_PASSWORD``;
   with ``USE_IAM_CREDENTIALS=true`` an RDS IAM token is minted, unverified).

None of these touch Airflow's ORM, so the path works under Airflow 3's ORM block.
When none exists, the DAGs fall back to the rest-only scope (:mod:`.rest_api`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

BLOCKED_URL_PREFIX = "airflow-db-not-allowed"
MWAA_IAM_DB_USER = "airflow_user"  # the user MWAA's own RDS IAM helper connects as
_LIBPQ_OPTIONS = frozenset(
    {
        "sslmode",
        "sslrootcert",
        "sslcert",
        "sslkey",
        "connect_timeout",
        "options",
        "application_name",
        "target_session_attrs",
        "keepalives",
        "keepalives_idle",
    }
)


class NoMetadbConnection(RuntimeError):
    """No way to reach the metadata database was found; the message says what to create."""


@dataclass(frozen=True)
class DbParams:
    """libpq keyword arguments plus where they came from (never the password in repr)."""

    source: str
    host: str
    dbname: str
    user: str
    password: str | None = field(default=None, repr=False)
    port: int = 5432
    options: dict[str, str] = field(default_factory=dict)

    def connect_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "dbname": self.dbname,
            "user": self.user,
            **self.options,
        }
        if self.password is not None:
            kwargs["password"] = self.password
        return kwargs


def params_from_connection(conn: Any, source: str) -> DbParams:
    """From an Airflow Connection object (models or task-SDK: same attribute names)."""
    extra: dict[str, Any] = {}
    raw_extra = getattr(conn, "extra", None)
    if raw_extra:
        try:
            loaded = json.loads(raw_extra)
        except ValueError:
            loaded = {}
        extra = loaded if isinstance(loaded, dict) else {}
    if not conn.host:
        raise NoMetadbConnection(f"{source} has no host")
    return DbParams(
        source=source,
        host=str(conn.host),
        port=int(conn.port or 5432),
        dbname=str(conn.schema or "postgres"),
        user=str(conn.login or ""),
        password=conn.password or None,
        options={k: str(v) for k, v in extra.items() if k in _LIBPQ_OPTIONS},
    )


def params_from_url(url: str, source: str) -> DbParams | None:
    """From a SQLAlchemy/libpq URL; None when it is Airflow 3's blocked placeholder or not
    PostgreSQL."""
    if not url or url.startswith(BLOCKED_URL_PREFIX):
        return None
    parts = urlsplit(url)
    scheme = parts.scheme.split("+", 1)[0]
    if scheme not in ("postgresql", "postgres"):
        return None
    query = dict(parse_qsl(parts.query))
    return DbParams(
        source=source,
        host=parts.hostname or "localhost",
        port=parts.port or 5432,
        dbname=unquote(parts.path.lstrip("/")) or "postgres",
        user=unquote(parts.username or ""),
        password=unquote(parts.password) if parts.password is not None else None,
        options={k: v for k, v in query.items() if k in _LIBPQ_OPTIONS},
    )


def params_from_mwaa_env(
    environ: Mapping[str, str], iam_token: Callable[[str, int, str], str] | None = None
) -> DbParams | None:
    """From MWAA's ``MWAA__DB__*`` variables; None when they are absent."""
    host = environ.get("MWAA__DB__POSTGRES_HOST")
    if not host:
        return None
    port = int(environ.get("MWAA__DB__POSTGRES_PORT") or 5432)
    options = (
        {"sslmode": environ["MWAA__DB__POSTGRES_SSLMODE"]}
        if environ.get("MWAA__DB__POSTGRES_SSLMODE")
        else {}
    )
    dbname = environ.get("MWAA__DB__POSTGRES_DB") or "AirflowMetadata"
    if environ.get("USE_IAM_CREDENTIALS", "").lower() == "true" and iam_token is not None:
        token_host = environ.get("RDS_IAM_TOKEN_HOSTNAME") or host
        return DbParams(
            "MWAA__DB__* (RDS IAM)",
            host,
            dbname,
            MWAA_IAM_DB_USER,
            iam_token(token_host, port, MWAA_IAM_DB_USER),
            port,
            options,
        )
    user = environ.get("MWAA__DB__POSTGRES_USER")
    password = environ.get("MWAA__DB__POSTGRES_PASSWORD")
    if environ.get("MWAA__DB__CREDENTIALS"):
        creds = json.loads(environ["MWAA__DB__CREDENTIALS"])
        user, password = creds.get("username", user), creds.get("password", password)
    if not user:
        return None
    return DbParams("MWAA__DB__*", host, dbname, user, password, port, options)


def _rds_iam_token(host: str, port: int, user: str) -> str:
    import boto3

    token: str = boto3.client("rds").generate_db_auth_token(
        DBHostname=host, Port=port, DBUsername=user
    )
    return token


def _airflow_connection(conn_id: str, airflow_major: int) -> Any | None:
    """The Airflow connection ``conn_id`` (secrets backends, then the API/DB), or None."""
    from airflow.exceptions import AirflowNotFoundException

    try:
        if airflow_major >= 3:
            from airflow.sdk import Connection

            return Connection.get(conn_id)
        from airflow.hooks.base import BaseHook

        return BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return None


def missing_connection_message(conn_id: str) -> str:
    return (
        f"cannot reach the Airflow metadata database from this task: there is no Airflow "
        f"connection {conn_id!r} and no MWAA__DB__* variables. Create the connection "
        f"(type postgres: host, port, schema = database name, login, password of the "
        f"metadata database), e.g. AIRFLOW_CONN_{conn_id.upper()}="
        f"'postgresql://USER:PASSWORD@HOST:5432/DBNAME'"
    )


def resolve_params(
    conn_id: str,
    airflow_major: int,
    *,
    get_connection: Callable[[str], Any | None],
    sql_alchemy_conn: Callable[[], str],
    environ: Mapping[str, str],
    iam_token: Callable[[str, int, str], str] | None = None,
) -> DbParams:
    """Pick the first available source (see the module docstring)."""
    conn = get_connection(conn_id)
    if conn is not None:
        return params_from_connection(conn, f"Airflow connection {conn_id!r}")
    if airflow_major < 3:
        params = params_from_url(sql_alchemy_conn(), "[database] sql_alchemy_conn")
        if params is not None:
            return params
    params = params_from_mwaa_env(environ, iam_token)
    if params is not None:
        return params
    raise NoMetadbConnection(missing_connection_message(conn_id))


def _resolve(conn_id: str) -> DbParams:
    from airflow import __version__ as airflow_version

    major = int(airflow_version.split(".")[0])

    def sql_alchemy_conn() -> str:
        from airflow.configuration import conf

        return str(conf.get("database", "sql_alchemy_conn", fallback=""))

    return resolve_params(
        conn_id,
        major,
        get_connection=lambda cid: _airflow_connection(cid, major),
        sql_alchemy_conn=sql_alchemy_conn,
        environ=os.environ,
        iam_token=_rds_iam_token,
    )


def metadb_available(conn_id: str) -> bool:
    """Whether any source of :func:`resolve_params` exists (without connecting).

    False makes the DAGs fall back to the rest-only scope (see ``dags/rest_api.py``).
    """
    try:
        _resolve(conn_id)
    except NoMetadbConnection:
        return False
    return True


def open_metadb(conn_id: str) -> tuple[Any, DbParams]:
    """A new psycopg2 connection to the metadata DB (caller closes it), and its source."""
    import psycopg2

    params = _resolve(conn_id)
    return psycopg2.connect(**params.connect_kwargs()), params
