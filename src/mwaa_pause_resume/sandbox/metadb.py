"""Airflow metadata databases on a :class:`LocalPostgres`, migrated by real Airflow.

Migrating takes 20-60 s, so each Airflow version is migrated once into a template
database (once per machine: :mod:`.schema_cache` keeps a dump of the result) and every
new metadata database is a cheap ``CREATE DATABASE ... TEMPLATE`` copy of it. Fernet
keys are not stored in the database, so one template serves environments with
different keys.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

from mwaa_pause_resume.sandbox import schema_cache
from mwaa_pause_resume.sandbox.airflow_config import FAB_AUTH_MANAGER
from mwaa_pause_resume.sandbox.airflow_runtime import AirflowRuntime, new_fernet_key
from mwaa_pause_resume.sandbox.postgres import LocalPostgres


class MetadataDatabases:
    """Creates migrated Airflow metadata databases of one Airflow version."""

    def __init__(self, server: LocalPostgres, runtime: AirflowRuntime, home_root: Path) -> None:
        self.server = server
        self.runtime = runtime
        self.home_root = home_root
        self.template_name = "airflow_tmpl_" + re.sub(r"\W", "_", runtime.version)
        self._lock = threading.Lock()
        self._template_ready = False

    def _ensure_template(self) -> None:
        with self._lock:
            if self._template_ready:
                return
            url = self.server.create_database(self.template_name)
            # MWAA's auth manager is part of the schema on Airflow 3: FAB's tables come
            # with its own migrations, run by ``airflow db migrate`` when it is configured.
            with_fab = self.runtime.major >= 3
            dump = schema_cache.dump_path(self.runtime, self.server, with_fab=with_fab)
            version = self.runtime.version
            if not schema_cache.restore(self.server, self.template_name, dump, version):
                url = self.server.create_database(self.template_name)  # empty again
                home = self.home_root / f"migrate-{self.runtime.version}"
                extra = {"AIRFLOW__CORE__AUTH_MANAGER": FAB_AUTH_MANAGER} if with_fab else {}
                env = self.runtime.environ(url, new_fernet_key(), home, extra=extra)
                self.runtime.migrate(env)
                schema_cache.save(self.server, self.template_name, dump)
            self._template_ready = True

    def create(self, name: str) -> str:
        """A freshly migrated database ``name`` (replacing one of that name); returns its URL."""
        self._ensure_template()
        self.server.drop_database(name)
        self.server._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template_name}"')
        return self.server.url(name)
