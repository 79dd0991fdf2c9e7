"""Unpause a DAG and trigger it with a known run id (the export DAG at pause, the import
DAG at resume) through InvokeRestApi.

Input ``{"environment", "dag_id", "run_id", "conf", "airflow_version", "deadline",
"wait_for_parse", "authorize"}``. Output ``{"dag_id", "run_id"}``. ``authorize``
("export" or "import") adds to the conf the run's one-time authorization
(:mod:`mwaa_pause_resume.metadata.run_authorization`): for this environment, DAG,
run id and snapshot, until the workflow's deadline; the DAGs refuse runs without one.
A DAG that a fresh environment has not parsed yet answers 404: with
``wait_for_parse`` (resume) that is ``DagNotParsedYet`` (retried by the state
machine) until the deadline, then ``DagNotParsed``; without it (pause: the
environment has been running for long) ``DagNotParsed`` at once. An existing run
id (a retried trigger) is fine.
"""

from __future__ import annotations

from typing import Any

from mwaa_pause_resume.functions import airflow_api, aws, clock, settings, spoke_session
from mwaa_pause_resume.functions.errors import DagNotParsed, DagNotParsedYet, InvalidInput


def trigger_body(run_id: str, conf: dict[str, Any], airflow_version: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"dag_run_id": run_id, "conf": conf}
    if airflow_api.airflow_major(airflow_version) >= 3:
        body["logical_date"] = None  # required key in Airflow 3 (null: "now")
    return body


def authorized_conf(
    event: dict[str, Any], environment: str, dag_id: str, run_id: str
) -> dict[str, Any]:
    """The run's conf with its authorization (KMS GenerateMac with the deployment's key)."""
    from mwaa_pause_resume.metadata.run_authorization import (
        CONF_KEY,
        DEFAULT_TTL_SECONDS,
        PURPOSE_BY_ACTION,
        RunClaims,
        issue,
    )

    conf = dict(event.get("conf") or {})
    action = event.get("authorize")
    if action not in PURPOSE_BY_ACTION or not isinstance(conf.get("snapshot"), str):
        raise InvalidInput(
            "dag_trigger needs 'authorize' (export or import) and conf.snapshot: the DAGs "
            "refuse runs without an authorization."
        )
    now = clock.now()
    deadline = event.get("deadline")
    # Until the workflow's deadline (it gives up on the run then), at least the default
    # TTL when the deadline is near or missing, so a late-starting run still passes.
    expires = max(float(deadline) if deadline is not None else 0.0, now + DEFAULT_TTL_SECONDS)
    claims = RunClaims(environment, dag_id, run_id, conf["snapshot"], expires)
    try:
        conf[CONF_KEY] = issue(aws.client("kms"), settings.mac_key_id(), str(action), claims)
    except Exception as exc:
        raise aws.translate(exc, f"authorize the {action} run {run_id}") from exc
    return conf


@spoke_session.acting_in_placement
def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    name = settings.environment_name(event)
    dag_id, run_id = str(event["dag_id"]), str(event["run_id"])
    conf = authorized_conf(event, name, dag_id, run_id)  # before anything changes
    unpause = airflow_api.call(name, "PATCH", f"/dags/{dag_id}", {"is_paused": False})
    if unpause.status == 404:
        waiting = bool(event.get("wait_for_parse", True))
        if not waiting or clock.now() > float(event["deadline"]):
            raise DagNotParsed(
                f"DAG {dag_id} is not in environment {name}"
                + (" (waited until the deadline). " if waiting else ". ")
                + "Check that its file is in the environment's DAGs folder and imports cleanly "
                "(see the DAG processing logs)."
            )
        raise DagNotParsedYet(f"DAG {dag_id} is not parsed yet in environment {name}.")
    airflow_api.expect_ok(unpause, name, f"unpause DAG {dag_id}")
    body = trigger_body(run_id, conf, event.get("airflow_version"))
    answer = airflow_api.call(name, "POST", f"/dags/{dag_id}/dagRuns", body)
    if answer.status != 409:  # 409: this run id exists, our earlier attempt went through
        airflow_api.expect_ok(answer, name, f"trigger DAG {dag_id}")
    return {"dag_id": dag_id, "run_id": run_id}
