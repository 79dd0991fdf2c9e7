"""Field rules: each takes a typed value, returns it (possibly normalised) or raises ``Invalid``.

The limits follow what AWS accepts (MWAA, IAM, S3, EC2, EventBridge Scheduler) so
that a configuration that validates here does not fail later at deploy time. This
module holds the generic rules (ranges, lists) and MWAA's and Airflow's own values;
AWS identifiers (accounts, regions, ARNs, buckets, VPC ids) are in ``aws_rules``, and
schedules (cron, time zones, skip dates) in ``schedule_rules``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from mwaa_pause_resume import airflow_versions
from mwaa_pause_resume.config.model import NOTIFICATION_TYPES, WHEN_BUSY
from mwaa_pause_resume.config.problems import Invalid, did_you_mean
from mwaa_pause_resume.metadata.missed_runs import DEFAULT_POLICY, POLICIES

ENVIRONMENT_CLASSES = (
    "mw1.micro",
    "mw1.small",
    "mw1.medium",
    "mw1.large",
    "mw1.xlarge",
    "mw1.2xlarge",
)
MICRO_CLASS = "mw1.micro"

# InvokeRestApi limits Path to 64 characters; the workflows poll
# /dags/{dag_id}/dagRuns/{run_id} with 32-character run ids, which leaves 17 for the DAG id.
REST_API_PATH_LIMIT = 64
RUN_ID_LENGTH = 32
MAX_DAG_ID_LENGTH = REST_API_PATH_LIMIT - len("/dags//dagRuns/") - RUN_ID_LENGTH

POLL_FREQUENCY_RANGE = (10, 3600)  # seconds
TIMEOUT_RANGE = (5, 1440)  # minutes: a workflow step longer than a day means something is stuck
DRAIN_TIMEOUT_RANGE = (0, 1440)
WORKER_RANGE = (1, 25)
POSTPONE_RANGE = (1, 720)  # a postponed pause still fits the execution's 25.5-hour cap
POSTPONE_INTERVAL_RANGE = (1, 60)
LEAD_RANGE = (1, 12 * 60)  # a ready-by resume's lead (schedule.lead_time.MAX_LEAD_MINUTES)
SCHEDULER_RANGE = (2, 5)  # MWAA v2 for classes above mw1.micro (which has exactly 1)

_ENV_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_DAG_ID = re.compile(r"[A-Za-z0-9_.-]+")
_EMAIL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
_AIRFLOW_VERSION = re.compile(r"\d+\.\d+\.\d+")


def in_range(low: int, high: int, unit: str) -> Callable[[int], int]:
    def check(value: int) -> int:
        if not low <= value <= high:
            raise Invalid(
                f"{value} {unit} is out of range", f"use a value from {low} to {high} {unit}"
            )
        return value

    return check


def at_least(low: int, unit: str) -> Callable[[int], int]:
    def check(value: int) -> int:
        if value < low:
            # "use 1 snapshot or more", not "1 snapshots"
            shown = unit[:-1] if low == 1 and unit.endswith("s") else unit
            raise Invalid(f"{value} is too small", f"use {low} {shown} or more")
        return value

    return check


def each(rule: Callable[[str], str]) -> Callable[[tuple[str, ...]], tuple[str, ...]]:
    """Apply a string rule to every item; the first bad item names its position."""

    def check(values: tuple[str, ...]) -> tuple[str, ...]:
        out = []
        for i, item in enumerate(values):
            try:
                out.append(rule(item))
            except Invalid as exc:
                raise Invalid(f"item {i + 1} ({item!r}): {exc.message}", exc.fix) from None
        # Keep the first occurrence: a repeated e-mail would only mean a second subscription.
        return tuple(dict.fromkeys(out))

    return check


def environment_name(value: str) -> str:
    if not 1 <= len(value) <= 80 or not _ENV_NAME.fullmatch(value):
        raise Invalid(
            f"{value!r} is not a valid MWAA environment name",
            "use 1-80 characters: a letter first, then letters, digits, '-' or '_' "
            "(the name shown in the MWAA console)",
        )
    return value


def dag_id(value: str) -> str:
    if not _DAG_ID.fullmatch(value):
        raise Invalid(
            f"{value!r} is not a valid DAG id",
            "use only letters, digits, '_', '-' and '.'",
        )
    if len(value) > MAX_DAG_ID_LENGTH:
        raise Invalid(
            f"{value!r} has {len(value)} characters; MWAA's InvokeRestApi limits paths to "
            f"{REST_API_PATH_LIMIT} characters, which leaves {MAX_DAG_ID_LENGTH} for a DAG id",
            f"use a DAG id of at most {MAX_DAG_ID_LENGTH} characters",
        )
    return value


def email(value: str) -> str:
    local = value.rpartition("@")[0]
    if not _EMAIL.fullmatch(value) or len(local) > 64 or len(value) > 254 or ".." in value:
        raise Invalid(f"{value!r} is not an e-mail address", "write it as name@example.com")
    return value


def notification_type(value: str) -> str:
    upper = value.upper()
    if upper not in NOTIFICATION_TYPES:
        raise Invalid(
            f"{value!r} is not a notification type",
            did_you_mean(upper, NOTIFICATION_TYPES, "types")
            + " (types: "
            + ", ".join(NOTIFICATION_TYPES)
            + ")",
        )
    return upper


def missed_runs(value: str) -> str:
    """A missed-runs policy (metadata.missed_runs), case-insensitive, stored lower-case."""
    folded = value.strip().lower()
    if folded not in POLICIES:
        choices = f"{', '.join(POLICIES)} (the default is {DEFAULT_POLICY})"
        hint = did_you_mean(folded, POLICIES)
        raise Invalid(
            f"{value!r} is not a missed-runs policy",
            f"{hint} Use one of: {choices}"
            if hint.startswith("did you mean")
            else f"use one of: {choices}",
        )
    return folded


def environment_class(value: str) -> str:
    if value not in ENVIRONMENT_CLASSES:
        raise Invalid(
            f"{value!r} is not an MWAA environment class",
            did_you_mean(value, ENVIRONMENT_CLASSES, "classes"),
        )
    return value


def airflow_version(value: str) -> str:
    """Exactly a version in ``airflow_versions.SUPPORTED`` (the schemas the engine is tested
    on, as MWAA offers them); a refused MWAA version is named with its way forward."""
    if value in airflow_versions.BY_VERSION:
        return value
    supported = ", ".join(airflow_versions.SUPPORTED)
    step = airflow_versions.REFUSED.get(value)
    if step is not None:
        raise Invalid(
            f"Airflow {value} is not supported by this tool (supported: {supported})", step
        )
    if not _AIRFLOW_VERSION.fullmatch(value):
        raise Invalid(
            f"{value!r} is not an Airflow version as MWAA shows it (X.Y.Z)",
            f"write the environment's version, one of: {supported}",
        )
    raise Invalid(
        f"Airflow {value} is not a version this tool supports on MWAA",
        f"use one of: {supported}; upgrade an older environment to one of them before "
        "its first pause (MWAA upgrades minor versions in place)",
    )


def s3_prefix(value: str) -> str:
    if not value or value.startswith("/") or value.startswith("s3://") or len(value) > 1024:
        raise Invalid(
            f"{value!r} is not a path inside the bucket",
            "write the folder relative to the bucket root without a leading '/', e.g. dags",
        )
    return value


def non_empty(value: str) -> str:
    if not value.strip():
        raise Invalid("is empty", "set a value or remove the key")
    return value


def when_busy(value: str) -> str:
    folded = value.strip().lower()
    if folded not in WHEN_BUSY:
        hint = did_you_mean(folded, WHEN_BUSY)
        choices = f"use one of: {', '.join(WHEN_BUSY)} (the default is drain)"
        raise Invalid(
            f"{value!r} is not a when_busy choice",
            f"{hint} {choices[0].upper()}{choices[1:]}" if hint.startswith("did") else choices,
        )
    return folded
