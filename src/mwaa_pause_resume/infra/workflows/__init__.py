"""The pause and resume state machines, defined with aws-cdk-lib's Step Functions
constructs so that the deployed stack and the tests run the same ASL.

``PauseResumeWorkflows`` (construct) and ``synthesize_definitions`` import aws-cdk-lib
lazily; :mod:`.policy` is pure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mwaa_pause_resume.infra.workflows.construct import PauseResumeWorkflows


def __getattr__(name: str) -> Any:
    if name == "PauseResumeWorkflows":
        from mwaa_pause_resume.infra.workflows.construct import PauseResumeWorkflows

        return PauseResumeWorkflows
    if name == "synthesize_definitions":
        from mwaa_pause_resume.infra.workflows.synth import synthesize_definitions

        return synthesize_definitions
    raise AttributeError(name)


__all__ = ["PauseResumeWorkflows", "synthesize_definitions"]
