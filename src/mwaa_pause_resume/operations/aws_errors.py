"""botocore errors -> one line saying what went wrong and a hint saying what to do.

The operator commands call AWS through the standard credential chain; whatever
fails there (no credentials, an expired session, a missing permission, a wrong
region, throttling, no network) reaches the user as an error of this package,
never as a traceback. Imports botocore lazily: the mapping is by class name and
error code, so this module loads without boto3.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from mwaa_pause_resume.errors import MwaaPauseResumeError, OperationFailed, UserError
from mwaa_pause_resume.shared.aws_error_fields import (
    THROTTLING_CODES,
    class_names,
    error_code,
    error_message,
    http_status,
)

ACCESS_DENIED_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError"}
)
EXPIRED_CODES = frozenset(
    {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"}
)
BAD_CREDENTIALS_CODES = frozenset(
    {"UnrecognizedClientException", "InvalidClientTokenId", "SignatureDoesNotMatch",
     "InvalidAccessKeyId", "InvalidSignatureException"}
)  # fmt: skip
NOT_FOUND_CODES = frozenset(
    {"ResourceNotFoundException", "NoSuchBucket", "NoSuchKey", "ExecutionDoesNotExist",
     "StateMachineDoesNotExist", "NotFound", "404"}
)  # fmt: skip

CREDENTIALS_HINT = (
    "configure credentials (aws configure, aws sso login, or AWS_PROFILE / AWS_ACCESS_KEY_ID) "
    "or pass --profile NAME"
)
MAX_AWS_MESSAGE = 300


def aws_message(exc: BaseException) -> str:
    """AWS's own message on one line, shortened: long policy texts would flood the terminal."""
    text = " ".join(error_message(exc).split())
    return text if len(text) <= MAX_AWS_MESSAGE else text[: MAX_AWS_MESSAGE - 3] + "..."


def _text(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def explain(
    exc: BaseException, action: str, *, region: str | None = None
) -> MwaaPauseResumeError | None:
    """The error to show for ``exc`` raised while doing ``action`` ("read environment dev"),
    or None when ``exc`` is not an AWS/botocore error."""
    names = class_names(exc)
    where = f" in {region}" if region else ""
    if names & {"NoCredentialsError", "PartialCredentialsError", "CredentialRetrievalError"}:
        return UserError(
            f"Cannot {action}: no AWS credentials found ({_text(exc)}).", CREDENTIALS_HINT
        )
    if names & {"ProfileNotFound"}:
        return UserError(
            f"Cannot {action}: {_text(exc)}.",
            "list your profiles with `aws configure list-profiles`, or drop --profile",
        )
    if names & {"SSOTokenLoadError", "UnauthorizedSSOTokenError", "TokenRetrievalError"}:
        return UserError(
            f"Cannot {action}: the SSO session has expired or was never started ({_text(exc)}).",
            "run `aws sso login` (with --profile NAME if you use one) and try again",
        )
    if names & {"NoRegionError"}:
        return UserError(
            f"Cannot {action}: no AWS region is set.",
            "pass --region, set AWS_REGION, or set [deployment] region in the configuration",
        )
    if names & {
        "EndpointConnectionError",
        "ConnectTimeoutError",
        "ReadTimeoutError",
        "ConnectionClosedError",
        "ProxyConnectionError",
        "SSLError",
    }:
        return UserError(
            f"Cannot {action}: the AWS endpoint is unreachable ({_text(exc)}).",
            "check the network, proxy and VPN, and that --region names a region where the "
            "service exists",
        )
    if "ClientError" not in names:
        return None
    code, message = error_code(exc), aws_message(exc)
    said = f"{code}: {message}" if code else message
    if code in EXPIRED_CODES:
        return UserError(
            f"Cannot {action}: the AWS credentials have expired ({said}).",
            "refresh them (aws sso login, or new temporary credentials) and try again",
        )
    if code in BAD_CREDENTIALS_CODES:
        return UserError(
            f"Cannot {action}: AWS does not accept these credentials ({said}).",
            "check the access key / profile, and that the clock of this machine is right",
        )
    if code in ACCESS_DENIED_CODES or (http_status(exc) == 403 and not code):
        return UserError(
            f"Cannot {action}: access denied ({said}).",
            "use a role or profile allowed to do this (--profile), or ask for the permission "
            "named in the message",
        )
    if code in THROTTLING_CODES:
        return UserError(
            f"Cannot {action}: AWS is throttling the requests ({said}).",
            "wait a minute and try again; other tools may be calling the same API heavily",
        )
    if code in NOT_FOUND_CODES:
        return UserError(
            f"Cannot {action}: not found{where} ({said}).",
            "check the name and the region (--region / --profile)",
        )
    if http_status(exc) >= 500 or code in ("InternalServerException", "InternalError",
                                            "ServiceUnavailable", "InternalFailure"):  # fmt: skip
        return OperationFailed(
            f"Cannot {action}: AWS answered with a server error ({said}).",
            "try again in a few minutes; see https://health.aws.amazon.com/ if it persists",
        )
    return UserError(f"Cannot {action}: AWS refused the request ({said}).", None)


@contextmanager
def translated(action: str, *, region: str | None = None) -> Iterator[None]:
    """Re-raise AWS errors raised in the block as this package's errors."""
    try:
        yield
    except MwaaPauseResumeError:
        raise
    except Exception as exc:
        mapped = explain(exc, action, region=region)
        if mapped is None:
            raise
        raise mapped from exc
