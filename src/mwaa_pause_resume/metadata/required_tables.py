"""Which tables a snapshot must hold, by scope and schema revision (issue 13).

Verify is the gate before DeleteEnvironment: a manifest that lists fewer tables than
its export must have written (an empty ``tables`` map, say) would "verify" and then
restore nothing. What export writes is ``kept_tables(<the source's tables>)``; the
source's tables at a known revision come from ``schemas.SCHEMA_TABLES``, and at
restore time from the target's own catalog (same revision, checked first).
"""

from __future__ import annotations

from collections.abc import Collection

from mwaa_pause_resume.airflow_versions import VERSIONS
from mwaa_pause_resume.metadata.errors import SnapshotInvalid
from mwaa_pause_resume.metadata.flags import SnapshotScope
from mwaa_pause_resume.metadata.layout import REST_FIELDS, REST_OPTIONAL_KINDS, rest_kinds_ok
from mwaa_pause_resume.metadata.manifest import MANIFEST_NAME, Manifest
from mwaa_pause_resume.metadata.schemas import SCHEMA_TABLES
from mwaa_pause_resume.metadata.tables import KEPT, kept_tables

_HINT = "the manifest was edited or damaged, or the export did not finish; use another snapshot"


def _revision_name(revision: str) -> str:
    versions = [v.version for v in VERSIONS if v.alembic_revision == revision]
    return f"{revision} (Airflow {', '.join(versions)})" if versions else revision


def _names(names: Collection[str]) -> str:
    return ", ".join(sorted(names))


def check_tables(manifest: Manifest, *, known_schema: bool = False) -> None:
    """Raise :class:`SnapshotInvalid` unless the manifest lists every table (or rest-only
    kind) its export writes, and nothing else.

    A full snapshot of a supported schema revision must hold exactly the kept tables of
    that schema. Another revision (a self-managed Airflow this tool was pointed at) is
    held to the tables its manifest records the source had (``engine.not_copied`` plus
    the exported ones); ``known_schema`` refuses such a snapshot instead: an MWAA
    environment always runs a supported version, so the workflows' gate passes it.
    """
    listed = set(manifest.tables)
    if manifest.scope == SnapshotScope.REST_ONLY:
        if not rest_kinds_ok(listed):
            raise SnapshotInvalid(
                f"{MANIFEST_NAME} of a rest-only snapshot lists {_names(listed) or 'nothing'}; "
                f"its export always writes exactly {_names(set(REST_FIELDS))} (older "
                f"exports: without {_names(REST_OPTIONAL_KINDS)}; run history kinds both or "
                "neither)",
                hint=_HINT,
            )
        return
    unknown = listed - set(KEPT)
    if unknown:
        raise SnapshotInvalid(
            f"{MANIFEST_NAME} lists table(s) this tool never exports: {_names(unknown)}",
            hint="the snapshot was not written by mwaa-pause-resume; use another one",
        )
    revision = manifest.alembic_revision
    schema = SCHEMA_TABLES.get(revision or "")
    if schema is None:
        if known_schema:
            raise SnapshotInvalid(
                f"{MANIFEST_NAME} names schema revision {revision!r}, which is not that of "
                "a supported Airflow version: no MWAA environment could restore it",
                hint=_HINT,
            )
        not_copied = manifest.engine.get("not_copied")
        recorded = set(not_copied) if isinstance(not_copied, list) else set()
        schema = frozenset(listed | {str(t) for t in recorded})
    required = set(kept_tables(set(schema)))
    missing = required - listed
    if missing or not listed:
        where = _revision_name(revision or "(none)")
        raise SnapshotInvalid(
            f"{MANIFEST_NAME} lists {len(listed)} table(s); an export of schema revision "
            f"{where} writes {len(required)}, and these are missing: "
            f"{_names(missing) or '(every table)'}",
            hint=_HINT,
        )
    extra = listed - required
    if extra:
        raise SnapshotInvalid(
            f"{MANIFEST_NAME} lists table(s) that no export of schema revision "
            f"{_revision_name(revision or '')} writes: {_names(extra)}",
            hint=_HINT,
        )


def check_tables_for(manifest: Manifest, target_tables: Collection[str]) -> None:
    """Restore: the snapshot holds every kept table of the target's schema (whose
    revision the caller has checked to match): what an export of that schema writes."""
    if manifest.scope != SnapshotScope.FULL:
        return
    missing = set(kept_tables(set(target_tables))) - set(manifest.tables)
    if missing:
        raise SnapshotInvalid(
            f"the snapshot has no rows file for table(s) {_names(missing)}: every export "
            "of this schema writes one (empty or not), so the manifest was edited or the "
            "export did not finish",
            hint="use another snapshot",
        )
