"""The long-running Airflow processes of one emulated environment.

Started when the environment becomes AVAILABLE and stopped when it is deleted, as
MWAA's containers are: Airflow 2 runs webserver, scheduler, dag-processor and
triggerer; Airflow 3 runs api-server, scheduler, dag-processor and triggerer (the
components MWAA's image starts; see :func:`.airflow_config.components`). Each runs
in its own process group, so stopping the environment stops the task processes
its executor started too. Logs: ``HOME/logs/<component>.log``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mwaa_pause_resume.sandbox.airflow_config import component_args, health_path

READY_TIMEOUT_SECONDS = 240.0  # a cold api-server import on a busy 2-core machine
STOP_GRACE_SECONDS = 15.0


class ComponentFailed(RuntimeError):
    """An Airflow component exited or never became healthy (the message has its log)."""


@dataclass
class AirflowProcesses:
    """Airflow's components for one environment, bound to its HTTP port."""

    python: Path
    environ: Mapping[str, str]
    logs: Path
    port: int
    major: int
    components: Sequence[str]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        for component in self.components:
            with (self.logs / f"{component}.log").open("ab") as log:
                self.processes[component] = subprocess.Popen(
                    [str(self.python), "-m", "airflow", *component_args(component)],
                    env=dict(self.environ),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    cwd=str(self.logs),
                    start_new_session=True,  # stop() ends the component with its children
                )

    def exited(self) -> dict[str, int]:
        """Components that are no longer running, with their exit codes."""
        return {
            name: code for name, proc in self.processes.items() if (code := proc.poll()) is not None
        }

    def log_tail(self, component: str, chars: int = 2500) -> str:
        path = self.logs / f"{component}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def health(self) -> dict[str, object] | None:
        """Airflow's own health document, or None while the server does not answer."""
        try:
            with urllib.request.urlopen(self.base_url + health_path(self.major), timeout=5) as r:
                return dict(json.loads(r.read()))
        except (OSError, ValueError, urllib.error.URLError):
            return None

    def scheduler_healthy(self) -> bool:
        health = self.health() or {}
        scheduler = health.get("scheduler")
        return isinstance(scheduler, dict) and scheduler.get("status") == "healthy"

    def wait_ready(self, timeout: float = READY_TIMEOUT_SECONDS) -> None:
        """Until the web server answers and the scheduler heartbeats, or raise."""
        deadline = time.monotonic() + timeout
        while True:
            dead = self.exited()
            if dead:
                name, code = next(iter(dead.items()))
                raise ComponentFailed(
                    f"Airflow's {name} exited with code {code} while starting:\n"
                    f"{self.log_tail(name)}"
                )
            if self.scheduler_healthy():
                return
            if time.monotonic() > deadline:
                raise ComponentFailed(
                    f"Airflow did not become healthy on port {self.port} within "
                    f"{timeout:.0f} s; last health: {self.health()}\n"
                    f"{self.log_tail(self.components[0])}"
                )
            time.sleep(0.5)

    def _session_pids(self) -> list[tuple[int, int]]:
        """(pid, resident pages) of every live process in the components' sessions: the
        components and every task process they started (task runners may change their
        process group, never their session)."""
        sessions = {proc.pid for proc in self.processes.values()}
        found: list[tuple[int, int]] = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                pages = int((stat.parent / "statm").read_text().split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if int(fields[3]) in sessions and fields[0] != "Z":
                found.append((int(stat.parent.name), pages))
        return found

    def rss_bytes(self) -> int:
        """Resident memory of every process of this environment (components + tasks)."""
        return sum(pages for _, pages in self._session_pids()) * os.sysconf("SC_PAGE_SIZE")

    def kill(self) -> None:
        """SIGKILL every process at once, as a torn-down container ends: nothing writes to
        the database after this call (the sandbox reads the deleted environment's
        database as the export left it)."""
        for pid, _ in self._session_pids():
            _signal(pid, signal.SIGKILL)
        for proc in self.processes.values():
            _signal(proc.pid, signal.SIGKILL)
            proc.wait()
        self.processes.clear()

    def stop(self) -> None:
        """SIGTERM every component, then SIGKILL whatever of their sessions outlives the
        grace period: no process of a deleted environment survives it."""
        for proc in self.processes.values():
            _signal(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for proc in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(max(0.1, deadline - time.monotonic()))
        for pid, _ in self._session_pids():
            _signal(pid, signal.SIGKILL)
        for proc in self.processes.values():
            proc.wait()
        self.processes.clear()


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)
