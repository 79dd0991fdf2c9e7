"""One environment's snapshots as the operator commands read them from the backup
bucket: the latest one, the environment one captured, whether an id names a complete
one, and the Airflow version change a resume from it makes. :mod:`.snapshot_index`
holds the pure listing logic."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mwaa_pause_resume.errors import UserError
from mwaa_pause_resume.functions import layout
from mwaa_pause_resume.operations.session import Session
from mwaa_pause_resume.operations.snapshot_index import latest_id

if TYPE_CHECKING:
    from mwaa_pause_resume.config.model import EnvironmentConfig
    from mwaa_pause_resume.version_change import VersionChange


def check_snapshot_id(snapshot: str, environment: str) -> None:
    """Refuse what is not a snapshot id before any AWS call (a typo, say)."""
    if not layout.is_snapshot_id(snapshot):
        raise UserError(
            f"{snapshot!r} is not a snapshot id (they look like 20261125T170200Z-1a2b).",
            hint=f"list them with `mwaa-pause-resume snapshots list {environment}`",
        )


def check_snapshot_complete(session: Session, env: EnvironmentConfig, snapshot: str) -> None:
    """Refuse a snapshot that does not exist or was never verified (no complete.json)."""
    bucket = session.deployment.bucket
    marker = layout.key(env.name, snapshot, layout.COMPLETE_FILE)
    if session.aws.read_json(bucket, marker) is None:
        raise UserError(
            f"Snapshot {snapshot} of {env.name} does not exist or is not complete "
            f"(no s3://{bucket}/{marker}).",
            hint=f"list the usable ones with `mwaa-pause-resume snapshots list {env.name}`",
        )


def check_airflow_version(version: str) -> None:
    """Refuse an Airflow version the tool does not support."""
    from mwaa_pause_resume.airflow_versions import SUPPORTED
    from mwaa_pause_resume.version_change import unsupported_message

    if version not in SUPPORTED:
        raise UserError(unsupported_message(version), hint=f"use one of {', '.join(SUPPORTED)}")


def snapshot_or_latest(session: Session, environment: str, snapshot: str | None) -> str | None:
    """``snapshot``, or the latest complete one's id (latest.json); None when there is none."""
    if snapshot:
        return snapshot
    return latest_id(
        session.aws.read_json(session.deployment.bucket, layout.latest_key(environment))
    )


def snapshot_airflow_version(
    session: Session, environment: str, snapshot: str | None
) -> tuple[str | None, str | None]:
    """(snapshot id, its Airflow version) of ``snapshot`` or the latest one; (None, None)
    when there is none (the workflow then says so)."""
    snapshot_id = snapshot_or_latest(session, environment, snapshot)
    if snapshot_id is None:
        return None, None
    inner = snapshot_environment(session, environment, snapshot_id) or {}
    version = inner.get("AirflowVersion")
    return snapshot_id, version if isinstance(version, str) else None


def snapshot_environment(
    session: Session, environment: str, snapshot: str | None = None
) -> dict[str, Any] | None:
    """The environment as ``snapshot`` (default: the latest) captured it, or None."""
    snapshot_id = snapshot_or_latest(session, environment, snapshot)
    if snapshot_id is None:
        return None
    captured = session.aws.read_json(
        session.deployment.bucket, layout.key(environment, snapshot_id, layout.ENVIRONMENT_FILE)
    )
    inner = captured.get("Environment", captured) if isinstance(captured, dict) else None
    return inner if isinstance(inner, dict) else None


def latest_snapshot(session: Session, environment: str) -> dict[str, Any] | None:
    """What ``status`` shows of the latest snapshot (id, time, size, tables, rows,
    Airflow version); None when there is none."""
    from mwaa_pause_resume.operations.snapshot_index import manifest_summary, taken_at

    bucket = session.deployment.bucket
    snapshot_id = latest_id(session.aws.read_json(bucket, layout.latest_key(environment)))
    if snapshot_id is None:
        return None
    objects = session.aws.list_objects(bucket, layout.snapshot_prefix(environment, snapshot_id))
    manifest = session.aws.read_json(bucket, layout.key(environment, snapshot_id, "manifest.json"))
    summary = manifest_summary(manifest) if isinstance(manifest, dict) else {}
    when = taken_at(snapshot_id)
    return {
        "snapshot_id": snapshot_id,
        "taken_at": when.isoformat() if when else None,
        "bytes": sum(int(o.get("Size") or 0) for o in objects),
        "tables": summary.get("tables"),
        "rows": summary.get("rows"),
        "airflow_version": summary.get("airflow_version"),
    }


def resume_version_change(
    session: Session, env: EnvironmentConfig, snapshot: str | None, requested: str | None
) -> VersionChange | None:
    """The Airflow version change this resume makes (None: none asked, or no snapshot to
    compare with); a refused one is a UserError (exit 2) before anything starts."""
    from mwaa_pause_resume.version_change import VersionChangeRefused, plan_change

    target = requested or env.airflow_version
    if target is None or session.aws.get_environment(env.name) is not None:
        return None  # nothing asked, or running: the workflow ends "already running"
    snapshot_id, source = snapshot_airflow_version(session, env.name, snapshot)
    if snapshot_id is None:
        return None
    try:
        return plan_change(source, target, environment=env.name)
    except VersionChangeRefused as exc:
        raise UserError(
            f"Snapshot {snapshot_id} of {env.name}: {exc}".replace(
                "nothing was deleted or created", "nothing was started"
            )
        ) from None
