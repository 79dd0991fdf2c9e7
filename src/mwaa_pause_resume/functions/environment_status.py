"""GetEnvironment, reduced to what the workflows branch on; also the body of every
"wait until the environment is AVAILABLE / gone" polling loop.

Input ``{"environment", "accept"?: [statuses], "wait_for"?: "AVAILABLE"|"GONE",
"deadline"?: epoch seconds, "purpose"?: "pause"|"resume"}``; ``NOT_FOUND``
stands for an environment that does not exist.
Output ``{"status", "exists", "airflow_version", "done"}``.
Raises ``EnvironmentNotReady`` (status not in ``accept``),
``EnvironmentCreateFailed`` / ``EnvironmentUpdateFailed`` (with MWAA's
LastUpdate error text), ``EnvironmentNotFound``, ``EnvironmentTimedOut``.
"""

from __future__ import annotations

from typing import Any

from mwaa_pause_resume.functions import aws, clock, settings, spoke_session
from mwaa_pause_resume.functions.errors import (
    EnvironmentCreateFailed,
    EnvironmentNotFound,
    EnvironmentNotReady,
    EnvironmentTimedOut,
    EnvironmentUpdateFailed,
)

NOT_FOUND = "NOT_FOUND"
GONE = frozenset({NOT_FOUND, "DELETED"})


def get_environment(name: str) -> dict[str, Any] | None:
    """GetEnvironment's ``Environment``, or None if there is no such environment."""
    try:
        answer = aws.client("mwaa").get_environment(Name=name)
    except Exception as exc:
        if aws.error_code(exc) == "ResourceNotFoundException":
            return None
        raise aws.translate(exc, f"GetEnvironment {name}") from exc
    environment: dict[str, Any] = answer["Environment"]
    return environment


def last_error(environment: dict[str, Any]) -> str:
    error = (environment.get("LastUpdate") or {}).get("Error") or {}
    if not error:
        return "MWAA gave no error detail (see the environment's LastUpdate in the console)"
    return f"{error.get('ErrorCode', 'ERROR')}: {error.get('ErrorMessage', '')}".strip()


def evaluate(
    name: str, environment: dict[str, Any] | None, event: dict[str, Any]
) -> dict[str, Any]:
    """The handler's decision for a GetEnvironment answer (pure)."""
    status = NOT_FOUND if environment is None else str(environment.get("Status"))
    out: dict[str, Any] = {
        "status": status,
        "exists": status not in GONE,
        "airflow_version": None if environment is None else environment.get("AirflowVersion"),
        "done": False,
    }
    accept = event.get("accept")
    if accept is not None and status not in accept:
        purpose = event.get("purpose") or "this workflow"
        raise EnvironmentNotReady(
            f"Environment {name} is {status}; {purpose} can start only when it is "
            f"{' or '.join(accept)}. Wait for the current operation to finish, "
            "or fix the environment in the MWAA console, then start again."
        )
    wait_for = event.get("wait_for")
    if wait_for == "AVAILABLE":
        if status == "CREATE_FAILED":
            assert environment is not None
            raise EnvironmentCreateFailed(
                f"MWAA could not create environment {name}: {last_error(environment)}"
            )
        if status == "UPDATE_FAILED":
            assert environment is not None
            raise EnvironmentUpdateFailed(
                f"MWAA could not update environment {name}: {last_error(environment)}"
            )
        if status in GONE:
            raise EnvironmentNotFound(f"Environment {name} disappeared while it was awaited.")
        out["done"] = status == "AVAILABLE"
    elif wait_for == "GONE":
        out["done"] = status in GONE
    if wait_for and not out["done"]:
        deadline = event.get("deadline")
        if deadline is not None and clock.now() > float(deadline):
            raise EnvironmentTimedOut(
                f"Environment {name} is still {status}, not {wait_for}, at the deadline "
                f"({clock.iso(float(deadline))}). Raise poll_timeout_minutes / timeout_minutes "
                "if MWAA usually takes longer."
            )
    return out


@spoke_session.acting_in_placement
def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    name = settings.environment_name(event)
    return evaluate(name, get_environment(name), event)
