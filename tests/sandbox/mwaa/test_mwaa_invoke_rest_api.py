"""InvokeRestApi against the in-memory Airflow fake, the calls the workflows make."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mwaa_pause_resume.sandbox.mwaa import DagSpec, InMemoryAirflowBackend, MwaaBackend, RunScript

Request = Callable[..., dict[str, Any]]


def call(client: Any, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """(Airflow status, Airflow body), whether MWAA answered success or RestApi*Exception."""
    kwargs: dict[str, Any] = {"Name": "env-a", "Method": method, "Path": path}
    if body is not None:
        kwargs["Body"] = body
    try:
        answer = client.invoke_rest_api(**kwargs)
    except (
        client.exceptions.RestApiClientException,
        client.exceptions.RestApiServerException,
    ) as error:
        answer = error.response
    return answer["RestApiStatusCode"], answer["RestApiResponse"]


def trigger(client: Any, run_id: str, dag: str = "export_dag", **extra: Any) -> tuple[int, Any]:
    body = {"dag_run_id": run_id, "conf": {"snapshot": "s1"}, **extra}
    return call(client, "POST", f"/dags/{dag}/dagRuns", body)


@pytest.fixture
def env2(backend: MwaaBackend, make_request: Request) -> str:
    backend.seed(make_request(AirflowVersion="2.10.3"))
    return "env-a"


def test_list_and_unpause_dag(client: Any, env2: str, airflow: InMemoryAirflowBackend) -> None:
    status, body = call(client, "GET", "/dags")
    assert status == 200
    assert {d["dag_id"]: d["is_paused"] for d in body["dags"]} == {
        "export_dag": True,
        "import_dag": True,
    }
    status, body = call(client, "PATCH", "/dags/export_dag", {"is_paused": False})
    assert (status, body["is_paused"]) == (200, False)
    assert airflow.airflow(env2).dags["export_dag"].is_paused is False


def test_dag_appears_only_after_some_requests(
    client: Any, backend: MwaaBackend, make_request: Request, airflow: InMemoryAirflowBackend
) -> None:
    airflow.add_template(DagSpec("import_dag", hidden_requests=2))
    backend.seed(make_request())
    listed = call(client, "GET", "/dags")[1]["dags"]
    assert [d["dag_id"] for d in listed] == ["export_dag"]
    statuses = [
        call(client, "PATCH", "/dags/import_dag", {"is_paused": False})[0] for _ in range(3)
    ]
    assert statuses == [404, 404, 200]


def test_triggered_run_waits_while_paused_then_completes(
    client: Any, backend: MwaaBackend, make_request: Request, airflow: InMemoryAirflowBackend
) -> None:
    airflow.add_template(DagSpec("export_dag", run=RunScript("success", polls=2)))
    backend.seed(make_request())
    status, run = trigger(client, "pause__1")
    assert (status, run["state"], run["dag_run_id"], run["conf"]) == (
        200,
        "queued",
        "pause__1",
        {"snapshot": "s1"},
    )

    path = "/dags/export_dag/dagRuns/pause__1"
    assert call(client, "GET", path)[1]["state"] == "queued"  # paused: never scheduled
    call(client, "PATCH", "/dags/export_dag", {"is_paused": False})
    states = [call(client, "GET", path)[1]["state"] for _ in range(4)]
    assert states == ["running", "running", "success", "success"]


def test_failed_run_names_its_failed_tasks(
    client: Any, backend: MwaaBackend, make_request: Request, airflow: InMemoryAirflowBackend
) -> None:
    airflow.add_template(
        DagSpec(
            "export_dag",
            is_paused=False,
            tasks=("pause_dags", "export"),
            run=RunScript("failed", failed_tasks=("export",)),
        )
    )
    backend.seed(make_request())
    trigger(client, "r1")
    assert call(client, "GET", "/dags/export_dag/dagRuns/r1")[1]["state"] == "failed"
    tis = call(client, "GET", "/dags/export_dag/dagRuns/r1/taskInstances")[1]["task_instances"]
    assert {t["task_id"]: t["state"] for t in tis} == {"pause_dags": "success", "export": "failed"}


def test_duplicate_run_id_is_conflict(client: Any, env2: str) -> None:
    assert trigger(client, "same")[0] == 200
    status, body = trigger(client, "same")
    assert status == 409
    assert "already exists" in body["detail"]


def test_airflow2_rejects_unknown_trigger_keys(client: Any, env2: str) -> None:
    status, body = trigger(client, "r1", unexpected=1)
    assert status == 400
    assert "unexpected" in body["detail"]


def test_airflow3_requires_logical_date_and_rejects_extra_keys(
    client: Any, backend: MwaaBackend, make_request: Request
) -> None:
    backend.seed(make_request(AirflowVersion="3.0.6"))
    status, body = trigger(client, "r1", execution_date=None)
    assert status == 422
    problems = {(p["type"], p["loc"][-1]) for p in body["detail"]}
    assert problems == {("missing", "logical_date"), ("extra_forbidden", "execution_date")}
    status, run = trigger(client, "r1", logical_date=None)
    assert (status, run["logical_date"]) == (200, None)
    assert "execution_date" not in run


def test_missing_dag_and_run_are_404(client: Any, env2: str) -> None:
    assert call(client, "GET", "/dags/nope")[0] == 404
    assert call(client, "GET", "/dags/export_dag/dagRuns/nope")[0] == 404


def test_environments_get_fresh_airflow_after_recreate(
    client: Any, backend: MwaaBackend, make_request: Request
) -> None:
    backend.seed(make_request())
    call(client, "PATCH", "/dags/export_dag", {"is_paused": False})
    client.delete_environment(Name="env-a")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_environment(Name="env-a")
    client.create_environment(**make_request())
    assert call(client, "GET", "/dags/export_dag")[1]["is_paused"] is True


def test_path_over_64_characters_is_refused_like_the_service_model_says(
    client: Any, env2: str
) -> None:
    # botocore's model: RestApiPath max 64. The client does not check maximums, the
    # service does: a ValidationException, and nothing reaches Airflow.
    fits = "/dags/" + "d" * 58
    assert len(fits) == 64
    assert call(client, "GET", fits)[0] == 404  # reached Airflow: no such DAG
    with pytest.raises(client.exceptions.ValidationException) as refused:
        call(client, "GET", fits + "x")
    assert "length less than or equal to 64" in str(refused.value)
    assert "invokeRestApiRequest.path" in str(refused.value)
