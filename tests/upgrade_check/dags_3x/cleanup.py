"""The cleanup DAG fixed for Airflow 3: it asks the REST API, not the database (fixture)."""

import pendulum
from airflow.sdk import Variable, dag, task


@dag(schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"))
def cleanup():
    @task
    def count(**context):
        from airflow_client import client

        api = client.DagRunApi(client.ApiClient(client.Configuration(host=Variable.get("api"))))
        return api.get_dag_runs(dag_id="etl_daily", state=["success"]).total_entries

    count()


cleanup()
