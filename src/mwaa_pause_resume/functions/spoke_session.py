"""Where a workflow's environment lives, and the MWAA client that reaches it there.

A hub deployment manages environments in other accounts and regions (docs/fleet.md).
The execution input names an environment's ``account`` and ``region`` when they are
not the hub's; every handler that calls MWAA is wrapped by :func:`acting_in_placement`,
which reads them from its event for the duration of the call, and
:func:`mwaa_client` (used by :func:`mwaa_pause_resume.functions.aws.client`) answers:

- nothing named, or the hub's own account and region: the hub's own client;
- the hub's account, another region: a client in that region, hub credentials;
- another account: a client in the environment's region with the credentials of
  ``sts:AssumeRole`` on that account's spoke role (:data:`SPOKE_ROLE_VARIABLE`, set
  by the stack), cached per container until shortly before they expire.

Only MWAA is called in the spoke: snapshots, locks and keys stay in the hub.
"""

from __future__ import annotations

import functools
import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from mwaa_pause_resume.functions.errors import InvalidInput, NotConfigured

ACCOUNT = re.compile(r"\d{12}")
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")
# The spoke role's name (config.fleet.spoke_role_name), set by the stack on the functions
# that call MWAA when the configuration has environments in other accounts.
SPOKE_ROLE_VARIABLE = "MWAA_PAUSE_RESUME_SPOKE_ROLE"
# Refreshed this long before the assumed credentials expire: a handler that just got them
# must be able to finish its calls (the longest MWAA-calling handler runs 2 minutes).
REFRESH_MARGIN_SECONDS = 5 * 60
SESSION_SECONDS = 3600


@dataclass(frozen=True)
class Where:
    """An environment's account and region as the execution input names them (None: the
    hub's own)."""

    account: str | None = None
    region: str | None = None


HUB = Where()
_where: ContextVar[Where | None] = ContextVar("mwaa_pause_resume_where", default=None)


def check(account: Any, region: Any) -> Where:
    """A :class:`Where` from execution-input values, or :class:`InvalidInput` naming the field."""
    if account is not None and (not isinstance(account, str) or not ACCOUNT.fullmatch(account)):
        raise InvalidInput(f"'account' must be a 12-digit AWS account id, not {account!r}.")
    if region is not None and (not isinstance(region, str) or not REGION.fullmatch(region)):
        raise InvalidInput(f"'region' must be an AWS region such as eu-west-1, not {region!r}.")
    return Where(account, region)


def placement_of(event: Any) -> Where:
    """The placement a handler's event carries: its own ``account``/``region``, or those of
    the execution input it holds (``input``: Begin and the run gates; ``state`` and its
    ``ctx``: the failure tail)."""
    if not isinstance(event, dict):
        return Where()
    for holder in (event, event.get("input"), (event.get("state") or {}).get("ctx")):
        if isinstance(holder, dict) and ("account" in holder or "region" in holder):
            return check(holder.get("account"), holder.get("region"))
    state = event.get("state")
    if isinstance(state, dict):
        return check(state.get("account"), state.get("region"))
    return Where()


def acting_in_placement(
    handler: Callable[[dict[str, Any], Any], dict[str, Any]],
) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """Run ``handler`` with its event's placement current (for :func:`mwaa_client`)."""

    @functools.wraps(handler)
    def wrapped(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
        _learn_identity(context)
        with placed(placement_of(event)):
            return handler(event, context)

    return wrapped


_identity_from_context: list[HubIdentity] = []


def _learn_identity(context: Any) -> None:
    """The hub's account and partition from the invoked function's ARN
    (``arn:aws:lambda:<region>:<account>:function:<name>``), so that a function in a VPC
    without an STS endpoint never needs GetCallerIdentity to know its own account."""
    arn = str(getattr(context, "invoked_function_arn", "") or "")
    parts = arn.split(":")
    if _identity_from_context or len(parts) < 7 or parts[2] != "lambda":
        return
    _identity_from_context.append(HubIdentity(parts[4], parts[1], parts[3]))


@contextmanager
def placed(where: Where) -> Iterator[None]:
    token = _where.set(where)
    try:
        yield
    finally:
        _where.reset(token)


def current() -> Where:
    return _where.get() or HUB


@dataclass(frozen=True)
class HubIdentity:
    account: str
    partition: str
    region: str


def hub_identity() -> HubIdentity:
    """The functions' own account, partition and region: from the invoked function's ARN
    in Lambda, else (local runs, tests) from STS."""
    if _identity_from_context:
        return _identity_from_context[0]
    return _caller_identity()


@functools.cache
def _caller_identity() -> HubIdentity:
    import boto3

    from mwaa_pause_resume.functions import aws

    try:
        arn = str(aws.hub_client("sts").get_caller_identity()["Arn"])
    except Exception as exc:
        raise aws.translate(exc, "GetCallerIdentity") from exc
    region = boto3.session.Session().region_name or "us-east-1"
    return HubIdentity(arn.split(":")[4], arn.split(":")[1], region)


def spoke_role_arn(account: str) -> str:
    name = os.environ.get(SPOKE_ROLE_VARIABLE, "")
    if not name:
        raise NotConfigured(
            f"This environment is in account {account}, but {SPOKE_ROLE_VARIABLE} is not set "
            "on this function: add the environment's account to the configuration and deploy "
            "the hub again (mwaa-pause-resume deploy), which sets it (docs/fleet.md)."
        )
    return f"arn:{hub_identity().partition}:iam::{account}:role/{name}"


class _Credentials:
    """Assumed-role credentials per spoke account, refreshed before they expire."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_account: dict[str, tuple[dict[str, str], float]] = {}

    def get(self, account: str) -> dict[str, str]:
        from mwaa_pause_resume.functions import clock

        with self._lock:
            cached = self._by_account.get(account)
            if cached is not None and cached[1] - REFRESH_MARGIN_SECONDS > clock.now():
                return cached[0]
            credentials, expires = _assume(account)
            self._by_account[account] = (credentials, expires)
            return credentials

    def clear(self) -> None:
        with self._lock:
            self._by_account.clear()


def _assume(account: str) -> tuple[dict[str, str], float]:
    from mwaa_pause_resume.functions import aws, clock
    from mwaa_pause_resume.functions.ownership import deployment_id

    role = spoke_role_arn(account)
    try:
        answer = aws.hub_client("sts").assume_role(
            RoleArn=role,
            RoleSessionName=f"mwaa-pause-resume-{deployment_id() or 'hub'}"[:64],
            DurationSeconds=SESSION_SECONDS,
        )
    except Exception as exc:
        if aws.error_code(exc) == "AccessDenied":
            raise NotConfigured(
                f"The hub cannot assume {role}: {aws.error_message(exc)}. Deploy the spoke "
                f"role to account {account} (the StackSet of docs/fleet.md) with this hub's "
                "account and stack name, then run again."
            ) from None
        raise aws.translate(exc, f"AssumeRole {role}") from exc
    got = answer["Credentials"]
    expiration = got.get("Expiration")
    expires = expiration.timestamp() if hasattr(expiration, "timestamp") else clock.now() + 900
    credentials = {
        "aws_access_key_id": got["AccessKeyId"],
        "aws_secret_access_key": got["SecretAccessKey"],
        "aws_session_token": got["SessionToken"],
    }
    return credentials, expires


CREDENTIALS = _Credentials()


def mwaa_client() -> Any:
    """The MWAA client for the current placement (see the module docstring)."""
    from mwaa_pause_resume.functions import aws

    where = current()
    if where.account is None and where.region is None:
        return aws.hub_client("mwaa")
    hub = hub_identity()
    region = where.region or hub.region
    if where.account is None or where.account == hub.account:
        if region == hub.region:
            return aws.hub_client("mwaa")
        return aws.regional_client("mwaa", region)
    credentials = CREDENTIALS.get(where.account)
    return aws.credentialed_client("mwaa", region, **credentials)


def reset() -> None:
    """Forget the identity and assumed credentials (tests that change accounts)."""
    _caller_identity.cache_clear()
    _identity_from_context.clear()
    CREDENTIALS.clear()
