"""A restored run that the scheduler position's marker backfill took over is restored
again (dags.rest_history HistoryRestore.restore_again): which calls, in which order, per
version, and how it is counted; pure, a fake REST API. The real-Airflow proof is
test_dags_rest_history.py::test_the_run_at_the_marker_date_keeps_its_note_and_task_instance_states.
"""

from __future__ import annotations

from typing import Any

import pytest

from mwaa_pause_resume.dags.rest_api import AirflowRestApi
from mwaa_pause_resume.dags.rest_history import TAKEN_OVER, HistoryRestore
from mwaa_pause_resume.dags.rest_history_runs import EXISTED, INTERRUPTED_NOTE, restored_note
from mwaa_pause_resume.dags.rest_pool import RetryingRestApi, RetryPolicy

DAG = "d"
RUN = "manual__2026-12-03T07:00:00+00:00"  # restored from scheduled__…
TI_LIST = "/dags/~/dagRuns/~/taskInstances/list"
TI_BULK = "/dags/~/dagRuns/~/taskInstances"


class FakeAirflow:
    """Runs, task instances and the calls made; task instances end as the marker's
    success left them (``left``) until a change sets them."""

    def __init__(self, left: str | None, *, exists: bool = False, broken: bool = False) -> None:
        self.left, self.exists, self.broken = left, exists, broken
        self.calls: list[tuple[str, str, Any]] = []
        self.ti_states: dict[str, str | None] = {"a": left, "b": left}

    def call(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        body = kwargs.get("body")
        self.calls.append((method, path, body))
        if method == "POST" and path == f"/dags/{DAG}/dagRuns":
            return (409, {"detail": "exists"}) if self.exists else (200, {})
        if method == "GET" and path == "/dags/~/dagRuns":
            state = (kwargs.get("query") or {}).get("state")
            run = {"dag_id": DAG, "dag_run_id": RUN, "state": "failed", "conf": {},
                   "logical_date": "2026-12-03T07:00:00Z"}  # fmt: skip
            runs = [] if state else [run]
            return 200, {"dag_runs": runs, "total_entries": len(runs)}
        if method == "GET" and path == f"/dags/{DAG}/tasks":
            tasks = [{"task_id": "a", "downstream_task_ids": ["b"]}, {"task_id": "b"}]
            return 200, {"tasks": tasks}
        if method == "POST" and path == TI_LIST:
            if self.broken:
                return 500, {"detail": "boom"}
            listed = [
                {"dag_id": DAG, "dag_run_id": RUN, "task_id": t, "map_index": -1, "state": s}
                for t, s in self.ti_states.items()
            ]
            return 200, {"task_instances": listed, "total_entries": len(listed)}
        if method == "PATCH" and path == TI_BULK:
            done = []
            for entity in body["actions"][0]["entities"]:
                if "new_state" in entity:
                    self.ti_states[entity["task_id"]] = entity["new_state"]
                done.append(f"{DAG}.{RUN}.{entity['task_id']}[-1]")
            return 200, {"update": {"success": done, "errors": []}}
        return 200, {"update": {"success": [], "errors": []}}

    def run_updates(self) -> list[Any]:
        """The bodies of the run state calls (bulk entities or single PATCHes)."""
        out = []
        for method, path, body in self.calls:
            if method == "PATCH" and path == "/dags/~/dagRuns":
                out += body["actions"][0]["entities"]
            elif method == "PATCH" and path == f"/dags/{DAG}/dagRuns/{RUN}":
                out.append(body)
        return out


def _snapshot(note: str | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    runs = [
        {
            "dag_id": DAG,
            "dag_run_id": "scheduled__2026-12-03T07:00:00+00:00",
            "logical_date": "2026-12-03T07:00:00Z",
            "run_after": "2026-12-03T08:00:00Z",
            "run_type": "scheduled",
            "conf": {},
            "state": "failed",
            "note": note,
        }
    ]
    tis = [
        {"dag_id": DAG, "dag_run_id": runs[0]["dag_run_id"], "task_id": "a", "map_index": -1,
         "state": "success", "note": "ti note"},
        {"dag_id": DAG, "dag_run_id": runs[0]["dag_run_id"], "task_id": "b", "map_index": -1,
         "state": "failed", "note": None},
    ]  # fmt: skip
    return runs, tis


def _history(airflow: FakeAirflow, version: str, note: str | None) -> HistoryRestore:
    api = RetryingRestApi(AirflowRestApi("env", client=object()), RetryPolicy(attempts=1))
    api._inner.call = airflow.call  # type: ignore[method-assign]
    runs, tis = _snapshot(note)
    return HistoryRestore(api, runs, tis, airflow_version=version, concurrency=1)


@pytest.mark.parametrize("version", ["3.3.1", "3.2.1"])
def test_the_taken_over_run_gets_its_state_note_and_task_instances_back(version: str) -> None:
    airflow = FakeAirflow(left=None)
    history = _history(airflow, version, "kept note")
    history.restore()
    # the marker: cleared and finished (3.3: skipped; before 3.3 a success marks all)
    airflow.ti_states = dict.fromkeys(
        airflow.ti_states, "skipped" if version >= "3.3" else "success"
    )
    airflow.calls.clear()
    history.restore_again([(DAG, RUN), (DAG, "a run this import did not restore")])

    paths = [(m, p) for m, p, _ in airflow.calls if m != "GET"]
    state_call = (
        ("PATCH", "/dags/~/dagRuns")
        if version >= "3.3"
        else ("PATCH", f"/dags/{DAG}/dagRuns/{RUN}")
    )
    # before 3.3 the run's state first (it would overwrite the changes), from 3.3 last
    if version >= "3.3":
        assert paths[0] == ("POST", TI_LIST) and paths[-1] == state_call, paths
    else:
        assert paths[0] == state_call and paths[1] == ("POST", TI_LIST), paths
    assert airflow.run_updates()[0]["note"] == "kept note"
    assert airflow.run_updates()[0]["state"] == "failed"
    assert airflow.ti_states == {"a": "success", "b": "failed"}
    notes = [e.get("note") for m, p, b in airflow.calls if p == TI_BULK
             for e in b["actions"][0]["entities"]]  # fmt: skip
    assert "ti note" in notes
    counts = history.counts()["task_instances"]
    assert counts["exact"] == 2 and counts["not_restored"] == 0, counts


def test_no_note_in_the_snapshot_removes_the_markers_note() -> None:
    for version, removed in (("3.3.1", ""), ("3.2.1", None)):
        airflow = FakeAirflow(left="skipped")
        history = _history(airflow, version, None)
        history.restore()
        airflow.calls.clear()
        history.restore_again([(DAG, RUN)])
        # 3.3's bulk update ignores a null note and removes it for ""
        assert [u["note"] for u in airflow.run_updates()] == [removed], version


def test_a_retried_import_restores_the_taken_over_runs_task_instances_again() -> None:
    airflow = FakeAirflow(left="skipped", exists=True)
    history = _history(airflow, "3.3.1", "kept note")
    history.restore()
    assert history.counts()["task_instances"]["reasons"] == {EXISTED: 2}
    history.restore_again([(DAG, RUN)])
    counts = history.counts()["task_instances"]
    assert (counts["exact"], counts["not_restored"]) == (2, 0), counts


def test_a_failure_counts_the_run_not_restored_and_leaves_the_position_alone() -> None:
    airflow = FakeAirflow(left="skipped", broken=True)
    history = _history(airflow, "3.3.1", "kept note")
    history.restore()
    history.restore_again([(DAG, RUN)])  # does not raise: the position is set anyway
    counts = history.counts()
    assert counts["dag_runs"]["not_restored"] == 1
    assert counts["task_instances"]["not_restored"] == 2
    assert all(TAKEN_OVER in why for why in counts["task_instances"]["reasons"])


def test_the_restored_note_says_when_a_run_was_in_flight_at_the_pause() -> None:
    assert restored_note({"state": "success", "note": "n"}) == "n"
    assert restored_note({"state": "failed", "note": None}) is None
    extra = INTERRUPTED_NOTE.format(state="running")
    assert restored_note({"state": "running", "note": "n"}) == f"n\n{extra}"
    assert restored_note({"state": "queued", "note": None}) == INTERRUPTED_NOTE.format(
        state="queued"
    )
    assert len(restored_note({"state": "success", "note": "x" * 1200}) or "") == 1000
