"""The snapshots of one environment in the backup bucket, from a ListObjectsV2 listing
(pure): which exist, which are complete, their size; what ``prune`` may delete;
what ``snapshots show`` says about a manifest.

Layout (``functions/layout.py``): ``<env>/<id>/manifest.json``, ``<env>/<id>/complete.json``
(written once verified), ``<env>/<id>/tables/...``, ``<env>/latest.json``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mwaa_pause_resume.functions import layout
from mwaa_pause_resume.functions.snapshot_retention import plan as retention_plan


@dataclass(frozen=True)
class SnapshotInfo:
    snapshot_id: str
    complete: bool
    latest: bool
    objects: int
    bytes: int
    taken_at: datetime | None
    in_use: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "snapshot_id": self.snapshot_id,
            "complete": self.complete,
            "latest": self.latest,
            "in_use": self.in_use,
            "objects": self.objects,
            "bytes": self.bytes,
            "taken_at": self.taken_at.isoformat() if self.taken_at else None,
        }


def taken_at(snapshot_id: str) -> datetime | None:
    """The pause's start time, encoded in the id (``20261125T170200Z-1a2b``)."""
    try:
        return datetime.strptime(snapshot_id.split("-", 1)[0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def latest_id(pointer: Any) -> str | None:
    """The snapshot id in ``latest.json`` (None if absent or not ours)."""
    if isinstance(pointer, Mapping) and isinstance(pointer.get("snapshot_id"), str):
        return str(pointer["snapshot_id"])
    return None


def index(
    environment: str,
    objects: Iterable[Mapping[str, Any]],
    latest: str | None,
    in_use: Collection[str] = (),
) -> list[SnapshotInfo]:
    """Snapshots under ``<environment>/``, newest first. Folders whose name is not a
    snapshot id (someone else's files) are ignored."""
    prefix = f"{environment}/"
    sizes: dict[str, list[int]] = {}
    complete: set[str] = set()
    for item in objects:
        key = str(item.get("Key") or "")
        if not key.startswith(prefix):
            continue
        snapshot_id, sep, rest = key[len(prefix) :].partition("/")
        if not sep or not layout.is_snapshot_id(snapshot_id):
            continue
        sizes.setdefault(snapshot_id, []).append(int(item.get("Size") or 0))
        if rest == layout.COMPLETE_FILE:
            complete.add(snapshot_id)
    return [
        SnapshotInfo(
            snapshot_id=sid,
            complete=sid in complete,
            latest=sid == latest,
            objects=len(sizes[sid]),
            bytes=sum(sizes[sid]),
            taken_at=taken_at(sid),
            in_use=sid in in_use,
        )
        for sid in sorted(sizes, reverse=True)
    ]


@dataclass(frozen=True)
class PrunePlan:
    keep: list[str]
    delete: list[str]
    protected: dict[str, str]  # id -> why it is kept regardless of --keep

    def to_dict(self) -> dict[str, Any]:
        return {"kept": self.keep, "deleted": self.delete, "protected": self.protected}


def prune_plan(snapshots: Iterable[SnapshotInfo], keep: int) -> PrunePlan:
    """Keep the ``keep`` newest complete snapshots, the one ``latest.json`` points to and
    those a running workflow uses; delete older complete ones and abandoned (incomplete)
    ones older than the newest complete one: the resume workflow's retention rule
    (``functions/snapshot_retention.plan``), plus the in-use protection."""
    items = list(snapshots)
    latest = next((s.snapshot_id for s in items if s.latest), None)
    kept, deleted = retention_plan({s.snapshot_id: s.complete for s in items}, latest, keep)
    protected: dict[str, str] = {}
    if latest is not None:
        protected[latest] = "latest.json points to it"
    for s in items:
        if s.in_use:
            protected[s.snapshot_id] = "a running pause or resume uses it"
    delete = [sid for sid in deleted if sid not in protected]
    keep_ids = sorted(set(kept) | set(protected), reverse=True)
    return PrunePlan(keep=keep_ids, delete=delete, protected=protected)


def still_deletable(confirmed: PrunePlan, fresh: PrunePlan) -> PrunePlan:
    """What to delete after someone confirmed ``confirmed``, given the plan ``fresh`` made
    from a new listing: only snapshots both agree on. One that a workflow started using
    meanwhile is kept, and one the new listing would add was not confirmed: kept too."""
    delete = [sid for sid in confirmed.delete if sid in fresh.delete]
    keep = sorted(set(fresh.keep) | (set(fresh.delete) - set(delete)), reverse=True)
    return PrunePlan(keep=keep, delete=delete, protected=fresh.protected)


def keys_of(environment: str, snapshot_id: str, objects: Iterable[Mapping[str, Any]]) -> list[str]:
    prefix = layout.snapshot_prefix(environment, snapshot_id)
    return [str(o["Key"]) for o in objects if str(o.get("Key") or "").startswith(prefix)]


def manifest_summary(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """What ``snapshots show`` prints: totals, per-table figures, interrupted work.

    ``manifest`` is a validated manifest (``metadata.manifest.Manifest.to_dict()``)."""
    tables = manifest.get("tables") or {}
    per_table = [
        {"table": name, "rows": int(t.get("rows") or 0), "bytes": int(t.get("bytes") or 0)}
        for name, t in sorted(tables.items())
    ]
    paused = manifest.get("paused_states") or {}
    return {
        "created_at": manifest.get("created_at"),
        "airflow_version": manifest.get("airflow_version"),
        "alembic_revision": manifest.get("alembic_revision"),
        "scope": manifest.get("scope"),
        "items": manifest.get("items"),  # rest-only: the restore items it holds
        "tables": len(per_table),
        "rows": sum(t["rows"] for t in per_table),
        "bytes": sum(t["bytes"] for t in per_table),
        "per_table": per_table,
        "interrupted": list(manifest.get("interrupted") or []),
        "excluded_dag_runs": list(manifest.get("excluded_dag_runs") or []),
        "dags": len(paused),
        "dags_active": sum(1 for v in paused.values() if v is False),
        "secrets": (manifest.get("secrets") or {}).get("scheme"),
    }


def human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"
