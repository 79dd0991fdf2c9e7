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
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from mwaa_pause_resume import airflow_versions
from mwaa_pause_resume.airflow_versions import DEFAULT as DEFAULT_VERSION
from mwaa_pause_resume.errors import UserError

SRC_DIR = Path(__file__).resolve().parents[2]  # .../src, put on the Airflow PYTHONPATH

CONSTRAINTS_DIR = Path(__file__).resolve().parent  # + AirflowVersion.constraints_dir
# Bump to rebuild every cached virtualenv (the marker records it).
LAYOUT = "uv-mwaa-constraints-1"


def python_for(wanted: str) -> str:
    """An interpreter of Python ``wanted`` ("3.12"), the one MWAA's image runs the version
    on; the tool's own interpreter when none works here (recorded in the venv marker)."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = [str(p) for p in sorted(pyenv.glob(f"{wanted}.*/bin/python{wanted}"))[::-1]]
    candidates += [p for p in (shutil.which(f"python{wanted}"),) if p]
    for candidate in candidates:
        # A pyenv shim exists for versions it cannot run: ask the interpreter itself.
        probe = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.returncode == 0 and probe.stdout.strip() == wanted:
            return candidate
    return sys.executable


def uv_binary() -> str:
    """uv, installed next to the tool (a development dependency): it resolves an Airflow
    install against MWAA's constraints in seconds where pip takes minutes."""
    here = Path(sys.executable).parent / "uv"
    if here.exists():
        return str(here)
    found = shutil.which("uv")
    if found:
        return found
    raise UserError(
        "uv is not installed next to mwaa-pause-resume",
        hint="pip install uv (scripts/bootstrap installs it with the development dependencies)",
    )


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
        if version not in airflow_versions.BY_VERSION:
            raise UserError(
                f"Airflow {version} is not supported by the sandbox",
                hint=f"choose one of: {', '.join(airflow_versions.SUPPORTED)}",
            )
        self.version = version
        self.facts = airflow_versions.BY_VERSION[version]
        self.venv_dir = (root or cache_root()) / "airflow" / version
        self._marker = self.venv_dir / ".mwaa-pause-resume-complete"

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    @property
    def python(self) -> Path:
        return self.venv_dir / "bin" / "python"

    @property
    def install_record(self) -> str:
        """What :meth:`ensure` recorded of the install (layout, Python, packages); empty
        while there is none."""
        return self._marker.read_text() if self._marker.exists() else ""

    @property
    def ready(self) -> bool:
        return self.install_record.startswith(LAYOUT)

    def install_command(self) -> list[str]:
        """uv's install of the packages MWAA installs, under MWAA's two constraints files."""
        constraints = CONSTRAINTS_DIR / self.facts.constraints_dir
        return [
            uv_binary(),
            "pip",
            "install",
            "--quiet",
            "--python",
            str(self.python),
            "-c",
            str(constraints / "airflow_constraints.txt"),
            "-c",
            str(constraints / "mwaa_essential_constraints.txt"),
            *self.facts.packages,
        ]

    def ensure(self, log: Path | None = None) -> AirflowRuntime:
        """Create the virtualenv if it is missing (a few minutes the first time)."""
        if self.ready:
            return self
        with _file_lock(self.venv_dir.parent / f".{self.version}.lock"):
            if self.ready:
                return self
            shutil.rmtree(self.venv_dir, ignore_errors=True)
            interpreter = python_for(self.facts.python)
            out = log.open("w") if log else subprocess.DEVNULL
            try:
                for cmd in (
                    [uv_binary(), "venv", "--quiet", "--python", interpreter, str(self.venv_dir)],
                    self.install_command(),
                ):
                    done = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, check=False)
                    if done.returncode != 0:
                        break
            finally:
                if log and not isinstance(out, int):
                    out.close()
            if done.returncode != 0:
                raise UserError(
                    f"installing Airflow {self.version} into {self.venv_dir} failed",
                    hint=f"see {log} for uv's output" if log else "re-run with a log file",
                )
            self._marker.write_text(
                f"{LAYOUT}\npython {interpreter}\n" + " ".join(self.facts.packages) + "\n"
            )
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
                # Executors start tasks as ``airflow tasks run ...`` from PATH.
                "PATH": os.pathsep.join((str(self.venv_dir / "bin"), env.get("PATH", ""))),
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
    """Build the virtualenvs (scripts/bootstrap --airflow); uv's output goes to a log.
    ``all`` builds every supported version."""
    if list(versions) == ["all"]:
        versions = airflow_versions.SUPPORTED
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
