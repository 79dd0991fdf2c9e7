"""What a botocore error says: its error code, message and HTTP status.

Read by duck typing (the ``response`` dict botocore's ``ClientError`` carries), so
neither this module nor its callers import botocore to look.
"""

from __future__ import annotations

from typing import Any

# Every code an AWS service answers for "too many requests" (botocore's own list, plus
# SNS's "Throttled" and the KMS-throttling codes of SNS, SQS and Step Functions); any
# HTTP 429 counts too (MWAA's REST-JSON front end answers ThrottlingException with it).
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "Throttled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "SlowDown",
        "RequestThrottled",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
        "KMSThrottling",
        "KmsThrottlingException",
        "KmsThrottled",
    }
)
# What S3's HeadObject / GetObject answer for a key that is not there.
NOT_FOUND_OBJECT_CODES = frozenset({"404", "NoSuchKey", "NotFound"})


def error_response(exc: BaseException) -> dict[str, Any]:
    """The error's ``response`` dict (empty for an error that carries none)."""
    return getattr(exc, "response", None) or {}


def error_fields(exc: BaseException) -> dict[str, Any]:
    """The ``Error`` part of the response (code, message, and service-specific fields)."""
    return error_response(exc).get("Error") or {}


def error_code(exc: BaseException) -> str:
    return str(error_fields(exc).get("Code") or "")


def error_message(exc: BaseException) -> str:
    """AWS's message, or the exception's own text when AWS gave none."""
    return str(error_fields(exc).get("Message") or exc)


def http_status(exc: BaseException) -> int:
    """The HTTP status AWS answered (0 when the call got no answer)."""
    return int((error_response(exc).get("ResponseMetadata") or {}).get("HTTPStatusCode") or 0)


def class_names(exc: BaseException) -> set[str]:
    """The names of the error's classes: botocore's exceptions matched without importing it."""
    return {cls.__name__ for cls in type(exc).__mro__}
