"""The execution input of both workflows: validation and defaults (pure).

The EventBridge schedule (or the CLI) starts an execution with::

    {"environment": "dev", "bucket": "my-backups",            # required
     "snapshot_id": null,                                      # resume: null = latest
     "export_dag_id": "mwaa_export_data", "import_dag_id": "mwaa_import_data",
     "poll_seconds": 60, "timeout_minutes": 60, "poll_timeout_minutes": 60,
     "drain_timeout_minutes": 10, "update_after_restore": false,
     "retention": 7, "kms_key_id": null, "scheduled_time": null,
     "missed_runs": "catchup",                                # resume: passed to the import DAG
     "airflow_version": null,                                 # resume: null = the snapshot's;
                                                              # pause: refused if resume would be
     "account": null, "region": null}                         # null: the hub's own (docs/fleet.md)

Defaults match :class:`mwaa_pause_resume.config.model.EnvironmentConfig`.
"""

from __future__ import annotations

import os
import re
from typing import Any

from mwaa_pause_resume.functions import spoke_session
from mwaa_pause_resume.functions.errors import InvalidInput, NotConfigured
from mwaa_pause_resume.metadata.missed_runs import DEFAULT_POLICY, PolicyError, parse_policy
from mwaa_pause_resume.shared.dag_contract import EXPORT_DAG_ID, IMPORT_DAG_ID

DEFAULTS: dict[str, Any] = {
    "snapshot_id": None,
    "export_dag_id": EXPORT_DAG_ID,
    "import_dag_id": IMPORT_DAG_ID,
    "poll_seconds": 60,
    "timeout_minutes": 60,
    "poll_timeout_minutes": None,  # None: timeout_minutes
    "drain_timeout_minutes": 10,
    "update_after_restore": False,
    "retention": 7,
    "kms_key_id": None,
    # Set by the schedules (Scheduler's <aws.scheduler.scheduled-time>): the same value in
    # two executions means one schedule fire delivered twice (Scheduler delivers at least once).
    "scheduled_time": None,
    # The missed-runs policy the import DAG applies (metadata.missed_runs). Executions
    # started by schedules deployed before it existed carry none: the default.
    "missed_runs": DEFAULT_POLICY,
    # The Airflow version the resume creates (version_change): None, the snapshot's own.
    "airflow_version": None,
    # The run gates (functions.run_gate), for scheduled runs; older schedules carry none.
    "timezone": "UTC",
    "skip_dates": [],
    "change_calendar": None,
    "when_busy": "drain",
    "max_postpone_minutes": 60,
    "postpone_interval_minutes": 10,
    # A ready-by resume (schedule_input): the ready-by cron and lead settings; and the
    # timing the resume's first state planned (functions.resume_timing), which the
    # resume records at its end.
    "ready_by": None,
    "timing": None,
    # Where the environment lives when not in the hub's own account or region
    # (functions.spoke_session): every state passes them on with the environment's name.
    "account": None,
    "region": None,
}
WHEN_BUSY = ("drain", "postpone", "skip")
# Used with fullmatch: "$" would also match before a final newline ("dev\n").
ENV_NAME = re.compile(r"[a-zA-Z][0-9a-zA-Z_-]{0,79}")  # MWAA's CreateEnvironment pattern
BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
DAG_ID = re.compile(r"[A-Za-z0-9_.-]+")
# InvokeRestApi's Path is at most 64 characters: /dags/<dag_id>/dagRuns/<run_id>.
MAX_REST_PATH = 64
RUN_ID_PREFIX = "mpr-"
MAX_POLL_SECONDS = 3600
MAX_TIMEOUT_MINUTES = 24 * 60


# The HMAC key (KMS) that signs run authorizations, manifests and environment.json; the
# stack sets it on the functions that sign or check (infra/lambdas.py).
MAC_KEY_VARIABLE = "MWAA_PAUSE_RESUME_MAC_KEY_ARN"


def mac_key_id() -> str:
    """The deployment's HMAC key (never taken from an event: a caller could bring its own)."""
    value = os.environ.get(MAC_KEY_VARIABLE, "")
    if not value:
        raise NotConfigured(
            f"{MAC_KEY_VARIABLE} is not set on this function: deploy the stack again "
            "(mwaa-pause-resume deploy), which sets it."
        )
    return value


def is_environment_name(value: Any) -> bool:
    return isinstance(value, str) and ENV_NAME.fullmatch(value) is not None


def environment_name(event: Any) -> str:
    """``event["environment"]`` if MWAA would accept it as a name, else :class:`InvalidInput`.

    Every handler calls this first: the name goes into S3 keys, MWAA calls and messages,
    and a function can be invoked with any event, not only by the state machines.
    """
    value = event.get("environment") if isinstance(event, dict) else None
    if not is_environment_name(value):
        shown = repr(value) if len(repr(value)) <= 100 else repr(value)[:97] + "..."
        raise InvalidInput(
            f"{shown} is not a valid MWAA environment name (1-80 characters: a letter, "
            "then letters, digits, '-' or '_')."
        )
    return str(value)


def run_id(stamp: str) -> str:
    return f"{RUN_ID_PREFIX}{stamp}"


def normalize(raw: Any, *, workflow: str, stamp: str) -> dict[str, Any]:
    """The validated settings with defaults applied; :class:`InvalidInput` names the field."""
    if not isinstance(raw, dict):
        raise InvalidInput("The execution input must be a JSON object.")
    unknown = sorted(set(raw) - set(DEFAULTS) - {"environment", "bucket"})
    if unknown:
        raise InvalidInput(
            f"Unknown execution input field(s): {', '.join(unknown)}. "
            f"Known: environment, bucket, {', '.join(DEFAULTS)}."
        )
    out = {**DEFAULTS, **{k: v for k, v in raw.items() if v is not None}}
    for name in ("environment", "bucket"):
        if not isinstance(out.get(name), str) or not out[name]:
            raise InvalidInput(f"The execution input needs {name!r} (a non-empty string).")
    environment_name(out)
    if not BUCKET_NAME.fullmatch(out["bucket"]):
        raise InvalidInput(f"{out['bucket']!r} is not a valid S3 bucket name.")
    for name, low, high in (
        ("poll_seconds", 1, MAX_POLL_SECONDS),
        ("timeout_minutes", 1, MAX_TIMEOUT_MINUTES),
        ("drain_timeout_minutes", 0, 24 * 60),
        ("retention", 1, 1000),
    ):
        _check_int(out, name, low, high)
    if out["poll_timeout_minutes"] is None:
        out["poll_timeout_minutes"] = out["timeout_minutes"]
    _check_int(out, "poll_timeout_minutes", 1, 24 * 60)
    if not isinstance(out["update_after_restore"], bool):
        raise InvalidInput("'update_after_restore' must be true or false.")
    for name in ("export_dag_id", "import_dag_id"):
        dag_id = out[name]
        if not isinstance(dag_id, str) or not DAG_ID.fullmatch(dag_id):
            raise InvalidInput(f"{name} {dag_id!r} is not a valid DAG id.")
        path = f"/dags/{dag_id}/dagRuns/{run_id(stamp)}"
        if len(path) > MAX_REST_PATH:
            raise InvalidInput(
                f"{name} {dag_id!r} is too long: InvokeRestApi paths are limited to "
                f"{MAX_REST_PATH} characters and {path!r} has {len(path)}. "
                f"Use a DAG id of at most {MAX_REST_PATH - len(path) + len(dag_id)} characters."
            )
    snapshot_id = out["snapshot_id"]
    if snapshot_id is not None and (
        workflow != "resume" or not isinstance(snapshot_id, str) or "/" in snapshot_id
    ):
        raise InvalidInput(
            "'snapshot_id' is only for resume and must be a snapshot id such as "
            "20261125T170200Z-1a2b (see `mwaa-pause-resume snapshots list`)."
        )
    if out["kms_key_id"] is not None and not isinstance(out["kms_key_id"], str):
        raise InvalidInput("'kms_key_id' must be a KMS key id or ARN.")
    try:
        out["missed_runs"] = parse_policy(out["missed_runs"], "the execution input")
    except PolicyError as exc:
        raise InvalidInput(f"{exc}.") from None
    _check_airflow_version(out["airflow_version"])
    spoke_session.check(out["account"], out["region"])
    _check_gates(out)
    for name in ("ready_by", "timing"):
        if out[name] is not None and not isinstance(out[name], dict):
            raise InvalidInput(f"{name!r} must be a JSON object.")
    if out["scheduled_time"] is not None and not isinstance(out["scheduled_time"], str):
        raise InvalidInput("'scheduled_time' must be the schedule's time as a string.")
    if str(out["scheduled_time"]).startswith("<aws.scheduler."):
        out["scheduled_time"] = None  # not substituted (not started by Scheduler): no fire
    return out


def _check_int(out: dict[str, Any], name: str, low: int, high: int) -> None:
    value = out[name]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(f"{name!r} must be a whole number from {low} to {high}, not {value!r}.")


def _check_airflow_version(value: Any) -> None:
    """A supported version or None; refused here, before anything is created."""
    from mwaa_pause_resume.version_change import unsupported_message

    if value is None:
        return
    if not isinstance(value, str):
        raise InvalidInput(f"'airflow_version' must be a version string, not {value!r}.")
    from mwaa_pause_resume.airflow_versions import BY_VERSION

    if value not in BY_VERSION:
        raise InvalidInput(f"{unsupported_message(value)} Nothing was created.")


def _check_gates(out: dict[str, Any]) -> None:
    from zoneinfo import ZoneInfo

    from mwaa_pause_resume.schedule.calendar import CalendarError, parse_skip_dates

    try:
        ZoneInfo(str(out["timezone"]))
    except (KeyError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError
        raise InvalidInput(f"'timezone' {out['timezone']!r} is not an IANA time zone.") from None
    dates = out["skip_dates"]
    if not isinstance(dates, list) or not all(isinstance(d, str) for d in dates):
        raise InvalidInput("'skip_dates' must be a list of dates (YYYY-MM-DD[..YYYY-MM-DD]).")
    try:
        parse_skip_dates(dates)
    except CalendarError as exc:
        raise InvalidInput(f"'skip_dates': {exc.message}; {exc.fix}.") from None
    if out["change_calendar"] is not None and not isinstance(out["change_calendar"], str):
        raise InvalidInput("'change_calendar' must be an SSM Change Calendar name or ARN.")
    if out["when_busy"] not in WHEN_BUSY:
        raise InvalidInput(f"'when_busy' must be one of {', '.join(WHEN_BUSY)}.")
    _check_int(out, "max_postpone_minutes", 1, 720)
    _check_int(out, "postpone_interval_minutes", 1, 60)
    # Postponing comes before Begin's deadline: both must fit the state machine's cap.
    if out["when_busy"] == "postpone" and (
        out["max_postpone_minutes"] + out["timeout_minutes"] > MAX_TIMEOUT_MINUTES
    ):
        raise InvalidInput(
            "'max_postpone_minutes' plus 'timeout_minutes' must be at most "
            f"{MAX_TIMEOUT_MINUTES} minutes."
        )
