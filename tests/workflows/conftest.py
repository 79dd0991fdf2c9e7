"""Fixtures of the workflow tests: a started LocalWorkflows per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mwaa_pause_resume.sandbox.mwaa import MwaaBackend
from mwaa_pause_resume.sandbox.sfn_local import LocalWorkflows
from tests.workflows.workflow_fakes import BUCKET, ContractAirflow, dag_specs, environment_request


@pytest.fixture
def make_local() -> Iterator[Callable[..., LocalWorkflows]]:
    """``make_local(airflow=..., seed=True, delays=...)`` -> a started LocalWorkflows."""
    started: list[LocalWorkflows] = []

    def make(
        airflow: ContractAirflow | None = None, *, seed: bool = True, **backend_kwargs: Any
    ) -> LocalWorkflows:
        airflow = airflow or ContractAirflow(dag_specs())
        local = LocalWorkflows(MwaaBackend(airflow, **backend_kwargs)).start()
        started.append(local)
        local.create_bucket(BUCKET)
        if seed:
            local.mwaa.seed(environment_request())
        return local

    yield make
    for local in started:
        local.stop()
