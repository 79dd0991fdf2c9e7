"""MWAA emulator, moto-style: state (models), wire format (responses), routing (urls),
an HTTP server (server), and pluggable Airflow backends (backends, fake_airflow)."""

from mwaa_pause_resume.sandbox.mwaa.backends import EnvironmentBackend, NoAirflowBackend
from mwaa_pause_resume.sandbox.mwaa.fake_airflow import (
    DagSpec,
    FakeAirflow,
    InMemoryAirflowBackend,
    RunScript,
)
from mwaa_pause_resume.sandbox.mwaa.faults import Faults
from mwaa_pause_resume.sandbox.mwaa.models import (
    Delays,
    EmulatedEnvironment,
    ManualClock,
    MwaaBackend,
    MwaaError,
)
from mwaa_pause_resume.sandbox.mwaa.server import MwaaServer

__all__ = [
    "DagSpec",
    "Delays",
    "EmulatedEnvironment",
    "EnvironmentBackend",
    "FakeAirflow",
    "Faults",
    "InMemoryAirflowBackend",
    "ManualClock",
    "MwaaBackend",
    "MwaaError",
    "MwaaServer",
    "NoAirflowBackend",
    "RunScript",
]
