"""A running MWAA emulator with the in-memory Airflow fake, and boto3 clients for it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mwaa_pause_resume.sandbox.mwaa import (
    DagSpec,
    InMemoryAirflowBackend,
    ManualClock,
    MwaaBackend,
    MwaaServer,
)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def airflow() -> InMemoryAirflowBackend:
    return InMemoryAirflowBackend([DagSpec("export_dag"), DagSpec("import_dag")])


@pytest.fixture
def backend(airflow: InMemoryAirflowBackend, clock: ManualClock) -> MwaaBackend:
    return MwaaBackend(airflow, clock=clock)


@pytest.fixture
def server(backend: MwaaBackend) -> Iterator[MwaaServer]:
    with MwaaServer(backend) as running:
        yield running


@pytest.fixture
def client(server: MwaaServer) -> Any:
    """No client-side retries: each call reaches the emulator once."""
    return server.client(retries={"mode": "standard", "total_max_attempts": 1})


@pytest.fixture
def make_request() -> Callable[..., dict[str, Any]]:
    """A minimal valid CreateEnvironment request; keyword arguments override."""

    def make(name: str = "env-a", **overrides: Any) -> dict[str, Any]:
        request: dict[str, Any] = {
            "Name": name,
            "ExecutionRoleArn": "arn:aws:iam::123456789012:role/mwaa-exec",
            "SourceBucketArn": "arn:aws:s3:::mwaa-bucket",
            "DagS3Path": "dags",
            "NetworkConfiguration": {
                "SubnetIds": ["subnet-0a", "subnet-0b"],
                "SecurityGroupIds": ["sg-0a"],
            },
            "AirflowVersion": "2.10.3",
        }
        request.update(overrides)
        return request

    return make
