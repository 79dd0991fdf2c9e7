"""A resume on another Airflow version than its snapshot's: allowed, refused, and what to
check first (pure, standard library only: the Lambda functions and the CLI share it).

A paused environment does not exist, so the resume re-creates it and may create it on a
newer Airflow: the import brings the older snapshot forward. Only the paths below are
allowed (each proven end to end in the sandbox); a downgrade is refused before anything
is created, naming the way back (resume on the snapshot's version).

MWAA itself upgrades in place only from 2.11.x to 3.x; from 2.10.3 and older it says to
create a new environment and migrate, losing the history. A resume is such a new
environment, with the history kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mwaa_pause_resume import airflow_versions

MWAA_UPGRADE_GUIDE = "https://docs.aws.amazon.com/mwaa/latest/userguide/upgrading-environment.html"
AIRFLOW3_UPGRADE_GUIDE = (
    "https://airflow.apache.org/docs/apache-airflow/stable/installation/upgrading_to_airflow3.html"
)

# Snapshot's version -> the newer versions a resume may create from it. Adding a version
# is one entry here (and its targets in the older entries), once the sandbox proves it.
UPGRADE_PATHS: dict[str, tuple[str, ...]] = {
    "2.10.1": ("2.10.3", "2.11.0", "2.11.2"),
    "2.10.3": ("2.11.0", "2.11.2", "3.0.6", "3.2.1", "3.3.1"),
    "2.11.0": ("2.11.2", "3.0.6", "3.2.1", "3.3.1"),
    "2.11.2": ("3.0.6", "3.2.1", "3.3.1"),
    "3.0.6": ("3.2.1", "3.3.1"),
    "3.2.1": ("3.3.1",),
    "3.3.1": (),
}

Kind = Literal["same", "upgrade"]


class VersionChangeRefused(ValueError):
    """The resume may not create this version from this snapshot; the message says why
    and how to resume instead."""


@dataclass(frozen=True)
class VersionChange:
    """The snapshot's Airflow version and the one the resume creates."""

    source: str
    target: str

    @property
    def kind(self) -> Kind:
        return "same" if self.source == self.target else "upgrade"

    @property
    def upgrade(self) -> bool:
        return self.kind == "upgrade"

    @property
    def crosses_major(self) -> bool:
        return self.source.split(".")[0] != self.target.split(".")[0]

    def checks(self) -> tuple[str, ...]:
        """What the user should check before the resume upgrades the environment."""
        if not self.upgrade:
            return ()
        items = [
            f"requirements.txt: its --constraint URL and every pin must be those of Airflow "
            f"{self.target} (MWAA installs it with Airflow {self.target}'s constraints)",
            f"plugins.zip: plugins must load on Airflow {self.target}",
        ]
        if self.crosses_major:
            items[:0] = [
                "DAGs that use the metadata database in tasks (Session, provide_session, "
                "create_session, airflow.models queries): MWAA 3.x tasks have no database "
                "access; use the REST API instead",
                "DAG code removed or renamed in Airflow 3 (airflow.contrib, *_operator "
                "modules, days_ago, schedule_interval=, execution_date, SubDAGs)",
            ]
            items.append(
                "airflow_configuration_options of sections Airflow 3 renamed (webserver "
                "options moved to [api])"
            )
        items.append(
            f"run `mwaa-pause-resume upgrade-check DAG_FOLDER --to {self.target} "
            "--requirements requirements.txt` on a copy of the DAGs folder"
        )
        return tuple(items)

    def to_json(self) -> dict[str, object]:
        return {
            "source": self.source,
            "target": self.target,
            "kind": self.kind,
            "checks": list(self.checks()),
        }


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


def unsupported_message(version: str) -> str:
    """Why ``version`` cannot be resumed on, with the way forward for a refused one."""
    supported = ", ".join(airflow_versions.SUPPORTED)
    step = airflow_versions.REFUSED.get(version)
    if step:
        return f"Airflow {version} is not supported by mwaa-pause-resume: {step}."
    return f"Airflow {version} is not a version this tool supports (supported: {supported})."


def plan_change(
    source: str | None, target: str | None, *, environment: str = "ENV"
) -> VersionChange:
    """The change a resume of a snapshot taken on ``source`` makes when asked to create
    ``target`` (None: the snapshot's own version). :class:`VersionChangeRefused` for a
    downgrade, an unsupported version or a path the tool does not take."""
    if target is None or target == source:
        if source is None:
            raise VersionChangeRefused(
                "The snapshot does not record its Airflow version (environment.json has no "
                "AirflowVersion): the resume cannot tell which version to create."
            )
        return VersionChange(source, source)
    if target not in airflow_versions.BY_VERSION:
        raise VersionChangeRefused(f"{unsupported_message(target)} Nothing was created.")
    if source is None:
        raise VersionChangeRefused(
            f"The snapshot does not record its Airflow version, so a resume on Airflow "
            f"{target} cannot tell whether it upgrades or downgrades it. Resume it without "
            "an Airflow version (remove airflow_version from the configuration)."
        )
    if source not in airflow_versions.BY_VERSION:
        raise VersionChangeRefused(
            f"The snapshot was taken on Airflow {source}, which this tool does not upgrade "
            f"from; resume it on Airflow {source} (remove airflow_version from the "
            f"configuration of {environment})."
        )
    way_back = (
        f"To resume it, use the snapshot's version: `mwaa-pause-resume resume {environment} "
        f'--airflow-version {source}`, or set airflow_version = "{source}" for '
        f"{environment} in the configuration (then deploy, for the schedules)."
    )
    if _key(target) < _key(source):
        raise VersionChangeRefused(
            f"The snapshot was taken on Airflow {source}; resuming it on Airflow {target} "
            "would downgrade its metadata, which is refused: nothing was deleted or "
            f"created. {way_back}"
        )
    if target not in UPGRADE_PATHS.get(source, ()):
        steps = [v for v in UPGRADE_PATHS.get(source, ()) if target in UPGRADE_PATHS.get(v, ())]
        via = (
            f" Go through Airflow {steps[-1]}: resume on it, pause, then resume on {target}."
            if steps
            else ""
        )
        raise VersionChangeRefused(
            f"A snapshot of Airflow {source} cannot be resumed on Airflow {target} in one "
            f"step (supported from {source}: {', '.join(UPGRADE_PATHS.get(source, ())) or 'none'})."
            f"{via} {way_back}"
        )
    return VersionChange(source, target)


def pending_change(
    source: str | None, target: str | None, *, environment: str = "ENV"
) -> dict[str, object] | None:
    """What the next resume does to the Airflow version, for ``status`` and ``plan``:
    None when nothing is known or nothing changes; else the change (``kind`` "upgrade",
    with the checks) or the refusal (``kind`` "refused", with its message)."""
    if source is None or target is None or source == target:
        return None
    try:
        return plan_change(source, target, environment=environment).to_json()
    except VersionChangeRefused as exc:
        return {"source": source, "target": target, "kind": "refused", "message": str(exc)}
