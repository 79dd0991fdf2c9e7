"""Real Apache Airflow installs, one virtualenv per version, cached between runs.

The product's DAGs and metadata engine run inside these interpreters exactly as
they would inside MWAA's image; the tool's own virtualenv never imports Airflow.
Virtualenvs live under ``$MWAA_PR_CACHE`` (default ``~/.cache/mwaa-pause-resume``)
so that tests, benchmarks and the sandbox share them.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import sys
import venv
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from mwaa_pause_resume.errors import UserError

SRC_DIR = Path(__file__).resolve().parents[2]  # .../src, put on the Airflow PYTHONPATH

# What pip installs per Airflow version (no constraints file is reachable here).
# 3.0.6 needs fastapi/cadwyn pins or its task SDK rejects API answers, and the
# [postgres] extra or it fails to import (asyncpg); see RESEARCH.md.
REQUIREMENTS: dict[str, tuple[str, ...]] = {
    "2.10.3": ("apache-airflow==2.10.3", "apache-airflow-providers-amazon", "psycopg2-binary"),
    "2.11.0": ("apache-airflow==2.11.0", "apache-airflow-providers-amazon", "psycopg2-binary"),
    "3.0.6": (
        "apache-airflow[postgres]==3.0.6",
        "apache-airflow-providers-amazon",
        "fastapi[standard]==0.116.1",
        "cadwyn==5.4.4",
        "psycopg2-binary",
    ),
}
DEFAULT_VERSION = "2.10.3"


def cache_root() -> Path:
    return Path(os.environ.get("MWAA_PR_CACHE", Path.home() / ".cache" / "mwaa-pause-resume"))


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Serialise venv creation across processes (pytest-xdist workers, parallel runs)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class AirflowRuntime:
    """One Airflow version's virtualenv and the commands run in it."""

    def __init__(self, version: str = DEFAULT_VERSION, root: Path | None = None) -> None:
        if version not in REQUIREMENTS:
            raise UserError(
                f"Airflow {version} is not supported by the sandbox",
                hint=f"choose one of: {', '.join(REQUIREMENTS)}",
            )
        self.version = version
        self.venv_dir = (root or cache_root()) / "airflow" / version
        self._marker = self.venv_dir / ".mwaa-pause-resume-complete"

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    @property
    def python(self) -> Path:
        return self.venv_dir / "bin" / "python"

    @property
    def ready(self) -> bool:
        return self._marker.exists()

    def ensure(self, log: Path | None = None) -> AirflowRuntime:
        """Create the virtualenv if it is missing (a few minutes the first time)."""
        if self.ready:
            return self
        with _file_lock(self.venv_dir.parent / f".{self.version}.lock"):
            if self.ready:
                return self
            venv.EnvBuilder(with_pip=True, clear=True).create(self.venv_dir)
            cmd = [
                str(self.python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                *REQUIREMENTS[self.version],
            ]
            out = log.open("w") if log else subprocess.DEVNULL
            try:
                done = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, check=False)
            finally:
                if log and not isinstance(out, int):
                    out.close()
            if done.returncode != 0:
                raise UserError(
                    f"installing Airflow {self.version} into {self.venv_dir} failed",
                    hint=f"see {log} for pip's output" if log else "re-run with a log file",
                )
            self._marker.write_text(" ".join(REQUIREMENTS[self.version]) + "\n")
        return self

    def environ(
        self,
        db_url: str,
        fernet_key: str,
        home: Path,
        dags_folder: Path | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> dict[str, str]:
        """Environment for an Airflow process bound to one metadata database."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
        env.pop("VIRTUAL_ENV", None)
        sqlalchemy_url = db_url.replace("postgresql://", "postgresql+psycopg2://", 1)
        env.update(
            {
                "AIRFLOW_HOME": str(home),
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sqlalchemy_url,
                "AIRFLOW__CORE__FERNET_KEY": fernet_key,
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder or home / "dags"),
                "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
                "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
                "PYTHONPATH": os.pathsep.join(
                    p for p in (str(SRC_DIR), env.get("PYTHONPATH", "")) if p
                ),
            }
        )
        env.update(extra or {})
        return env

    def run(
        self,
        args: Sequence[str],
        env: Mapping[str, str],
        *,
        timeout: float = 600,
        check: bool = True,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``python ARGS`` in the Airflow virtualenv (``-m airflow ...`` or a script)."""
        done = subprocess.run(
            [str(self.python), *args],
            env=dict(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and done.returncode != 0:
            raise RuntimeError(
                f"Airflow {self.version} command {' '.join(args)} failed "
                f"(exit {done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}"
            )
        return done

    def migrate(self, env: Mapping[str, str]) -> None:
        """Create the metadata schema with Airflow's own migrations."""
        Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
        self.run(["-m", "airflow", "db", "migrate"], env)


def new_fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def _main(versions: Sequence[str]) -> int:
    """Build the virtualenvs (scripts/bootstrap --airflow); pip's output goes to a log."""
    for version in versions or [DEFAULT_VERSION]:
        try:
            runtime = AirflowRuntime(version)
        except UserError as exc:
            print(exc, file=sys.stderr)
            return 2
        log = runtime.venv_dir.parent / f"{version}.install.log"
        try:
            runtime.ensure(log=log)
        except UserError as exc:
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            print(f"{exc}\n{tail}", file=sys.stderr)
            return 2
        print(f"Airflow {version}: {runtime.venv_dir}")
    return 0


if __name__ == "__main__":  # python -m mwaa_pause_resume.sandbox.airflow_runtime 2.10.3 ...
    sys.exit(_main(sys.argv[1:]))
