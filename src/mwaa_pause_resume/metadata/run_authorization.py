"""One-time authorizations of an export or import DAG run, issued by the workflows.

The ``dag_trigger`` function puts ``{"payload": {...}, "mac": ...}`` (see
:mod:`.signing`) into the run's conf under ``authorization``. The payload binds
the environment, the DAG, the run id the function triggers, the snapshot
location and an expiry. Airflow refuses a second run with the same run id, so the
token authorizes one run only; the first task of each DAG checks it before it
reads or writes anything (:mod:`mwaa_pause_resume.dags.authorization`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from mwaa_pause_resume.metadata.signing import (
    EXPORT_AUTHORIZATION,
    IMPORT_AUTHORIZATION,
    SignatureInvalid,
    payload_of,
    sign,
    verify,
)

CONF_KEY = "authorization"
# A trigger without a workflow deadline: the run's first task starts within minutes.
DEFAULT_TTL_SECONDS = 3600
PURPOSE_BY_ACTION = {"export": EXPORT_AUTHORIZATION, "import": IMPORT_AUTHORIZATION}


class AuthorizationRefused(SignatureInvalid):
    """The run carries no valid authorization of this deployment for what it is asked to do."""


@dataclass(frozen=True)
class RunClaims:
    """What an authorization is for: one environment, DAG, run and snapshot, until expires."""

    environment: str
    dag_id: str
    run_id: str
    snapshot: str
    expires: float

    def fields(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "dag_id": self.dag_id,
            "run_id": self.run_id,
            "snapshot": self.snapshot,
            "expires": math.ceil(self.expires),
        }


def issue(kms: Any, key_id: str, action: str, claims: RunClaims) -> dict[str, Any]:
    """The signed authorization for ``action`` ("export" or "import")."""
    return sign(kms, key_id, PURPOSE_BY_ACTION[action], claims.fields())


def check_claims(payload: dict[str, Any], expected: RunClaims, now: float) -> None:
    """Refuse a payload that is not for exactly this run, or has expired (pure).

    ``expected.expires`` is ignored: the payload's own expiry is compared with ``now``.
    """
    for name in ("environment", "dag_id", "run_id", "snapshot"):
        got, want = payload.get(name), getattr(expected, name)
        if got != want:
            raise AuthorizationRefused(
                f"the authorization is for {name} {got!r}, not {want!r}",
                hint="each authorization is for one run of one DAG in one environment",
            )
    expires = payload.get("expires")
    if isinstance(expires, bool) or not isinstance(expires, int | float):
        raise AuthorizationRefused(f"the authorization has no valid expiry ({expires!r})")
    if now > float(expires):
        raise AuthorizationRefused(
            f"the authorization expired {int(now - float(expires))} s ago",
            hint="start the pause or resume workflow again; it issues a new one",
        )


def check(  # noqa: PLR0917 - each argument is one part of the check
    kms: Any, key_id: str, action: str, token: Any, expected: RunClaims, now: float
) -> dict[str, Any]:
    """The payload of ``token`` when it is a valid, current authorization of ``action`` for
    exactly ``expected`` under the trusted ``key_id``; :class:`AuthorizationRefused` else."""
    what = f"the run's {action} authorization"
    if token is None:
        raise AuthorizationRefused(
            f"the run has no {action} authorization: only the pause and resume workflows "
            "may run this DAG (a manual trigger from the UI, CLI or API is refused)",
            hint="pause or resume the environment with mwaa-pause-resume instead",
        )
    purpose = PURPOSE_BY_ACTION[action]
    try:
        payload_of(token, purpose, what)  # shape and purpose first: no KMS call for junk
        payload = verify(kms, key_id, purpose, token, what)
    except AuthorizationRefused:
        raise
    except SignatureInvalid as exc:
        raise AuthorizationRefused(exc.message, hint=exc.hint) from None
    check_claims(payload, expected, now)
    return payload
