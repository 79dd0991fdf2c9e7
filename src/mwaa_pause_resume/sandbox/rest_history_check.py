"""The sandbox's row-by-row check of a rest-only resume's run history, through the REST API.

What docs/airflow3.md promises per Airflow version is checked against what the paused
environment's REST API listed just before the pause, in the resumed environment's REST API:

- a finished run whose paths fit (below) is there with its run id (an automated run's
  prefix made ``manual__``), logical date, data interval, run_after, conf, state and note
  equal, and a run type and end date present (approximate: manual, the restore time);
  one that cannot fit is absent;
- a run in flight at the pause is there finished (success, or failed with a note), never
  queued or running;
- the task instances of a restored finished run: on 3.2+ each state exact, or the nearest
  settable one (:data:`~mwaa_pause_resume.dags.rest_history.NEAREST_TI_STATE`), its note
  equal (mapped ones on 3.2, and all on 3.0.6: where the single PATCH path fits; else
  that state or what the run's state gives: before 3.3 a success run's all success,
  otherwise skipped);
- no restored run is queued.

Pure except :func:`read_history` (REST reads). ``call(method, path, query)`` answers
``(status, body)`` like the sandbox's REST client.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mwaa_pause_resume.dags.rest_api import MAX_PATH
from mwaa_pause_resume.dags.rest_history import (
    NEAREST_TI_STATE,
    SETTABLE_TI_STATES,
    Routes,
    restored_ids,
    restored_run_id,
)
from mwaa_pause_resume.dags.rest_history_plan import baseline_state
from mwaa_pause_resume.dags.rest_history_runs import FINAL_RUN_STATES

Call = Callable[..., tuple[int, Any]]
RunKey = tuple[str, str]
TiKey = tuple[str, str, str, int]
EXACT_RUN_FIELDS = (
    "logical_date",
    "data_interval_start",
    "data_interval_end",
    "run_after",
    "conf",
    "state",
    "note",
)
PAGE = 100

# What docs/airflow3.md says the rest-only scope does not restore, and why.
NOT_RESTORED = {
    "run type": "restored runs are manual: no endpoint creates another type (the run "
    "at a DAG's position marker date becomes a backfill run: the marker takes it over)",
    "run and task start/end dates, tries, hostnames": "not settable through the REST API: "
    "they carry the restore time",
    "XComs": "create_xcom_entry's path does not fit InvokeRestApi's 64 characters",
    "asset events": "create_asset_event stamps the restore time and no source run",
    "logs": "not Airflow metadata",
}


@dataclass(frozen=True)
class History:
    runs: dict[RunKey, dict[str, Any]]
    task_instances: dict[TiKey, dict[str, Any]]


@dataclass
class HistoryCheck:
    """Counts of rows checked and every broken promise, by row."""

    runs_checked: int = 0
    runs_absent_as_documented: int = 0
    task_instances_checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """No broken promise, and at least one run checked (restored or absent as said)."""
        return not self.problems and self.runs_checked + self.runs_absent_as_documented > 0

    def to_json(self) -> dict[str, Any]:
        return {
            "runs_checked": self.runs_checked,
            "runs_absent_as_documented": self.runs_absent_as_documented,
            "task_instances_checked": self.task_instances_checked,
            "problems": list(self.problems),
            "passed": self.passed,
        }


def _pages(call: Call, path: str, key: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        query = {"limit": PAGE, "offset": len(items), "order_by": "id"}
        status, body = call("GET", path, query)
        if status != 200:
            raise RuntimeError(f"GET {path} answered HTTP {status}: {str(body)[:300]}")
        batch = list(body.get(key) or [])
        items += batch
        if not batch or len(items) >= int(body.get("total_entries") or 0):
            return items


def read_history(call: Call, exclude_dag_ids: Iterable[str]) -> History:
    """Every run and task instance the environment's REST API lists (others' DAGs)."""
    excluded = set(exclude_dag_ids)
    runs = {
        (str(r["dag_id"]), str(r["dag_run_id"])): r
        for r in _pages(call, "/dags/~/dagRuns", "dag_runs")
        if r["dag_id"] not in excluded
    }
    tis = {
        (str(t["dag_id"]), str(t["dag_run_id"]), str(t["task_id"]), int(t["map_index"])): t
        for t in _pages(call, "/dags/~/dagRuns/~/taskInstances", "task_instances")
        if t["dag_id"] not in excluded
    }
    return History(runs, tis)


def check_history(before: History, after: History, airflow_version: str) -> HistoryCheck:
    """Pure: every promise of docs/airflow3.md for ``airflow_version``, row by row."""
    routes = Routes.of(airflow_version)
    new_ids = restored_ids(before.runs.values(), airflow_version)

    def restored_key(key: RunKey) -> RunKey:
        """The run's key once restored: an automated run's id prefix becomes manual__,
        an id whose paths cannot fit is shortened (docs/airflow3.md, "run id")."""
        return key[0], new_ids.get(key) or restored_run_id(key[1])

    out = HistoryCheck()
    for key, run in sorted(before.runs.items()):
        got = after.runs.get(restored_key(key))
        if new_ids.get(key) is None:
            if got is not None:
                out.problems.append(f"run {key}: restored, but its path cannot fit")
            else:
                out.runs_absent_as_documented += 1
            continue
        if got is None:
            out.problems.append(f"run {key}: not restored")
            continue
        out.runs_checked += 1
        out.problems += _run_problems(key, run, got)
        if run.get("state") in FINAL_RUN_STATES:
            out.task_instances_checked += _check_tis(
                key, restored_key(key), before, after, routes=routes, run=got, out=out
            )
    restored = {restored_key(k) for k in before.runs}
    queued = [k for k, r in after.runs.items() if k in restored and r["state"] == "queued"]
    out.problems += [f"run {k}: left queued (it would run on unpause)" for k in queued]
    return out


def is_marker(got: Mapping[str, Any]) -> bool:
    """Whether the import's position marker took this restored run over (the restore
    creates manual runs only; the marker's backfill at the run's logical date makes it a
    backfill run in place: docs/airflow3-position.md). The import then restores it
    again, so everything but its type is checked as for any other restored run."""
    return got.get("run_type") == "backfill"


def _run_problems(key: RunKey, run: Mapping[str, Any], got: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    # manual; backfill once the position marker has converted the newest automated run
    if (got.get("run_type") != "manual" and not is_marker(got)) or not got.get("end_date"):
        problems.append(f"run {key}: run type {got.get('run_type')}, end {got.get('end_date')}")
    if run.get("state") in FINAL_RUN_STATES:
        for name in EXACT_RUN_FIELDS:
            if not _same(name, run.get(name), got.get(name)):
                problems.append(f"run {key}: {name} {run.get(name)!r} became {got.get(name)!r}")
    elif got.get("state") not in FINAL_RUN_STATES:
        problems.append(f"run {key}: in flight at the pause, now {got.get('state')}")
    return problems


DATE_FIELDS = ("logical_date", "data_interval_start", "data_interval_end", "run_after")


def _same(name: str, want: Any, got: Any) -> bool:
    if name == "conf":  # an empty conf is restored as {}
        return (want or {}) == (got or {})
    if name in DATE_FIELDS and want and got:  # as instants: "...Z" and "...+00:00" alike
        return _instant(want) == _instant(got)
    return bool(want == got)


def _instant(value: Any) -> datetime:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _check_tis(
    key: RunKey,
    new_run: RunKey,
    before: History,
    after: History,
    *,
    routes: Routes,
    run: Mapping[str, Any],
    out: HistoryCheck,
) -> int:
    checked = 0
    for ti_key, ti in before.task_instances.items():
        if ti_key[:2] != key:
            continue
        new_key: TiKey = (new_run[0], new_run[1], ti_key[2], ti_key[3])
        got = after.task_instances.get(new_key)
        if got is None:
            if ti_key[3] >= 0:
                continue  # an index of a task mapped at run time: not recreated
            out.problems.append(f"task instance {ti_key}: missing")
            continue
        checked += 1
        state = ti.get("state")
        nearest = state if state in SETTABLE_TI_STATES else NEAREST_TI_STATE.get(state, "skipped")
        if routes.bulk_for(ti_key[3]) or _single_fits(new_key):
            wanted = {nearest}
            if ti.get("note") != got.get("note"):
                out.problems.append(f"task instance {ti_key}: note {got.get('note')!r}")
        else:
            # No change of its own fits: exact when a change of a downstream task with
            # include_upstream covered it, else what the run's state gave it
            # (rest_history_plan.baseline_state).
            given = baseline_state(
                str(run.get("state")), success_marks_all=routes.run_success_marks_all
            )
            wanted = {nearest, given}
        if got.get("state") not in wanted:
            out.problems.append(
                f"task instance {ti_key}: {state} became {got.get('state')}, "
                f"expected {' or '.join(sorted(wanted))}"
            )
    return checked


def _single_fits(key: TiKey) -> bool:
    dag_id, run_id, task_id, index = key
    path = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}"
    return len(path + (f"/{index}" if index >= 0 else "")) <= MAX_PATH
