"""The target Airflow's migrations run by its own Python: for ``metadata import
--target-airflow-python`` (the CLI's Python has no Airflow; the import DAG runs them
in-process with :class:`~.alembic_migrations.AlembicMigrations`).

Each call runs ``PYTHON -m mwaa_pause_resume.metadata.forward.alembic_migrations`` with
this package on its path and the target database as Airflow's connection; the answer is
its last ``RESULT`` line.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import mwaa_pause_resume
from mwaa_pause_resume.errors import UserError

_MODULE = "mwaa_pause_resume.metadata.forward.alembic_migrations"


class SubprocessMigrations:
    """The migrations of the Airflow installed for ``python``, against ``url``."""

    def __init__(self, python: str, url: str) -> None:
        self.python = python
        self.url = url

    def _call(self, *args: str) -> object:
        env = dict(os.environ)
        src = str(Path(mwaa_pause_resume.__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = self.url
        try:
            done = subprocess.run(  # the user's own interpreter, no shell
                [self.python, "-m", _MODULE, "--url", self.url, *args],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
        except OSError as exc:
            raise UserError(
                f"--target-airflow-python {self.python} cannot be run: {exc}",
                hint="give the python of the target's Airflow installation "
                "(e.g. /path/to/airflow-venv/bin/python)",
            ) from None
        lines = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")]
        if done.returncode != 0 or not lines:
            tail = " ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
            raise UserError(
                f"the target's Airflow migrations ({self.python}) failed: {tail[-600:]}",
                hint="give the python of the target's Airflow installation, the version the "
                "target database is migrated to (`airflow version` with it)",
            )
        return json.loads(lines[-1][len("RESULT ") :])

    def lineage(self, revision: str) -> list[str]:
        found = self._call("--lineage", revision)
        return [str(r) for r in found] if isinstance(found, list) else []

    def upgrade(self, schema: str, revision: str) -> None:
        self._call("--schema", schema, "--upgrade", revision)
