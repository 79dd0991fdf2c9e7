"""Airflow sample DAG: a task deferring on a trigger due far in the future (a run in flight)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from mwaa_pause_resume.sandbox.sample_dags.compat import DAG, BaseOperator, DateTimeTrigger


class WaitForMoment(BaseOperator):  # type: ignore[misc]
    """Defers until ``days`` from now, carrying awkward next_kwargs."""

    def __init__(self, days: int = 30, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.days = days

    def execute(self, context: Any) -> None:
        moment = datetime.now(UTC) + timedelta(days=self.days)
        self.defer(
            trigger=DateTimeTrigger(moment=moment),
            method_name="resume",
            kwargs={"label": 'deferred, "quoted" | \\ \u00e9', "attempt": 1},
        )

    def resume(self, context: Any, event: Any = None, **kwargs: Any) -> Any:
        return kwargs.get("label")


with DAG(
    dag_id="sample_deferred",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["sample"],
):
    WaitForMoment(task_id="wait_far_future")
