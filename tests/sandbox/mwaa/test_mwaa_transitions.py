"""Status transitions: delays on a manual clock, poll counts, busy states."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mwaa_pause_resume.sandbox.mwaa import Delays, ManualClock, MwaaBackend

Request = Callable[..., dict[str, Any]]


def status(client: Any, name: str = "env-a") -> str:
    return str(client.get_environment(Name=name)["Environment"]["Status"])


def test_creating_until_the_delay_has_elapsed(
    client: Any, backend: MwaaBackend, clock: ManualClock, make_request: Request
) -> None:
    backend.delays = Delays(create_seconds=1200)
    client.create_environment(**make_request())
    assert status(client) == "CREATING"
    clock.advance(1199)
    assert status(client) == "CREATING"
    clock.advance(1)
    assert status(client) == "AVAILABLE"


def test_creating_for_a_number_of_polls(
    client: Any, backend: MwaaBackend, make_request: Request
) -> None:
    backend.delays = Delays(create_polls=2)
    client.create_environment(**make_request())
    assert [status(client) for _ in range(3)] == ["CREATING", "CREATING", "AVAILABLE"]


def test_deleting_then_gone(
    client: Any,
    backend: MwaaBackend,
    clock: ManualClock,
    make_request: Request,
    airflow: Any,
) -> None:
    backend.seed(make_request())
    backend.delays = Delays(delete_seconds=600, delete_polls=1)
    client.delete_environment(Name="env-a")
    assert status(client) == "DELETING"
    clock.advance(600)
    assert "env-a" in airflow.environments  # the backend is torn down on completion
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_environment(Name="env-a")
    assert "env-a" not in airflow.environments


def test_updating_then_available(client: Any, backend: MwaaBackend, make_request: Request) -> None:
    backend.seed(make_request())
    backend.delays = Delays(update_polls=1)
    client.update_environment(Name="env-a", MinWorkers=2)
    assert status(client) == "UPDATING"
    assert status(client) == "AVAILABLE"


@pytest.mark.parametrize("operation", ["delete", "update"])
def test_busy_environment_refuses_changes(
    client: Any, backend: MwaaBackend, make_request: Request, operation: str
) -> None:
    backend.delays = Delays(create_seconds=60)
    client.create_environment(**make_request())
    with pytest.raises(client.exceptions.ValidationException) as caught:
        if operation == "delete":
            client.delete_environment(Name="env-a")
        else:
            client.update_environment(Name="env-a", MinWorkers=2)
    assert "CREATING" in caught.value.response["Error"]["Message"]


def test_settle_all_completes_pending_transitions(
    client: Any, backend: MwaaBackend, make_request: Request
) -> None:
    backend.delays = Delays(create_seconds=3600, create_polls=10)
    client.create_environment(**make_request("env-a"))
    client.create_environment(**make_request("env-b"))
    backend.settle_all()
    assert status(client, "env-a") == status(client, "env-b") == "AVAILABLE"


def test_forced_status_is_reported(
    client: Any, backend: MwaaBackend, make_request: Request
) -> None:
    backend.seed(make_request())
    backend.set_status("env-a", "MAINTENANCE")
    assert status(client) == "MAINTENANCE"
    with pytest.raises(client.exceptions.ValidationException):
        client.invoke_rest_api(Name="env-a", Method="GET", Path="/dags")


def test_invoke_rest_api_refused_while_creating(
    client: Any, backend: MwaaBackend, make_request: Request
) -> None:
    backend.delays = Delays(create_polls=5)
    client.create_environment(**make_request())
    with pytest.raises(client.exceptions.ValidationException) as caught:
        client.invoke_rest_api(Name="env-a", Method="GET", Path="/dags")
    assert "CREATING" in caught.value.response["Error"]["Message"]


def test_name_is_taken_until_deletion_completes(
    client: Any, backend: MwaaBackend, clock: ManualClock, make_request: Request
) -> None:
    backend.seed(make_request())
    backend.delays = Delays(delete_seconds=60)
    client.delete_environment(Name="env-a")
    with pytest.raises(client.exceptions.ValidationException):
        client.create_environment(**make_request())
    clock.advance(60)
    client.create_environment(**make_request())
    assert status(client) == "AVAILABLE"
