"""boto3 clients, created lazily once per Lambda container, and AWS errors translated
into the names the state machines retry on.

Clients do not retry by themselves: the state machine's Retry (with backoff)
is the single retry layer, visible in the execution history.
"""

from __future__ import annotations

import functools
from typing import Any

from mwaa_pause_resume.functions.errors import AwsCallFailed, AwsThrottled, AwsUnavailable

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


@functools.cache
def client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(service, config=Config(retries={"total_max_attempts": 1}))


def reset_clients() -> None:
    """Forget cached clients (tests that change endpoints or credentials)."""
    client.cache_clear()


def error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def error_message(exc: BaseException) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Message", "") or exc)


def http_status(exc: BaseException) -> int:
    response = getattr(exc, "response", None) or {}
    return int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)


def translate(exc: Exception, what: str) -> Exception:
    """A botocore error as a named workflow error (retryable ones by class name)."""
    from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

    if isinstance(exc, ClientError):
        code, message = error_code(exc), error_message(exc)
        if code in THROTTLING_CODES or http_status(exc) == 429:
            return AwsThrottled(f"{what}: throttled ({code}: {message})")
        if http_status(exc) >= 500 or code in ("InternalServerException", "InternalError"):
            return AwsUnavailable(f"{what}: AWS answered {code or http_status(exc)}: {message}")
        return AwsCallFailed(f"{what}: {code}: {message}")
    if isinstance(exc, ConnectionError | HTTPClientError):
        return AwsUnavailable(f"{what}: {exc}")
    return exc
