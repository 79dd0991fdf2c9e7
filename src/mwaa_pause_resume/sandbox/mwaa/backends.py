"""What stands behind an emulated environment: the seam between MWAA's control plane
(models.py) and the Airflow the environment runs.

The emulator owns environment records, statuses and errors; a backend owns the
Airflow side. Two backends are planned:

- ``InMemoryAirflowBackend`` (fake_airflow.py): a scripted fake of the few Airflow
  REST endpoints the workflows call, to test the emulator and the workflows'
  control flow.
- The sandbox's real backend (not here yet): ``on_create`` creates a PostgreSQL
  database for the environment, generates its own Fernet key and runs
  ``airflow db migrate``; ``invoke_rest_api`` serves the same REST paths against
  that database and starts a real Airflow process for each triggered DAG run;
  ``on_delete`` drops the database. It only has to implement this protocol.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class EnvironmentBackend(Protocol):
    """Airflow behind emulated environments. Calls are serialized by the emulator."""

    def on_create(self, name: str, request: Mapping[str, Any]) -> None:
        """Bring up the environment's Airflow; ``request`` is the CreateEnvironment input.

        Called when the environment leaves CREATING. Raising makes the environment
        CREATE_FAILED with the exception text as its LastUpdate error message.
        """

    def on_delete(self, name: str) -> None:
        """Tear the environment's Airflow down (called when DELETING completes)."""

    def invoke_rest_api(
        self,
        name: str,
        method: str,
        path: str,
        query: Mapping[str, Any],
        body: Any,
    ) -> tuple[int, dict[str, Any]]:
        """Airflow's answer to one REST call: (HTTP status, JSON body)."""


class NoAirflowBackend:
    """Environments without Airflow: every REST call answers 503, as a webserver that
    is not there would. The default when a test only needs the control plane."""

    def on_create(self, name: str, request: Mapping[str, Any]) -> None:
        return None

    def on_delete(self, name: str) -> None:
        return None

    def invoke_rest_api(
        self,
        name: str,
        method: str,
        path: str,
        query: Mapping[str, Any],
        body: Any,
    ) -> tuple[int, dict[str, Any]]:
        return 503, {"title": "Service Unavailable", "detail": "no Airflow backend configured"}
