"""The first check of every task of the export and import DAGs: is this run authorized?

Only the pause and resume workflows may run the DAGs. Their ``dag_trigger`` function
puts a one-time authorization into the run's conf
(:mod:`mwaa_pause_resume.metadata.run_authorization`); here it is checked against
what this run really is: this environment (``AIRFLOW_ENV_NAME``, set by MWAA), this
DAG and run id, the conf's snapshot, the expiry, and a MAC of the HMAC key named
in the trust file (:mod:`.trust`; never a key from the conf). The snapshot must also
lie in this environment's own prefix under the trusted snapshot root. Anything
else (a manual trigger from the UI, CLI or API, a forged or copied token) is
refused before the task reads or writes anything.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import Any

from mwaa_pause_resume.dags.trust import Trust, TrustMissing, load_trust
from mwaa_pause_resume.metadata.run_authorization import (
    CONF_KEY,
    AuthorizationRefused,
    RunClaims,
    check,
)
from mwaa_pause_resume.metadata.store import key_region

# One path segment: a snapshot id such as 20261125T170200Z-1a2b (no "..", no "/").
_SNAPSHOT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


def snapshot_id_in(snapshot: Any, root: str, environment: str) -> str:
    """The snapshot id when ``snapshot`` is ``<root><environment>/<id>/`` (pure); else
    :class:`AuthorizationRefused`: a run may only touch its own environment's prefix."""
    prefix = f"{root}{environment}/"
    rest = snapshot[len(prefix) :] if isinstance(snapshot, str) else ""
    snapshot_id = rest[:-1] if rest.endswith("/") else rest
    if not (isinstance(snapshot, str) and snapshot.startswith(prefix)) or not (
        _SNAPSHOT_ID.fullmatch(snapshot_id) and ".." not in snapshot_id
    ):
        raise AuthorizationRefused(
            f"snapshot {snapshot!r} is outside this environment's own snapshots "
            f"({prefix}<snapshot-id>/)",
            hint="the DAGs read and write only their own environment's prefix",
        )
    return snapshot_id


def authorize(
    conf: Mapping[str, Any],
    dag_id: str,
    run_id: str,
    action: str,
    *,
    environment: str,
    kms: Any,
    trust: Trust,
    now: float | None = None,
    check_expiry: bool = True,
) -> str:
    """Refuse (:class:`AuthorizationRefused`) unless the run is authorized; returns the
    snapshot id. ``check_expiry=False`` only for the export's cleanup task, which puts
    back what this run's own first task paused."""
    snapshot = conf.get("snapshot")
    snapshot_id = snapshot_id_in(snapshot, trust.snapshot_root, environment)
    expected = RunClaims(environment, dag_id, run_id, str(snapshot), 0.0)
    check(
        kms,
        trust.mac_key_id,
        action,
        conf.get(CONF_KEY),
        expected,
        (time.time() if now is None else now) if check_expiry else float("-inf"),
    )
    return snapshot_id


def authorize_run(
    conf: Mapping[str, Any], dag_id: str, run_id: str, action: str, *, check_expiry: bool = True
) -> tuple[str, Trust, Any]:
    """:func:`authorize` with this deployment's trust file, this environment's name and a
    KMS client; returns the snapshot id, the trust and the client (for the manifest MAC)."""
    import boto3

    from mwaa_pause_resume.dags.rest_api import RestApiError, own_environment_name

    try:
        trust = load_trust()
        environment = own_environment_name()
    except (TrustMissing, RestApiError) as exc:
        raise AuthorizationRefused(f"cannot check the run's authorization: {exc}") from None
    # The key's own region: a spoke environment's DAG checks the hub's key (docs/fleet.md).
    kms = boto3.client("kms", region_name=key_region(trust.mac_key_id))
    snapshot_id = authorize(
        conf,
        dag_id,
        run_id,
        action,
        environment=environment,
        kms=kms,
        trust=trust,
        check_expiry=check_expiry,
    )
    return snapshot_id, trust, kms
