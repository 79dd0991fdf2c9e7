"""``PauseResumeWorkflows``: the two Standard state machines, one pair for every
configured environment (the environment comes in the execution input)."""

from __future__ import annotations

from collections.abc import Mapping

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from mwaa_pause_resume.infra.workflows import policy
from mwaa_pause_resume.infra.workflows.pause import build_pause
from mwaa_pause_resume.infra.workflows.resume import build_resume


class PauseResumeWorkflows(Construct):
    """The pause and resume state machines over the given Lambda functions.

    ``functions`` maps every key of :data:`policy.FUNCTION_KEYS` to its function (the
    handler is ``mwaa_pause_resume.functions.HANDLERS[key]``). The state machines'
    role may invoke them; the functions' own permissions (MWAA, S3, KMS) are the
    caller's to grant. ``logs`` is passed to both state machines.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: Mapping[str, lambda_.IFunction],
        logs: sfn.LogOptions | None = None,
        tracing_enabled: bool | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        missing = sorted(set(policy.FUNCTION_KEYS) - set(functions))
        if missing:
            raise ValueError(f"PauseResumeWorkflows needs functions for: {', '.join(missing)}")
        timeout = cdk.Duration.seconds(policy.STATE_MACHINE_TIMEOUT_SECONDS)
        self.pause = sfn.StateMachine(
            self,
            "PauseWorkflow",
            definition_body=sfn.DefinitionBody.from_chainable(
                build_pause(Construct(self, "PauseStates"), functions)
            ),
            state_machine_type=sfn.StateMachineType.STANDARD,
            timeout=timeout,
            comment="Pause an MWAA environment: snapshot, verify, delete.",
            logs=logs,
            tracing_enabled=tracing_enabled,
        )
        self.resume = sfn.StateMachine(
            self,
            "ResumeWorkflow",
            definition_body=sfn.DefinitionBody.from_chainable(
                build_resume(Construct(self, "ResumeStates"), functions)
            ),
            state_machine_type=sfn.StateMachineType.STANDARD,
            timeout=timeout,
            comment="Resume an MWAA environment: re-create it and restore its metadata.",
            logs=logs,
            tracing_enabled=tracing_enabled,
        )

    def state_machine(self, workflow: str) -> sfn.StateMachine:
        return {"pause": self.pause, "resume": self.resume}[workflow]
