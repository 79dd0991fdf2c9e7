"""How MWAA configures Airflow, reproduced for the sandbox's environments.

Read from MWAA's image sources (``images/airflow/<v>/python/mwaa/config/airflow.py``,
see :mod:`mwaa_pause_resume.airflow_versions` for the commit): the settings MWAA
calls essential or opinionated, each with the value MWAA gives it. Where the sandbox
must differ, the difference is named here:

- executor: LocalExecutor (MWAA's image supports it; production uses Celery on SQS),
  so every task still runs in its own interpreter through Airflow's real task runner;
- auth: Airflow's FAB auth manager with a local admin user (MWAA maps IAM principals
  to FAB roles; the emulator's InvokeRestApi logs in as that user);
- logging: Airflow's default handlers (MWAA ships logs to CloudWatch);
- metrics: off (MWAA's sidecar reads StatsD);
- database: a local PostgreSQL user with a password (MWAA: Aurora PostgreSQL).

Pure: builds dictionaries of environment variables, starts nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

API_USER = "mwaa-invoke-rest-api"  # the FAB admin the emulator's InvokeRestApi acts as
FAB_AUTH_MANAGER = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"


@dataclass(frozen=True)
class EnvironmentSecrets:
    """What MWAA keeps in Secrets Manager per environment, generated per sandbox env."""

    fernet_key: str
    secret_key: str  # Flask / API secret key
    jwt_secret: str  # Airflow 3 API and execution-API tokens
    api_password: str  # of API_USER


def mwaa_airflow_config(
    major: int,
    db_url: str,
    secrets: EnvironmentSecrets,
    api_port: int,
    *,
    worker_db_access: bool,
) -> dict[str, str]:
    """Environment variables of every Airflow component of one environment."""
    sqlalchemy_url = db_url.replace("postgresql://", "postgresql+psycopg2://", 1)
    config = {
        # essential (MWAA does not let users change these)
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__FERNET_KEY": secrets.fernet_key,
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sqlalchemy_url,
        "AIRFLOW__SCHEDULER__STANDALONE_DAG_PROCESSOR": "True",
        "AIRFLOW__USAGE_DATA_COLLECTION__ENABLED": "False",
        # opinionated (MWAA's defaults, users may override)
        "AIRFLOW__CORE__EXECUTE_TASKS_NEW_PYTHON_INTERPRETER": "True",
        "AIRFLOW__CORE__SENSITIVE_VAR_CONN_NAMES": "proxy,proxies",
        "AIRFLOW__SCHEDULER__SCHEDULE_AFTER_TASK_EXECUTION": "False",
        "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": "1800.0",
        # MWAA creates new DAGs paused (its documented default for the environment).
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        # the sandbox's own differences (module docstring)
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "4",  # two cores: more only queues CPU
        "AIRFLOW__METRICS__STATSD_ON": "False",
        "AIRFLOW__LOGGING__COLORED_CONSOLE_LOG": "False",
        # New DAG files are seen within seconds (MWAA syncs S3 every 30 s or so). Known
        # files are parsed again every 30 s, Airflow's default, which MWAA keeps.
        "AIRFLOW__SCHEDULER__DAG_DIR_LIST_INTERVAL": "5",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__TRIGGERER__DEFAULT_CAPACITY": "100",
    }
    if major >= 3:
        config |= {
            "AIRFLOW__CORE__AUTH_MANAGER": FAB_AUTH_MANAGER,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
            "AIRFLOW__API__SECRET_KEY": secrets.secret_key,
            "AIRFLOW__API__PORT": str(api_port),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{api_port}",
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.jwt_secret,
            "AIRFLOW__API_AUTH__JWT_ALGORITHM": "HS256",
            "AIRFLOW__EXECUTION_API__JWT_EXPIRATION_TIME": "86400",
            "AIRFLOW__CORE__MULTI_TEAM": "False",
            "AIRFLOW__TRIGGERER__QUEUES_ENABLED": "False",
            "AIRFLOW__WORKERS__SECRETS_BACKEND_KWARGS": '{"connections_lookup_pattern": '
            '"^(?!aws_default$).*$"}',
        }
    else:
        config |= {
            "AIRFLOW__WEBSERVER__SECRET_KEY": secrets.secret_key,
            "AIRFLOW__WEBSERVER__WEB_SERVER_PORT": str(api_port),
            "AIRFLOW__WEBSERVER__WEB_SERVER_HOST": "127.0.0.1",
            "AIRFLOW__WEBSERVER__WORKERS": "1",
            "AIRFLOW__WEBSERVER__BASE_URL": f"http://127.0.0.1:{api_port}",
            # MWAA's IAM plugin authenticates REST calls; locally: FAB's basic auth.
            "AIRFLOW__API__AUTH_BACKENDS": "airflow.api.auth.backend.basic_auth",
            "AIRFLOW__WEBSERVER__WORKER_REFRESH_INTERVAL": "43200",
        }
    if worker_db_access or major < 3:
        # MWAA's image exports its database coordinates as MWAA__DB__*; Airflow 2
        # workers (and, with --worker-db-access, Airflow 3 tasks) see them.
        config |= mwaa_db_variables(db_url)
    return config


def mwaa_db_variables(db_url: str) -> dict[str, str]:
    url = urlsplit(db_url)
    return {
        "MWAA__DB__POSTGRES_HOST": url.hostname or "127.0.0.1",
        "MWAA__DB__POSTGRES_PORT": str(url.port or 5432),
        "MWAA__DB__POSTGRES_DB": url.path.lstrip("/"),
        "MWAA__DB__POSTGRES_USER": url.username or "postgres",
        "MWAA__DB__POSTGRES_PASSWORD": url.password or "",
    }


def components(major: int) -> tuple[str, ...]:
    """The long-running Airflow commands an MWAA environment of this line runs."""
    if major >= 3:
        return ("api-server", "scheduler", "dag-processor", "triggerer")
    return ("webserver", "scheduler", "dag-processor", "triggerer")


def component_args(component: str) -> list[str]:
    """``airflow`` arguments that start ``component``. The scheduler serves no task logs:
    with MWAA's Celery executor it does not (the workers do), and with LocalExecutor it
    would start a log server of its own (a gunicorn master and two workers, about 340 MB)
    for logs the web server reads from the same disk anyway."""
    return [component, "--skip-serve-logs"] if component == "scheduler" else [component]


def log_server_ports(worker_port: int, triggerer_port: int) -> dict[str, str]:
    """Each environment's own log-server ports: Airflow's defaults (8793, 8794) would
    collide between environments running side by side on one machine."""
    return {
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(worker_port),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(triggerer_port),
    }


def health_path(major: int) -> str:
    return "/api/v2/monitor/health" if major >= 3 else "/health"


def rest_prefix(major: int) -> str:
    return "/api/v2" if major >= 3 else "/api/v1"


def strip_db_access(environ: Mapping[str, str]) -> dict[str, str]:
    """A task's view without database access: what MWAA 3.x workers get."""
    return {k: v for k, v in environ.items() if not k.startswith("MWAA__DB__")}
