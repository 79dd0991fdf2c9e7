"""The MWAA emulator's real Airflow backend: each environment is a real Airflow.

An emulated environment gets, when it leaves CREATING, what MWAA gives one:

- its own metadata database on the sandbox's PostgreSQL server, migrated by
  Airflow itself (a template copy, :class:`MetadataDatabases`), and its own new
  Fernet key, secret key and API user;
- an AIRFLOW_HOME with a DAGs folder holding copies of ``dag_sources`` (the
  export/import DAGs, the sample DAGs, the user's DAGs), serialized with
  ``airflow dags reserialize`` as MWAA's migrate-db step does; new DAGs start paused;
- Airflow's own components (:mod:`.airflow_processes`) configured as MWAA's image
  configures them (:mod:`.airflow_config`): the scheduler and its LocalExecutor
  run every task in its own interpreter; on Airflow 3 tasks get no database
  credentials unless ``worker_db_access`` is set.

``InvokeRestApi`` is forwarded over HTTP to the environment's real REST API
(:mod:`.airflow_rest_client`). Deleting the environment stops every process it
started, drops its database and removes its home.
"""

from __future__ import annotations

import re
import secrets
import shutil
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mwaa_pause_resume import airflow_versions
from mwaa_pause_resume.sandbox.airflow_config import (
    API_USER,
    EnvironmentSecrets,
    components,
    log_server_ports,
    mwaa_airflow_config,
)
from mwaa_pause_resume.sandbox.airflow_processes import AirflowProcesses
from mwaa_pause_resume.sandbox.airflow_rest_client import AirflowRestClient
from mwaa_pause_resume.sandbox.airflow_runtime import AirflowRuntime, new_fernet_key
from mwaa_pause_resume.sandbox.metadb import MetadataDatabases
from mwaa_pause_resume.sandbox.postgres import LocalPostgres, free_port


class UnsupportedAirflowVersion(ValueError):
    """The requested Airflow version has no sandbox install (the environment fails)."""


def resolve_version(requested: str | None, default: str) -> str:
    """The installed Airflow that runs an environment created with ``requested``: the
    same version, as MWAA runs exactly the version asked for."""
    if not requested:
        return default
    if requested not in airflow_versions.BY_VERSION:
        raise UnsupportedAirflowVersion(
            f"Airflow {requested} is not available in the sandbox; it runs "
            f"{', '.join(airflow_versions.SUPPORTED)}. Create the environment with one of those."
        )
    return str(requested)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:40] or "env"


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


@dataclass
class AirflowEnvironment:
    """One emulated environment's Airflow: its database, keys, home and processes."""

    name: str
    version: str
    runtime: AirflowRuntime
    db_name: str
    db_url: str
    secrets: EnvironmentSecrets
    home: Path
    dags_folder: Path
    port: int
    worker_db_access: bool = False
    log_ports: tuple[int, int] = field(default_factory=lambda: (free_port(), free_port()))
    # Added to every Airflow process's environment (the sandbox: AWS endpoint of moto).
    extra_environ: Mapping[str, str] = field(default_factory=dict)
    processes: AirflowProcesses | None = None

    @property
    def major(self) -> int:
        return self.runtime.major

    @property
    def fernet_key(self) -> str:
        return self.secrets.fernet_key

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    def task_logs(self, dag_id: str, run_id: str, chars: int = 4000) -> str:
        """The end of every task log of one run (Airflow's default log layout), for
        failure messages."""
        folder = self.logs / f"dag_id={dag_id}" / f"run_id={run_id}"
        parts = [
            f"--- {path.relative_to(folder)}\n{path.read_text(errors='replace')[-chars:]}"
            for path in sorted(folder.glob("**/*.log"))
        ]
        return "\n".join(parts) or f"(no task log under {folder})"

    def environ(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """Environment of an Airflow process of this environment (as MWAA's image sets it)."""
        config = mwaa_airflow_config(
            self.major,
            self.db_url,
            self.secrets,
            self.port,
            worker_db_access=self.worker_db_access,
        )
        config |= log_server_ports(*self.log_ports)
        config |= {"AIRFLOW_ENV_NAME": self.name, "AIRFLOW_VERSION": self.version}
        return self.runtime.environ(
            self.db_url,
            self.fernet_key,
            self.home,
            self.dags_folder,
            {**config, **self.extra_environ, **(extra or {})},
        )

    def client(self) -> AirflowRestClient:
        return AirflowRestClient(
            f"http://127.0.0.1:{self.port}", self.major, API_USER, self.secrets.api_password
        )


class AirflowBackend:
    """An :class:`~.mwaa.backends.EnvironmentBackend` whose environments run real Airflow.

    ``metadata_databases(version)`` may supply shared :class:`MetadataDatabases`
    (tests reuse their migrated templates); by default the backend makes its own.
    ``extra_environ`` goes into every Airflow process of every environment (the
    sandbox points the DAGs' boto3 at its moto server this way).
    ``worker_db_access`` hands Airflow 3 tasks the database's coordinates
    (``MWAA__DB__*``), which MWAA 3.x does not do.
    """

    def __init__(
        self,
        server: LocalPostgres,
        work_dir: Path,
        dag_sources: Sequence[Path],
        *,
        default_version: str = airflow_versions.DEFAULT,
        metadata_databases: Callable[[str], MetadataDatabases] | None = None,
        extra_environ: Mapping[str, str] | None = None,
        worker_db_access: bool = False,
        keep_deleted_databases: bool = False,
    ) -> None:
        self.server = server
        # The sandbox compares a resumed environment with the deleted one's database.
        self.keep_deleted_databases = keep_deleted_databases
        self.deleted: dict[str, list[AirflowEnvironment]] = {}
        self.extra_environ = dict(extra_environ or {})
        self.work_dir = work_dir
        self.dag_sources = list(dag_sources)
        self.default_version = resolve_version(default_version, default_version)
        self.worker_db_access = worker_db_access
        self._external_dbs = metadata_databases
        self._dbs: dict[str, MetadataDatabases] = {}
        self.environments: dict[str, AirflowEnvironment] = {}
        self._clients: dict[str, AirflowRestClient] = {}

    # -- facts -------------------------------------------------------------------------
    def environment(self, name: str) -> AirflowEnvironment:
        try:
            return self.environments[name]
        except KeyError:
            raise KeyError(f"environment {name} has no Airflow (not created, or deleted)") from None

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
        # One path per environment name, as MWAA's is the same for every environment:
        # parsed DAGs (file locations, hashes) do not change with a re-creation.
        home = self.work_dir / _slug(name)
        db_url = dbs.create(db_name)
        env = AirflowEnvironment(
            name,
            version,
            runtime,
            db_name,
            db_url,
            EnvironmentSecrets(
                fernet_key=new_fernet_key(),
                secret_key=secrets.token_urlsafe(24),
                jwt_secret=secrets.token_urlsafe(32),
                api_password=secrets.token_urlsafe(18),
            ),
            home,
            home / "dags",
            free_port(),
            self.worker_db_access,
            extra_environ=dict(self.extra_environ),
        )
        try:
            copy_dag_sources(self.dag_sources, env.dags_folder)
            env.logs.mkdir(parents=True, exist_ok=True)
            self._prepare(env)
            env.processes = AirflowProcesses(
                runtime.python,
                env.environ(),
                env.logs,
                env.port,
                env.major,
                components(env.major),
            )
            env.processes.start()
            env.processes.wait_ready()
        except BaseException:
            if env.processes is not None:
                env.processes.stop()
            self.server.drop_database(db_name)
            shutil.rmtree(home, ignore_errors=True)
            raise
        self.environments[name] = env
        self._clients[name] = env.client()

    def _prepare(self, env: AirflowEnvironment) -> None:
        """What MWAA's migrate-db step does before the components start: serialize the
        DAGs; and the web login the emulator's InvokeRestApi uses."""
        steps = (
            ("reserialize", ["-m", "airflow", "dags", "reserialize"]),
            (
                "users-create",
                [
                    "-m",
                    "airflow",
                    "users",
                    "create",
                    "--role",
                    "Admin",
                    "--username",
                    API_USER,
                    # "=": a generated password may start with "-" (argparse)
                    f"--password={env.secrets.api_password}",
                    "--email",
                    "invoke-rest-api@mwaa.local",
                    "--firstname",
                    "InvokeRestApi",
                    "--lastname",
                    "MWAA",
                ],
            ),
        )
        for label, args in steps:
            done = env.runtime.run(args, env.environ(), timeout=600, check=False)
            (env.logs / f"{label}.log").write_text(done.stdout + done.stderr)
            if done.returncode != 0:
                raise RuntimeError(
                    f"Airflow {env.version} could not {label} for {env.name} "
                    f"(exit {done.returncode}): {done.stderr.strip()[-1500:]}"
                )

    def on_delete(self, name: str) -> None:
        """Tear the environment down at once (its containers would be gone): every
        process killed, then its database dropped (or kept, see ``deleted``)."""
        env = self.environments.pop(name, None)
        self._clients.pop(name, None)
        if env is None:
            return
        if env.processes is not None:
            env.processes.kill()
        if self.keep_deleted_databases:
            # Out of the way of a re-created environment of the same name; logs stay.
            graveyard = self.work_dir / "deleted" / f"{_slug(name)}-{env.db_name[-8:]}"
            graveyard.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(env.home, graveyard)
            env.home = graveyard
            self.deleted.setdefault(name, []).append(env)
            return
        self.server.drop_database(env.db_name)
        shutil.rmtree(env.home, ignore_errors=True)

    def drop_deleted(self) -> None:
        """Drop the databases and homes that ``keep_deleted_databases`` kept."""
        for envs in self.deleted.values():
            for env in envs:
                self.server.drop_database(env.db_name)
                shutil.rmtree(env.home, ignore_errors=True)
        self.deleted.clear()

    def close(self) -> None:
        """Stop every environment's processes (databases and homes stay)."""
        for env in self.environments.values():
            if env.processes is not None:
                env.processes.stop()

    def invoke_rest_api(
        self,
        name: str,
        method: str,
        path: str,
        query: Mapping[str, Any],
        body: Any,
    ) -> tuple[int, dict[str, Any]]:
        client = self._clients.get(name)
        if client is None:
            return 503, {"title": "Service Unavailable", "detail": "webserver not running"}
        status, payload = client.call(method, path, query, body)
        if not isinstance(payload, dict):  # InvokeRestApi's RestApiResponse is a document
            payload = {"items": payload}
        return status, payload
