"""Field rules for AWS identifiers: account ids, regions, IAM role and S3 bucket names or
ARNs, CloudFormation stack names, tags, VPC resource ids and SSM Change Calendars.

Each takes a typed value, returns it (possibly normalised) or raises ``Invalid``, with
the limits AWS itself applies, so that a value refused at deploy time is refused here.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

from mwaa_pause_resume.config.problems import Invalid, did_you_mean
from mwaa_pause_resume.config.rules import each

# Regions where MWAA runs; only used to suggest a spelling (new regions still pass the pattern).
KNOWN_REGIONS = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1",
    "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-central-2", "eu-north-1",
    "eu-south-1", "eu-south-2", "ap-south-1", "ap-south-2", "ap-northeast-1", "ap-northeast-2",
    "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
    "ap-east-1", "me-south-1", "me-central-1", "il-central-1", "af-south-1",
    "cn-north-1", "cn-northwest-1", "us-gov-west-1", "us-gov-east-1",
)  # fmt: skip

_ACCOUNT = re.compile(r"\d{12}")
_REGION = re.compile(r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}")
_ROLE_ARN = re.compile(r"arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):role/(.+)")
_ROLE_PART = re.compile(r"[\w+=,.@-]+")
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_BUCKET_ARN = re.compile(r"arn:(aws|aws-cn|aws-us-gov):s3:::(.*)")
_STACK_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
# SSM document names (a Change Calendar is one), or the document's ARN (shared calendars).
_SSM_DOCUMENT = re.compile(r"[A-Za-z0-9_.-]{3,128}")
_SSM_DOCUMENT_ARN = re.compile(r"arn:(aws|aws-cn|aws-us-gov):ssm:[a-z0-9-]+:\d{12}:document/(.+)")
_RESOURCE_ID = re.compile(r"([0-9a-f]{8}|[0-9a-f]{17})")

_BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_BUCKET_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


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
