"""An in-memory, scripted fake of the Airflow REST endpoints the workflows call.

It tests the emulator and the workflows' control flow, not Airflow: DAGs are
names with a paused flag, DAG runs end as scripted. What it does keep from
Airflow is what the workflows must cope with:

- a fresh environment has not parsed a DAG yet: the DAG answers 404 to its first
  ``hidden_requests`` requests;
- a run of a paused DAG stays ``queued`` (the scheduler ignores paused DAGs);
- Airflow 3 requires ``logical_date`` in the trigger body (may be null) and
  rejects unknown keys with 422; Airflow 2 rejects unknown keys with 400;
- an existing run id answers 409.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

AIRFLOW2_TRIGGER_KEYS = frozenset(
    {
        "dag_run_id",
        "logical_date",
        "execution_date",
        "conf",
        "note",
        "data_interval_start",
        "data_interval_end",
    }
)
AIRFLOW3_TRIGGER_KEYS = frozenset(
    {
        "dag_run_id",
        "logical_date",
        "run_after",
        "conf",
        "note",
        "data_interval_start",
        "data_interval_end",
    }
)


@dataclass(frozen=True)
class RunScript:
    """How a triggered run ends: ``state`` after ``polls`` GETs of the run while its
    DAG is unpaused (``running`` meanwhile); ``failed_tasks`` fail in a failed run."""

    state: str = "success"
    polls: int = 0
    failed_tasks: tuple[str, ...] = ()


@dataclass(frozen=True)
class DagSpec:
    """A DAG every new environment gets."""

    dag_id: str
    is_paused: bool = True
    hidden_requests: int = 0
    run: RunScript = RunScript()
    tasks: tuple[str, ...] = ("main",)


@dataclass
class FakeDag:
    dag_id: str
    is_paused: bool
    hidden_requests: int
    run: RunScript
    tasks: tuple[str, ...]


@dataclass
class FakeDagRun:
    dag_id: str
    run_id: str
    conf: dict[str, Any]
    logical_date: str | None
    script: RunScript
    polls_left: int
    state: str = "queued"
    start_date: str | None = None
    end_date: str | None = None


@dataclass(frozen=True)
class RestCall:
    method: str
    path: str
    query: Mapping[str, Any]
    body: Any
    status: int


@dataclass
class FakeAirflow:
    """The Airflow of one environment."""

    airflow_version: str
    dags: dict[str, FakeDag] = field(default_factory=dict)
    runs: dict[tuple[str, str], FakeDagRun] = field(default_factory=dict)
    calls: list[RestCall] = field(default_factory=list)

    @property
    def major(self) -> int:
        return int(self.airflow_version.split(".", 1)[0] or 2)

    def add_dag(self, spec: DagSpec) -> FakeDag:
        dag = FakeDag(spec.dag_id, spec.is_paused, spec.hidden_requests, spec.run, spec.tasks)
        self.dags[spec.dag_id] = dag
        return dag

    def run(self, dag_id: str, run_id: str) -> FakeDagRun:
        return self.runs[(dag_id, run_id)]

    def handle(
        self, method: str, path: str, query: Mapping[str, Any], body: Any
    ) -> tuple[int, dict[str, Any]]:
        if method.upper() == "GET" and [p for p in path.split("/") if p][-3:] == [
            "dags",
            "~",
            "dagRuns",
        ]:
            status, payload = self._all_runs(query)  # every DAG's runs, ?state= filters
        else:
            status, payload = self._route(method.upper(), path, body)
        self.calls.append(RestCall(method.upper(), path, dict(query), body, status))
        return status, payload

    def _route(self, method: str, path: str, body: Any) -> tuple[int, dict[str, Any]]:
        parts = [p for p in path.split("/") if p]
        if parts[:2] == ["api", "v1"] or parts[:2] == ["api", "v2"]:
            parts = parts[2:]
        if parts == ["dags"]:
            if method != "GET":
                return self._not_allowed()
            visible = [self._dag_json(d) for d in self.dags.values() if d.hidden_requests <= 0]
            return 200, {"dags": visible, "total_entries": len(visible)}
        if len(parts) < 2 or parts[0] != "dags":
            return self._error(404, "Not Found", f"no route for {path}")
        dag = self._visible_dag(parts[1])
        if dag is None:
            return self._dag_not_found(parts[1])
        rest = parts[2:]
        if not rest:
            if method == "GET":
                return 200, self._dag_json(dag)
            if method == "PATCH":
                return self._patch_dag(dag, body)
            return self._not_allowed()
        if rest == ["dagRuns"]:
            if method == "POST":
                return self._trigger(dag, body)
            if method == "GET":
                runs = [self._run_json(r) for r in self.runs.values() if r.dag_id == dag.dag_id]
                return 200, {"dag_runs": runs, "total_entries": len(runs)}
            return self._not_allowed()
        if rest[0] == "dagRuns" and len(rest) in (2, 3):
            found = self.runs.get((dag.dag_id, rest[1]))
            if found is None:
                return self._error(
                    404,
                    "DAGRun not found",
                    f"DAGRun with DAG ID: '{dag.dag_id}' and DagRun ID: '{rest[1]}' not found",
                )
            if method != "GET":
                return self._not_allowed()
            if len(rest) == 2:
                self._poll(dag, found)
                return 200, self._run_json(found)
            if rest[2] == "taskInstances":
                tis = [self._task_json(found, task) for task in dag.tasks]
                return 200, {"task_instances": tis, "total_entries": len(tis)}
        return self._error(404, "Not Found", f"no route for {path}")

    def _all_runs(self, query: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        wanted = query.get("state")
        states = {wanted} if isinstance(wanted, str) else set(wanted or ())
        runs = [self._run_json(r) for r in self.runs.values() if not states or r.state in states]
        limit = int(query.get("limit") or 100)
        return 200, {"dag_runs": runs[:limit], "total_entries": len(runs)}

    def _visible_dag(self, dag_id: str) -> FakeDag | None:
        dag = self.dags.get(dag_id)
        if dag is None:
            return None
        if dag.hidden_requests > 0:
            dag.hidden_requests -= 1  # not parsed yet; a later request finds it
            return None
        return dag

    def _patch_dag(self, dag: FakeDag, body: Any) -> tuple[int, dict[str, Any]]:
        if not isinstance(body, dict) or not isinstance(body.get("is_paused"), bool):
            return self._error(400, "Bad Request", "body must be {'is_paused': true|false}")
        dag.is_paused = body["is_paused"]
        return 200, self._dag_json(dag)

    def _trigger(self, dag: FakeDag, body: Any) -> tuple[int, dict[str, Any]]:
        body = {} if body is None else body
        if not isinstance(body, dict):
            return self._error(400, "Bad Request", "body must be a JSON object")
        allowed = AIRFLOW3_TRIGGER_KEYS if self.major >= 3 else AIRFLOW2_TRIGGER_KEYS
        unknown = sorted(set(body) - allowed)
        if self.major >= 3:
            problems = [
                {
                    "type": "extra_forbidden",
                    "loc": ["body", k],
                    "msg": "Extra inputs are not permitted",
                    "input": body[k],
                }
                for k in unknown
            ]
            if "logical_date" not in body:
                problems.append(
                    {"type": "missing", "loc": ["body", "logical_date"], "msg": "Field required"}
                )
            if problems:
                return 422, {"detail": problems}
        elif unknown:
            return self._error(400, "Bad Request", str({k: ["Unknown field."] for k in unknown}))
        conf = body.get("conf") or {}
        if not isinstance(conf, dict):
            return self._error(400, "Bad Request", "conf must be a JSON object")
        run_id = body.get("dag_run_id") or f"manual__{_now()}"
        if (dag.dag_id, run_id) in self.runs:
            return self._error(
                409,
                "Conflict",
                f"DAGRun with DAG ID: '{dag.dag_id}' and DAGRun ID: '{run_id}' already exists",
            )
        run = FakeDagRun(dag.dag_id, run_id, conf, body.get("logical_date"), dag.run, dag.run.polls)
        self.runs[(dag.dag_id, run_id)] = run
        return 200, self._run_json(run)

    def _poll(self, dag: FakeDag, run: FakeDagRun) -> None:
        if run.state in ("success", "failed") or dag.is_paused:
            return  # finished, or a paused DAG's run is never scheduled
        run.start_date = run.start_date or _now()
        if run.polls_left > 0:
            run.polls_left -= 1
            run.state = "running"
            return
        run.state = run.script.state
        run.end_date = _now()

    def _dag_json(self, dag: FakeDag) -> dict[str, Any]:
        data: dict[str, Any] = {
            "dag_id": dag.dag_id,
            "is_paused": dag.is_paused,
            "fileloc": f"/usr/local/airflow/dags/{dag.dag_id}.py",
            "tags": [],
        }
        if self.major >= 3:
            data["is_stale"] = False  # Airflow 3 renamed is_active (inverted)
        else:
            data["is_active"] = True
        return data

    def _run_json(self, run: FakeDagRun) -> dict[str, Any]:
        data: dict[str, Any] = {
            "dag_id": run.dag_id,
            "dag_run_id": run.run_id,
            "state": run.state,
            "conf": run.conf,
            "logical_date": run.logical_date,
            "start_date": run.start_date,
            "end_date": run.end_date,
            "run_type": "manual",
            "note": None,
        }
        if self.major < 3:
            data["execution_date"] = run.logical_date
        return data

    def _task_json(self, run: FakeDagRun, task_id: str) -> dict[str, Any]:
        if run.state == "failed":
            state = "failed" if task_id in run.script.failed_tasks else "success"
        elif run.state == "success":
            state = "success"
        elif run.state == "running":
            state = "running"
        else:
            state = None
        return {"dag_id": run.dag_id, "dag_run_id": run.run_id, "task_id": task_id, "state": state}

    def _dag_not_found(self, dag_id: str) -> tuple[int, dict[str, Any]]:
        if self.major >= 3:
            return 404, {"detail": f"The Dag with ID: `{dag_id}` was not found"}
        return self._error(404, "DAG not found", f"DAG with dag_id: '{dag_id}' not found")

    def _not_allowed(self) -> tuple[int, dict[str, Any]]:
        return self._error(405, "Method Not Allowed", "method not allowed for this path")

    def _error(self, status: int, title: str, detail: str) -> tuple[int, dict[str, Any]]:
        if self.major >= 3:
            return status, {"detail": detail}
        return status, {"status": status, "title": title, "detail": detail, "type": "about:blank"}


class InMemoryAirflowBackend:
    """An :class:`~.backends.EnvironmentBackend` whose environments run :class:`FakeAirflow`.

    ``dags`` are given to every environment created from now on; change one
    environment's DAGs afterwards through :meth:`airflow`.
    """

    def __init__(self, dags: Iterable[DagSpec] = ()) -> None:
        self.templates: dict[str, DagSpec] = {spec.dag_id: spec for spec in dags}
        self.environments: dict[str, FakeAirflow] = {}

    def add_template(self, spec: DagSpec) -> None:
        self.templates[spec.dag_id] = spec

    def airflow(self, name: str) -> FakeAirflow:
        return self.environments[name]

    def on_create(self, name: str, request: Mapping[str, Any]) -> None:
        airflow = FakeAirflow(str(request.get("AirflowVersion") or "2.10.3"))
        for spec in self.templates.values():
            airflow.add_dag(dataclasses.replace(spec))
        self.environments[name] = airflow

    def on_delete(self, name: str) -> None:
        self.environments.pop(name, None)

    def invoke_rest_api(
        self,
        name: str,
        method: str,
        path: str,
        query: Mapping[str, Any],
        body: Any,
    ) -> tuple[int, dict[str, Any]]:
        airflow = self.environments.get(name)
        if airflow is None:
            return 503, {"title": "Service Unavailable", "detail": "webserver not running"}
        return airflow.handle(method, path, query, body)


def _now() -> str:
    return datetime.now(UTC).isoformat()
