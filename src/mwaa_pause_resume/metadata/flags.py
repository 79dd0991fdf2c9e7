"""The string choices written into manifests, reports, JSON and DAG conf, as enums.

Each is a :class:`enum.StrEnum`: a member equals (and formats as, and serialises to
JSON as) the string already written, so snapshots and run conf keep their format and a
plain string read back from one compares equal to its member. Standard library only
(the DAG bundle and the Lambda functions import it).
"""

from __future__ import annotations

from enum import StrEnum


class SnapshotScope(StrEnum):
    """What a snapshot holds (the manifest's ``scope``)."""

    FULL = "full"  # the kept tables of the metadata database, as CSV files
    REST_ONLY = "rest-only"  # what Airflow's REST API gives, as JSON lines


class InterruptedPolicy(StrEnum):
    """What a restore does with the work the pause interrupted (``interrupted_policy``)."""

    RERUN = "rerun"  # cleared as Airflow's clear does: the scheduler runs it again
    FAIL = "fail"  # marked failed


class MissedRunsPolicy(StrEnum):
    """Where a resume puts each DAG's scheduler (``missed_runs``; :mod:`.missed_runs`)."""

    CATCHUP = "catchup"  # the newest automated run before the pause
    LATEST = "latest"  # only the newest interval that is due runs
    SKIP = "skip"  # none of the intervals missed runs


class SecretScheme(StrEnum):
    """How a snapshot's secrets are encrypted (the manifest's ``secrets.scheme``)."""

    KMS_ENVELOPE = "kms-envelope"  # a KMS data key, stored encrypted in the manifest
    SOURCE_FERNET_KEY = "source-fernet-key"  # the source environment's Fernet key
    FERNET_KEY = "fernet-key"  # a snapshot key chosen at export
    NONE = "none"  # the snapshot holds no secrets


def choices(flag: type[StrEnum]) -> tuple[str, ...]:
    """The strings ``flag`` accepts, in definition order (for messages and validation)."""
    return tuple(member.value for member in flag)
