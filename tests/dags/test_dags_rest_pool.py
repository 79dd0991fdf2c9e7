"""The rest-only import's bounded pool and retries (dags.rest_pool), and how a retried
import treats a run that exists already (dags.rest_history): pure, no Airflow."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from mwaa_pause_resume.dags.rest_api import AirflowRestApi, RestApiError, TransientRestApiError
from mwaa_pause_resume.dags.rest_history import import_history, own_dag_ids, run_batches
from mwaa_pause_resume.dags.rest_history_runs import same_run
from mwaa_pause_resume.dags.rest_pool import (
    CONCURRENCY_OPTION,
    DEFAULT_CONCURRENCY,
    RetryingRestApi,
    RetryPolicy,
    concurrency_from_environ,
    default_concurrency,
    run_bounded,
    with_retry,
)

NO_WAIT = RetryPolicy(attempts=4, base_seconds=0.0)


def test_results_keep_the_input_order_and_at_most_n_run_at_once() -> None:
    running, peak = 0, 0
    lock = threading.Lock()
    # The first four calls wait for each other: a pool running fewer at once breaks it.
    together = threading.Barrier(4, timeout=10)

    def work(item: int) -> int:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        if item < 4:
            together.wait()
        time.sleep(0.01 * (item % 3))
        with lock:
            running -= 1
        return item * 2

    assert run_bounded(range(24), work, 4) == [i * 2 for i in range(24)]
    assert peak == 4


def test_concurrency_one_runs_in_the_calling_thread() -> None:
    threads = run_bounded(range(3), lambda _: threading.get_ident(), 1)
    assert set(threads) == {threading.get_ident()}


def test_an_error_is_raised_after_the_other_calls_ended() -> None:
    done: list[int] = []

    def work(item: int) -> int:
        if item == 0:
            raise RestApiError("refused")
        time.sleep(0.01)
        done.append(item)
        return item

    with pytest.raises(RestApiError, match="refused"):
        run_bounded(range(5), work, 3)
    assert sorted(done) == [1, 2, 3, 4]


def test_busy_answers_are_retried_with_growing_jittered_waits() -> None:
    answers = iter([(429, {}), (503, {}), (504, {}), (200, {"ok": 1})])
    waits: list[float] = []
    policy = RetryPolicy(attempts=5, base_seconds=1.0, cap_seconds=3.0)
    done = with_retry(lambda: next(answers), policy, sleep=waits.append, draw=lambda: 0.5)
    assert (done.status, done.answer, done.attempts) == (200, {"ok": 1}, 4)
    assert waits == [0.5, 1.0, 1.5]  # half of 1, 2, min(3, 4)


def test_other_answers_are_not_retried_and_the_last_busy_one_is_returned() -> None:
    calls: list[int] = []
    for status in (400, 404, 409, 500):
        calls.clear()

        def answer(code: int = status) -> tuple[int, Any]:
            calls.append(code)
            return code, {}

        done = with_retry(answer, NO_WAIT, sleep=no_sleep)
        assert (done.status, len(calls)) == (status, 1)
    done = with_retry(lambda: (503, {}), NO_WAIT, sleep=no_sleep)
    assert (done.status, done.attempts) == (503, 4)


def test_a_call_lost_in_transit_is_retried_then_reported_with_the_setting() -> None:
    def lost() -> tuple[int, Any]:
        raise TransientRestApiError("InvokeRestApi POST /dags/x/dagRuns: Read timeout")

    with pytest.raises(RestApiError, match=f"4 attempts.*{CONCURRENCY_OPTION}"):
        with_retry(lost, NO_WAIT, sleep=no_sleep)

    def refused() -> tuple[int, Any]:
        raise RestApiError("AccessDenied")

    with pytest.raises(RestApiError, match="AccessDenied"):  # not retried
        with_retry(refused, NO_WAIT, sleep=lambda _: pytest.fail("retried"))


class ThrottlingClient:
    """InvokeRestApi refusing the first call of each path with botocore's throttling error."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def invoke_rest_api(self, **params: Any) -> dict[str, Any]:
        from botocore.exceptions import ClientError

        self.seen.append(params["Path"])
        if self.seen.count(params["Path"]) == 1:
            error = {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}
            raise ClientError(error, "InvokeRestApi")  # type: ignore[arg-type]
        return {"RestApiStatusCode": 200, "RestApiResponse": {"path": params["Path"]}}


def test_throttled_invoke_rest_api_is_transient_and_retried() -> None:
    client = ThrottlingClient()
    api = AirflowRestApi("env", client=client)
    with pytest.raises(TransientRestApiError, match="Rate exceeded"):
        api.call("GET", "/dags")
    retrying = RetryingRestApi(api, NO_WAIT)
    assert retrying.request("GET", "/pools") == {"path": "/pools"}
    assert client.seen == ["/dags", "/pools", "/pools"]


def test_the_concurrency_comes_from_the_configuration_option() -> None:
    env = "AIRFLOW__MWAA_PAUSE_RESUME__REST_CONCURRENCY"
    assert concurrency_from_environ({}, airflow_version="3.3.1") == DEFAULT_CONCURRENCY == 8
    for version in ("3.3.1", "3.0.6"):  # the option, when set, wins on every version
        assert concurrency_from_environ({env: " 3 "}, airflow_version=version) == 3
        assert concurrency_from_environ({env: "32"}, airflow_version=version) == 32
    for bad in ("0", "33", "eight", "-1"):
        with pytest.raises(ValueError, match=f"{CONCURRENCY_OPTION} is '{bad}'.*1 to 32"):
            concurrency_from_environ({env: bad}, airflow_version="3.3.1")
    with pytest.raises(ValueError, match=r"remove it for 16 \(the default on Airflow 3\.2\.1\)"):
        concurrency_from_environ({env: "0"}, airflow_version="3.2.1")


@pytest.mark.parametrize(
    ("version", "default"),
    [("3.0.6", 16), ("3.1.8", 16), ("3.2.1", 16), ("3.3.0", 8), ("3.3.1", 8), ("3.4.0", 8)],
)
def test_the_default_concurrency_doubles_where_each_run_takes_two_calls(
    version: str, default: int
) -> None:
    """Before 3.3 no bulk run state update: a PATCH per run besides its POST, so twice
    the calls in flight keep 10,000 runs near the same time (BENCHMARKS.md)."""
    assert default_concurrency(version) == default
    assert concurrency_from_environ({}, airflow_version=version) == default


def test_an_existing_run_is_this_snapshots_only_if_date_and_conf_match() -> None:
    body = {"logical_date": "2025-01-01T00:00:00+00:00", "conf": {}}
    assert same_run({"logical_date": "2025-01-01T00:00:00Z", "conf": None}, body)
    assert not same_run({"logical_date": "2025-01-02T00:00:00Z", "conf": {}}, body)
    assert not same_run({"logical_date": "2025-01-01T00:00:00Z", "conf": {"a": 1}}, body)


class FakeAirflow:
    """Just enough of Airflow 3.3's REST API for the creation phase: runs by id."""

    def __init__(self, runs: dict[tuple[str, str], dict[str, Any]], lose: set[str]) -> None:
        self.runs = runs
        self.lose = lose  # run ids whose first POST is made but its answer lost
        self.posts: list[str] = []

    def call(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        body = kwargs.get("body") or {}
        if method == "POST" and path.endswith("/dagRuns"):
            dag_id, run_id = path.split("/")[2], body["dag_run_id"]
            self.posts.append(run_id)
            if (dag_id, run_id) in self.runs:
                return 409, {"detail": "exists"}
            self.runs[(dag_id, run_id)] = {
                "dag_id": dag_id,
                "dag_run_id": run_id,
                "state": "queued",
                **body,
            }
            if run_id in self.lose:
                self.lose.discard(run_id)
                raise TransientRestApiError("Read timeout")
            return 200, {}
        if method == "GET" and path == "/dags/~/dagRuns":
            state = (kwargs.get("query") or {}).get("state")
            listed = [r for r in self.runs.values() if not state or r["state"] in state]
            return 200, {"dag_runs": listed, "total_entries": len(listed)}
        if method == "PATCH" and path == "/dags/~/dagRuns":
            for entity in body["actions"][0]["entities"]:
                self.runs[(entity["dag_id"], entity["dag_run_id"])]["state"] = entity["state"]
            return 200, {"update": {"success": [], "errors": []}}
        return 200, {"tasks": []}


def _run(run_id: str, day: int) -> dict[str, Any]:
    date = f"2025-01-{day:02d}T00:00:00+00:00"
    return {
        "dag_id": "d",
        "dag_run_id": run_id,
        "logical_date": date,
        "run_after": date,
        "run_type": "manual",
        "conf": {},
        "state": "success",
        "note": None,
    }


def test_a_retried_import_creates_no_run_twice() -> None:
    finished = {**_run("old", 1), "state": "success"}
    other = {**_run("taken", 9), "state": "success"}
    stopped = {**_run("stopped", 3), "state": "queued"}  # an import that stopped early
    airflow = FakeAirflow(
        {("d", r["dag_run_id"]): r for r in (finished, other, stopped)}, lose={"lost"}
    )
    api = RetryingRestApi(AirflowRestApi("env", client=object()), NO_WAIT)
    api._inner.call = airflow.call  # type: ignore[method-assign]
    snapshot = [_run("old", 1), _run("taken", 2), _run("stopped", 3), _run("lost", 4)]
    counts = import_history(api, snapshot, [], airflow_version="3.3.1", concurrency=3)
    runs = counts["dag_runs"]
    assert runs["exact"] == 3 and runs["not_restored"] == 1, counts
    assert runs["reasons"] == {
        "a different run with this id exists in this environment": 1,
        "its run existed already (a retried import)": 1,
    }
    assert sorted(airflow.posts) == ["lost", "lost", "old", "stopped", "taken"]
    assert airflow.runs[("d", "taken")]["logical_date"] == other["logical_date"]
    assert {r["state"] for r in airflow.runs.values()} == {"success"}


def no_sleep(_: float) -> None:
    """Retries in these tests do not wait."""


def test_a_layers_batches_keep_each_runs_task_instances_together() -> None:
    def entries(run: str, count: int) -> list[tuple[dict[str, Any], str | None]]:
        return [
            ({"dag_id": "d", "dag_run_id": run, "task_id": f"t{i}"}, None) for i in range(count)
        ]

    layer = entries("a", 3) + entries("b", 3) + entries("c", 2) + entries("big", 7)
    batches = run_batches(layer, 5)
    runs = [[e["dag_run_id"] + "." + e["task_id"] for e, _ in b] for b in batches]
    assert runs == [
        ["a.t0", "a.t1", "a.t2"],
        ["b.t0", "b.t1", "b.t2", "c.t0", "c.t1"],
        ["big.t0", "big.t1", "big.t2", "big.t3", "big.t4"],
        ["big.t5", "big.t6"],
    ]
    assert sorted(e["task_id"] for b in batches for e, _ in b) == sorted(
        e["task_id"] for e, _ in layer
    )


def test_the_workflows_own_dags_are_found_by_their_tag_whatever_their_ids() -> None:
    dags = [
        {"dag_id": "my_export", "tags": [{"name": "mwaa-pause-resume"}]},
        {"dag_id": "my_import", "tags": [{"name": "mwaa-pause-resume"}, {"name": "x"}]},
        {"dag_id": "etl", "tags": [{"name": "x"}]},  # a server that ignores the filter
    ]
    asked: list[Any] = []

    def call(method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        asked.append((method, path, kwargs["query"]["tags"]))
        return 200, {"dags": dags, "total_entries": len(dags)}

    api = AirflowRestApi("env", client=object())
    api.call = call  # type: ignore[method-assign]
    assert own_dag_ids(api, "this_export") == {"this_export", "my_export", "my_import"}
    assert asked == [("GET", "/dags", ["mwaa-pause-resume"])]
