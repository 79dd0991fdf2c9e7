"""Connection handling shared by export and restore (psycopg2, imported lazily)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

from mwaa_pause_resume.errors import UserError
from mwaa_pause_resume.metadata.errors import DatabaseUnavailable, PermissionDenied

INSUFFICIENT_PRIVILEGE = "42501"  # SQLSTATE

# Fixed text formats so that COPY output of one server parses identically on another.
SESSION_SETTINGS = (
    "SET LOCAL TimeZone = 'UTC'",
    "SET LOCAL DateStyle = 'ISO, YMD'",
    "SET LOCAL IntervalStyle = 'postgres'",
    "SET LOCAL extra_float_digits = 1",
    "SET LOCAL bytea_output = 'hex'",
)


def connect(url: str) -> Any:
    """psycopg2 connection for a postgresql:// URL, with errors a user can act on."""
    import psycopg2

    # Airflow's sql_alchemy_conn may name a SQLAlchemy driver (psycopg2, psycopg 3, ...)
    url = re.sub(r"^postgres(?:ql)?\+[A-Za-z0-9_]+://", "postgresql://", url)
    if not url.startswith(("postgresql://", "postgres://")):
        raise DatabaseUnavailable(
            f"{_redact(url)!r} is not a PostgreSQL URL",
            hint="write postgresql://USER:PASSWORD@HOST:PORT/DBNAME",
        )
    try:
        return psycopg2.connect(url, connect_timeout=15, application_name="mwaa-pause-resume")
    except psycopg2.OperationalError as exc:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        text = _redact(url, text)  # libpq may quote parts of the connection string
        hint = "check host, port, database name, user and password, and that the server runs"
        if "password" in text or "authentication" in text:
            hint = "check the user name and password in the URL"
        elif "does not exist" in text:
            hint = "check the database name in the URL"
        raise DatabaseUnavailable(
            f"cannot connect to the database {_redact(url)}: {text}", hint=hint
        ) from None
    except psycopg2.ProgrammingError as exc:  # malformed DSN
        raise DatabaseUnavailable(
            f"invalid database URL {_redact(url)}: {_redact(url, str(exc))}",
            hint="write postgresql://USER:PASSWORD@HOST:PORT/DBNAME",
        ) from None


def user_error(exc: Exception, action: str, where: str | None) -> UserError | None:
    """The user-fixable meaning of a psycopg2 error (privileges, lost server), if any."""
    import psycopg2

    detail = " ".join(str(getattr(exc, "pgerror", None) or exc).split())
    place = f" (table {where})" if where else ""
    if getattr(exc, "pgcode", None) == INSUFFICIENT_PRIVILEGE:
        return PermissionDenied(
            f"cannot {action}{place}: {detail}",
            hint="connect as the Airflow database owner (the user in sql_alchemy_conn), or "
            "GRANT it SELECT (export) or all privileges (import) on the Airflow tables "
            "and sequences",
        )
    if isinstance(exc, psycopg2.OperationalError) and getattr(exc, "pgcode", None) is None:
        return DatabaseUnavailable(
            f"lost the database connection while trying to {action}{place}: {detail}",
            hint="check that the server is up and reachable, then run the command again",
        )
    return None


# ``password=...`` as a URI query parameter or a libpq key/value pair (quoted or not).
_PASSWORD_PARAM = re.compile(r"(?i)(\b(?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|[^&\s]*)")


def _passwords(url: str) -> list[str]:
    """Every password ``url`` carries, as written and percent-decoded."""
    from urllib.parse import unquote

    found = [m.group(2) for m in _PASSWORD_PARAM.finditer(url)]
    _, sep, rest = url.partition("://")
    creds, at, _ = rest.split("?", 1)[0].rpartition("@")
    if sep and at and ":" in creds:
        found.append(creds.split(":", 1)[1])
    found = [v.strip("'") for v in found if v.strip("'")]
    return sorted({*found, *(unquote(v) for v in found)}, key=len, reverse=True)


def _redact(url: str, text: str | None = None) -> str:
    """``url`` with its passwords replaced by ***; or, given ``text`` (a driver's message
    about ``url``), ``text`` with any of them replaced wherever they appear."""
    if text is not None:
        for secret in _passwords(url):
            text = text.replace(secret, "***")
        return text
    out = _PASSWORD_PARAM.sub(r"\1***", url)
    scheme, sep, rest = out.partition("://")
    authority, query_sep, query = rest.partition("?")
    creds, at, host = authority.rpartition("@")
    if not (sep and at and ":" in creds):
        return out
    user = creds.split(":", 1)[0]
    return f"{scheme}{sep}{user}:***@{host}{query_sep}{query}"


@contextlib.contextmanager
def transaction(conn: Any, *, read_only: bool) -> Iterator[Any]:
    """One transaction with fixed formats; commit on success, roll back on any error.

    Export uses REPEATABLE READ READ ONLY (one consistent view of every table);
    restore uses the default READ COMMITTED so it never waits on, nor blocks, the
    scheduler beyond the rows it writes. The connection's settings come back after.
    """
    from psycopg2 import extensions

    _end_read_only_transaction(conn)
    saved = (conn.isolation_level, conn.readonly, conn.autocommit)
    if read_only:
        conn.set_session(isolation_level="REPEATABLE READ", readonly=True, autocommit=False)
    else:
        conn.set_session(isolation_level="READ COMMITTED", readonly=False, autocommit=False)
    try:
        cur = conn.cursor()
        for statement in SESSION_SETTINGS:
            cur.execute(statement)
        try:
            yield cur
        except BaseException:
            conn.rollback()
            raise
        if read_only:
            conn.rollback()
        else:
            conn.commit()
    finally:
        with contextlib.suppress(Exception):
            if conn.get_transaction_status() != extensions.TRANSACTION_STATUS_IDLE:
                conn.rollback()
            # None means "server default"; set_session treats None as "leave as is"
            conn.set_session(
                isolation_level="DEFAULT" if saved[0] is None else saved[0],
                readonly="DEFAULT" if saved[1] is None else saved[1],
                autocommit=saved[2],
            )


def _end_read_only_transaction(conn: Any) -> None:
    """Close the caller's open transaction if it only read; refuse to drop its writes."""
    from psycopg2 import extensions

    status = conn.get_transaction_status()
    if status == extensions.TRANSACTION_STATUS_INTRANS:
        with conn.cursor() as cur:
            cur.execute("SELECT txid_current_if_assigned()")
            wrote = cur.fetchone()[0] is not None
        if wrote:
            raise UserError(
                "the database connection has uncommitted changes",
                hint="commit (or roll back) before calling export_snapshot/restore_snapshot: "
                "they run in their own transaction",
            )
    if status != extensions.TRANSACTION_STATUS_IDLE:
        conn.rollback()
