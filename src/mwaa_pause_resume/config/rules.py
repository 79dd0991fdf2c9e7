"""Field rules: each takes a typed value, returns it (possibly normalised) or raises ``Invalid``.

The limits follow what AWS accepts (MWAA, IAM, S3, EC2, EventBridge Scheduler) so
that a configuration that validates here does not fail later at deploy time.
"""

from __future__ import annotations

import ipaddress
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

# Regions where MWAA runs; only used to suggest a spelling (new regions still pass the pattern).
KNOWN_REGIONS = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1",
    "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-central-2", "eu-north-1",
    "eu-south-1", "eu-south-2", "ap-south-1", "ap-south-2", "ap-northeast-1", "ap-northeast-2",
    "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
    "ap-east-1", "me-south-1", "me-central-1", "il-central-1", "af-south-1",
    "cn-north-1", "cn-northwest-1", "us-gov-west-1", "us-gov-east-1",
)  # fmt: skip

_ENV_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_DAG_ID = re.compile(r"[A-Za-z0-9_.-]+")
_ACCOUNT = re.compile(r"\d{12}")
_REGION = re.compile(r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}")
_ROLE_ARN = re.compile(r"arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):role/(.+)")
_ROLE_PART = re.compile(r"[\w+=,.@-]+")
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_BUCKET_ARN = re.compile(r"arn:(aws|aws-cn|aws-us-gov):s3:::(.*)")
_EMAIL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
_STACK_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_AIRFLOW_VERSION = re.compile(r"\d+\.\d+\.\d+")
# SSM document names (a Change Calendar is one), or the document's ARN (shared calendars).
_SSM_DOCUMENT = re.compile(r"[A-Za-z0-9_.-]{3,128}")
_SSM_DOCUMENT_ARN = re.compile(r"arn:(aws|aws-cn|aws-us-gov):ssm:[a-z0-9-]+:\d{12}:document/(.+)")
_RESOURCE_ID = re.compile(r"([0-9a-f]{8}|[0-9a-f]{17})")

_BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_BUCKET_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


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


def account_id(value: str) -> str:
    if not _ACCOUNT.fullmatch(value):
        raise Invalid(
            f"{value!r} is not an AWS account id", "write the 12 digits, e.g. 111122223333"
        )
    return value


def region(value: str) -> str:
    if not _REGION.fullmatch(value):
        raise Invalid(
            f"{value!r} is not an AWS region", did_you_mean(value, KNOWN_REGIONS, "regions")
        )
    return value


_TAG = re.compile(r"[A-Za-z0-9_.:/@+-]{1,128}=[A-Za-z0-9_.:/@+ -]{0,256}")


def tag(value: str) -> str:
    """A ``key=value`` label (AWS tag characters; the value may be empty)."""
    if not _TAG.fullmatch(value):
        raise Invalid(
            f"{value!r} is not a key=value tag",
            "write key=value, e.g. team=data (key: 1-128 of letters, digits and _.:/@+-)",
        )
    return value


def tags(values: tuple[str, ...]) -> tuple[str, ...]:
    """Tags with each key once: a second value for a key would make filters ambiguous."""
    out = each(tag)(values)
    seen: dict[str, str] = {}
    for item in out:
        key = item.split("=", 1)[0]
        if key in seen:
            raise Invalid(
                f"the key {key!r} is given twice ({seen[key]!r} and {item!r})",
                f"keep one value for {key!r}",
            )
        seen[key] = item
    return out


def stack_name(value: str) -> str:
    if not 1 <= len(value) <= 128 or not _STACK_NAME.fullmatch(value):
        raise Invalid(
            f"{value!r} is not a valid CloudFormation stack name",
            "use up to 128 characters: a letter first, then letters, digits or '-'",
        )
    return value


def role_arn(value: str) -> str:
    match = _ROLE_ARN.fullmatch(value)
    parts = match.group(3).split("/") if match else []
    if not match or not all(_ROLE_PART.fullmatch(p) for p in parts) or len(parts[-1]) > 64:
        raise Invalid(
            f"{value!r} is not an IAM role ARN",
            "copy the execution role ARN from the MWAA console, e.g. "
            "arn:aws:iam::111122223333:role/service-role/my-env-role",
        )
    return value


def role_account(value: str) -> str | None:
    """The account id inside a role ARN (None when the ARN is malformed)."""
    match = _ROLE_ARN.fullmatch(value)
    return match.group(2) if match else None


def bucket(value: str) -> str:
    """An S3 bucket name; a bucket ARN (as MWAA shows it) is accepted and reduced to the name."""
    arn = _BUCKET_ARN.fullmatch(value)
    name = arn.group(2) if arn else value
    fix = (
        "use the bucket name (3-63 lowercase letters, digits, '.' or '-', starting and ending "
        "with a letter or digit) or its ARN arn:aws:s3:::NAME"
    )
    if value.startswith("s3://"):
        raise Invalid(
            f"{value!r} is an S3 URL, not a bucket name", f"write {value[5:].partition('/')[0]!r}"
        )
    if not _BUCKET.fullmatch(name) or ".." in name:
        raise Invalid(f"{value!r} is not a valid S3 bucket name", fix)
    if name.startswith(_BUCKET_PREFIXES) or name.endswith(_BUCKET_SUFFIXES):
        raise Invalid(f"{value!r} uses a prefix or suffix S3 reserves", fix)
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        return name
    raise Invalid(f"{value!r} is formatted as an IP address, which S3 forbids", fix)


def email(value: str) -> str:
    local = value.rpartition("@")[0]
    if not _EMAIL.fullmatch(value) or len(local) > 64 or len(value) > 254 or ".." in value:
        raise Invalid(f"{value!r} is not an e-mail address", "write it as name@example.com")
    return value


def _resource_id(prefix: str, what: str, example: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not (value.startswith(prefix) and _RESOURCE_ID.fullmatch(value[len(prefix) :])):
            raise Invalid(
                f"{value!r} is not a {what} id",
                f"write it as {prefix} followed by 8 or 17 hexadecimal digits, e.g. {example}",
            )
        return value

    return check


vpc_id = _resource_id("vpc-", "VPC", "vpc-0123456789abcdef0")
subnet_id = _resource_id("subnet-", "subnet", "subnet-0123456789abcdef0")
security_group_id = _resource_id("sg-", "security group", "sg-0123456789abcdef0")


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


def timezone(value: str) -> str:
    """An IANA zone known to this machine's tz database (the ``tzdata`` package ships one)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    # OSError: zoneinfo opens the name as a file ("File name too long", "Is a directory")
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise Invalid(f"{_shorten(value)!r} is not an IANA time zone", _zone_fix(value)) from None
    return value


def _shorten(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else f"{value[:limit]}... ({len(value)} characters)"


def _zone_fix(value: str) -> str:
    import difflib
    from zoneinfo import available_timezones

    # Only on failure: listing every zone costs tens of milliseconds.
    zones = sorted(available_timezones())
    folded = {z.lower(): z for z in zones}
    close = [folded[value.lower()]] if value.lower() in folded else []
    close = close or difflib.get_close_matches(value, zones, n=3, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(repr(z) for z in close) + "?"
    return "use a name from the IANA tz database, e.g. America/New_York or Europe/Paris"


def cron(value: str) -> str:
    """Delegate to the schedule layer's EventBridge Scheduler parser; keep the user's text."""
    from mwaa_pause_resume.schedule.cron import CronError, parse_cron

    try:
        parse_cron(value)
    except CronError as exc:
        raise Invalid(
            f"{value!r} is not a valid EventBridge Scheduler cron expression: {exc.message}",
            exc.hint
            or "write six fields 'minutes hours day-of-month month day-of-week year', "
            "e.g. '0 20 ? * MON-FRI *'",
        ) from None
    return value


def cron_key(value: str) -> tuple[str, ...]:
    """A spelling-insensitive form of a cron expression, to spot identical schedules."""
    text = value.strip()
    if text.lower().startswith("cron(") and text.endswith(")"):
        text = text[5:-1]
    return tuple(text.upper().split())


def skip_dates(values: tuple[str, ...]) -> tuple[str, ...]:
    """Dates or inclusive ranges (schedule.calendar), kept in their canonical spelling."""
    from mwaa_pause_resume.schedule.calendar import CalendarError, parse_skip_date

    out = []
    for i, item in enumerate(values):
        try:
            out.append(parse_skip_date(item).text())
        except CalendarError as exc:
            raise Invalid(f"item {i + 1}: {exc.message}", exc.fix) from None
    return tuple(dict.fromkeys(out))


def change_calendar(value: str) -> str:
    arn = _SSM_DOCUMENT_ARN.fullmatch(value)
    name = arn.group(2) if arn else value
    if not _SSM_DOCUMENT.fullmatch(name):
        raise Invalid(
            f"{value!r} is not an SSM Change Calendar name",
            "write the calendar's name (3-128 letters, digits, '_', '-' or '.') or its "
            "document ARN, as the Systems Manager console shows it",
        )
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
