"""The MWAA emulator's real Airflow backend: each environment is a real Airflow.

An emulated environment gets, when it leaves CREATING:

- its own metadata database on the sandbox's PostgreSQL server, migrated by
  Airflow itself (a template copy, :class:`MetadataDatabases`), and its own new
  Fernet key;
- an AIRFLOW_HOME with a DAGs folder holding copies of ``dag_sources`` (the
  export/import DAGs and the sample DAGs), parsed into the database with
  ``airflow dags reserialize``; new DAGs start paused, as on MWAA.

Its REST API (``InvokeRestApi``) answers Airflow 2's ``/api/v1`` or Airflow 3's
``/api/v2`` shapes: reads and the pause switch straight from the database
(:mod:`.airflow_backend_rest`; Airflow 3's variables, connections, pools and run
notes: :mod:`.airflow_backend_rest_items`); a trigger starts one process in the environment's
Airflow virtualenv (:mod:`.airflow_backend_runner`) that creates the run with the
REST API's own code, answers, then executes the run with real Airflow while the
caller polls. Each run's log is ``HOME/logs/runs/DAG_ID/RUN_ID.log``.

Deleting the environment stops its runs, drops its database and removes its home.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mwaa_pause_resume.metadata.secrets import Cipher
from mwaa_pause_resume.sandbox import airflow_backend_rest as rest
from mwaa_pause_resume.sandbox import airflow_backend_rest_items as items
from mwaa_pause_resume.sandbox.airflow_runtime import AirflowRuntime, new_fernet_key
from mwaa_pause_resume.sandbox.metadb import MetadataDatabases
from mwaa_pause_resume.sandbox.postgres import LocalPostgres

RUNNER_MODULE = "mwaa_pause_resume.sandbox.airflow_backend_runner"
# MWAA minor version line -> the Airflow the sandbox installs for it.
VERSION_LINES: dict[str, str] = {"2.10": "2.10.3", "2.11": "2.11.0", "3.0": "3.0.6"}
TRIGGER_TIMEOUT_SECONDS = 180.0  # Airflow's import + DAG load on a busy machine
STOP_GRACE_SECONDS = 10.0


class UnsupportedAirflowVersion(ValueError):
    """The requested Airflow version has no sandbox install (the environment fails)."""


def resolve_version(requested: str | None, default: str) -> str:
    """The installed Airflow that runs an environment created with ``requested``."""
    if not requested:
        return default
    line = ".".join(str(requested).split(".")[:2])
    if line not in VERSION_LINES:
        supported = ", ".join(f"{k}.x (runs {v})" for k, v in VERSION_LINES.items())
        raise UnsupportedAirflowVersion(
            f"Airflow {requested} is not available in the sandbox; it runs {supported}. "
            "Create the environment with one of those versions."
        )
    return VERSION_LINES[line]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:40] or "env"


def _file_name(text: str) -> str:
    return re.sub(r"[^\w.+-]", "_", text)[:200] or "_"


def copy_dag_sources(sources: Sequence[Path], dags_folder: Path) -> None:
    """Copy each source into ``dags_folder``: a file as is, a folder's content as a tree."""
    dags_folder.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for source in sources:
        if source.is_dir():
            shutil.copytree(source, dags_folder, dirs_exist_ok=True, ignore=ignore)
        elif source.is_file():
            shutil.copy2(source, dags_folder / source.name)
        else:
            raise FileNotFoundError(f"DAG source {source} does not exist")


@dataclass(frozen=True)
class AirflowEnvironment:
    """Facts about one emulated environment's Airflow, for tests and the sandbox."""

    name: str
    version: str
    runtime: AirflowRuntime
    db_name: str
    db_url: str
    fernet_key: str
    home: Path
    dags_folder: Path
    # Added to every Airflow process's environment (the sandbox: AWS endpoint of moto).
    extra_environ: Mapping[str, str] = field(default_factory=dict)

    @property
    def major(self) -> int:
        return self.runtime.major

    @property
    def run_logs(self) -> Path:
        return self.home / "logs" / "runs"

    def run_log(self, dag_id: str, run_id: str) -> Path:
        return self.run_logs / _file_name(dag_id) / f"{_file_name(run_id)}.log"

    def environ(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """Environment of an Airflow process of this environment (as MWAA's workers get)."""
        url = urlsplit(self.db_url)
        mwaa = {
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW_ENV_NAME": self.name,
            # MWAA gives its workers the metadata database's coordinates like this.
            "MWAA__DB__POSTGRES_HOST": url.hostname or "127.0.0.1",
            "MWAA__DB__POSTGRES_PORT": str(url.port or 5432),
            "MWAA__DB__POSTGRES_DB": url.path.lstrip("/"),
            "MWAA__DB__POSTGRES_USER": url.username or "postgres",
            "MWAA__DB__POSTGRES_PASSWORD": url.password or "",
        }
        return self.runtime.environ(
            self.db_url,
            self.fernet_key,
            self.home,
            self.dags_folder,
            {**mwaa, **self.extra_environ, **(extra or {})},
        )


@dataclass
class _Runs:
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)


class AirflowBackend:
    """An :class:`~.mwaa.backends.EnvironmentBackend` whose environments run real Airflow.

    ``metadata_databases(version)`` may supply shared :class:`MetadataDatabases`
    (tests reuse their migrated templates); by default the backend makes its own.
    ``extra_environ`` goes into every Airflow process of every environment (the
    sandbox points the DAGs' boto3 at its moto server this way).
    """

    def __init__(
        self,
        server: LocalPostgres,
        work_dir: Path,
        dag_sources: Sequence[Path],
        *,
        default_version: str = "2.10.3",
        metadata_databases: Callable[[str], MetadataDatabases] | None = None,
        extra_environ: Mapping[str, str] | None = None,
    ) -> None:
        self.server = server
        self.extra_environ = dict(extra_environ or {})
        self.work_dir = work_dir
        self.dag_sources = list(dag_sources)
        self.default_version = resolve_version(default_version, default_version)
        self._external_dbs = metadata_databases
        self._dbs: dict[str, MetadataDatabases] = {}
        self.environments: dict[str, AirflowEnvironment] = {}
        self._runs: dict[str, _Runs] = {}

    # -- facts -------------------------------------------------------------------------
    def environment(self, name: str) -> AirflowEnvironment:
        try:
            return self.environments[name]
        except KeyError:
            raise KeyError(f"environment {name} has no Airflow (not created, or deleted)") from None

    def running_runs(self, name: str) -> int:
        """How many runner processes of ``name`` are still alive."""
        runs = self._runs.get(name)
        return sum(1 for p in runs.processes if p.poll() is None) if runs else 0

    def _databases(self, version: str) -> MetadataDatabases:
        if self._external_dbs is not None:
            return self._external_dbs(version)
        if version not in self._dbs:
            runtime = AirflowRuntime(version).ensure()
            self._dbs[version] = MetadataDatabases(self.server, runtime, self.work_dir / "_migrate")
        return self._dbs[version]

    # -- EnvironmentBackend ------------------------------------------------------------
    def on_create(self, name: str, request: Mapping[str, Any]) -> None:
        version = resolve_version(request.get("AirflowVersion"), self.default_version)
        dbs = self._databases(version)
        runtime = dbs.runtime.ensure()
        token = uuid.uuid4().hex[:8]
        db_name = f"mwaa_{_slug(name)}_{token}"
        home = self.work_dir / f"{_slug(name)}-{token}"
        db_url = dbs.create(db_name)
        env = AirflowEnvironment(
            name,
            version,
            runtime,
            db_name,
            db_url,
            new_fernet_key(),
            home,
            home / "dags",
            dict(self.extra_environ),
        )
        try:
            copy_dag_sources(self.dag_sources, env.dags_folder)
            env.run_logs.mkdir(parents=True, exist_ok=True)
            done = runtime.run(
                ["-m", "airflow", "dags", "reserialize"], env.environ(), timeout=600, check=False
            )
            (home / "logs" / "reserialize.log").write_text(done.stdout + done.stderr)
            if done.returncode != 0:
                raise RuntimeError(
                    f"Airflow {version} could not parse the DAGs of {name} "
                    f"(exit {done.returncode}): {done.stderr.strip()[-1500:]}"
                )
        except BaseException:
            self.server.drop_database(db_name)
            shutil.rmtree(home, ignore_errors=True)
            raise
        self.environments[name] = env
        self._runs[name] = _Runs()

    def on_delete(self, name: str) -> None:
        self._stop_runs(name)
        env = self.environments.pop(name, None)
        if env is None:
            return
        self.server.drop_database(env.db_name)
        shutil.rmtree(env.home, ignore_errors=True)

    def close(self) -> None:
        """Stop every run still executing (environments and databases stay)."""
        for name in list(self._runs):
            self._stop_runs(name)

    def invoke_rest_api(
        self,
        name: str,
        method: str,
        path: str,
        query: Mapping[str, Any],
        body: Any,
    ) -> tuple[int, dict[str, Any]]:
        env = self.environments.get(name)
        if env is None:
            return 503, {"title": "Service Unavailable", "detail": "webserver not running"}
        import psycopg2

        parts = [p for p in path.split("/") if p]
        if parts[:2] in (["api", "v1"], ["api", "v2"]):
            parts = parts[2:]
        method = method.upper()
        conn = psycopg2.connect(env.db_url)
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                if env.major >= 3 and parts[:1] in (["variables"], ["connections"], ["pools"]):
                    return self._route_items(
                        env, cur, method, parts, query=dict(query or {}), body=body
                    )
                return self._route(env, cur, method, parts, body)
        finally:
            conn.close()

    # -- REST routing ------------------------------------------------------------------
    def _route(
        self, env: AirflowEnvironment, cur: Any, method: str, parts: list[str], body: Any
    ) -> tuple[int, dict[str, Any]]:
        major = env.major
        allowed: str
        if parts == ["dags"]:
            allowed = "GET"
            if method == "GET":
                return rest.list_dags(cur, major)
        elif len(parts) == 2 and parts[0] == "dags":
            allowed = "GET, PATCH"
            if method == "GET":
                return rest.get_dag(cur, major, parts[1])
            if method == "PATCH":
                return rest.patch_dag(cur, major, parts[1], body)
        elif len(parts) == 3 and parts[0] == "dags" and parts[2] == "dagRuns":
            allowed = "GET, POST"
            if method == "POST":
                return self._trigger(env, cur, parts[1], body)
            if method == "GET":
                if rest.find_dag(cur, major, parts[1]) is None:
                    return rest.dag_not_found(major, parts[1])
                return rest.list_runs(cur, major, parts[1])
        elif len(parts) == 4 and parts[0] == "dags" and parts[2] == "dagRuns":
            allowed = "GET, PATCH" if major >= 3 else "GET"
            if method == "GET":
                return rest.get_run(cur, major, parts[1], parts[3])
            if method == "PATCH" and major >= 3:
                return items.patch_run_note(cur, parts[1], parts[3], body)
        elif len(parts) == 5 and parts[0] == "dags" and parts[2::2] == ["dagRuns", "taskInstances"]:
            allowed = "GET"
            if method == "GET":
                return rest.list_task_instances(cur, major, parts[1], parts[3])
        else:
            return rest.error(major, 404, "Not Found", "Not Found")
        return rest.error(
            major, 405, "Method Not Allowed", f"{method} is not allowed here (allowed: {allowed})"
        )

    def _route_items(
        self,
        env: AirflowEnvironment,
        cur: Any,
        method: str,
        parts: list[str],
        *,
        query: dict[str, Any],
        body: Any,
    ) -> tuple[int, dict[str, Any]]:
        """Airflow 3's variables, connections and pools (the DAGs' rest-only scope)."""
        cipher = Cipher(env.fernet_key, "environment Fernet key")
        kind = parts[0]
        if len(parts) == 1:
            if method == "GET":
                if kind == "pools":
                    return items.list_pools(cur, query)
                lister = items.list_variables if kind == "variables" else items.list_connections
                return lister(cur, cipher, query)
            if method == "POST":
                if kind == "pools":
                    return items.post_pool(cur, body)
                poster = items.post_variable if kind == "variables" else items.post_connection
                return poster(cur, cipher, body)
            return 405, {"detail": "Method Not Allowed"}
        if len(parts) == 2 and method == "PATCH":
            if kind == "pools":
                return items.patch_pool(cur, parts[1], body)
            patcher = items.patch_variable if kind == "variables" else items.patch_connection
            return patcher(cur, cipher, parts[1], body)
        if len(parts) == 2:
            return 405, {"detail": "Method Not Allowed"}
        return 404, {"detail": "Not Found"}

    def _trigger(
        self, env: AirflowEnvironment, cur: Any, dag_id: str, body: Any
    ) -> tuple[int, dict[str, Any]]:
        major = env.major
        body = {} if body is None and major < 3 else body
        if not isinstance(body, dict):
            if major >= 3:
                return 422, {
                    "detail": [
                        {
                            "type": "model_attributes_type",
                            "loc": ["body"],
                            "msg": "Input should be a valid dictionary",
                            "input": body,
                        }
                    ]
                }
            return rest.error(major, 400, "Bad Request", "body must be a JSON object")
        if rest.find_dag(cur, major, dag_id) is None:
            return rest.dag_not_found(major, dag_id)
        run_id = body.get("dag_run_id")
        if isinstance(run_id, str) and rest.find_run(cur, dag_id, run_id):
            return rest.run_exists(major, dag_id, run_id)  # a retried trigger: no process
        return self._start_run(env, dag_id, body)

    def _start_run(
        self, env: AirflowEnvironment, dag_id: str, body: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        token = uuid.uuid4().hex
        answer_file = env.home / "logs" / f"trigger-{token}.json"
        log_path = env.run_log(dag_id, f"pending-{token}")
        log_path.parent.mkdir(parents=True, exist_ok=True)
        extra = {"AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO", "PYTHONUNBUFFERED": "1"}
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                [
                    str(env.runtime.python),
                    "-m",
                    RUNNER_MODULE,
                    dag_id,
                    json.dumps(body),
                    str(answer_file),
                ],
                env=env.environ(extra),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # on_delete stops the run with its children
            )
        runs = self._runs.setdefault(env.name, _Runs())
        runs.processes = [p for p in runs.processes if p.poll() is None]  # reap finished ones
        runs.processes.append(proc)
        deadline = time.monotonic() + TRIGGER_TIMEOUT_SECONDS
        while not answer_file.exists():
            if proc.poll() is not None and not answer_file.exists():
                tail = log_path.read_text(errors="replace")[-3000:]
                return rest.error(
                    env.major,
                    500,
                    "Internal Server Error",
                    f"the trigger process exited {proc.returncode}: {tail}",
                )
            if time.monotonic() > deadline:
                _stop(proc)
                return rest.error(env.major, 500, "Internal Server Error", "trigger timed out")
            time.sleep(0.05)
        answer = json.loads(answer_file.read_text())
        answer_file.unlink()
        status, payload = int(answer["status"]), dict(answer["body"])
        if status == 200:  # the log is the run's from now on
            log_path.rename(env.run_log(dag_id, str(payload["dag_run_id"])))
        else:  # the answer says it all; the process has ended
            proc.wait()
            log_path.unlink(missing_ok=True)
        return status, payload

    def _stop_runs(self, name: str) -> None:
        runs = self._runs.pop(name, None)
        for proc in runs.processes if runs else []:
            _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        proc.wait()
