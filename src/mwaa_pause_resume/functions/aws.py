"""boto3 clients, created lazily once per Lambda container, and AWS errors translated
into the names the state machines retry on.

MWAA clients follow the environment's placement (functions.spoke_session): in another
region or, through the spoke role, in another account. Everything else (S3, KMS, SNS,
SSM) stays in the hub.

Clients do not retry by themselves: the state machine's Retry (with backoff)
is the single retry layer, visible in the execution history.
"""

from __future__ import annotations

import functools
from typing import Any

from mwaa_pause_resume.functions.errors import AwsCallFailed, AwsThrottled, AwsUnavailable
from mwaa_pause_resume.shared.aws_error_fields import (
    THROTTLING_CODES,
    error_code,
    error_message,
    http_status,
)

__all__ = [  # the error fields are re-exported: the handlers read aws.error_code(exc)
    "PLACED_SERVICES",
    "THROTTLING_CODES",
    "client",
    "credentialed_client",
    "error_code",
    "error_message",
    "http_status",
    "hub_client",
    "regional_client",
    "reset_clients",
    "translate",
]

# Services called where the environment lives; every other one is called in the hub.
PLACED_SERVICES = frozenset({"mwaa"})


def client(service: str) -> Any:
    """The client for ``service``: MWAA where the current workflow's environment lives."""
    if service in PLACED_SERVICES:
        from mwaa_pause_resume.functions import spoke_session

        return spoke_session.mwaa_client()
    return hub_client(service)


def _config() -> Any:
    from botocore.config import Config

    return Config(retries={"total_max_attempts": 1})


@functools.cache
def hub_client(service: str) -> Any:
    """The hub's own client (its credentials and region)."""
    import boto3

    return boto3.client(service, config=_config())


@functools.cache
def regional_client(service: str, region: str) -> Any:
    """The hub's credentials in another region."""
    import boto3

    return boto3.client(service, region_name=region, config=_config())


@functools.lru_cache(maxsize=64)
def credentialed_client(
    service: str,
    region: str,
    aws_access_key_id: str,
    aws_secret_access_key: str,
    aws_session_token: str,
) -> Any:
    """A client with assumed-role credentials (one per spoke account, region and session)."""
    import boto3

    return boto3.client(
        service,
        region_name=region,
        aws_access_key_id=aws_access_key_id,
        aws_secret_access_key=aws_secret_access_key,
        aws_session_token=aws_session_token,
        config=_config(),
    )


def reset_clients() -> None:
    """Forget cached clients and spoke credentials (tests that change endpoints or
    credentials)."""
    from mwaa_pause_resume.functions import spoke_session

    hub_client.cache_clear()
    regional_client.cache_clear()
    credentialed_client.cache_clear()
    spoke_session.reset()


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
