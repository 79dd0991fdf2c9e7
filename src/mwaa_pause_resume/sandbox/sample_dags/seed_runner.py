"""Runs inside an Airflow virtualenv: fills the metadata database with real history.

Invoked by :func:`mwaa_pause_resume.sandbox.history.seed_history` as
``python -m mwaa_pause_resume.sandbox.sample_dags.seed_runner``. Everything is
written by Airflow's own code: ``dag.test()`` runs, the task runner's deferral
path, and the ORM models (which encrypt with the configured Fernet key). Prints
one JSON line describing the runs it made.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from airflow import __version__ as AIRFLOW_VERSION

AIRFLOW_3 = int(AIRFLOW_VERSION.split(".")[0]) >= 3
# 3.2 moved DAG-bag syncing and dag.test's run helper, and serializes with DagSerialization.
AIRFLOW_3_2 = tuple(int(p) for p in AIRFLOW_VERSION.split(".")[:2]) >= (3, 2)
AWKWARD = 'comma, "quote", pipe | back\\slash\nnewline \u00e9\u4e2d\U0001f600'

VARIABLES: dict[str, str] = {
    "sample_plain": "plain value",
    "sample_json": json.dumps({"threshold": 3, "names": ["a", "b"], "text": AWKWARD}),
    "sample_secret_token": "t0k3n,with|odd\\chars",
    "sample_empty": "",
}
PLAINTEXT_VARIABLE = "sample_unencrypted"  # stored with is_encrypted = false


def _dags_folder_bundle() -> Any:
    """Airflow 3's "dags-folder" bundle, registered in the database and initialised."""
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.utils.session import create_session

    manager = DagBundlesManager()
    with create_session() as session:
        manager.sync_bundles_to_db(session=session)
    bundle = manager.get_bundle("dags-folder")
    bundle.initialize()
    return bundle


def sync_dags(dags_folder: str) -> Any:
    """Parse the sample DAGs and write DAG/serialized rows, as the DAG processor would."""
    if AIRFLOW_3_2:
        from airflow.dag_processing.dagbag import BundleDagBag, sync_bag_to_db

        bundle = _dags_folder_bundle()
        bag = BundleDagBag(
            dag_folder=bundle.path, bundle_path=bundle.path, bundle_name="dags-folder"
        )
        sync_bag_to_db(bag, "dags-folder", None)
    elif AIRFLOW_3:
        from airflow.models.dagbag import DagBag
        from airflow.utils.session import create_session

        bundle = _dags_folder_bundle()
        bag = DagBag(str(bundle.path), bundle_path=bundle.path, include_examples=False)
        with create_session() as session:
            bag.sync_to_db("dags-folder", bundle_version=None, session=session)
    else:
        from airflow.models.dagbag import DagBag

        bag = DagBag(dags_folder, include_examples=False)
        bag.sync_to_db()
    if bag.import_errors:
        raise RuntimeError(f"sample DAGs failed to import: {bag.import_errors}")
    return bag


def _seed_objects() -> None:
    """Variables (encrypted and not), connections with secrets, a custom pool."""
    from airflow.models import Connection, Pool, Variable
    from airflow.utils.session import create_session

    with create_session() as session:
        for key, value in VARIABLES.items():
            session.add(Variable(key=key, val=value, description=f"sample {key}"))
        plain = Variable(key=PLAINTEXT_VARIABLE, val="x")
        plain._val, plain.is_encrypted = "stored in clear", False
        session.add(plain)
        session.add(
            Connection(
                conn_id="sample_postgres",
                conn_type="postgres",
                host="db.example.internal",
                schema="analytics",
                login="etl_user",
                password='p@ss,w"rd|\\\u00e9',
                port=5432,
                extra=json.dumps({"sslmode": "require", "note": AWKWARD}),
                description="sample connection with a password and extra",
            )
        )
        session.add(
            Connection(
                conn_id="sample_http",
                conn_type="http",
                host="https://api.example.com",
                password="api-key-123",
                extra=json.dumps({"Authorization": "Bearer xyz"}),
            )
        )
        session.add(Connection(conn_id="sample_no_secret", conn_type="http", host="example.org"))
        session.add(
            Pool(pool="sample_pool", slots=4, description="sample pool", include_deferred=False)
        )


def _run(dag: Any, conf: dict[str, Any]) -> Any:
    if AIRFLOW_3:
        return dag.test(run_conf=conf)
    return dag.test(execution_date=datetime.now(UTC), run_conf=conf)


def _scheduler_dag(dag: Any) -> Any:
    """The DAG as the scheduler sees it (deserialized), as dag.test builds it."""
    if AIRFLOW_3_2:
        from airflow.serialization.serialized_objects import DagSerialization

        return DagSerialization.deserialize_dag(DagSerialization.serialize_dag(dag))
    from airflow.serialization.serialized_objects import SerializedDAG

    return SerializedDAG.deserialize_dag(SerializedDAG.serialize_dag(dag))


def _manual_interval(dag: Any, now: Any) -> Any:
    if AIRFLOW_3_2:
        from airflow.serialization.encoders import coerce_to_core_timetable

        return coerce_to_core_timetable(dag.timetable).infer_manual_data_interval(run_after=now)
    return dag.timetable.infer_manual_data_interval(run_after=now)


def _leave_deferred(dag: Any) -> Any:
    """Start a run whose task defers; stop there, leaving the TI deferred with its trigger.

    ``dag.test()`` would run the trigger inline; instead the run is created and its
    task executed through the same helpers dag.test uses, with inline triggering off.
    """
    from airflow.models.dagrun import DagRun
    from airflow.utils import timezone as af_tz
    from airflow.utils.session import create_session
    from airflow.utils.state import TaskInstanceState
    from airflow.utils.types import DagRunType

    now = af_tz.utcnow()
    conf = {"reason": "left deferred by the seed", "text": AWKWARD}
    with create_session() as session:
        if AIRFLOW_3:
            from airflow.utils.types import DagRunTriggeredByType

            scheduler_dag = _scheduler_dag(dag)
            run_id = DagRun.generate_run_id(
                run_type=DagRunType.MANUAL, logical_date=now, run_after=now
            )
            common = {
                "dag": scheduler_dag,
                "run_id": run_id,
                "logical_date": now,
                "data_interval": _manual_interval(dag, now),
                "run_after": now,
                "conf": conf,
                "triggered_by": DagRunTriggeredByType.TEST,
                "start_date": now,
                "session": session,
            }
            if AIRFLOW_3_2:
                from airflow.models.dagrun import get_or_create_dagrun

                dr = get_or_create_dagrun(**common, triggering_user_name="seed")
            else:
                from airflow.models.dag import _get_or_create_dagrun

                dr = _get_or_create_dagrun(**common)
        else:
            from airflow.models.dag import _get_or_create_dagrun

            interval = dag.timetable.infer_manual_data_interval(run_after=now)
            dr = _get_or_create_dagrun(
                dag=dag,
                conf=conf,
                start_date=now,
                execution_date=now,
                run_id=DagRun.generate_run_id(DagRunType.MANUAL, now),
                session=session,
                data_interval=interval,
            )
        ti = dr.get_task_instance("wait_far_future", session=session)
        ti.try_number += 1
        ti.state = TaskInstanceState.SCHEDULED
        session.commit()
        ti.task = dag.get_task("wait_far_future")
        if AIRFLOW_3_2:
            from airflow.sdk.definitions.dag import _run_task as run_task_v32

            run_task_v32(ti=ti, task=ti.task, run_triggerer=False)
        elif AIRFLOW_3:
            from airflow.sdk.definitions.dag import _run_task as run_task_v3

            run_task_v3(ti=ti, run_triggerer=False)
        else:
            from airflow.models.dag import _run_task as run_task_v2

            run_task_v2(ti=ti, inline_trigger=False, session=session)
        session.commit()
        ti.refresh_from_db(session=session)
        if ti.state != TaskInstanceState.DEFERRED:
            raise RuntimeError(f"sample_deferred task is {ti.state}, expected deferred")
        return dr.run_id


def _annotate(run_ids: dict[str, list[str]]) -> None:
    """Notes on a run and a task instance, a paused DAG, audit log entries."""
    from airflow.models import DagModel, DagRun, Log, TaskInstance
    from airflow.utils.session import create_session

    if not AIRFLOW_3:
        # Notes reference FAB's ab_user; its model is only loaded as a side effect of
        # syncing DAG permissions, which is skipped when the DAGs were parsed before.
        import airflow.providers.fab.auth_manager.models  # noqa: F401

    with create_session() as session:
        etl_run = (
            session.query(DagRun)
            .filter(DagRun.dag_id == "sample_etl", DagRun.run_id == run_ids["sample_etl"][0])
            .one()
        )
        etl_run.note = "first ETL run: " + AWKWARD
        ti = (
            session.query(TaskInstance)
            .filter(
                TaskInstance.dag_id == "sample_failure",
                TaskInstance.run_id == run_ids["sample_failure"][0],
                TaskInstance.task_id == "broken",
            )
            .one()
        )
        ti.note = "investigated: expected failure"
        session.query(DagModel).filter(DagModel.dag_id == "sample_paused").update(
            {DagModel.is_paused: True}
        )
        session.query(DagModel).filter(
            DagModel.dag_id.in_(["sample_etl", "sample_retry", "sample_failure", "sample_deferred"])
        ).update({DagModel.is_paused: False}, synchronize_session=False)
        for event, extra in (
            ("seed.variables", json.dumps({"keys": sorted(VARIABLES)})),
            ("seed.note", AWKWARD),
            ("paused", json.dumps({"dag_id": "sample_paused", "is_paused": True})),
        ):
            session.add(Log(event=event, owner="seed", extra=extra, dag_id="sample_paused"))


def _link_jobs(run_ids: dict[str, list[str]]) -> dict[str, int]:
    """Job rows and the references the scheduler and triggerer leave on other rows.

    dag.test() runs without a scheduler or triggerer, so their job rows are written
    here through Airflow's Job model and referenced as those components would:
    dag_run.creating_job_id, task_instance.queued_by_job_id (and job_id on 2.x),
    trigger.triggerer_id. Restores must remap all of these.
    """
    from airflow.jobs.job import Job
    from airflow.models import DagRun, TaskInstance, Trigger
    from airflow.utils import timezone as af_tz
    from airflow.utils.session import create_session

    def job(job_type: str) -> Any:
        row = Job()
        row.job_type, row.state, row.end_date = job_type, "success", af_tz.utcnow()
        return row

    with create_session() as session:
        scheduler, triggerer, local = job("SchedulerJob"), job("TriggererJob"), job("LocalTaskJob")
        session.add_all([scheduler, triggerer, local])
        session.flush()
        first_etl = run_ids["sample_etl"][0]
        session.query(DagRun).filter(DagRun.dag_id == "sample_etl").update(
            {DagRun.creating_job_id: scheduler.id}, synchronize_session=False
        )
        session.query(TaskInstance).filter(
            TaskInstance.dag_id == "sample_etl", TaskInstance.run_id == first_etl
        ).update({TaskInstance.queued_by_job_id: scheduler.id}, synchronize_session=False)
        if not AIRFLOW_3:  # Airflow 3 dropped task_instance.job_id
            session.query(TaskInstance).filter(
                TaskInstance.dag_id == "sample_etl", TaskInstance.run_id == first_etl
            ).update({TaskInstance.job_id: local.id}, synchronize_session=False)
        session.query(Trigger).update(
            {Trigger.triggerer_id: triggerer.id}, synchronize_session=False
        )
        return {"scheduler": scheduler.id, "triggerer": triggerer.id, "local_task": local.id}


def main() -> None:
    from airflow.configuration import conf

    logging.getLogger("airflow").setLevel(logging.WARNING)
    bag = sync_dags(conf.get("core", "dags_folder"))
    _seed_objects()
    runs: dict[str, list[str]] = {}
    plan: list[tuple[str, dict[str, Any]]] = [
        ("sample_etl", {"batch": "first", "text": AWKWARD}),
        ("sample_etl", {"batch": "second"}),
        ("sample_retry", {}),
        ("sample_failure", {}),
    ]
    states: dict[str, list[str]] = {}
    for dag_id, run_conf in plan:
        dr = _run(bag.get_dag(dag_id), run_conf)
        runs.setdefault(dag_id, []).append(dr.run_id)
        states.setdefault(dag_id, []).append(str(dr.state))
    runs["sample_deferred"] = [_leave_deferred(bag.get_dag("sample_deferred"))]
    states["sample_deferred"] = ["running"]
    _annotate(runs)
    jobs = _link_jobs(runs)
    print(
        json.dumps(
            {"airflow_version": AIRFLOW_VERSION, "runs": runs, "states": states, "jobs": jobs}
        )
    )


if __name__ == "__main__":
    main()
