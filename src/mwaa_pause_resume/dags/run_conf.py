"""The DAG run ``conf`` of the export and import DAGs: parsed and checked, no Airflow import.

The conf cannot choose the database: the DAGs always use the Airflow connection
``mwaa_pause_resume_metadb`` (else the fallbacks of :mod:`.metadb_connection`). Its
``authorization`` is checked by :mod:`.authorization`, not here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mwaa_pause_resume.metadata.flags import InterruptedPolicy
from mwaa_pause_resume.metadata.missed_runs import DEFAULT_POLICY, PolicyError, parse_policy

DEFAULT_DB_CONN_ID = "mwaa_pause_resume_metadb"
DEFAULT_DRAIN_TIMEOUT_MINUTES = 10.0
DEFAULT_INTERRUPTED_POLICY: str = InterruptedPolicy.RERUN.value

# "authorization": the workflows' one-time token (mwaa_pause_resume.metadata.run_authorization).
EXPORT_KEYS = frozenset({"snapshot", "kms_key_id", "drain_timeout_minutes", "authorization"})
# "missed_runs": the environment's missed-runs policy (metadata.missed_runs), which the
# import applies to every DAG its own tag does not override.
# "source_airflow_version" / "target_airflow_version": the snapshot's Airflow and the one
# the resume created (functions.environment_create), for the engine and the note.
IMPORT_KEYS = frozenset(
    {
        "snapshot",
        "kms_key_id",
        "interrupted_policy",
        "missed_runs",
        "authorization",
        "source_airflow_version",
        "target_airflow_version",
    }
)


class RunConfError(ValueError):
    """The DAG run's conf is unusable; the message says which key and what is expected."""


@dataclass(frozen=True)
class ExportConf:
    snapshot: str
    kms_key_id: str | None = None
    drain_timeout_minutes: float = DEFAULT_DRAIN_TIMEOUT_MINUTES

    @property
    def drain_timeout_seconds(self) -> float:
        return self.drain_timeout_minutes * 60.0


@dataclass(frozen=True)
class ImportConf:
    snapshot: str
    kms_key_id: str | None = None
    interrupted_policy: str = DEFAULT_INTERRUPTED_POLICY
    missed_runs: str = DEFAULT_POLICY
    source_airflow_version: str | None = None
    target_airflow_version: str | None = None


def _check_keys(conf: Mapping[str, Any], allowed: frozenset[str]) -> None:
    unknown = sorted(set(conf) - allowed)
    if unknown:
        raise RunConfError(
            f"unknown key(s) in the DAG run conf: {', '.join(unknown)}; "
            f"allowed: {', '.join(sorted(allowed))}"
        )


def _text(conf: Mapping[str, Any], key: str, default: str | None) -> str | None:
    value = conf.get(key, default)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise RunConfError(f"conf key {key!r} must be a non-empty string, got {value!r}")
    return value.strip()


def _snapshot(conf: Mapping[str, Any]) -> str:
    value = _text(conf, "snapshot", None)
    if value is None:
        raise RunConfError(
            "the DAG run conf has no 'snapshot': give the snapshot folder, "
            'e.g. {"snapshot": "s3://my-bucket/my-env/2025-01-01T00-00-00Z/"}'
        )
    return value


def parse_export_conf(conf: Mapping[str, Any] | None) -> ExportConf:
    conf = conf or {}
    _check_keys(conf, EXPORT_KEYS)
    raw_timeout = conf.get("drain_timeout_minutes", DEFAULT_DRAIN_TIMEOUT_MINUTES)
    if isinstance(raw_timeout, bool) or not isinstance(raw_timeout, int | float):
        raise RunConfError(
            f"conf key 'drain_timeout_minutes' must be a number, got {raw_timeout!r}"
        )
    timeout = float(raw_timeout)
    if not math.isfinite(timeout) or timeout < 0:
        raise RunConfError(f"conf key 'drain_timeout_minutes' must be >= 0, got {raw_timeout!r}")
    return ExportConf(
        snapshot=_snapshot(conf),
        kms_key_id=_text(conf, "kms_key_id", None),
        drain_timeout_minutes=timeout,
    )


def parse_import_conf(conf: Mapping[str, Any] | None) -> ImportConf:
    conf = conf or {}
    _check_keys(conf, IMPORT_KEYS)
    return ImportConf(
        snapshot=_snapshot(conf),
        kms_key_id=_text(conf, "kms_key_id", None),
        interrupted_policy=_text(conf, "interrupted_policy", DEFAULT_INTERRUPTED_POLICY)
        or DEFAULT_INTERRUPTED_POLICY,
        missed_runs=_policy(conf),
        source_airflow_version=_text(conf, "source_airflow_version", None),
        target_airflow_version=_text(conf, "target_airflow_version", None),
    )


def _policy(conf: Mapping[str, Any]) -> str:
    """The conf's ``missed_runs`` (absent or null: the default policy)."""
    value = conf.get("missed_runs")
    if value is None:
        return DEFAULT_POLICY
    try:
        return parse_policy(value, "conf key 'missed_runs'")
    except PolicyError as exc:
        raise RunConfError(str(exc)) from None
