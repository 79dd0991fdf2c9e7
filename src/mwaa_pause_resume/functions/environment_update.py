"""The optional "update after restore": UpdateEnvironment with the captured Airflow
configuration options, so MWAA restarts the schedulers and workers on the restored
metadata (pools, variables, paused states read at start-up).

Input ``{"environment", "bucket", "snapshot_id", "deadline", "poll_timeout_minutes"}``;
output ``{"deadline"}`` for the "until AVAILABLE" loop.
"""

from __future__ import annotations

from typing import Any

from mwaa_pause_resume.functions import aws, settings, spoke_session
from mwaa_pause_resume.functions.environment_create import load_environment
from mwaa_pause_resume.functions.environment_delete import loop_deadline
from mwaa_pause_resume.functions.errors import EnvironmentRequestInvalid


@spoke_session.acting_in_placement
def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    name, bucket = settings.environment_name(event), str(event["bucket"])
    captured = load_environment(bucket, name, str(event["snapshot_id"]))
    options = dict(captured.get("AirflowConfigurationOptions") or {})
    try:
        aws.client("mwaa").update_environment(Name=name, AirflowConfigurationOptions=options)
    except Exception as exc:
        if aws.error_code(exc) in ("ValidationException", "AccessDeniedException"):
            raise EnvironmentRequestInvalid(
                f"MWAA refused to update {name} after the restore: {aws.error_message(exc)}. "
                "The metadata is restored; update the environment by hand if needed."
            ) from exc
        raise aws.translate(exc, f"UpdateEnvironment {name}") from exc
    return {"deadline": loop_deadline(event)}
