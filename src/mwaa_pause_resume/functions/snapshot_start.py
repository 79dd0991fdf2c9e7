"""Open a new snapshot: its id is the run's stamp; environment.json is GetEnvironment's
answer as captured now (what resume re-creates the environment from), signed with the
deployment's HMAC key (``environment.mac.json``, checked before CreateEnvironment).

Input ``{"environment", "bucket", "stamp", "kms_key_id"}``.
Output ``{"snapshot_id", "location"}`` (``s3://bucket/<env>/<id>/``, the export DAG's
target). Raises ``EnvironmentNotFound``.
"""

from __future__ import annotations

from typing import Any

from mwaa_pause_resume.functions import clock, layout, settings, signatures, snapshot_io
from mwaa_pause_resume.functions.environment_status import get_environment
from mwaa_pause_resume.functions.errors import EnvironmentNotFound


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    name = settings.environment_name(event)
    bucket, snapshot_id = str(event["bucket"]), str(event["stamp"])
    environment = get_environment(name)
    if environment is None:
        raise EnvironmentNotFound(f"Environment {name} disappeared before its snapshot started.")
    document = {"Environment": environment, "captured_at": clock.iso(clock.now())}
    key = layout.key(name, snapshot_id, layout.ENVIRONMENT_FILE)
    body = snapshot_io.encode_json(document)
    snapshot_io.write_bytes(bucket, key, body, event.get("kms_key_id"))
    signatures.sign_environment(bucket, name, snapshot_id, body, event.get("kms_key_id"))
    return {"snapshot_id": snapshot_id, "location": layout.snapshot_url(bucket, name, snapshot_id)}
