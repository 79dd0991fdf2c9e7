"""Runs inside an emulated environment's Airflow virtualenv: trigger one DAG run, then run it.

    python -m mwaa_pause_resume.sandbox.airflow_backend_runner DAG_ID BODY_JSON ANSWER_FILE

1. Trigger, as Airflow's REST API does it (same request schema, same
   ``dag.create_dagrun(state=QUEUED, triggered_by=REST_API)`` on the DAG
   serialized in the database, same response serializer). The HTTP status and
   JSON answer are written to ANSWER_FILE (atomically) for the emulator.
2. Like the scheduler: leave the run queued while its DAG is paused or at its
   max_active_runs, then mark it running and run its task instances with the
   machinery ``dag.test()`` uses (``DagRun.update_state`` to find schedulable
   tasks, the version's ``_run_task`` to execute each one in this process,
   triggers inline). Real
   task code, real state transitions in the metadata database; no scheduler,
   executor or task subprocesses.

Airflow 3 caveat: tasks run through the task SDK's in-process supervisor, which
does not stop task code from using the ORM (a real worker would). The product's
DAGs avoid the ORM on Airflow 3 on their own; this runner cannot prove it.

Imports Airflow: never import this module in the tool's own virtualenv.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

from airflow import __version__ as AIRFLOW_VERSION

from mwaa_pause_resume.sandbox.airflow_backend_rest import run_exists

AIRFLOW_3 = int(AIRFLOW_VERSION.split(".")[0]) >= 3
QUEUED_POLL_SECONDS = 1.0
log = logging.getLogger("mwaa_emulator.runner")


class Answer(Exception):
    """An HTTP answer that ends the trigger phase (errors)."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def _error_v2(status: int, title: str, detail: str) -> Answer:
    kind = {400: "BadRequest", 404: "NotFound", 409: "AlreadyExists"}.get(status, "Unknown")
    link = (
        f"https://airflow.apache.org/docs/apache-airflow/{AIRFLOW_VERSION}/"
        f"stable-rest-api-ref.html#section/Errors/{kind}"
    )
    return Answer(status, {"status": status, "title": title, "detail": detail, "type": link})


def _write_answer(path: Path, status: int, body: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"status": status, "body": body}, default=str))
    os.replace(tmp, path)


# -- trigger (the REST API's code path) ----------------------------------------------


def _trigger_v2(dag_id: str, raw: dict[str, Any], session: Any) -> tuple[Any, dict[str, Any]]:
    import pendulum
    from airflow.api_connexion.schemas.dag_run_schema import dagrun_schema
    from airflow.models import DagModel, DagRun
    from airflow.models.dagbag import DagBag
    from airflow.timetables.base import DataInterval
    from airflow.utils.state import DagRunState
    from airflow.utils.types import DagRunType
    from marshmallow import ValidationError
    from sqlalchemy import or_, select

    dm = session.scalar(select(DagModel).where(DagModel.is_active, DagModel.dag_id == dag_id))
    if dm is None:
        raise _error_v2(404, "DAG not found", f"DAG with dag_id: '{dag_id}' not found")
    if dm.has_import_errors:
        raise _error_v2(
            400, "DAG cannot be triggered", f"DAG with dag_id: '{dag_id}' has import errors"
        )
    try:
        body = dagrun_schema.load(raw, session=session)
    except ValidationError as err:
        raise _error_v2(400, "Bad Request", str(err)) from err
    logical_date = pendulum.instance(body["execution_date"])
    run_id = body["run_id"]
    existing = session.scalar(
        select(DagRun).where(
            DagRun.dag_id == dag_id,
            or_(DagRun.run_id == run_id, DagRun.execution_date == logical_date),
        )
    )
    if existing is not None:
        if existing.execution_date != logical_date:
            raise Answer(*run_exists(2, dag_id, run_id))
        detail = (
            f"DAGRun with DAG ID: '{dag_id}' and DAGRun logical date: "
            f"'{logical_date.isoformat(sep=' ')}' already exists"
        )
        raise _error_v2(409, "Conflict", detail)
    bag = DagBag(read_dags_from_db=True)
    dag = bag.get_dag(dag_id, session=session)
    start, end = body.get("data_interval_start"), body.get("data_interval_end")
    if start and end:
        interval = DataInterval(start=pendulum.instance(start), end=pendulum.instance(end))
    else:
        interval = dag.timetable.infer_manual_data_interval(run_after=logical_date)
    try:
        run = dag.create_dagrun(
            run_type=DagRunType.MANUAL,
            run_id=run_id,
            execution_date=logical_date,
            data_interval=interval,
            state=DagRunState.QUEUED,
            conf=body.get("conf"),
            external_trigger=True,
            dag_hash=bag.dags_hash.get(dag_id),
            session=session,
        )
    except ValueError as err:
        raise _error_v2(400, "Bad Request", str(err)) from err
    if body.get("note"):
        run.note = (body["note"], None)
    session.commit()
    return run, dict(dagrun_schema.dump(run))


def _trigger_v3(dag_id: str, raw: dict[str, Any], session: Any) -> tuple[Any, dict[str, Any]]:
    from airflow.api_fastapi.common.dagbag import create_dag_bag
    from airflow.api_fastapi.core_api.datamodels.dag_run import (
        DAGRunResponse,
        TriggerDAGRunPostBody,
    )
    from airflow.models import DagModel, DagRun
    from airflow.sdk.definitions.param import ParamValidationError
    from airflow.utils.state import DagRunState
    from airflow.utils.types import DagRunTriggeredByType, DagRunType
    from pydantic import ValidationError
    from sqlalchemy import select

    try:
        body = TriggerDAGRunPostBody.model_validate(raw)
    except ValidationError as err:
        problems = [
            {**e, "loc": ["body", *e["loc"]]}
            for e in err.errors(include_url=False, include_context=False)
        ]
        raise Answer(422, {"detail": problems}) from err
    dm = session.scalar(select(DagModel).where(~DagModel.is_stale, DagModel.dag_id == dag_id))
    if dm is None:
        raise Answer(404, {"detail": f"DAG with dag_id: '{dag_id}' not found"})
    if dm.has_import_errors:
        detail = f"DAG with dag_id: '{dag_id}' has import errors and cannot be triggered"
        raise Answer(400, {"detail": detail})
    try:
        dag = create_dag_bag().get_dag(dag_id, session=session)
        params = body.validate_context(dag)
        if session.scalar(
            select(DagRun.id).where(DagRun.dag_id == dag_id, DagRun.run_id == params["run_id"])
        ):
            raise Answer(*run_exists(3, dag_id, params["run_id"]))
        run = dag.create_dagrun(
            run_id=params["run_id"],
            logical_date=params["logical_date"],
            data_interval=params["data_interval"],
            run_after=params["run_after"],
            conf=params["conf"],
            run_type=DagRunType.MANUAL,
            triggered_by=DagRunTriggeredByType.REST_API,
            state=DagRunState.QUEUED,
            session=session,
        )
    except (ValueError, ParamValidationError) as err:
        raise Answer(400, {"detail": str(err)}) from err
    if body.note:
        run.note = (body.note, None)
    session.commit()
    return run, DAGRunResponse.model_validate(run).model_dump(mode="json")


# -- run (the scheduler's part, dag.test's loop) --------------------------------------


def _start_when_allowed(session: Any, dag_id: str, run_id: str) -> Any:
    """Like the scheduler: a queued run starts once its DAG is unpaused and under its
    max_active_runs; None if the run left ``queued`` meanwhile (e.g. marked failed)."""
    from airflow.models import DagModel, DagRun
    from airflow.utils import timezone
    from airflow.utils.state import DagRunState
    from sqlalchemy import func, select, text

    while True:
        # Runs of one DAG start one at a time, whatever process runs them.
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:d))"), {"d": dag_id})
        dr = session.scalar(select(DagRun).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id))
        if dr is None or dr.state != DagRunState.QUEUED:
            session.rollback()
            return None
        dm = session.scalar(select(DagModel).where(DagModel.dag_id == dag_id))
        running = session.scalar(
            select(func.count())
            .select_from(DagRun)
            .where(DagRun.dag_id == dag_id, DagRun.state == DagRunState.RUNNING)
        )
        if not dm.is_paused and (not dm.max_active_runs or running < dm.max_active_runs):
            dr.state = DagRunState.RUNNING  # as SchedulerJobRunner._start_queued_dagruns
            dr.start_date = timezone.utcnow()
            session.commit()
            return dr
        session.rollback()
        time.sleep(QUEUED_POLL_SECONDS)


def _file_dag(fileloc: str, dag_id: str) -> Any:
    """The DAG as its file defines it (with the task callables), like a worker parses it."""
    from airflow.configuration import conf
    from airflow.models.dagbag import DagBag

    folder = fileloc if os.path.exists(fileloc) else conf.get("core", "dags_folder")
    bag = DagBag(folder, include_examples=False)
    dag = bag.get_dag(dag_id)
    if dag is None:
        raise RuntimeError(f"DAG {dag_id} not found in {folder}: {bag.import_errors}")
    return dag


def _execute(dag_id: str, run_id: str) -> str:
    from airflow import settings
    from airflow.models import DagModel
    from airflow.utils import timezone
    from airflow.utils.state import DagRunState, State, TaskInstanceState
    from sqlalchemy import select

    session = settings.Session()
    dr = _start_when_allowed(session, dag_id, run_id)
    if dr is None:
        return "not started"
    fileloc = session.scalar(select(DagModel.fileloc).where(DagModel.dag_id == dag_id))
    dr.dag = _file_dag(str(fileloc), dag_id)
    dag = dr.dag
    if AIRFLOW_3:
        dr.start_dr_spans_if_needed(tis=[])
    while dr.state == DagRunState.RUNNING:
        session.expire_all()
        schedulable, _ = dr.update_state(session=session)
        for ti in schedulable:
            if ti.state != TaskInstanceState.UP_FOR_RESCHEDULE:
                ti.try_number += 1
            ti.state = TaskInstanceState.SCHEDULED
            if AIRFLOW_3:
                ti.scheduled_dttm = timezone.utcnow()
        session.commit()
        all_tis = set(dr.get_task_instances(session=session))
        scheduled = {t for t in all_tis if t.state == TaskInstanceState.SCHEDULED}
        if not scheduled and {t for t in all_tis if t.state not in State.finished}:
            time.sleep(1)  # waiting on something else (e.g. a reschedule): as dag.test does
        for ti in scheduled:
            ti.task = dag.task_dict[ti.task_id]
            try:
                _run_task(ti, session)
            except Exception:
                log.exception("task %s failed", ti.task_id)
    state = str(dr.state)
    session.close()
    return state


def _run_task(ti: Any, session: Any) -> None:
    if AIRFLOW_3:
        from airflow.sdk.definitions.dag import _run_task as run_task_v3

        run_task_v3(ti=ti, run_triggerer=True)
    else:
        from airflow.models.dag import _run_task as run_task_v2

        run_task_v2(ti=ti, inline_trigger=True, session=session)


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="[%(asctime)s] %(name)s %(levelname)s - %(message)s"
    )
    dag_id, raw, answer_file = sys.argv[1], json.loads(sys.argv[2]), Path(sys.argv[3])
    from airflow.utils.session import create_session

    try:
        with create_session() as session:
            trigger = _trigger_v3 if AIRFLOW_3 else _trigger_v2
            run, payload = trigger(dag_id, raw, session)
            run_id = run.run_id
    except Answer as answer:
        _write_answer(answer_file, answer.status, answer.body)
        return
    _write_answer(answer_file, 200, payload)
    log.info("triggered %s/%s; running it", dag_id, run_id)
    state = _execute(dag_id, run_id)
    log.info("DAG run %s/%s finished: %s", dag_id, run_id, state)


if __name__ == "__main__":
    main()
