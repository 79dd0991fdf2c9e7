"""Errors of the metadata engine (all reach the user as one paragraph plus a hint)."""

from __future__ import annotations

from mwaa_pause_resume.errors import OperationFailed, UserError


class SnapshotInvalid(UserError):
    """The snapshot is missing, incomplete, corrupted or not a snapshot at all."""


class SnapshotIncompatible(UserError):
    """The snapshot cannot go into this database (schema revision, columns)."""


class WrongKey(UserError):
    """A Fernet key or snapshot key does not decrypt what it should."""


class DatabaseUnavailable(UserError):
    """Bad database URL, unreachable server, authentication failure."""


class PermissionDenied(UserError):
    """The database user may not read (export) or write (import) the Airflow tables."""


class RestoreFailed(OperationFailed):
    """The restore transaction failed and was rolled back: the database is unchanged."""


class SnapshotSource(UserError):
    """The database is the one the snapshot was exported from: it holds every row already."""


class AlreadyRestored(UserError):
    """This database already holds the snapshot (its restore is in the audit log).

    ``restored_last``: the snapshot is the last one restored into this database (a retry
    of its own restore); False when it is there only as history of a later snapshot.
    """

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        restored_at: str = "",
        restored_last: bool = True,
    ) -> None:
        super().__init__(message, hint)
        self.restored_at = restored_at
        self.restored_last = restored_last
