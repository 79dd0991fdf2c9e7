"""Whether a snapshot's schema fits the target database: alembic revisions and columns.

A snapshot restores into a database at its own schema revision (or one listed in
:data:`COMPATIBLE_REVISIONS`) with the same columns and types; an older one is brought
forward first (:mod:`.forward`). Revisions are named by the Airflow versions migrated to
them, for messages.
"""

from __future__ import annotations

from mwaa_pause_resume.airflow_versions import VERSIONS
from mwaa_pause_resume.metadata.catalog import Catalog
from mwaa_pause_resume.metadata.errors import SnapshotIncompatible, SnapshotInvalid
from mwaa_pause_resume.metadata.flags import SnapshotScope
from mwaa_pause_resume.metadata.manifest import Manifest
from mwaa_pause_resume.metadata.tables import KEPT

# Alembic head -> the supported Airflow versions migrated to it, for messages. Derived
# from the registry (airflow_versions, stdlib only: the DAG bundle ships it) so a new
# version is named here without an edit.
KNOWN_REVISIONS: dict[str, str] = {
    revision: "Airflow " + ", ".join(v.version for v in VERSIONS if v.alembic_revision == revision)
    for revision in dict.fromkeys(v.alembic_revision for v in VERSIONS)
}

# Revisions whose kept tables have identical columns (the later migration only renames
# constraints), so a snapshot of one restores into the other. Columns are still checked.
COMPATIBLE_REVISIONS = (frozenset({"22ed7efa9da2", "5f2621c13b39"}),)


def compatible(snapshot: str | None, target: str | None) -> bool:
    if snapshot == target:
        return True
    return any({snapshot, target} <= group for group in COMPATIBLE_REVISIONS)


def describe_revision(revision: str | None) -> str:
    if revision is None:
        return "no Airflow schema"
    known = KNOWN_REVISIONS.get(revision, "no supported Airflow version")
    return f"{revision} ({known})"


def check_compatible(manifest: Manifest, catalog: Catalog) -> None:
    """Same alembic revision (or a rest-only snapshot) and the same columns and types."""
    if catalog.alembic_revision is None:
        raise SnapshotIncompatible(
            "the target database has no alembic_version table: it is not an Airflow "
            "metadata database (or is not migrated)",
            hint="run `airflow db migrate` against it (MWAA does this when it creates an "
            "environment), then import again",
        )
    if manifest.scope == SnapshotScope.FULL and not compatible(
        manifest.alembic_revision, catalog.alembic_revision
    ):
        raise SnapshotIncompatible(
            f"the snapshot was taken from schema revision "
            f"{describe_revision(manifest.alembic_revision)} (Airflow "
            f"{manifest.airflow_version or 'unknown'}), the target database is at "
            f"{describe_revision(catalog.alembic_revision)}",
            hint="restore into an environment of the same Airflow version (2.10.x and 2.11.x "
            "share one schema; see docs/metadata.md), then upgrade Airflow in place if needed; "
            "a snapshot of an older Airflow is brought forward when the target's Airflow "
            "migrations are given (metadata import --target-airflow-python; the import DAG "
            "always gives them)",
        )
    for name, entry in manifest.tables.items():
        if name not in KEPT:
            raise SnapshotInvalid(
                f"the snapshot holds table {name!r}, which this tool never exports",
                hint="the snapshot was not written by mwaa-pause-resume; use another one",
            )
        info = catalog.tables.get(name)
        if info is None:
            raise SnapshotIncompatible(
                f"the target database has no table {name!r} (the snapshot has {entry.rows} rows "
                "of it)",
                hint="restore into an environment of the snapshot's Airflow version",
            )
        target = {c.name: c.type for c in info.columns}
        for col in entry.columns:
            if target.get(col.name) != col.type:
                have = target.get(col.name, "no such column")
                raise SnapshotIncompatible(
                    f"column {name}.{col.name} is {col.type} in the snapshot but {have} in "
                    "the target database",
                    hint="restore into an environment of the snapshot's Airflow version",
                )
