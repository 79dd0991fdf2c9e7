"""DeleteEnvironment, once the snapshot is verified and marked complete.

Input ``{"environment", "deadline", "poll_timeout_minutes"}``; output
``{"deadline"}``: when the "until gone" loop gives up (the earlier of the run's
deadline and now + poll timeout). An environment already DELETING is fine.
"""

from __future__ import annotations

from typing import Any

from mwaa_pause_resume.functions import aws, clock, settings, spoke_session
from mwaa_pause_resume.functions.errors import EnvironmentRequestInvalid


def loop_deadline(event: dict[str, Any]) -> float:
    return min(float(event["deadline"]), clock.now() + int(event["poll_timeout_minutes"]) * 60)


@spoke_session.acting_in_placement
def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    name = settings.environment_name(event)
    try:
        aws.client("mwaa").delete_environment(Name=name)
    except Exception as exc:
        code = aws.error_code(exc)
        if code == "ResourceNotFoundException":
            pass  # a retried call after a delete that went through
        elif code == "ValidationException" and "DELETING" in aws.error_message(exc):
            pass
        elif code in ("ValidationException", "AccessDeniedException"):
            raise EnvironmentRequestInvalid(
                f"MWAA refused to delete {name}: {aws.error_message(exc)}. "
                "The snapshot is complete; the environment was kept."
            ) from exc
        else:
            raise aws.translate(exc, f"DeleteEnvironment {name}") from exc
    return {"deadline": loop_deadline(event)}
