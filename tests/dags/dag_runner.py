"""Runs inside an Airflow virtualenv for the tests: parse a DAGs folder, run one DAG.

    python dag_runner.py run DAG_ID CONF_JSON   -> JSON {run_id, state, tasks, note}
    python dag_runner.py parse                  -> JSON {dag_ids, import_errors}

The DAG runs through ``dag.test(run_conf=...)`` (in-process, real task code).
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


def run(dag_id: str, run_conf: dict[str, Any]) -> dict[str, Any]:
    from airflow.configuration import conf

    from mwaa_pause_resume.sandbox.sample_dags.seed_runner import sync_dags

    bag = sync_dags(conf.get("core", "dags_folder"))
    dag = bag.get_dag(dag_id)
    if AIRFLOW_3:
        dr = dag.test(run_conf=run_conf)
    else:
        dr = dag.test(execution_date=datetime.now(UTC), run_conf=run_conf)
    from airflow.models import DagRun
    from airflow.utils.session import create_session

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
    result = parse() if command == "parse" else run(args[0], json.loads(args[1]))
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
