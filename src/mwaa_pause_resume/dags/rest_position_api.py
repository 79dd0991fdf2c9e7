"""The few REST calls of the scheduler position restore (:mod:`.rest_position`): the
DAGs, their newest automated runs, backfill dry runs and markers, finishing and
cancelling them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mwaa_pause_resume.dags.rest_api import fits
from mwaa_pause_resume.dags.rest_position_plan import iso, parse_time

AUTOMATED = ("scheduled", "backfill")  # the run types Airflow's position counts
MARKER_NOTE = (
    "mwaa-pause-resume: scheduler position marker (no task ran); the import put the "
    "DAG's schedule here per its missed-runs policy"
)


class PositionApi:
    """The few REST calls of this module, on a :class:`~.rest_api.AirflowRestApi`."""

    def __init__(self, api: Any, airflow_version: str) -> None:
        self.api = api
        self.bulk_runs = _version(airflow_version) >= (3, 3)

    def dags(self) -> dict[str, dict[str, Any]]:
        return {str(d["dag_id"]): d for d in self.api.list_all("/dags", "dags")}

    def details(self, dag_id: str) -> dict[str, Any] | None:
        path = f"/dags/{dag_id}/details"
        if not fits(path):
            return None
        status, answer = self.api.call("GET", path)
        return answer if status == 200 and isinstance(answer, dict) else None

    def newest_automated_run(self, dag_id: str) -> dict[str, Any] | None:
        """The DAG's newest scheduled or backfill run (by logical date), or None."""
        path = f"/dags/{dag_id}/dagRuns"
        if fits(path):
            query = {"run_type": list(AUTOMATED), "order_by": "-logical_date", "limit": 1}
            runs = self.api.request("GET", path, query=query).get("dag_runs") or []
            return dict(runs[0]) if runs else None
        # A long DAG id: the batch list (no run type filter), newest first, page by page.
        offset = 0
        while True:
            body = {
                "dag_ids": [dag_id],
                "order_by": "-logical_date",
                "page_offset": offset,
                "page_limit": 100,
            }
            page = self.api.request("POST", "/dags/~/dagRuns/list", body=body)
            runs = list(page.get("dag_runs") or [])
            for run in runs:
                if run.get("run_type") in AUTOMATED and run.get("logical_date"):
                    return dict(run)
            offset += len(runs)
            if not runs or offset >= int(page.get("total_entries") or 0):
                return None

    def dry_run(self, dag_id: str, start: datetime, end: datetime) -> list[datetime] | str:
        """Logical dates of the DAG's complete intervals in [start, end], or Airflow's
        refusal (no or a non-periodic schedule, backfills not allowed...)."""
        body = {
            "dag_id": dag_id,
            "from_date": iso(start),
            "to_date": iso(end),
            "reprocess_behavior": "completed",
        }
        status, answer = self.api.call("POST", "/backfills/dry_run", body=body)
        if status != 200 or not isinstance(answer, dict):
            return _refusal(status, answer)
        dates = [parse_time(b.get("logical_date")) for b in answer.get("backfills") or []]
        return sorted(d for d in dates if d is not None)

    def create_marker(self, dag_id: str, moment: datetime) -> int | str:
        """The backfill's id, or Airflow's refusal."""
        body = {
            "dag_id": dag_id,
            "from_date": iso(moment),
            "to_date": iso(moment),
            "max_active_runs": 1,
            "run_backwards": False,
            "reprocess_behavior": "completed",
        }
        status, answer = self.api.call("POST", "/backfills", body=body)
        if status != 200 or not isinstance(answer, dict) or "id" not in answer:
            return _refusal(status, answer)
        return int(answer["id"])

    def run_at(self, dag_id: str, moment: datetime) -> dict[str, Any] | None:
        body = {
            "dag_ids": [dag_id],
            "logical_date_gte": iso(moment),
            "logical_date_lte": iso(moment),
        }
        runs = self.api.request("POST", "/dags/~/dagRuns/list", body=body).get("dag_runs")
        return dict(runs[0]) if runs else None

    def finish(self, dag_id: str, run_id: str, state: str) -> bool:
        """Set the run's state and note without running a task; False when no channel
        fits (the cancel then fails the run, which counts just the same)."""
        body = {"state": state, "note": MARKER_NOTE}
        if self.bulk_runs:
            entity = {"dag_id": dag_id, "dag_run_id": run_id, **body}
            action = {"action": "update", "entities": [entity]}
            answer = self.api.request("PATCH", "/dags/~/dagRuns", body={"actions": [action]})
            errors = ((answer or {}).get("update") or {}).get("errors") or []
            if errors:
                raise RuntimeError(f"PATCH /dags/~/dagRuns refused {dag_id} {run_id}: {errors}")
            return True
        path = f"/dags/{dag_id}/dagRuns/{run_id}"
        if not fits(path):
            return False
        self.api.request("PATCH", path, body=body)
        return True

    def depends_on_past(self, dag_id: str) -> bool:
        """Whether a task of the DAG waits on its previous run (unknown: True)."""
        path = f"/dags/{dag_id}/tasks"
        if not fits(path):
            return True
        tasks = self.api.request("GET", path).get("tasks") or []
        return any(bool(t.get("depends_on_past")) for t in tasks)

    def cancel(self, backfill_id: int) -> None:
        status, answer = self.api.call("PUT", f"/backfills/{backfill_id}/cancel")
        if status not in {200, 409}:  # 409: already completed
            raise RuntimeError(f"cancel backfill {backfill_id}: {_refusal(status, answer)}")


def _version(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split(".")[:2]:
        digits = "".join(c for c in piece if c.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def _refusal(status: int, answer: Any) -> str:
    detail = answer.get("detail") if isinstance(answer, dict) else answer
    return f"Airflow answered HTTP {status}: {str(detail)[:300]}"
