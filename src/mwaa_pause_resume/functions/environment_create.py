"""CreateEnvironment from a snapshot's environment.json (GetEnvironment as captured),
through :func:`mwaa_pause_resume.environment_request.recreate_request` (validated by botocore).
Before the call, environment.json and the manifest must carry valid MACs of this
deployment's key (:mod:`.signatures`): a tampered snapshot creates nothing.

Input ``{"environment", "bucket", "snapshot_id", "deadline", "poll_timeout_minutes",
"airflow_version"}`` (``airflow_version``: the version to create, None: the snapshot's;
:mod:`mwaa_pause_resume.version_change` allows upgrades along tested paths and refuses a
downgrade before anything is created); output ``{"deadline", "source_airflow_version",
"target_airflow_version"}`` for the "until AVAILABLE" loop and the import DAG's conf.
Raises ``SnapshotNotFound`` (no environment.json), ``SnapshotUnauthentic`` (a MAC missing
or wrong), ``VersionChangeRefused``, ``EnvironmentRequestInvalid``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from mwaa_pause_resume.functions import aws, ownership, settings, signatures, spoke_session
from mwaa_pause_resume.functions.environment_delete import loop_deadline
from mwaa_pause_resume.functions.environment_status import get_environment
from mwaa_pause_resume.functions.errors import (
    EnvironmentRequestInvalid,
    SnapshotNotFound,
    VersionChangeRefused,
)

if TYPE_CHECKING:
    from mwaa_pause_resume.version_change import VersionChange


def load_environment(bucket: str, environment: str, snapshot_id: str) -> dict[str, Any]:
    """The captured environment, once its MAC shows the pause workflow wrote these bytes."""
    body = signatures.read_environment_bytes(bucket, environment, snapshot_id)
    signatures.check_environment(bucket, environment, snapshot_id, body)
    captured = json.loads(body)
    inner = captured.get("Environment", captured) if isinstance(captured, dict) else None
    if not isinstance(inner, dict):
        raise SnapshotNotFound(
            f"environment.json of snapshot {snapshot_id} holds no environment: cannot "
            f"re-create {environment}."
        )
    return inner


def build_request(captured: dict[str, Any], environment: str) -> dict[str, Any]:
    from mwaa_pause_resume.environment_request import recreate_request
    from mwaa_pause_resume.errors import UserError

    if captured.get("Name") != environment:
        raise EnvironmentRequestInvalid(
            f"The snapshot describes environment {captured.get('Name')!r}, not {environment!r}."
        )
    try:
        return recreate_request(captured)
    except UserError as exc:
        raise EnvironmentRequestInvalid(str(exc)) from exc


# Statuses a CreateEnvironment of ours can have led to: a refused duplicate in one of them
# is our own create that went through (a retried Lambda, a timed-out call), so the run goes
# on polling it (CREATE_FAILED is then reported with MWAA's error by the poll).
CREATED_BY_US = frozenset({"PENDING", "CREATING", "AVAILABLE", "CREATE_FAILED"})


def already_created(name: str) -> bool:
    """Whether a refused CreateEnvironment was a duplicate of one that went through.

    MWAA answers a duplicate name with ValidationException; its wording is no API
    contract, so ask GetEnvironment instead of matching the message. The run holds the
    environment's lock and found it absent, so an environment now there is its own.
    """
    environment = get_environment(name)
    return environment is not None and environment.get("Status") in CREATED_BY_US


def version_change(captured: dict[str, Any], target: Any, environment: str) -> VersionChange | None:
    """The snapshot's version -> the one to create; refused before anything is created."""
    from mwaa_pause_resume.version_change import VersionChangeRefused as Refused
    from mwaa_pause_resume.version_change import plan_change

    source = captured.get("AirflowVersion")
    if not isinstance(source, str) and target is None:
        return None  # nothing recorded, nothing asked: MWAA's default, as before
    try:
        return plan_change(
            source if isinstance(source, str) else None,
            target if isinstance(target, str) else None,
            environment=environment,
        )
    except Refused as exc:
        raise VersionChangeRefused(str(exc)) from None


@spoke_session.acting_in_placement
def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    name, bucket = settings.environment_name(event), str(event["bucket"])
    snapshot_id = str(event["snapshot_id"])
    captured = load_environment(bucket, name, snapshot_id)
    change = version_change(captured, event.get("airflow_version"), name)
    request = build_request(captured, name)
    if change is not None:
        request["AirflowVersion"] = change.target
    signatures.check_manifest(bucket, name, snapshot_id)  # the import DAG checks it again
    request["Tags"] = ownership.with_owner_tag(request.get("Tags"))  # this deployment's
    try:
        aws.client("mwaa").create_environment(**request)
    except Exception as exc:
        code, message = aws.error_code(exc), aws.error_message(exc)
        if code in ("ValidationException", "ConflictException") and already_created(name):
            pass  # a retried call after a create that went through
        elif code in ("ValidationException", "AccessDeniedException"):
            raise EnvironmentRequestInvalid(
                f"MWAA refused to create {name}: {message}. The snapshot is kept; fix the "
                "cause (execution role, subnets, pinned S3 object versions) and resume again."
            ) from exc
        else:
            raise aws.translate(exc, f"CreateEnvironment {name}") from exc
    return {
        "deadline": loop_deadline(event),
        "source_airflow_version": change.source if change is not None else None,
        "target_airflow_version": change.target if change is not None else None,
    }
