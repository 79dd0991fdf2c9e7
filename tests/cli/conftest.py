"""The operator commands against the resources as deployed: the synthesized state
machines executed by moto with the real handlers (``sandbox.sfn_local``), the backup
bucket and the CloudFormation stack whose outputs name them, and the MWAA emulator
whose environments run the scripted export/import DAGs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mwaa_pause_resume.sandbox.mwaa import MwaaBackend
from mwaa_pause_resume.sandbox.scripted_airflow import ScriptedDagsAirflow
from mwaa_pause_resume.sandbox.sfn_local import LocalWorkflows
from tests.cli.cli_ops_helpers import (
    BUCKET,
    CONFIG,
    STACK,
    Deployed,
    MakeDeployed,
    dag_specs,
    environment_request,
    stack_template,
)


@pytest.fixture
def make_deployed(tmp_path: Path) -> Iterator[MakeDeployed]:
    """``make_deployed(airflow=..., seed=True, stack=True, wait_pause_seconds=0)``."""
    started: list[LocalWorkflows] = []

    def make(
        airflow: ScriptedDagsAirflow | None = None,
        *,
        seed: bool = True,
        stack: bool = True,
        wait_pause_seconds: float = 0.0,
    ) -> Deployed:
        backend = MwaaBackend(airflow or ScriptedDagsAirflow(dag_specs()))
        local = LocalWorkflows(backend, wait_pause_seconds=wait_pause_seconds).start()
        started.append(local)
        if stack:
            local.client("cloudformation").create_stack(
                StackName=STACK,
                TemplateBody=stack_template(
                    local.state_machine_arns["pause"], local.state_machine_arns["resume"]
                ),
            )
        else:
            local.create_bucket(BUCKET)
        if seed:
            local.mwaa.seed(environment_request())
        config = tmp_path / "mwaa-pause-resume.toml"
        config.write_text(CONFIG, encoding="utf-8")
        return Deployed(local, config, CliRunner())

    yield make
    for local in started:
        local.stop()
