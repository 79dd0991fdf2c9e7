"""What the sandbox records of the paused environment, for the comparison after its
resume (:class:`PausedState`): the deleted environment's database, the snapshot's
manifest and the runs as the deletion left them. Used by :mod:`.cycle`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from mwaa_pause_resume.sandbox.environment_comparison import (
    EnvironmentState,
    read_state,
    run_keys,
    settled,
)
from mwaa_pause_resume.sandbox.parts import BUCKET, ENVIRONMENT, SandboxParts, workflow_dag_ids


def read_manifest(local: Any, snapshot_id: str, environment: str = ENVIRONMENT) -> dict[str, Any]:
    from mwaa_pause_resume.functions import layout

    s3 = local.client("s3")
    key = layout.key(environment, snapshot_id, layout.MANIFEST_FILE)
    try:
        return dict(json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()))
    except Exception:  # a failed pause may have written none: the report says "unknown"
        return {}


def snapshot_scope(local: Any, snapshot_id: str) -> str | None:
    scope = read_manifest(local, snapshot_id).get("scope")
    return str(scope) if scope else None


def interrupted_runs(local: Any, environment: str, snapshot_id: str) -> set[tuple[str, str]]:
    """The runs the manifest records as in flight at the export."""
    entries = read_manifest(local, snapshot_id, environment).get("interrupted") or []
    return {(str(e["dag_id"]), str(e["run_id"])) for e in entries}


def runs_at_deletion(db_url: str, dag_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """``dag_ids``' runs as a deleted environment's database holds them (REST API names)."""
    import psycopg2

    conn = psycopg2.connect(db_url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'dag_run' AND column_name = 'logical_date'"
            )
            date = "logical_date" if cur.fetchone() else "execution_date"  # Airflow 2
            cur.execute(
                f"SELECT dag_id, run_id, run_type, {date}, state, queued_at, "
                "data_interval_end FROM dag_run WHERE dag_id = ANY(%s)",
                (list(dag_ids),),
            )
            rows = cur.fetchall()
    finally:
        conn.close()
    runs: dict[str, dict[str, Any]] = {d: {} for d in dag_ids}
    for dag_id, run_id, run_type, moment, state, queued, end in rows:
        runs[dag_id][run_id] = {
            "dag_run_id": run_id,
            "run_type": run_type,
            "logical_date": moment.isoformat() if moment else None,
            "state": state,
            "queued_at": queued.isoformat() if queued else None,
            "data_interval_end": end.isoformat() if end else None,
        }
    return runs


@dataclass(frozen=True)
class PausedState:
    """What a paused environment held, for the comparison after its resume.

    A live environment goes on after the export read its database, so "before" is the
    deleted environment's database as the deletion left it (every process killed at
    once), with the paused states from before the export paused every DAG, less the
    work in flight at the export (``settled``: the resumed scheduler moves it on at
    once; liveness checks that it finishes)."""

    before: EnvironmentState
    frozen: EnvironmentState
    in_flight: frozenset[tuple[str, str]]
    forward: bool = False  # resumed on a newer Airflow: compared with Airflow's own upgrade
    # forward: log templates a new database of the resumed version has, the oracle not
    target_own: dict[str, frozenset[tuple[Any, ...]]] = field(default_factory=dict)
    # the database "before" was read from: the deleted one, or Airflow's own upgrade of it
    url: str = ""

    @staticmethod
    def read(
        parts: SandboxParts,
        environment: str,
        snapshot_id: str,
        paused_before: dict[str, bool],
        *,
        forward_to: str | None = None,
        fresh_own: dict[str, frozenset[tuple[Any, ...]]] | None = None,
    ) -> PausedState:
        """``forward_to``: the deleted database as Airflow ``forward_to``'s own
        ``airflow db migrate`` upgrades it (sandbox.forward_oracle)."""
        from mwaa_pause_resume.sandbox.forward_oracle import (
            adjust_oracle,
            migrated_copy,
            own_rows,
            target_only,
        )

        excluded = workflow_dag_ids()
        deleted = parts.airflow.deleted[environment][-1]
        url: str = deleted.db_url
        adjust: Callable[[dict[str, Any]], None] | None = None
        oracle_own: dict[str, frozenset[tuple[Any, ...]]] = {}

        def adjust_and_remember(tables: dict[str, Any]) -> None:
            oracle_own.update(own_rows(tables))
            adjust_oracle(
                tables,
                source_major=deleted.major,
                target_major=int(str(forward_to).split(".", 1)[0]),
            )

        if forward_to is not None:
            url = migrated_copy(
                parts.airflow.server,
                deleted.db_name,
                f"{deleted.db_name}_oracle",
                version=forward_to,
                home=deleted.home / "oracle",
                fernet_key=deleted.fernet_key,
            )
            adjust = adjust_and_remember
        frozen = read_state(url, deleted.fernet_key, excluded, adjust)
        in_flight = frozenset(interrupted_runs(parts.local, environment, snapshot_id))
        return PausedState(
            settled(replace(frozen, paused=paused_before), in_flight),
            frozen,
            in_flight,
            forward_to is not None,
            target_only(fresh_own or {}, oracle_own),
            url,
        )

    def resumed(
        self, parts: SandboxParts, environment: str, resumed_at: datetime
    ) -> EnvironmentState:
        """The resumed environment's state, less the work in flight at the export and
        the runs its scheduler made since ``resumed_at``."""
        from mwaa_pause_resume.sandbox.forward_oracle import adjust_restored

        target = parts.airflow.environment(environment)
        own = self.target_own

        def adjust(tables: dict[str, Any]) -> None:
            adjust_restored(tables, own)

        return settled(
            read_state(
                target.db_url,
                target.fernet_key,
                workflow_dag_ids(),
                adjust if self.forward else None,
            ),
            self.in_flight,
            new_since=resumed_at.isoformat(),
            before_runs=run_keys(self.frozen),
        )
