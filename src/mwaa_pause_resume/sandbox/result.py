"""The sandbox's options, progress reporting and result: what ``run_sandbox`` takes
and gives back (:mod:`.cycle`), and what the CLI prints (``cli/sandbox_cmd.py``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from mwaa_pause_resume import airflow_versions
from mwaa_pause_resume.metadata.flags import SnapshotScope
from mwaa_pause_resume.operations.progress import Progress
from mwaa_pause_resume.sandbox.environment_comparison import Comparison
from mwaa_pause_resume.sandbox.liveness import Liveness
from mwaa_pause_resume.sandbox.rest_history_check import NOT_RESTORED, HistoryCheck


class Reporter(Protocol):
    def phase(self, text: str) -> None:
        """A setup or checking step begins."""

    def workflow(self, workflow: str, progress: Progress, started: datetime) -> None:
        """The execution's steps so far (called repeatedly while it runs)."""

    def workflow_done(self, workflow: str, progress: Progress, seconds: float) -> None:
        """The execution ended."""


class QuietReporter:
    def phase(self, text: str) -> None:
        pass

    def workflow(self, workflow: str, progress: Progress, started: datetime) -> None:
        pass

    def workflow_done(self, workflow: str, progress: Progress, seconds: float) -> None:
        pass


@dataclass(frozen=True)
class SandboxOptions:
    airflow_version: str = airflow_versions.DEFAULT
    keep: bool = False
    # Hand Airflow 3 tasks the database's coordinates (MWAA 3.x does not).
    worker_db_access: bool = False
    # A folder of the user's own DAGs, added to the environment's DAGs folder.
    dags: Path | None = None
    settle_seconds: float = 30.0
    work_dir: Path | None = None
    # Resume on this (newer) Airflow: the snapshot is brought forward (docs/sandbox.md).
    resume_version: str | None = None


@dataclass
class WorkflowOutcome:
    status: str
    seconds: float
    error: str | None = None
    cause: str | None = None
    output: Any = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "seconds": round(self.seconds, 1)}
        if self.error:
            out["error"] = self.error
            out["cause"] = self.cause
        return out


@dataclass
class SandboxResult:
    airflow_version: str
    work_dir: Path
    kept: bool
    pause: WorkflowOutcome | None = None
    resume: WorkflowOutcome | None = None
    comparison: Comparison | None = None
    fernet_key_changed: bool | None = None
    snapshot_id: str | None = None
    scope: str | None = None  # the snapshot's: "full" or "rest-only"
    # How the import restored it: "database", or "rest-api" (an Airflow 3 target without
    # task database access: a rest-only snapshot, or a full one read from its tables)
    channel: str | None = None
    liveness: Liveness | None = None
    import_errors: list[dict[str, str]] = field(default_factory=list)
    peak_rss_bytes: int = 0
    # Wall seconds per step (setup, create, history, pause, resume, compare, liveness).
    timings: dict[str, float] = field(default_factory=dict)
    worker_db_access: bool = False
    total_seconds: float = 0.0
    keep_notes: list[str] = field(default_factory=list)
    # rest-only: docs/airflow3.md's promises, checked row by row through the REST API
    rest_history: HistoryCheck | None = None
    resume_version: str | None = None  # --resume-version: asked for
    resumed_version: str | None = None  # the Airflow the resume created

    @property
    def not_restored(self) -> dict[str, str]:
        """What the snapshot's scope left out, said plainly (empty for a full snapshot)."""
        if not self.through_rest:
            return {}
        return dict(NOT_RESTORED)

    @property
    def through_rest(self) -> bool:
        """Restored through the REST channel (docs/airflow3.md), whatever the scope."""
        return self.scope == SnapshotScope.REST_ONLY or self.channel == "rest-api"

    @property
    def differences(self) -> list[str]:
        out: list[str] = []
        for name, run in (("pause", self.pause), ("resume", self.resume)):
            if run is None:
                out.append(f"the {name} workflow did not run")
            elif run.status != "SUCCEEDED":
                out.append(f"the {name} workflow ended {run.status}: {run.error} {run.cause}")
        if self.fernet_key_changed is False:
            out.append("the resumed environment kept the old Fernet key")
        if self.resume_version and self.resumed_version not in (None, self.resume_version):
            out.append(
                f"the resume created Airflow {self.resumed_version}, not {self.resume_version}"
            )
        if self.comparison is not None:
            out += self.comparison.differences
        if self.through_rest and self.comparison is not None:
            check = self.rest_history
            if check is None or not check.runs_checked + check.runs_absent_as_documented:
                out.append("run history: no restored run was checked through the REST API")
            else:
                out += [f"run history: {problem}" for problem in check.problems]
        return out

    @property
    def restored_equal(self) -> bool:
        return self.comparison is not None and not self.differences

    @property
    def passed(self) -> bool:
        return self.restored_equal and self.liveness is not None and self.liveness.passed

    def lap(self, step: str, since: float) -> float:
        """Record ``step`` as taking the time since ``since``; returns now."""
        now = time.monotonic()
        self.timings[step] = self.timings.get(step, 0.0) + now - since
        return now

    def to_json(self) -> dict[str, Any]:
        comp = self.comparison
        return {
            "airflow_version": self.airflow_version,
            "resume_version": self.resume_version,
            "resumed_airflow_version": self.resumed_version,
            "pause": self.pause.to_json() if self.pause else None,
            "resume": self.resume.to_json() if self.resume else None,
            "tables": {
                name: {
                    "before": t.before,
                    "after": t.after,
                    "matching": t.matching,
                    "made_by_target": t.made_by_target,
                    "equal": t.equal,
                    "difference": t.example,
                }
                for name, t in (comp.tables.items() if comp else ())
            },
            "restored_equal": self.restored_equal,
            "secrets": {
                "checked": comp.secrets_checked if comp else 0,
                "equal": comp.secrets_equal if comp else False,
                "new_fernet_key": self.fernet_key_changed,
            },
            "paused_states_equal": comp.paused_equal if comp else False,
            "differences": self.differences,
            "scope": self.scope,
            "channel": self.channel,
            "not_restored": self.not_restored,
            "rest_history": self.rest_history.to_json() if self.rest_history else None,
            "worker_db_access": self.worker_db_access,
            "liveness": self.liveness.to_json() if self.liveness else None,
            "import_errors": self.import_errors,
            "peak_rss_mb": round(self.peak_rss_bytes / 2**20),
            "timings": {k: round(v, 1) for k, v in self.timings.items()},
            "passed": self.passed,
            "snapshot_id": self.snapshot_id,
            "seconds": round(self.total_seconds, 1),
            "work_dir": str(self.work_dir) if self.kept else None,
        }
