"""Where the DAG tasks get their metadata DB connection from, per Airflow version."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from mwaa_pause_resume.dags.metadb_connection import (
    NoMetadbConnection,
    params_from_connection,
    params_from_mwaa_env,
    params_from_url,
    resolve_params,
)
from mwaa_pause_resume.sandbox.postgres import LocalPostgres

SQLA_URL = "postgresql+psycopg2://airflow:p%40ss@db.internal:6543/airflow?sslmode=require"
MWAA_ENV = {
    "MWAA__DB__POSTGRES_HOST": "vpce.example",
    "MWAA__DB__POSTGRES_PORT": "5432",
    "MWAA__DB__POSTGRES_DB": "AirflowMetadata",
    "MWAA__DB__POSTGRES_SSLMODE": "require",
    "MWAA__DB__CREDENTIALS": json.dumps({"username": "adminuser", "password": "pw"}),
}


def _conn(**fields: Any) -> SimpleNamespace:
    base = {
        "host": "h",
        "port": None,
        "schema": "airflowdb",
        "login": "u",
        "password": "p",
        "extra": None,
    }
    return SimpleNamespace(**{**base, **fields})


def _resolve(
    major: int,
    *,
    conn: Any = None,
    url: str = "",
    environ: dict[str, str] | None = None,
    iam: Any = None,
) -> Any:
    return resolve_params(
        "mwaa_pause_resume_metadb",
        major,
        get_connection=lambda _cid: conn,
        sql_alchemy_conn=lambda: url,
        environ=environ or {},
        iam_token=iam,
    )


def test_connection_wins_on_every_version() -> None:
    for major in (2, 3):
        params = _resolve(
            major,
            conn=_conn(extra='{"sslmode": "verify-full", "x": 1}'),
            url=SQLA_URL,
            environ=MWAA_ENV,
        )
        assert params.source == "Airflow connection 'mwaa_pause_resume_metadb'"
        assert params.connect_kwargs() == {
            "host": "h",
            "port": 5432,
            "dbname": "airflowdb",
            "user": "u",
            "password": "p",
            "sslmode": "verify-full",
        }


def test_airflow2_uses_sql_alchemy_conn() -> None:
    params = _resolve(2, url=SQLA_URL, environ=MWAA_ENV)
    assert params.source == "[database] sql_alchemy_conn"
    assert params.connect_kwargs() == {
        "host": "db.internal",
        "port": 6543,
        "dbname": "airflow",
        "user": "airflow",
        "password": "p@ss",
        "sslmode": "require",
    }


def test_airflow3_never_reads_sql_alchemy_conn() -> None:
    """Airflow 3 workers see a blocked placeholder; even a real URL there is not used."""
    params = _resolve(3, url=SQLA_URL, environ=MWAA_ENV)
    assert params.source == "MWAA__DB__*"
    assert (params.host, params.user, params.password, params.dbname) == (
        "vpce.example",
        "adminuser",
        "pw",
        "AirflowMetadata",
    )
    assert params.options == {"sslmode": "require"}


def test_blocked_placeholder_falls_through() -> None:
    assert params_from_url("airflow-db-not-allowed:///", "x") is None
    assert params_from_url("sqlite:////tmp/airflow.db", "x") is None
    with pytest.raises(NoMetadbConnection) as err:
        _resolve(2, url="airflow-db-not-allowed:///")
    assert "AIRFLOW_CONN_MWAA_PAUSE_RESUME_METADB" in str(err.value)
    assert "'mwaa_pause_resume_metadb'" in str(err.value)


def test_airflow3_without_any_source_names_the_connection() -> None:
    expected = "no Airflow connection 'mwaa_pause_resume_metadb'"
    with pytest.raises(NoMetadbConnection, match=expected):
        _resolve(3, url=SQLA_URL)


def test_mwaa_env_separate_user_password_and_iam() -> None:
    env = {k: v for k, v in MWAA_ENV.items() if k != "MWAA__DB__CREDENTIALS"}
    assert params_from_mwaa_env(env) is None  # host but no user: not usable
    env |= {"MWAA__DB__POSTGRES_USER": "u2", "MWAA__DB__POSTGRES_PASSWORD": "pw2"}
    params = params_from_mwaa_env(env)
    assert params is not None and (params.user, params.password) == ("u2", "pw2")
    calls: list[tuple[str, int, str]] = []

    def token(host: str, port: int, user: str) -> str:
        calls.append((host, port, user))
        return "iam-token"

    iam_env = env | {"USE_IAM_CREDENTIALS": "true", "RDS_IAM_TOKEN_HOSTNAME": "proxy.rds"}
    params = params_from_mwaa_env(iam_env, token)
    assert params is not None
    assert (params.user, params.password, params.host) == (
        "airflow_user",
        "iam-token",
        "vpce.example",
    )
    assert calls == [("proxy.rds", 5432, "airflow_user")]


def test_connection_without_host_is_refused() -> None:
    with pytest.raises(NoMetadbConnection, match="has no host"):
        params_from_connection(_conn(host=None), "conn x")


def test_password_not_in_repr() -> None:
    assert "p@ss" not in repr(params_from_url(SQLA_URL, "x"))


@pytest.mark.postgres
def test_params_connect_for_real(pg_server: LocalPostgres) -> None:
    import psycopg2

    url = pg_server.url().replace("postgresql://", "postgresql+psycopg2://")
    params = _resolve(2, url=url)
    conn = psycopg2.connect(**params.connect_kwargs())
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT current_database()")
            assert cur.fetchone() == ("postgres",)
    finally:
        conn.close()
