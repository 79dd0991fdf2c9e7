"""A target Airflow's migrations, from outside it: the engine's
:class:`~mwaa_pause_resume.metadata.forward.Migrations` run in the target version's
virtualenv (the tests and the sandbox; the import DAG runs them in-process)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import mwaa_pause_resume
from mwaa_pause_resume.sandbox.airflow_runtime import AirflowRuntime, new_fernet_key

_MODULE = "mwaa_pause_resume.metadata.forward.alembic_migrations"


class VenvMigrations:
    """``runtime``'s Airflow migrations against the database at ``url``."""

    def __init__(self, runtime: AirflowRuntime, url: str, home: Path) -> None:
        self.runtime = runtime
        self.url = url
        self.home = home

    def _call(self, *args: str) -> object:
        self.home.mkdir(parents=True, exist_ok=True)
        env = self.runtime.environ(self.url, new_fernet_key(), self.home)
        src = str(Path(mwaa_pause_resume.__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
        done = self.runtime.run(["-m", _MODULE, "--url", self.url, *args], env)
        line = next(x for x in done.stdout.splitlines()[::-1] if x.startswith("RESULT "))
        return json.loads(line[len("RESULT ") :])

    def lineage(self, revision: str) -> list[str]:
        found = self._call("--lineage", revision)
        return [str(r) for r in found] if isinstance(found, list) else []

    def upgrade(self, schema: str, revision: str) -> None:
        self._call("--schema", schema, "--upgrade", revision)
