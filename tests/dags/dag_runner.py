"""Runs inside an Airflow virtualenv for the tests: parse a DAGs folder, run one DAG.

    python dag_runner.py run DAG_ID CONF_JSON [AUTH_JSON]  -> JSON {run_id, state, tasks, note}
    python dag_runner.py parse                             -> JSON {dag_ids, import_errors}

The DAG runs through ``dag.test(run_conf=...)`` (in-process, real task code).
``AUTH_JSON`` ``{"mac_key", "action", "environment"[, "run_id"]}``: add the run's
authorization to the conf as the workflows' dag_trigger function does (KMS GenerateMac
through ``AWS_ENDPOINT_URL``), for the run id this run gets (or another ``run_id``,
to replay a token).
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from airflow import __version__ as AIRFLOW_VERSION

AIRFLOW_3 = int(AIRFLOW_VERSION.split(".")[0]) >= 3


def parse() -> dict[str, Any]:
    from airflow.configuration import conf
    from airflow.models.dagbag import DagBag

    folder = conf.get("core", "dags_folder")
    if AIRFLOW_3 and folder not in sys.path:
        sys.path.append(folder)  # as Airflow 3's DAG processor and task runner do
    # no include_examples (Airflow 3.3 dropped it): AIRFLOW__CORE__LOAD_EXAMPLES=False
    bag = DagBag(folder)
    return {
        "dag_ids": sorted(bag.dag_ids),
        "files": sorted(str(s.file) for s in bag.dagbag_stats),
        "import_errors": {k: str(v) for k, v in bag.import_errors.items()},
    }


def _authorized(
    dag_id: str, run_id: str, run_conf: dict[str, Any], auth: dict[str, Any]
) -> dict[str, Any]:
    import time

    import boto3

    from mwaa_pause_resume.metadata.run_authorization import CONF_KEY, RunClaims, issue

    claims = RunClaims(
        auth["environment"],
        dag_id,
        auth.get("run_id", run_id),
        str(run_conf.get("snapshot")),
        time.time() + 600,
    )
    token = issue(boto3.client("kms"), auth["mac_key"], auth["action"], claims)
    return {**run_conf, CONF_KEY: token}


def run(dag_id: str, run_conf: dict[str, Any], auth: dict[str, Any] | None) -> dict[str, Any]:
    from airflow.configuration import conf
    from airflow.models import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.types import DagRunType

    from mwaa_pause_resume.sandbox.sample_dags.seed_runner import sync_dags

    bag = sync_dags(conf.get("core", "dags_folder"))
    dag = bag.get_dag(dag_id)
    now = datetime.now(UTC)  # fixes the run id, which the authorization names
    if AIRFLOW_3:
        run_id = DagRun.generate_run_id(run_type=DagRunType.MANUAL, logical_date=now, run_after=now)
    else:
        run_id = DagRun.generate_run_id(DagRunType.MANUAL, now)
    if auth is not None:
        run_conf = _authorized(dag_id, run_id, run_conf, auth)
    if AIRFLOW_3:
        dr = dag.test(logical_date=now, run_after=now, run_conf=run_conf)
    else:
        dr = dag.test(execution_date=now, run_conf=run_conf)
    assert dr.run_id == run_id, (dr.run_id, run_id)

    with create_session() as session:
        fresh = (
            session.query(DagRun).filter(DagRun.dag_id == dag_id, DagRun.run_id == dr.run_id).one()
        )
        tasks = {ti.task_id: str(ti.state) for ti in fresh.get_task_instances(session=session)}
        return {
            "run_id": fresh.run_id,
            "state": str(fresh.state),
            "tasks": tasks,
            "note": fresh.note,
            "api_note": api_note(fresh),
        }


def api_note(dag_run: Any) -> Any:
    """The note as the REST API's GET /dags/{dag_id}/dagRuns/{run_id} serialises it."""
    if AIRFLOW_3:
        from airflow.api_fastapi.core_api.datamodels.dag_run import DAGRunResponse

        return DAGRunResponse.model_validate(dag_run, from_attributes=True).model_dump()["note"]
    from airflow.api_connexion.schemas.dag_run_schema import dagrun_schema

    return dagrun_schema.dump(dag_run)["note"]


def main() -> None:
    logging.getLogger("airflow").setLevel(logging.WARNING)
    command, *args = sys.argv[1:]
    if command == "parse":
        result = parse()
    else:
        result = run(args[0], json.loads(args[1]), json.loads(args[2]) if len(args) > 2 else None)
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
