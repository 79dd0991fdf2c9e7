"""Open a new snapshot: its id is the run's stamp; environment.json is GetEnvironment's
answer as captured now (what resume re-creates the environment from), signed with the
deployment's HMAC key (``environment.mac.json``, checked before CreateEnvironment).

Input ``{"environment", "bucket", "stamp", "kms_key_id", "airflow_version"}``.
Output ``{"snapshot_id", "location"}`` (``s3://bucket/<env>/<id>/``, the export DAG's
target). Raises ``EnvironmentNotFound``, and ``VersionChangeRefused`` when the configured
``airflow_version`` is one the resume would refuse to create from this environment's
version (older, or no tested path): refused before anything is deleted, so the
environment is never left paused with a resume bound to fail.
"""

from __future__ import annotations

from typing import Any

from mwaa_pause_resume.functions import (
    clock,
    layout,
    settings,
    signatures,
    snapshot_io,
    spoke_session,
)
from mwaa_pause_resume.functions.environment_status import get_environment
from mwaa_pause_resume.functions.errors import EnvironmentNotFound, VersionChangeRefused


def check_resumable(name: str, running: Any, configured: Any) -> None:
    """Refuse to pause when the resume that follows would refuse the configured version."""
    from mwaa_pause_resume.version_change import VersionChangeRefused as Refused
    from mwaa_pause_resume.version_change import plan_change

    if not isinstance(running, str) or not isinstance(configured, str):
        return
    try:
        plan_change(running, configured, environment=name)
    except Refused as exc:
        raise VersionChangeRefused(
            f"{name} was not paused and keeps running: it runs Airflow {running} and its "
            f"configured airflow_version is {configured}, so the resume after this pause "
            f'would be refused. Set airflow_version = "{running}" (or a version it may '
            f"upgrade to) for {name} and deploy. The resume would have said: {exc}"
        ) from None


@spoke_session.acting_in_placement
def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    name = settings.environment_name(event)
    bucket, snapshot_id = str(event["bucket"]), str(event["stamp"])
    environment = get_environment(name)
    if environment is None:
        raise EnvironmentNotFound(f"Environment {name} disappeared before its snapshot started.")
    check_resumable(name, environment.get("AirflowVersion"), event.get("airflow_version"))
    document = {"Environment": environment, "captured_at": clock.iso(clock.now())}
    key = layout.key(name, snapshot_id, layout.ENVIRONMENT_FILE)
    body = snapshot_io.encode_json(document)
    snapshot_io.write_bytes(bucket, key, body, event.get("kms_key_id"))
    signatures.sign_environment(bucket, name, snapshot_id, body, event.get("kms_key_id"))
    return {"snapshot_id": snapshot_id, "location": layout.snapshot_url(bucket, name, snapshot_id)}
