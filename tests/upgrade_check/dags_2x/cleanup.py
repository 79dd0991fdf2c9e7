"""A DAG whose tasks read the metadata database, as Airflow 2 allowed (fixture)."""

import pendulum
from airflow.decorators import dag, task
from airflow.models import DagRun
from airflow.settings import Session
from airflow.utils.session import provide_session


@provide_session
def successful_runs(session=None):
    return session.query(DagRun).filter(DagRun.state == "success").count()


@dag(schedule_interval=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"))
def cleanup():
    @task
    def count():
        session = Session()
        return session.query(DagRun).count() + len(DagRun.find(dag_id="etl_daily"))

    count()


cleanup()
