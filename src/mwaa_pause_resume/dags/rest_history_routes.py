"""What a restored run can be addressed by on each Airflow version: the REST routes the
version offers, InvokeRestApi's 64-character path limit, and the id each restored run
gets (shortened where its path would not fit).

Deterministic for the same runs and version: :mod:`.rest_history` restores with it and
the sandbox's check (``sandbox.rest_history_check``) predicts the same ids.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mwaa_pause_resume.dags.rest_api import fits

# Airflow refuses a manual run whose id starts with another run type's prefix
# (DagRunType.from_run_id; create_dagrun: "is reserved for ... runs"), so an automated
# run keeps its id with the prefix made manual__ (shorter, too: paths fit more often).
RESERVED_PREFIXES = (
    "scheduled__",
    "backfill__",
    "asset_triggered__",
    "dataset_triggered__",
    "operator_triggered__",
)
MANUAL_PREFIX = "manual__"


def restored_run_id(run_id: str) -> str:
    """The id a run gets when restored (a manual run): reserved prefixes become manual__."""
    for prefix in RESERVED_PREFIXES:
        if run_id.startswith(prefix):
            return MANUAL_PREFIX + run_id[len(prefix) :]
    return run_id


# A timestamped run id's fraction of a second and UTC offset, dropped to make it fit.
_STAMP_TAIL = re.compile(r"(\.\d+)?\+00:00$")
SHORTENED = "run id shortened to fit InvokeRestApi's 64-character path"


def restored_ids(
    runs: Iterable[Mapping[str, Any]], airflow_version: str
) -> dict[tuple[str, str], str | None]:
    """(dag_id, run_id) -> the id the run gets when restored, or None when no id can fit.

    Deterministic for the same runs (the sandbox's check computes it too). Before 3.3 a
    run's state is set at ``/dags/{dag_id}/dagRuns/{run_id}``, so a run id that does not
    fit is shortened: without its fraction of a second and UTC offset, else a digest
    ``r<11 hex digits>`` of the whole id; the shortened id must be unique in its DAG.
    """
    routes = Routes.of(airflow_version)
    keys = sorted({(str(r["dag_id"]), str(r["dag_run_id"])) for r in runs})
    taken: set[tuple[str, str]] = {(d, restored_run_id(r)) for d, r in keys}
    out: dict[tuple[str, str], str | None] = {}
    for dag_id, original in keys:
        run_id = restored_run_id(original)
        if not fits(f"/dags/{dag_id}/dagRuns"):
            out[(dag_id, original)] = None
            continue
        if routes.bulk_dag_runs or fits(f"/dags/{dag_id}/dagRuns/{run_id}"):
            out[(dag_id, original)] = run_id
            continue
        digest = "r" + hashlib.sha256(original.encode()).hexdigest()[:11]
        chosen = None
        for candidate in (_STAMP_TAIL.sub("", run_id), digest):
            path = f"/dags/{dag_id}/dagRuns/{candidate}"
            if candidate != run_id and fits(path) and (dag_id, candidate) not in taken:
                chosen = candidate
                taken.add((dag_id, candidate))
                break
        out[(dag_id, original)] = chosen
    return out


@dataclass(frozen=True)
class Routes:
    """What this Airflow version's REST API offers (docs/research/airflow3-rest-channels.md
    §1.3, §2)."""

    bulk_task_instances: bool  # PATCH /dags/~/dagRuns/~/taskInstances: 3.2+
    bulk_dag_runs: bool  # PATCH /dags/~/dagRuns: 3.3+
    # 3.2's bulk update looks every task instance up at map index -1 (its _perform_update
    # does not pass the entity's index on), so a mapped one answers 404 and ends the
    # whole call; 3.3 passes it on.
    bulk_mapped_task_instances: bool
    # set_dag_run_state_to_success marks every task instance success before 3.3; from
    # 3.3 it marks the unfinished ones skipped (rest_history_plan's docstring).
    run_success_marks_all: bool

    @classmethod
    def of(cls, airflow_version: str) -> Routes:
        parts = tuple(int(p) for p in airflow_version.split(".")[:2] if p.isdigit())
        return cls(
            bulk_task_instances=parts >= (3, 2),
            bulk_dag_runs=parts >= (3, 3),
            bulk_mapped_task_instances=parts >= (3, 3),
            run_success_marks_all=parts < (3, 3),
        )

    def bulk_for(self, map_index: int) -> bool:
        """Whether a task instance of this map index can go in a bulk update."""
        return self.bulk_task_instances and (map_index < 0 or self.bulk_mapped_task_instances)
