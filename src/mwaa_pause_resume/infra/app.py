"""Build and synthesize the CDK app from a :class:`Config`, offline (no cdk CLI, no credentials).

The cdk CLI runs this module as its app (``python -m mwaa_pause_resume.infra.app``,
see :mod:`cdk_cli`); ``mwaa-pause-resume synth`` calls :func:`synth` directly.
cdk-nag's AwsSolutions checks run on every synthesis: a finding that is not
acknowledged in code (with its reason) fails it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mwaa_pause_resume.config.model import Config
from mwaa_pause_resume.config.stack_layout import StackLayout
from mwaa_pause_resume.errors import UserError

APP_CONFIG_ENV = "MWAA_PAUSE_RESUME_CONFIG"  # the config path, for the cdk CLI's app command
STACK_ID = "MwaaPauseResume"
# Feature flags a new `cdk init` project would set and that this stack relies on.
FEATURE_FLAGS: dict[str, Any] = {
    # Server access logs delivered through a bucket policy, not the legacy ACL.
    "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True,
}


@dataclass(frozen=True)
class Synthesized:
    outdir: Path
    stack_name: str
    template_path: Path
    template: dict[str, Any]
    # The nested layout's groups: construct id (GroupNN) -> its template file and template.
    nested: dict[str, tuple[Path, dict[str, Any]]] = field(default_factory=dict)


def build_app(
    config: Config,
    outdir: Path | None = None,
    *,
    context: dict[str, Any] | None = None,
    nag: bool = True,
    layout: StackLayout | None = None,
) -> tuple[Any, Any]:
    """(app, stack) for ``config``; nothing is written until ``app.synth()``.

    ``layout`` (tests, benchmarks) overrides the one :func:`choose_layout` picks.
    """
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    try:
        import aws_cdk as cdk
    except ImportError:
        raise UserError(
            "the CDK app needs aws-cdk-lib, which is not installed",
            hint="pip install 'mwaa-pause-resume[cdk]' (aws-cdk-lib, constructs, cdk-nag)",
        ) from None

    from mwaa_pause_resume.config.stack_size import choose_layout
    from mwaa_pause_resume.infra.dag_bundle import stage_dag_bundle
    from mwaa_pause_resume.infra.lambda_bundle import build_lambda_bundle
    from mwaa_pause_resume.infra.nag import acknowledge_findings
    from mwaa_pause_resume.infra.stack import PauseResumeStack

    if not config.environments:
        raise UserError(
            f"{config.source} configures no environment: nothing to deploy",
            hint="add an [[environments]] entry (see examples/)",
        )
    resources = config.deployment.resources_folder
    app = cdk.App(
        outdir=str(outdir) if outdir is not None else None,
        analytics_reporting=False,
        # CDK's built-in CloudFormation validation engine costs ~10 s per synth here;
        # the template is checked by cfn-lint in the tests and by cdk-nag below.
        builtin_cloud_formation_validation=False,
        context={**FEATURE_FLAGS, **(context or {})},
    )
    deployment = config.deployment
    env = (
        cdk.Environment(account=deployment.account, region=deployment.region)
        if deployment.account or deployment.region
        else None
    )
    stack = PauseResumeStack(
        app,
        STACK_ID,
        config=config,
        lambda_bundle=build_lambda_bundle(),
        dag_bundle=stage_dag_bundle(Path(resources) if resources else None),
        env=env,
        layout=layout or choose_layout(config),
    )
    if nag:
        from cdk_nag import AwsSolutionsChecks

        acknowledge_findings(stack)
        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app, stack


def synth(
    config: Config,
    outdir: Path,
    *,
    context: dict[str, Any] | None = None,
    nag: bool = True,
    layout: StackLayout | None = None,
) -> Synthesized:
    """Write the cloud assembly to ``outdir`` and return the stack's template."""
    app, stack = build_app(config, outdir, context=context, nag=nag, layout=layout)
    try:
        assembly = app.synth()
    except Exception as exc:  # jsii surfaces validation failures as RuntimeError
        if "validation" in str(exc).lower() or "Validation" in type(exc).__name__:
            raise UserError(
                f"the synthesized stack failed its checks: {exc}",
                hint="this is a bug in mwaa-pause-resume's infrastructure code; please report it",
            ) from None
        raise
    artifact = assembly.get_stack_by_name(stack.stack_name)
    outdir = Path(assembly.directory)
    nested = {}
    for group in stack.groups:
        path = outdir / group.template_file
        nested[group.node.id] = (path, json.loads(path.read_text(encoding="utf-8")))
    return Synthesized(
        outdir=outdir,
        stack_name=stack.stack_name,
        template_path=outdir / artifact.template_file,
        template=artifact.template,
        nested=nested,
    )


def main() -> None:
    """Entry point for the cdk CLI (``cdk.json``'s app): config path from the environment."""
    from mwaa_pause_resume.config import load_config
    from mwaa_pause_resume.infra.role_policy_size import refuse_oversized_roles

    path = os.environ.get(APP_CONFIG_ENV)
    config = refuse_oversized_roles(load_config(Path(path) if path else None))
    app, _ = build_app(
        config, Path(os.environ["CDK_OUTDIR"]) if "CDK_OUTDIR" in os.environ else None
    )
    app.synth()


if __name__ == "__main__":
    main()
